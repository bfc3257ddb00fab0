import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { erf, erfc, normCdf, normPdf } from './normal.js';

const fcRuns = fcOptions(300);

/** P(Z <= x), from mpmath's ncdf at 40 digits (an independent arbitrary-precision computation). */
const CDF_KNOWN: readonly [number, number][] = [
  [0, 0.5],
  [0.1, 0.53982783727702898147],
  [0.3, 0.61791142218895263731],
  [-0.6, 0.27425311775007358029],
  [1, 0.84134474606854294859],
  [-1, 0.15865525393145705141],
  [1.96, 0.97500210485177956586],
  [-1.96, 0.024997895148220434137],
  [2.5, 0.99379033467422386483],
  [3, 0.99865010196836990547],
  [-3, 0.0013498980316300945267],
  [6, 0.99999999901341235496],
  [-5, 2.8665157187919391167e-7],
  [-8, 6.2209605742717841235e-16],
  [-10, 7.619853024160526066e-24],
  [-20, 2.7536241186062336951e-89],
  [-37, 5.7255712225245768227e-300],
];

const ERFC_KNOWN: readonly [number, number][] = [
  [0.2, 0.77729741078952154586],
  [0.5, 0.47950012218695346232],
  [1, 0.15729920705028513066],
  [3, 0.000022090496998585441373],
  [-1, 1.8427007929497148693],
  [5, 1.5374597944280348502e-12],
  [10, 2.088487583762544757e-45],
];

describe('normCdf', () => {
  it('matches known values to 2e-16 absolute', () => {
    for (const [x, p] of CDF_KNOWN) expect(Math.abs(normCdf(x) - p), `x = ${x}`).toBeLessThanOrEqual(2e-16);
  });

  it('keeps its relative accuracy in the lower tail', () => {
    // Relative error grows like x^2 ulps from rounding x / sqrt 2: 1e-14 to x = -10, 1e-12 beyond.
    for (const [x, p] of CDF_KNOWN.filter(([x]) => x < 0)) {
      const bound = x >= -10 ? 1e-14 : 1e-12;
      expect(Math.abs(normCdf(x) / p - 1), `x = ${x}`).toBeLessThanOrEqual(bound);
    }
    expect(normCdf(-40)).toBeGreaterThanOrEqual(0);
    expect(normCdf(40)).toBe(1);
    expect(normCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normCdf(Number.NaN)).toBeNaN();
  });

  it('is symmetric: normCdf(x) + normCdf(-x) = 1 to rounding', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (x) => {
        expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(4.5e-16);
      }),
      fcRuns,
    );
  });

  it('is non-decreasing and its derivative is normPdf', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, dx) => {
        expect(normCdf(x + dx)).toBeGreaterThanOrEqual(normCdf(x));
        const h = 1e-5;
        const slope = (normCdf(x + h) - normCdf(x - h)) / (2 * h);
        expect(Math.abs(slope - normPdf(x))).toBeLessThanOrEqual(1e-9);
      }),
      fcRuns,
    );
  });
});

describe('erf and erfc', () => {
  it('match known values to 1e-15 relative', () => {
    for (const [x, v] of ERFC_KNOWN) {
      expect(Math.abs(erfc(x) / v - 1), `x = ${x}`).toBeLessThanOrEqual(1e-15);
      expect(Math.abs(erf(x) - (1 - v)), `x = ${x}`).toBeLessThanOrEqual(2.3e-16);
    }
    expect(erf(0)).toBe(0);
    expect(erfc(0)).toBe(1);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
  });

  it('erf is odd and erf + erfc = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (x) => {
        expect(erf(-x)).toBe(-erf(x));
        expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThanOrEqual(4.5e-16);
      }),
      fcRuns,
    );
  });
});

describe('normPdf', () => {
  it('is the standard normal density', () => {
    expect(normPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 16);
    expect(Math.abs(normPdf(1) - 0.24197072451914337)).toBeLessThanOrEqual(1e-17);
    expect(normPdf(-2)).toBe(normPdf(2));
  });
});
