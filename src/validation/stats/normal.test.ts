import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fcOptions } from '../../test-support/synthetic-bars.js';
import { normalCdf, normalPdf, normalQuantile } from './normal.js';

/** |actual / expected - 1| (relative error), exact 0 when equal. */
const relErr = (actual: number, expected: number): number => (actual === expected ? 0 : Math.abs(actual / expected - 1));

// Reference values: mpmath 1.3.0 at 60 significant digits (mp.dps = 60), ncdf(x) at the exact
// double x; the quantiles solve log(ncdf(x)) = log(p) at the exact double p (80 digits).
// Printed to 20 digits; the doubles below are those values rounded.
const CDF_REFERENCE: readonly (readonly [number, number])[] = [
  [-38, 2.8854283600687843084e-316], // subnormal: only the absolute error is meaningful
  [-37.5, 4.6053530095819548438e-308],
  [-30, 4.9067139271481870595e-198],
  [-20, 2.7536241186062336951e-89],
  [-10, 7.619853024160526066e-24],
  [-8, 6.2209605742717841235e-16],
  [-5, 2.8665157187919391167e-7],
  [-3, 0.0013498980316300945267],
  [-1.5, 0.066807201268858066004],
  [-1, 0.15865525393145705141],
  [-0.6, 0.27425311775007358769],
  [-0.3, 0.38208857781104736693],
  [0, 0.5],
  [0.3, 0.61791142218895263307],
  [0.6, 0.72574688224992641231],
  [1, 0.84134474606854294859],
  [1.5, 0.933192798731141934],
  [1.96, 0.97500210485177956379],
  [3, 0.99865010196836990547],
  [5, 0.99999971334842812081],
  [8, 0.9999999999999993779],
];

const QUANTILE_REFERENCE: readonly (readonly [number, number])[] = [
  [1e-300, -37.047096299361199237],
  [1e-100, -21.273453560965324294],
  [1e-20, -9.2623400897984075796],
  [1e-10, -6.3613409024040561991],
  [1e-5, -4.2648907939228246102],
  [0.001, -3.0902323061678135354],
  [0.01, -2.3263478740408410931],
  [0.02425, -1.9729610513118848376], // Acklam's region boundary
  [0.025, -1.9599639845400542118],
  [0.1, -1.2815515655446004353],
  [0.26, -0.64334540539291693737],
  [0.3, -0.52440051270804081597],
  [0.4999, -0.00025066283008800749239],
  [0.499999999999, -2.5065728237018604669e-12],
  [0.500000001, 2.5066282037387114376e-9],
  [0.7, 0.52440051270804065631],
  [0.9, 1.2815515655446005935],
  [0.975, 1.9599639845400538556],
  [0.999, 3.0902323061678132778],
  [1 - 1e-10, 6.3613408896974218642],
];

describe('normalCdf', () => {
  it('matches 60-digit references to 1e-13 relative error, deep into the lower tail', () => {
    for (const [x, expected] of CDF_REFERENCE) {
      if (expected < 1e-307) {
        expect(Math.abs(normalCdf(x) - expected)).toBeLessThan(1e-320);
        continue;
      }
      expect(relErr(normalCdf(x), expected), `Phi(${x})`).toBeLessThan(1e-13);
    }
  });

  it('gives the textbook values', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('is symmetric: Phi(x) + Phi(-x) = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThan(4e-16);
      }),
      fcOptions(300),
    );
  });

  it('is non-decreasing and its slope is the density', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 8, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (x, dx) => {
        expect(normalCdf(x + dx)).toBeGreaterThanOrEqual(normalCdf(x));
      }),
      fcOptions(300),
    );
    // central difference against phi(x)
    for (const x of [-4, -2, -0.5, 0, 0.7, 2.5]) {
      const h = 1e-5;
      const slope = (normalCdf(x + h) - normalCdf(x - h)) / (2 * h);
      expect(relErr(slope, normalPdf(x))).toBeLessThan(1e-8);
    }
  });

  it('agrees with an independent tail evaluation (Mills-ratio continued fraction)', () => {
    // Phi(-x) = phi(x) / (x + 1/(x + 2/(x + 3/(x + ...)))), evaluated bottom-up with 200 terms.
    const tail = (x: number): number => {
      let f = x;
      for (let k = 200; k >= 1; k--) f = x + k / f;
      return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) / f;
    };
    for (const x of [3, 4.5, 6, 9, 14, 20, 27]) {
      // tail() itself carries the rounding of exp(-x^2/2): about x^2 * 1.1e-16 relative
      expect(relErr(normalCdf(-x), tail(x)), `x = ${x}`).toBeLessThan(5e-16 * (1 + x * x));
    }
  });
});

describe('normalPdf', () => {
  it('is the Gaussian density', () => {
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 16);
    expect(relErr(normalPdf(1), Math.exp(-0.5) / Math.sqrt(2 * Math.PI))).toBeLessThan(1e-15);
    expect(normalPdf(Number.POSITIVE_INFINITY)).toBe(0);
    expect(normalPdf(Number.NaN)).toBeNaN();
  });
});

describe('normalQuantile', () => {
  it('matches 80-digit references to 1e-13 relative error', () => {
    for (const [p, expected] of QUANTILE_REFERENCE) {
      expect(relErr(normalQuantile(p), expected), `PhiInv(${p})`).toBeLessThan(1e-13);
    }
  });

  it('gives the textbook values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 13);
  });

  it('handles the edges: 0, 1, outside [0, 1], subnormal p', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
    // 5e-324: Acklam's value without the refinement, still within its 1.15e-9 guarantee of the
    // root of Phi(x) = 4.94e-324 (about -38.4674)
    const x = normalQuantile(Number.MIN_VALUE);
    expect(x).toBeLessThan(-38.4);
    expect(x).toBeGreaterThan(-38.5);
  });

  it('is exactly antisymmetric for p in [1/2, 1] where 1 - p is exact', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1, noNaN: true, maxExcluded: true }), (p) => {
        expect(normalQuantile(p)).toBe(-normalQuantile(1 - p) + 0);
      }),
      fcOptions(300),
    );
  });

  it('inverts normalCdf (round trip in both directions)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 0.5, noNaN: true }), (p) => {
        // rounding x to a double moves Phi by |x| ulp(x) / 2 relative, about x^2 * 1.1e-16
        const x = normalQuantile(p);
        expect(relErr(normalCdf(x), p)).toBeLessThan(2e-15 + 2.5e-16 * x * x);
      }),
      fcOptions(300),
    );
    fc.assert(
      fc.property(fc.double({ min: -37, max: 7, noNaN: true }), (x) => {
        const p = normalCdf(x);
        // the round trip can only be as good as p's resolution, dp = ulp(p) <= 2.3e-16 p, which
        // moves x by dp / phi(x) (large near p = 1), plus the quantile's own few-ulp error
        const tol = (4 * 2.3e-16 * p) / normalPdf(x) + 1e-15 * Math.abs(x);
        expect(Math.abs(normalQuantile(p) - x)).toBeLessThanOrEqual(tol);
      }),
      fcOptions(300),
    );
  });
});
