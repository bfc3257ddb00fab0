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

  it('equals sma bit for bit on positive prices, so the benchmark compares like with like', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { maxLength: 80 }), fc.integer({ min: 1, max: 20 }), (values, p) => {
        const input = Float64Array.from(values);
        expect(Array.from(plainRollingMean(input, p))).toEqual(Array.from(sma(input, p)));
      }),
      fcRuns,
    );
  });

  it('validates the period like the indicators do', () => {
    expect(() => plainRollingMean([1, 2], 0)).toThrow('period must be a positive integer, was 0');
  });
});
