import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { mean, sampleStd } from '../core/stats.js';
import { locationScale, MAD_TO_SIGMA, MEAN_AD_TO_SIGMA, medianSorted } from './location-scale.js';

const run = (xs: number[], method: 'robust' | 'classic') =>
  locationScale(Float64Array.from(xs), xs.length, method, new Float64Array(xs.length));

describe('locationScale', () => {
  it('takes the median and 1.4826 x MAD', () => {
    // median 3; |x - 3| = 2, 1, 0, 1, 97 -> MAD 1.
    expect(run([1, 2, 3, 4, 100], 'robust')).toEqual({ center: 3, scale: MAD_TO_SIGMA, meanAdFallback: false });
    // Even count: the mean of the middle two.
    expect(run([4, 1, 3, 2], 'robust').center).toBe(2.5);
  });

  it('ignores one wild value where mean and sd do not', () => {
    const calm = [0.01, -0.02, 0.015, -0.005, 0.0, 0.012, -0.011, 0.007, -0.009, 0.004];
    const wild = [...calm.slice(0, 9), 0.5];
    const robust = run(wild, 'robust');
    const classic = run(wild, 'classic');
    expect(robust.scale).toBeLessThan(0.03);
    expect(classic.scale).toBeGreaterThan(0.15);
  });

  it('is mean and sample sd in classic mode', () => {
    const xs = [1, 2, 3, 4, 100];
    const r = run(xs, 'classic');
    expect(r.center).toBeCloseTo(mean(xs), 12);
    expect(r.scale).toBeCloseTo(sampleStd(xs), 12);
  });

  it('estimates sigma for normal data in both modes', () => {
    const rng = createRng(9);
    const xs = Array.from({ length: 20_000 }, () => 5 + 2 * rng.normal());
    expect(run(xs, 'robust').scale).toBeCloseTo(2, 1);
    expect(run(xs, 'classic').scale).toBeCloseTo(2, 1);
    expect(run(xs, 'robust').center).toBeCloseTo(5, 1);
  });

  it('falls back to 1.2533 x the mean absolute deviation when the MAD is 0', () => {
    // Six of ten equal: MAD 0; mean |x - 0| = (0.02 + 0.03 + 0.01 + 0.04) / 10.
    const r = run([0, 0, 0, 0, 0, 0, 0.02, -0.03, 0.01, 0.04], 'robust');
    expect(r.meanAdFallback).toBe(true);
    expect(r.center).toBe(0);
    expect(r.scale).toBeCloseTo((MEAN_AD_TO_SIGMA * 0.1) / 10, 15);
  });

  it('has no scale (NaN) when every value is equal', () => {
    expect(run([3, 3, 3, 3], 'robust').scale).toBeNaN();
    expect(run([3, 3, 3, 3], 'classic').scale).toBeNaN();
  });

  it('medianSorted', () => {
    expect(medianSorted(Float64Array.of(7))).toBe(7);
    expect(medianSorted(Float64Array.of(1, 2, 10))).toBe(2);
    expect(medianSorted(Float64Array.of(1, 2, 10, 20))).toBe(6);
  });
});
