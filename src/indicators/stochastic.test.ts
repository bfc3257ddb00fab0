import fc from 'fast-check';
import { Stochastic } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { stochD, StochDKernel, stochK, StochKKernel } from './stochastic.js';
import { fcOptions, randomHlc, type Hlc } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);

const randomBars = randomHlc;

/** Bars on a grid of small integers: ties, flat windows and closes on the extremes are common. */
const gridBarsArb = fc
  .array(fc.record({ low: fc.integer({ min: 1, max: 5 }), up: fc.integer({ min: 0, max: 3 }), at: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 60 })
  .map((bars) => ({
    high: bars.map((b) => b.low + b.up),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.low + Math.round(b.at * b.up)),
  }));

function naiveK(b: Hlc, p: number): number[] {
  return b.close.map((c, t) => {
    if (t < p - 1) return Number.NaN;
    const hh = Math.max(...b.high.slice(t - p + 1, t + 1));
    const ll = Math.min(...b.low.slice(t - p + 1, t + 1));
    return hh > ll ? ((c - ll) / (hh - ll)) * 100 : Number.NaN;
  });
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isKobeError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

describe('stochK', () => {
  it('places the close in the range of the last `period` bars, bar t included', () => {
    const high = [10, 12, 11, 13];
    const low = [8, 9, 9, 10];
    const close = [9, 11, 10, 12];
    // t = 2: range [8, 12], close 10 -> 50. t = 3: range [9, 13], close 12 -> 75.
    expect(Array.from(stochK(high, low, close, 3))).toEqual([NaN, NaN, 50, 75]);
    // Period 1 is the bar's own range: 100 * IBS, formed (close - low) / range * 100.
    expect(Array.from(stochK(high, low, close, 1))).toEqual([50, (2 / 3) * 100, 50, (2 / 3) * 100]);
  });

  it('equals a naive computation over [t - period + 1, t]', () => {
    fc.assert(
      fc.property(gridBarsArb, fc.integer({ min: 1, max: 10 }), (b, p) => {
        expect(Array.from(stochK(b.high, b.low, b.close, p))).toEqual(naiveK(b, p));
      }),
      fcRuns,
    );
  });

  it("equals technicalindicators' Stochastic k bit for bit", () => {
    const b = randomBars(3, 400);
    for (const p of [1, 3, 5, 14, 30]) {
      const ours = Array.from(stochK(b.high, b.low, b.close, p)).slice(p - 1);
      const theirs = Stochastic.calculate({ ...b, period: p, signalPeriod: 3 }).map((r) => r.k);
      expect(ours).toEqual(theirs);
    }
  });

  it('is NaN over a window without range (technicalindicators says 0), then recovers', () => {
    const high = [5, 5, 5, 6, 7];
    const low = [5, 5, 5, 5, 5];
    const close = [5, 5, 5, 6, 6];
    expect(Array.from(stochK(high, low, close, 3))).toEqual([NaN, NaN, NaN, 100, 50]);
    expect(Stochastic.calculate({ high, low, close, period: 3, signalPeriod: 1 })[0].k).toBe(0);
  });

  it('is NaN while a NaN high or low is in the window, or the close of the bar is NaN', () => {
    const high = [10, 12, NaN, 13, 14, 15];
    const low = [8, 9, 9, 10, 11, 12];
    const close = [9, 11, 10, 12, NaN, 14];
    expect(Array.from(stochK(high, low, close, 2))).toEqual([NaN, 75, NaN, NaN, NaN, 75]);
    const k = new StochKKernel(2);
    expect(high.map((h, i) => k.update(h, low[i], close[i]))).toEqual([NaN, 75, NaN, NaN, NaN, 75]);
  });

  it('from a start bar: NaN before it, the whole-history values from it on', () => {
    fc.assert(
      fc.property(gridBarsArb, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 70 }), (b, p, from) => {
        const full = stochK(b.high, b.low, b.close, p);
        const part = stochK(b.high, b.low, b.close, p, from);
        full.forEach((v, t) => expect(Object.is(part[t], t < from ? Number.NaN : v)).toBe(true));
      }),
      fcRuns,
    );
  });

  it('lets "%K < 20" fire after a selloff and "%K > 80" at the top of a rally', () => {
    // Closes 100 .. 109 up one a day, then 106, 103, 100, 97; every bar's range is close +- 1.
    const close = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 106, 103, 100, 97];
    const high = close.map((c) => c + 1);
    const low = close.map((c) => c - 1);
    const k = stochK(high, low, close, 5);
    // Top of the rally, t = 9: range [104, 110], close 109 -> 5 / 6.
    expect(k[9]).toBe((5 / 6) * 100);
    expect(k[9]).toBeGreaterThan(80);
    // After the selloff, t = 13: range [96, 110], close 97 -> 1 / 14.
    expect(k[13]).toBe((1 / 14) * 100);
    const oversold = close.map((_, t) => k[t] < 20);
    expect(oversold.indexOf(true)).toBe(11); // t = 11: range [102, 110], close 103 -> 12.5
    expect(oversold.slice(0, 11).some(Boolean)).toBe(false);
    // %D (3) follows a bar or two later: (12.5 + 100/11 + 100/14) / 3 on the last bar.
    const d = stochD(high, low, close, 5, 3);
    expect(d[13]).toBeCloseTo((12.5 + 100 / 11 + 100 / 14) / 3, 12);
    expect(d[13]).toBeLessThan(20);
  });
});

