import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainRollingMean } from './plain-loop.js';
import { sma } from './sma.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);

describe('plainRollingMean', () => {
  it('is a rolling mean with NaN warm-up', () => {
    expect(Array.from(plainRollingMean(new Float64Array([1, 2, 3, 4, 5]), 3))).toEqual([NaN, NaN, 2, 3, 4]);
    expect(plainRollingMean(new Float64Array(0), 3)).toHaveLength(0);
  });

  it('agrees with sma within rounding on positive prices, so the benchmark compares like with like', () => {
    // sma's sum is exact where this one keeps residue from bars that left the window, so the two
    // differ in the last bits (which is the point of sma); the formula is the same.
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { maxLength: 80 }), fc.integer({ min: 1, max: 20 }), (values, p) => {
        const input = Float64Array.from(values);
        const plain = plainRollingMean(input, p);
        const ours = sma(input, p);
        const largest = Math.max(0, ...values);
        for (let i = 0; i < input.length; i++) {
          if (i < p - 1) expect(plain[i]).toBeNaN();
          else expect(Math.abs(plain[i] - ours[i])).toBeLessThanOrEqual(1e-12 * largest);
        }
      }),
      fcRuns,
    );
  });

  it('validates the period like the indicators do', () => {
    expect(() => plainRollingMean([1, 2], 0)).toThrow('period must be a positive integer, was 0');
  });
});
