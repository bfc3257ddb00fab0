import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { downsideDeviation, linearFit, mean, meanAbs, sampleStd, sampleVariance } from './stats.js';


describe('stats', () => {
  it('mean, sample variance and std match hand computation', () => {
    const xs = Float64Array.of(2, 4, 4, 4, 5, 5, 7, 9);
    expect(mean(xs)).toBe(5);
    // squared deviations 9,1,1,1,0,0,4,16 sum to 32; ddof = 1 divides by 7
    expect(sampleVariance(xs)).toBeCloseTo(32 / 7, 14);
    expect(sampleStd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(meanAbs([-1, 1, -2, 2])).toBe(1.5);
  });

  it('downside deviation averages over all values, positives counting as zero', () => {
    // min(x,0)^2 = 0.01, 0, 0.04, 0 -> mean 0.0125
    expect(downsideDeviation([-0.1, 0.3, -0.2, 0.05])).toBeCloseTo(Math.sqrt(0.0125), 14);
    expect(downsideDeviation([0.1, 0.2])).toBe(0);
  });

  it('returns NaN when undefined', () => {
    expect(mean([])).toBeNaN();
    expect(meanAbs([])).toBeNaN();
    expect(sampleVariance([1])).toBeNaN();
    expect(sampleStd([])).toBeNaN();
    expect(downsideDeviation([])).toBeNaN();
    expect(linearFit([1], [1]).slope).toBeNaN();
    expect(linearFit([1, 2], [1])).toMatchObject({ slope: Number.NaN, intercept: Number.NaN });
    const flat = linearFit([1, 2, 3], [5, 5, 5]);
    expect(flat.slope).toBeNaN();
    expect(flat.xVariance).toBe(0);
  });

  it('linearFit recovers an exact line', () => {
    const x = [0.01, -0.02, 0.03, 0.005, -0.01];
    const y = x.map((v) => 0.001 + 1.5 * v);
    const fit = linearFit(y, x);
    expect(fit.slope).toBeCloseTo(1.5, 12);
    expect(fit.intercept).toBeCloseTo(0.001, 14);
  });

  it('linearFit agrees with the textbook closed form (property)', () => {
    const pts = fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), {
      minLength: 3,
      maxLength: 50,
    });
    fc.assert(
      fc.property(pts, (p) => {
        const x = p.map((q) => q[0]);
        const y = p.map((q) => q[1]);
        const n = x.length;
        const sx = x.reduce((a, b) => a + b, 0);
        const sy = y.reduce((a, b) => a + b, 0);
        const sxx = x.reduce((a, b) => a + b * b, 0);
        const sxy = x.reduce((a, b, i) => a + b * y[i], 0);
        const denom = n * sxx - sx * sx;
        fc.pre(denom > 1e-6 * n * n);
        const slope = (n * sxy - sx * sy) / denom;
        const intercept = (sy - slope * sx) / n;
        const fit = linearFit(y, x);
        expect(fit.slope).toBeCloseTo(slope, 6);
        expect(fit.intercept).toBeCloseTo(intercept, 6);
      }),
      fcOptions(200),
    );
  });
});
