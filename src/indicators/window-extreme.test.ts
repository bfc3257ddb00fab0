import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowExtreme, windowExtremeInto } from './window-extreme.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(200);

/** Small integers make ties and long monotone runs common, the cases a deque gets wrong; some NaN. */
const seriesArb = fc.array(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }), {
  maxLength: 80,
});

function naive(values: number[], p: number, pick: (...xs: number[]) => number): number[] {
  return values.map((_, t) => {
    if (t < p - 1) return Number.NaN;
    const w = values.slice(t - p + 1, t + 1);
    return w.some(Number.isNaN) ? Number.NaN : pick(...w);
  });
}

function batch(values: number[], p: number, sign: 1 | -1, from = 0): number[] {
  const out = new Float64Array(values.length);
  windowExtremeInto(values, p, sign, from, out);
  return Array.from(out);
}

describe('window extremes (bar t included)', () => {
  it('takes the extreme of the last `period` values, the current one included', () => {
    expect(batch([1, 3, 2, 5, 4], 2, 1)).toEqual([NaN, 3, 3, 5, 5]);
    expect(batch([5, 3, 4, 1, 2], 3, -1)).toEqual([NaN, NaN, 3, 1, 1]);
    const k = new WindowExtreme(1, 1);
    expect([4, 9, 1].map((x) => k.update(x))).toEqual([4, 9, 1]);
  });

  it('equals a naive max / min over [t - period + 1, t] in both faces, NaN while a NaN is inside', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 12 }), (values, p) => {
        for (const [sign, pick] of [
          [1, Math.max],
          [-1, Math.min],
        ] as const) {
          const expected = naive(values, p, pick);
          expect(batch(values, p, sign)).toEqual(expected);
          const k = new WindowExtreme(p, sign);
          expect(values.map((x) => k.update(x))).toEqual(expected);
          k.reset();
          expect(values.map((x) => k.update(x))).toEqual(expected);
        }
      }),
      fcRuns,
    );
  });

  it('from a start bar: NaN before it, the whole-history values from it on', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 90 }), (values, p, from) => {
        for (const sign of [1, -1] as const) {
          const full = batch(values, p, sign);
          const part = batch(values, p, sign, from);
          full.forEach((v, t) => expect(part[t]).toBe(t < from ? Number.NaN : v));
        }
      }),
      fcRuns,
    );
  });
});
