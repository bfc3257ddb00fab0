import fc from 'fast-check';
import { Highest, Lowest } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { donchianHigh, DonchianHighKernel, donchianLow, DonchianLowKernel } from './donchian.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(200);

/** Small integers make ties and long monotone runs common, the cases a deque gets wrong. */
const seriesArb = fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 80 });

function naive(values: number[], p: number, pick: (...xs: number[]) => number): number[] {
  return values.map((_, t) => (t < p ? NaN : pick(...values.slice(t - p, t))));
}

describe('donchian', () => {
  it('takes the extreme of the `period` bars before the current one', () => {
    expect(Array.from(donchianHigh([1, 3, 2, 5, 4], 2))).toEqual([NaN, NaN, 3, 3, 5]);
    expect(Array.from(donchianLow([5, 3, 4, 1, 2], 2))).toEqual([NaN, NaN, 3, 3, 1]);
    expect(Array.from(donchianHigh([4, 9, 1], 1))).toEqual([NaN, 4, 9]);
    expect(Array.from(donchianHigh([1, 2], 3))).toEqual([NaN, NaN]);
  });

  it('equals a naive max / min over [t - period, t - 1]', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 12 }), (values, p) => {
        expect(Array.from(donchianHigh(values, p))).toEqual(naive(values, p, Math.max));
        expect(Array.from(donchianLow(values, p))).toEqual(naive(values, p, Math.min));
      }),
      fcRuns,
    );
  });

  it("is technicalindicators' Highest / Lowest (which include bar t) shifted by one bar", () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 12 }), (values, p) => {
        const highest = Highest.calculate({ period: p, values });
        const lowest = Lowest.calculate({ period: p, values });
        const hi = donchianHigh(values, p);
        const lo = donchianLow(values, p);
        // Highest[j] covers bars j .. j + p - 1, which is our window for bar j + p.
        for (let t = p; t < values.length; t++) {
          expect(hi[t]).toBe(highest[t - p]);
          expect(lo[t]).toBe(lowest[t - p]);
        }
      }),
      fcRuns,
    );
  });

  it('lets a breakout fire, which a channel including bar t never can', () => {
    const close = [10, 10.5, 10.2, 10.4, 11.0, 11.3];
    const high = close.map((c) => c + 0.1);
    const channel = donchianHigh(high, 3);
    expect(close.some((c, t) => c > channel[t])).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.record({ c: fc.double({ min: 1, max: 100, noNaN: true }), up: fc.double({ min: 0, max: 5, noNaN: true }) }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 10 }), (bars, p) => {
        const closes = bars.map((b) => b.c);
        const highs = bars.map((b) => b.c + b.up);
        const inclusive = Highest.calculate({ period: p, values: highs });
        inclusive.forEach((h, j) => expect(closes[j + p - 1] > h).toBe(false));
      }),
      fcRuns,
    );
  });

  it('is NaN while a NaN is among the previous `period` bars, then recovers', () => {
    expect(Array.from(donchianHigh([1, NaN, 2, 3, 4, 5], 2))).toEqual([NaN, NaN, NaN, NaN, 3, 4]);
    expect(Array.from(donchianLow([5, 4, NaN, 9, 8, 7], 2))).toEqual([NaN, NaN, 4, NaN, NaN, 8]);
    const k = new DonchianHighKernel(2);
    expect([1, NaN, 2, 3, 4].map((x) => k.update(x))).toEqual([NaN, NaN, NaN, NaN, 3]);
  });

  it('streams the same values, and reset() starts over', () => {
    const k = new DonchianLowKernel(3);
    expect(k.warmup).toBe(3);
    const values = [5, 4, 6, 7, 3, 8, 9, 10];
    const first = values.map((x) => k.update(x));
    expect(first).toEqual(Array.from(donchianLow(values, 3)));
    k.reset();
    expect(values.map((x) => k.update(x))).toEqual(first);
  });
});

describe('donchian with a start bar', () => {
  it('equals the whole-history values from `from` on, and is NaN before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 320 }),
        (xs, period, from) => {
          const v = Float64Array.from(xs);
          for (const f of [donchianHigh, donchianLow]) {
            const full = f(v, period);
            const part = f(v, period, from);
            for (let t = 0; t < v.length; t++) {
              if (t < from) expect(part[t]).toBeNaN();
              else expect(Object.is(part[t], full[t])).toBe(true);
            }
          }
        },
      ),
      fcRuns,
    );
  });
});
