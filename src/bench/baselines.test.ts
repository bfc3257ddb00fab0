import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sma } from '../indicators/sma.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { plainExactSma } from './baselines.js';

describe('plainExactSma (the benchmark baseline of sma)', () => {
  it('computes what sma computes: the exact window sum, so at most one rounding apart', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100), { maxLength: 120 }), fc.integer({ min: 1, max: 25 }), (values, p) => {
        const input = Float64Array.from(values);
        const plain = plainExactSma(input, p);
        const ours = sma(input, p);
        for (let i = 0; i < input.length; i++) {
          if (i < p - 1) expect(plain[i]).toBeNaN();
          else expect(Math.abs(plain[i] - ours[i])).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(ours[i]));
        }
      }),
      fcOptions(200),
    );
  });
});