describe('stochD', () => {
  it('averages the last `smooth` %K values', () => {
    const high = [10, 12, 11, 13];
    const low = [8, 9, 9, 10];
    const close = [9, 11, 10, 12];
    expect(Array.from(stochD(high, low, close, 3, 2))).toEqual([NaN, NaN, NaN, 62.5]);
    expect(Array.from(stochD(high, low, close, 3, 1))).toEqual([NaN, NaN, 50, 75]);
    expect(new StochDKernel(14, 3).warmup).toBe(15);
  });

  it("agrees with technicalindicators' Stochastic d to 1e-12 (theirs is a running sum)", () => {
    const b = randomBars(8, 500);
    for (const [p, s] of [
      [14, 3],
      [5, 1],
      [3, 7],
    ]) {
      const ours = stochD(b.high, b.low, b.close, p, s);
      const theirs = Stochastic.calculate({ ...b, period: p, signalPeriod: s });
      theirs.forEach((r, j) => {
        const t = j + p - 1;
        if (r.d === undefined) expect(ours[t]).toBeNaN();
        else expect(Math.abs(ours[t] - r.d)).toBeLessThanOrEqual(1e-12);
      });
    }
  });

  it('streams the same bits as the batch face on realistic bars (where the order of additions shows)', () => {
    const b = randomBars(12, 500);
    for (const [p, s] of [
      [14, 3],
      [3, 2],
      [5, 7],
      [2, 20],
    ]) {
      const k = new StochDKernel(p, s);
      const streamed = b.close.map((c, i) => k.update(b.high[i], b.low[i], c));
      expect(streamed).toEqual(Array.from(stochD(b.high, b.low, b.close, p, s)));
    }
  });

  it('equals %K exactly while the last `smooth` %K values are equal, like any window mean', () => {
    // Bars with the same high, low and close give the same %K (period 1) every bar; %D, their
    // mean, must be exactly that value and not one rounding away.
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 100_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 4999 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        (lowCents, rangeCents, atCents, smooth, before) => {
          const low = lowCents / 100;
          const high = (lowCents + rangeCents) / 100;
          const close = (lowCents + (atCents % rangeCents)) / 100;
          const n = before + smooth;
          // Some other bars first, so the window's history differs from the window.
          const h = Array.from({ length: n }, (_, i) => (i < before ? high + 1 + (i % 3) : high));
          const l = Array.from({ length: n }, () => low);
          const c = Array.from({ length: n }, (_, i) => (i < before ? high + 0.5 : close));
          const k = stochK(h, l, c, 1);
          const d = stochD(h, l, c, 1, smooth);
          expect(d[n - 1]).toBe(k[n - 1]);
          const kernel = new StochDKernel(1, smooth);
          let last = Number.NaN;
          for (let i = 0; i < n; i++) last = kernel.update(h[i], l[i], c[i]);
          expect(last).toBe(k[n - 1]);
        },
      ),
      fcRuns,
    );
  });

  it('is NaN while any %K in its window is NaN', () => {
    const high = [5, 5, 6, 7, 8, 9];
    const low = [5, 5, 5, 5, 5, 5];
    const close = [5, 5, 6, 6, 6, 6];
    // %K (2): NaN (warm-up), NaN (no range), 100, 50, 1/3 * 100, 1/4 * 100.
    const third = (1 / 3) * 100;
    const d = Array.from(stochD(high, low, close, 2, 2));
    expect(d.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(d.slice(3)).toEqual([75, (50 + third) / 2, (third + 25) / 2]);
  });

  it('names the parameter at fault', () => {
    expect(codeOf(() => stochD([1], [1], [1], 3, 0))).toBe('BAD_PARAM: smooth must be a positive integer, was 0');
    expect(codeOf(() => new StochDKernel(3, 1.5))).toBe('BAD_PARAM: smooth must be a positive integer, was 1.5');
    expect(codeOf(() => stochD([1], [1], [1], 0, 3))).toBe('BAD_PARAM: period must be a positive integer, was 0');
    expect(codeOf(() => stochK([1], [1], [1], 3, -1))).toBe('BAD_PARAM: from must be a non-negative integer bar index, was -1');
    expect(codeOf(() => stochK([1, 2], [1], [1, 2], 3))).toMatch(/^BAD_COLUMNS/);
  });
});
