import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { plainRollingMean } from './plain-loop.js';
import { sma } from './sma.js';
import { WindowSum, windowSumInto } from './window-sum.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(200);

function batch(values: ArrayLike<number>, p: number): Float64Array {
  const out = new Float64Array(values.length);
  windowSumInto(values, p, out);
  return out;
}

/** Neumaier-compensated sum of values[from .. to]: exact to about one rounding. */
function exactSum(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  let c = 0;
  for (let i = from; i <= to; i++) {
    const x = values[i];
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + c;
}

// Sevenths of integers: rounded values of similar size, so the order of additions shows in the bits
// (fc.double spreads over exponents, where sums are mostly exact whatever the order).
const valuesArb = fc.array(
  fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 0, max: 7e6 }).map((k) => k / 7) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
  { maxLength: 80 },
);

describe('window sum without subtraction', () => {
  it('sums the last `period` values, NaN before `period` were seen', () => {
    expect(Array.from(batch([1, 2, 3, 4, 5, 6, 7], 3))).toEqual([NaN, NaN, 6, 9, 12, 15, 18]);
    expect(Array.from(batch([1, 2], 1))).toEqual([1, 2]);
    expect(Array.from(batch([1, 2], 3))).toEqual([NaN, NaN]);
  });

  it('streams the same bits as the batch face, and reset() starts over', () => {
    fc.assert(
      fc.property(valuesArb, fc.integer({ min: 1, max: 12 }), (values, p) => {
        const expected = Array.from(batch(values, p));
        const k = new WindowSum(p);
        expect(values.map((x) => k.update(x))).toEqual(expected);
        k.reset();
        expect(values.map((x) => k.update(x))).toEqual(expected);
      }),
      fcRuns,
    );
  });

  it('is within period * 2^-53 of the exact window sum, NaN exactly while a NaN is inside', () => {
    fc.assert(
      fc.property(valuesArb, fc.integer({ min: 1, max: 12 }), (values, p) => {
        const out = batch(values, p);
        for (let t = 0; t < values.length; t++) {
          const w = values.slice(Math.max(0, t - p + 1), t + 1);
          if (t < p - 1 || w.some(Number.isNaN)) {
            expect(out[t]).toBeNaN();
            continue;
          }
          const exact = exactSum(values, t - p + 1, t);
          expect(Math.abs(out[t] - exact)).toBeLessThanOrEqual(p * 2 ** -53 * exact);
        }
      }),
      fcRuns,
    );
  });

  it('is exactly 0 over zeros and never above 100 * period over values <= 100, where a running sum is', () => {
    expect(Array.from(batch([7.1e6, 3.3e6, 0, 0, 0], 2))).toEqual([NaN, 10.4e6, 3.3e6, 0, 0]);
    // A plain running sum keeps residue from the two values that left: a mean of 100s above 100.
    const values = [8.142857142857142, 32.666666666666664, 100, 100, 100];
    expect(plainRollingMean(values, 2)[4]).toBe(100.00000000000001);
    expect(sma(values, 2)[4]).toBe(100);
    expect(batch(values, 2)[4] / 2).toBe(100);
  });

  it('does not drift over 20 000 values with volume-like spikes', () => {
    const rng = createRng(17);
    const n = 20_000;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.next() < 0.05 ? 1e9 * rng.next() : rng.next() < 0.2 ? 0 : 1e3 * rng.next();
    for (const p of [2, 5, 20, 60]) {
      const out = batch(values, p);
      let worst = 0;
      for (let t = p - 1; t < n; t++) {
        const exact = exactSum(values, t - p + 1, t);
        if (exact === 0) expect(out[t]).toBe(0);
        else worst = Math.max(worst, Math.abs(out[t] - exact) / exact);
      }
      expect(worst, `period ${p}`).toBeLessThanOrEqual(p * 2 ** -53);
    }
  });
});
