import fc from 'fast-check';
import { IchimokuCloud } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import {
  ichimokuKijun,
  IchimokuKijunKernel,
  ichimokuSenkouA,
  IchimokuSenkouAKernel,
  ichimokuSenkouB,
  IchimokuSenkouBKernel,
  ichimokuTenkan,
  IchimokuTenkanKernel,
} from './ichimoku.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);

interface Hl {
  high: number[];
  low: number[];
}

function randomBars(seed: number, n: number): Hl {
  const rng = createRng(seed);
  const bars: Hl = { high: [], low: [] };
  let c = 100;
  for (let i = 0; i < n; i++) {
    c *= Math.exp(0.02 * rng.normal());
    bars.high.push(c * (1 + 0.02 * rng.next()));
    bars.low.push(c * (1 - 0.02 * rng.next()));
  }
  return bars;
}

/** Small integer bars: ties and flat stretches are common. */
const gridBarsArb = fc
  .array(fc.record({ low: fc.integer({ min: 1, max: 6 }), up: fc.integer({ min: 0, max: 3 }) }), { maxLength: 70 })
  .map((bars) => ({ high: bars.map((b) => b.low + b.up), low: bars.map((b) => b.low) }));

function naiveMid(b: Hl, p: number, t: number): number {
  if (t < p - 1) return Number.NaN;
  return (Math.max(...b.high.slice(t - p + 1, t + 1)) + Math.min(...b.low.slice(t - p + 1, t + 1))) / 2;
}

const shifted = (n: number, d: number, f: (s: number) => number): number[] =>
  Array.from({ length: n }, (_, t) => (t < d ? Number.NaN : f(t - d)));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isKobeError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

