import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { binomialCountBand, binomialPmf } from './binomial.js';

/** P(X = k) straight from the definition, for small n. */
function naivePmf(n: number, p: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c * p ** k * (1 - p) ** (n - k);
}

const sum = (a: Float64Array, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s;
};

describe('binomialPmf', () => {
  it('matches the definition and sums to 1', () => {
    for (const [n, p] of [[1, 0.3], [5, 0.5], [20, 0.55], [40, 0.07]] as const) {
      const pmf = binomialPmf(n, p);
      expect(pmf).toHaveLength(n + 1);
      for (let k = 0; k <= n; k++) expect(pmf[k]).toBeCloseTo(naivePmf(n, p, k), 14);
      expect(sum(pmf, 0, n + 1)).toBeCloseTo(1, 12);
    }
  });

  it('does not underflow for long windows', () => {
    const pmf = binomialPmf(5000, 0.3);
    expect(sum(pmf, 0, 5001)).toBeCloseTo(1, 10);
    expect(pmf[1500]).toBeGreaterThan(0.01);
  });
});

describe('binomialCountBand', () => {
  it('gives the textbook 95% band for 20 fair coin flips: 6..14', () => {
    // P(X <= 5) = 0.0207 <= 0.025 < P(X <= 6) = 0.0577, and symmetrically above.
    expect(binomialCountBand(20, 0.5, 0.95)).toEqual({ lo: 6, hi: 14 });
  });

  it('narrows with lower confidence and is degenerate at p = 0 and p = 1', () => {
    const wide = binomialCountBand(20, 0.5, 0.99);
    const narrow = binomialCountBand(20, 0.5, 0.8);
    expect(wide.lo).toBeLessThanOrEqual(narrow.lo);
    expect(wide.hi).toBeGreaterThanOrEqual(narrow.hi);
    expect(binomialCountBand(20, 0, 0.95)).toEqual({ lo: 0, hi: 0 });
    expect(binomialCountBand(20, 1, 0.95)).toEqual({ lo: 20, hi: 20 });
  });

  it('keeps each tail within alpha / 2 and is the widest band that does (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.5, max: 0.999, noNaN: true }), (n, p, conf) => {
        const { lo, hi } = binomialCountBand(n, p, conf);
        const tail = (1 - conf) / 2;
        const pmf = binomialPmf(n, p);
        expect(lo).toBeLessThanOrEqual(hi);
        expect(sum(pmf, 0, lo)).toBeLessThanOrEqual(tail + 1e-12);
        if (lo < n) expect(sum(pmf, 0, lo + 1)).toBeGreaterThan(tail - 1e-12);
        expect(sum(pmf, hi + 1, n + 1)).toBeLessThanOrEqual(tail + 1e-12);
        if (hi > 0) expect(sum(pmf, hi, n + 1)).toBeGreaterThan(tail - 1e-12);
      }),
      fcOptions(300),
    );
  });
});
