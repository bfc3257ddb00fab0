import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from './rng.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { kurtosis, returnMoments, skewness } from './stats.js';

describe('return moments', () => {
  it('match a hand computation', () => {
    // mean 5; deviations -3 -1 -1 -1 0 0 2 4
    // sum d^2 = 32 -> m2 = 4, sample variance 32/7; sum d^3 = 42 -> m3 = 5.25;
    // sum d^4 = 356 -> m4 = 44.5; skew = 5.25 / 4^1.5 = 0.65625; kurtosis = 44.5 / 16 = 2.78125
    const xs = Float64Array.of(2, 4, 4, 4, 5, 5, 7, 9);
    const m = returnMoments(xs);
    expect(m.n).toBe(8);
    expect(m.mean).toBe(5);
    expect(m.std).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(m.skew).toBeCloseTo(0.65625, 14);
    expect(m.kurtosis).toBeCloseTo(2.78125, 14);
    expect(skewness(xs)).toBe(m.skew);
    expect(kurtosis(xs)).toBe(m.kurtosis);
  });

  it('are the population (g1, b2) estimators, not the bias-corrected ones', () => {
    // a two-point sample: g1 = 0 and b2 = 1 exactly (G2 would be undefined for n = 2)
    expect(returnMoments([1, 3])).toMatchObject({ mean: 2, skew: 0, kurtosis: 1 });
    expect(returnMoments([1, 3]).std).toBeCloseTo(Math.SQRT2, 15);
  });

  it('are NaN when undefined', () => {
    expect(returnMoments([])).toMatchObject({ n: 0, mean: Number.NaN, std: Number.NaN, skew: Number.NaN, kurtosis: Number.NaN });
    expect(returnMoments([0.01])).toMatchObject({ n: 1, mean: 0.01, std: Number.NaN, skew: Number.NaN });
    const flat = returnMoments([0.02, 0.02, 0.02]);
    expect(flat.std).toBe(0);
    expect(flat.skew).toBeNaN();
    expect(flat.kurtosis).toBeNaN();
    expect(skewness([1])).toBeNaN();
    expect(kurtosis([5, 5])).toBeNaN();
  });

  it('recover the moments of known distributions (seeded samples)', () => {
    const rng = createRng(7);
    const n = 200_000;
    const normal = new Float64Array(n);
    const exponential = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      normal[i] = 0.001 + 0.02 * rng.normal();
      exponential[i] = -Math.log(1 - rng.next()); // Exp(1): skew 2, kurtosis 9
    }
    const a = returnMoments(normal);
    expect(a.skew).toBeCloseTo(0, 1);
    expect(a.kurtosis).toBeCloseTo(3, 1);
    const b = returnMoments(exponential);
    expect(Math.abs(b.skew - 2)).toBeLessThan(0.1);
    expect(Math.abs(b.kurtosis - 9)).toBeLessThan(1);
  });

  it('skewness and kurtosis are scale and shift invariant; Pearson b2 >= 1 + g1^2 holds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 60 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (xs, scale, shift) => {
          const m = returnMoments(xs);
          fc.pre(m.std > 1e-6);
          const t = returnMoments(xs.map((x) => shift + scale * x));
          expect(t.skew).toBeCloseTo(m.skew, 6);
          expect(t.kurtosis).toBeCloseTo(m.kurtosis, 6);
          expect(returnMoments(xs.map((x) => -x)).skew).toBeCloseTo(-m.skew, 9);
          expect(m.kurtosis).toBeGreaterThanOrEqual(1 + m.skew * m.skew - 1e-9);
        },
      ),
      fcOptions(200),
    );
  });
});