describe('ichimoku', () => {
  const high = [5, 7, 6, 9, 8];
  const low = [3, 4, 2, 5, 6];

  it('tenkan and kijun are midpoints of the range of the last `period` bars, bar t included', () => {
    // Period 2: [3, 7] -> 5, [2, 7] -> 4.5, [2, 9] -> 5.5, [5, 9] -> 7.
    expect(Array.from(ichimokuTenkan(high, low, 2))).toEqual([NaN, 5, 4.5, 5.5, 7]);
    // Period 3: [2, 7] -> 4.5, [2, 9] -> 5.5, [2, 9] -> 5.5.
    expect(Array.from(ichimokuKijun(high, low, 3))).toEqual([NaN, NaN, 4.5, 5.5, 5.5]);
  });

  it('senkou spans are returned as they apply to bar t: computed `displacement` bars earlier', () => {
    // (tenkan 2 + kijun 3) / 2 on bars 2, 3, 4: 4.5, 5.5, 6.25; applied one bar later.
    expect(Array.from(ichimokuSenkouA(high, low, 2, 3, 1))).toEqual([NaN, NaN, NaN, 4.5, 5.5]);
    // Midpoint of 3 bars on bar 2 is 4.5; applied two bars later, on bar 4.
    expect(Array.from(ichimokuSenkouB(high, low, 3, 2))).toEqual([NaN, NaN, NaN, NaN, 4.5]);
    // Displacement 0: no shift.
    expect(Array.from(ichimokuSenkouA(high, low, 2, 3, 0))).toEqual([NaN, NaN, 4.5, 5.5, 6.25]);
    expect(Array.from(ichimokuSenkouB(high, low, 3, 0))).toEqual(Array.from(ichimokuKijun(high, low, 3)));
  });

  it('uses the classic 9 / 26 / 52 / 26 by default, with the warm-ups that follow', () => {
    expect(new IchimokuTenkanKernel().warmup).toBe(8);
    expect(new IchimokuKijunKernel().warmup).toBe(25);
    expect(new IchimokuSenkouAKernel().warmup).toBe(51);
    expect(new IchimokuSenkouBKernel().warmup).toBe(77);
    const b = randomBars(1, 120);
    const a = ichimokuSenkouA(b.high, b.low);
    const sb = ichimokuSenkouB(b.high, b.low);
    expect(Number.isNaN(a[50]) && !Number.isNaN(a[51])).toBe(true);
    expect(Number.isNaN(sb[76]) && !Number.isNaN(sb[77])).toBe(true);
    expect(Array.from(ichimokuTenkan(b.high, b.low))).toEqual(Array.from(ichimokuTenkan(b.high, b.low, 9)));
    expect(Array.from(ichimokuKijun(b.high, b.low))).toEqual(Array.from(ichimokuKijun(b.high, b.low, 26)));
  });

  it('equals naive midpoints, shifted, in both faces', () => {
    fc.assert(
      fc.property(gridBarsArb, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), (b, tk, kj, d) => {
        const n = b.high.length;
        const tenkan = shifted(n, 0, (s) => naiveMid(b, tk, s));
        const a = shifted(n, d, (s) => (naiveMid(b, tk, s) + naiveMid(b, kj, s)) / 2);
        const sb = shifted(n, d, (s) => naiveMid(b, kj, s));
        expect(Array.from(ichimokuTenkan(b.high, b.low, tk))).toEqual(tenkan);
        expect(Array.from(ichimokuSenkouA(b.high, b.low, tk, kj, d))).toEqual(a);
        expect(Array.from(ichimokuSenkouB(b.high, b.low, kj, d))).toEqual(sb);
        const ka = new IchimokuSenkouAKernel(tk, kj, d);
        const kb = new IchimokuSenkouBKernel(kj, d);
        expect(b.high.map((h, i) => ka.update(h, b.low[i]))).toEqual(a);
        expect(b.high.map((h, i) => kb.update(h, b.low[i]))).toEqual(sb);
      }),
      fcRuns,
    );
  });

  it("equals technicalindicators' IchimokuCloud bit for bit, its spans shifted forward by the displacement", () => {
    // Theirs starts on bar M - 1, M the largest of the four parameters, and reports spanA / spanB on
    // the bar they are computed on (to be drawn `displacement` bars ahead). Ours applies them there.
    const b = randomBars(7, 300);
    for (const [tk, kj, sp, d] of [
      [9, 26, 52, 26],
      [7, 22, 44, 22],
      [3, 5, 8, 13],
    ]) {
      const theirs = IchimokuCloud.calculate({ ...b, conversionPeriod: tk, basePeriod: kj, spanPeriod: sp, displacement: d });
      const m = Math.max(tk, kj, sp, d);
      expect(theirs).toHaveLength(b.high.length - m + 1);
      const tenkan = ichimokuTenkan(b.high, b.low, tk);
      const kijun = ichimokuKijun(b.high, b.low, kj);
      const a = ichimokuSenkouA(b.high, b.low, tk, kj, d);
      const sb = ichimokuSenkouB(b.high, b.low, sp, d);
      theirs.forEach((r, j) => {
        const t = j + m - 1;
        expect(tenkan[t]).toBe(r.conversion);
        expect(kijun[t]).toBe(r.base);
        if (t + d < b.high.length) {
          expect(a[t + d]).toBe(r.spanA);
          expect(sb[t + d]).toBe(r.spanB);
        }
      });
    }
  });

  it('never looks ahead: a spike on bar k reaches the cloud on bar k + displacement, not before', () => {
    const flat = { high: new Array<number>(120).fill(101), low: new Array<number>(120).fill(99) };
    const spiked = { high: flat.high.slice(), low: flat.low.slice() };
    spiked.high[60] = 131;
    const a0 = ichimokuSenkouA(flat.high, flat.low);
    const a1 = ichimokuSenkouA(spiked.high, spiked.low);
    const b1 = ichimokuSenkouB(spiked.high, spiked.low);
    for (let t = 0; t < 86; t++) expect(Object.is(a1[t], a0[t])).toBe(true);
    expect(a0[85]).toBe(100);
    // Bar 86 = 60 + 26: tenkan and kijun on bar 60 both see the spike, (131 + 99) / 2 = 115.
    expect(a1[86]).toBe(115);
    expect(b1[85]).toBe(100);
    expect(b1[86]).toBe(115);
  });

  it('is NaN while a NaN high or low is in the window the output reads', () => {
    const h = [5, 7, NaN, 9, 8, 9, 9, 9];
    const l = [3, 4, 2, 5, 6, 6, 6, 6];
    expect(Array.from(ichimokuTenkan(h, l, 2)).map(Number.isNaN)).toEqual([true, false, true, true, false, false, false, false]);
    // Senkou B (2, displacement 2) reads bars t - 3 .. t - 2.
    expect(Array.from(ichimokuSenkouB(h, l, 2, 2)).map(Number.isNaN)).toEqual([true, true, true, false, true, true, false, false]);
  });

  it('from a start bar: NaN before it, the whole-history values from it on', () => {
    fc.assert(
      fc.property(gridBarsArb, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 80 }), (b, tk, kj, d, from) => {
        const pairs: [Float64Array, Float64Array][] = [
          [ichimokuTenkan(b.high, b.low, tk), ichimokuTenkan(b.high, b.low, tk, from)],
          [ichimokuKijun(b.high, b.low, kj), ichimokuKijun(b.high, b.low, kj, from)],
          [ichimokuSenkouA(b.high, b.low, tk, kj, d), ichimokuSenkouA(b.high, b.low, tk, kj, d, from)],
          [ichimokuSenkouB(b.high, b.low, kj, d), ichimokuSenkouB(b.high, b.low, kj, d, from)],
        ];
        for (const [full, part] of pairs) full.forEach((v, t) => expect(Object.is(part[t], t < from ? Number.NaN : v)).toBe(true));
      }),
      fcRuns,
    );
  });

  it('lets "close above the cloud" fire after a rally, and not during the decline', () => {
    // 90 bars down half a point a day from 150 to 105.5, then up two points a day; range close +- 1.
    const close = Array.from({ length: 120 }, (_, i) => (i < 90 ? 150 - 0.5 * i : 105.5 + 2 * (i - 89)));
    const high = close.map((c) => c + 1);
    const low = close.map((c) => c - 1);
    const a = ichimokuSenkouA(high, low);
    const b = ichimokuSenkouB(high, low);
    const above = close.map((c, t) => c > a[t] && c > b[t]);
    // On bar 100 the cloud is from bar 74, inside the decline. Span B: bars 23 .. 74, high
    // 151 - 11.5 = 139.5, low 149 - 37 = 112 -> 125.75. Span A: tenkan over bars 66 .. 74
    // (118 + 112) / 2 = 115, kijun over bars 49 .. 74 (126.5 + 112) / 2 = 119.25 -> 117.125.
    expect(b[100]).toBe(125.75);
    expect(a[100]).toBe(117.125);
    expect(close[100]).toBe(127.5);
    expect(above.indexOf(true)).toBe(100);
    expect(close[99]).toBeLessThan(b[99]);
    expect(above.slice(100).every(Boolean)).toBe(true);
    // During the decline the close is below the cloud whenever the cloud is defined.
    for (let t = 77; t < 90; t++) expect(close[t] < a[t] && close[t] < b[t], `bar ${t}`).toBe(true);
  });

  it('names the parameter at fault', () => {
    expect(codeOf(() => ichimokuSenkouA([1], [1], 0))).toBe('BAD_PARAM: tenkan must be a positive integer, was 0');
    expect(codeOf(() => ichimokuSenkouA([1], [1], 9, 2.5))).toBe('BAD_PARAM: kijun must be a positive integer, was 2.5');
    expect(codeOf(() => new IchimokuSenkouAKernel(9, 26, -1))).toBe('BAD_PARAM: displacement must be a non-negative integer, was -1');
    expect(codeOf(() => ichimokuSenkouB([1], [1], 52, Number.NaN))).toBe('BAD_PARAM: displacement must be a non-negative integer, was NaN');
    expect(codeOf(() => new IchimokuTenkanKernel(0))).toBe('BAD_PARAM: period must be a positive integer, was 0');
    expect(codeOf(() => ichimokuKijun([1, 2], [1], 3))).toMatch(/^BAD_COLUMNS/);
    expect(codeOf(() => ichimokuTenkan([1], [1], 9, 0.5))).toBe('BAD_PARAM: from must be a non-negative integer bar index, was 0.5');
  });
});
