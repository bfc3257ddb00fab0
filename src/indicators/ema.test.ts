import fc from 'fast-check';
import { EMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { ema, EmaKernel } from './ema.js';
import { fcOptions, randomWalkCloses as randomWalk } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);


describe('ema', () => {
  it('seeds with the SMA of the first `period` values, then uses alpha = 2 / (period + 1)', () => {
    // alpha 0.5: seed (1 + 2 + 3) / 3 = 2, then 2 + 0.5 * (4 - 2) = 3, then 3 + 0.5 * (5 - 3) = 4.
    expect(Array.from(ema([1, 2, 3, 4, 5], 3))).toEqual([NaN, NaN, 2, 3, 4]);
    // alpha 2/3: seed 3, then 3 + 2/3 * 3 = 5, then 5 + 2/3 * 3 = 7.
    const out = ema([2, 4, 6, 8], 2);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(3);
    expect(out[2]).toBeCloseTo(5, 12);
    expect(out[3]).toBeCloseTo(7, 12);
  });

  it('gives all NaN when the period exceeds the data', () => {
    expect(Array.from(ema([1, 2], 3))).toEqual([NaN, NaN]);
    expect(ema([], 5)).toHaveLength(0);
  });

  it('is poisoned by a NaN input until reset', () => {
    expect(Array.from(ema([1, 2, NaN, 4, 5], 2))).toEqual([NaN, 1.5, NaN, NaN, NaN]);
    expect(Array.from(ema([NaN, 2, 3, 4], 2))).toEqual([NaN, NaN, NaN, NaN]);
    const k = new EmaKernel(2);
    [1, NaN, 3].forEach((x) => k.update(x));
    expect(k.update(4)).toBeNaN();
    k.reset();
    expect([1, 2].map((x) => k.update(x))).toEqual([NaN, 1.5]);
  });

  it('matches technicalindicators EMA bit for bit (same seed, same operation order)', () => {
    const values = randomWalk(11, 400);
    for (const p of [2, 5, 12, 26, 50]) {
      const ours = Array.from(ema(values, p)).slice(p - 1);
      expect(ours).toEqual(EMA.calculate({ period: p, values }));
    }
  });

  it('stays between the smallest and largest value seen so far', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (values, p) => {
        const out = ema(values, p);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let t = 0; t < values.length; t++) {
          lo = Math.min(lo, values[t]);
          hi = Math.max(hi, values[t]);
          if (t < p - 1) continue;
          expect(out[t]).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
          expect(out[t]).toBeLessThanOrEqual(hi * (1 + 1e-12));
        }
      }),
      fcRuns,
    );
  });
});
