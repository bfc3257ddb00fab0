import fc from 'fast-check';
import { VWAP } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { rollingVwap, RollingVwapKernel } from './rolling-vwap.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

interface Hlcv {
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** Random-walk bars whose volume is sometimes zero and sometimes a spike a thousand times larger. */
function randomBars(seed: number, n: number, price = 100): Hlcv {
  const rng = createRng(seed);
  const bars: Hlcv = { high: [], low: [], close: [], volume: [] };
  let c = price;
  for (let i = 0; i < n; i++) {
    c *= Math.exp(0.01 * rng.normal());
    bars.close.push(c);
    bars.high.push(c * (1 + 0.02 * rng.next()));
    bars.low.push(c * (1 - 0.02 * rng.next()));
    const u = rng.next();
    bars.volume.push(u < 0.1 ? 0 : u < 0.15 ? 1e9 * rng.next() : 1e6 * rng.next());
  }
  return bars;
}

/** Window sums with Neumaier compensation: the reference the drift test measures against. */
function exactVwap(b: Hlcv, from: number, to: number): number {
  let pv = 0;
  let pvc = 0;
  let v = 0;
  let vc = 0;
  const add = (sum: number, c: number, x: number): [number, number] => {
    const t = sum + x;
    return [t, c + (Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum)];
  };
  for (let i = from; i <= to; i++) {
    [pv, pvc] = add(pv, pvc, b.volume[i] * ((b.high[i] + b.low[i] + b.close[i]) / 3));
    [v, vc] = add(v, vc, b.volume[i]);
  }
  return (pv + pvc) / (v + vc);
}

/** The textbook running-sum VWAP (add the new bar, subtract the leaving one), for contrast. */
function runningSumVwap(b: Hlcv, p: number): number[] {
  let pv = 0;
  let v = 0;
  return b.close.map((_, i) => {
    if (i >= p) {
      pv -= b.volume[i - p] * ((b.high[i - p] + b.low[i - p] + b.close[i - p]) / 3);
      v -= b.volume[i - p];
    }
    pv += b.volume[i] * ((b.high[i] + b.low[i] + b.close[i]) / 3);
    v += b.volume[i];
    return i >= p - 1 ? pv / v : Number.NaN;
  });
}

const vwapOf = (b: Hlcv, p: number): Float64Array => rollingVwap(b.high, b.low, b.close, b.volume, p);

describe('rollingVwap', () => {
  it('weighs the typical price (h + l + c) / 3 of the last `period` bars by volume', () => {
    const b = { high: [11, 12, 10], low: [9, 10, 8], close: [10, 11, 9], volume: [100, 300, 0] };
    // Typical prices 10, 11, 9. Period 2: (1000 + 3300) / 400 = 10.75, then (3300 + 0) / 300 = 11.
    expect(Array.from(vwapOf(b, 2))).toEqual([NaN, 10.75, 11]);
    // Period 1 is the bar's typical price; a bar without volume has none.
    expect(Array.from(vwapOf(b, 1))).toEqual([10, 11, NaN]);
    expect(new RollingVwapKernel(20).warmup).toBe(19);
  });

  it('is NaN, exactly, over a window without volume, however heavy the trading before it', () => {
    const price = [70.3, 10.7, 5, 5, 5];
    const b = { high: price, low: price, close: price, volume: [1e7, 3.3e6, 0, 0, 0] };
    expect(Array.from(vwapOf(b, 2)).slice(2)).toEqual([(10.7 + 10.7 + 10.7) / 3, NaN, NaN]);
    // A running sum keeps residue of the heavy days: a price sum of about 1e-9 over a volume of 0.
    expect(runningSumVwap(b, 2)[4]).toBe(Number.POSITIVE_INFINITY);
    // One share at 5 after the heavy days: exactly 5 here, 5.0000000075 from a running sum.
    const c = { ...b, volume: [1.1e7, 3.3e6, 0, 0, 1] };
    expect(vwapOf(c, 2)[4]).toBe(5);
    expect(Math.abs(runningSumVwap(c, 2)[4] - 5)).toBeGreaterThan(1e-9);
  });

  it('does not drift: within period * 2^-52 of exact window sums over 20 000 bars at price 10 000', () => {
    const b = randomBars(11, 20_000, 10_000);
    for (const p of [2, 5, 20, 60]) {
      const out = vwapOf(b, p);
      let worst = 0;
      for (let t = p - 1; t < out.length; t++) {
        const exact = exactVwap(b, t - p + 1, t);
        if (Number.isNaN(exact)) expect(out[t], `bar ${t}`).toBeNaN();
        else worst = Math.max(worst, Math.abs(out[t] - exact) / exact);
      }
      expect(worst, `period ${p}`).toBeLessThanOrEqual(p * 2 ** -52);
    }
  });

  it("equals technicalindicators' (cumulative) VWAP over the same bars within 1e-13", () => {
    const b = randomBars(5, 240);
    for (const p of [1, 3, 7, 20]) {
      const out = vwapOf(b, p);
      for (let t = p - 1; t < out.length; t++) {
        const s = t - p + 1;
        const slice = (xs: number[]): number[] => xs.slice(s, t + 1);
        const theirs = VWAP.calculate({ high: slice(b.high), low: slice(b.low), close: slice(b.close), volume: slice(b.volume) });
        const ref = theirs[theirs.length - 1];
        if (Number.isNaN(ref)) expect(out[t]).toBeNaN();
        else expect(Math.abs(out[t] - ref), `bar ${t}`).toBeLessThanOrEqual(1e-13 * ref);
      }
    }
  });

  it('depends only on the bars in its window: the same bars after different histories give the same bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 2, max: 15 }), (seed, a, b, p) => {
        const window = randomBars(seed, p);
        const before = randomBars(seed + 1, 40);
        const join = (k: number): Hlcv => ({
          high: [...before.high.slice(0, k), ...window.high],
          low: [...before.low.slice(0, k), ...window.low],
          close: [...before.close.slice(0, k), ...window.close],
          volume: [...before.volume.slice(0, k), ...window.volume],
        });
        const x = vwapOf(join(a), p);
        const y = vwapOf(join(b), p);
        expect(Object.is(x[x.length - 1], y[y.length - 1]), `${x[x.length - 1]} vs ${y[y.length - 1]}`).toBe(true);
      }),
      fcOptions(100),
    );
  });

  it('stays between the lowest low and the highest high of its window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 15 }), (seed, p) => {
        const b = randomBars(seed, 60);
        const out = vwapOf(b, p);
        for (let t = p - 1; t < out.length; t++) {
          if (Number.isNaN(out[t])) continue;
          const hi = Math.max(...b.high.slice(t - p + 1, t + 1));
          const lo = Math.min(...b.low.slice(t - p + 1, t + 1));
          expect(out[t]).toBeLessThanOrEqual(hi * (1 + 1e-14));
          expect(out[t]).toBeGreaterThanOrEqual(lo * (1 - 1e-14));
        }
      }),
      fcOptions(50),
    );
  });

  it('streams the same bits as the batch face on realistic bars (where the order of additions shows)', () => {
    const b = randomBars(23, 500);
    for (const p of [1, 2, 3, 7, 20, 61]) {
      const k = new RollingVwapKernel(p);
      const streamed = b.close.map((c, i) => k.update(b.high[i], b.low[i], c, b.volume[i]));
      expect(streamed).toEqual(Array.from(vwapOf(b, p)));
    }
  });

  it('is NaN while a NaN input is in the window, then recovers, in both faces', () => {
    const b = { high: [11, 12, 10, 10, 10], low: [9, 10, 8, 8, 8], close: [10, 11, 9, 9, 9], volume: [100, NaN, 100, 100, 100] };
    expect(Array.from(vwapOf(b, 2))).toEqual([NaN, NaN, NaN, 9, 9]);
    const k = new RollingVwapKernel(2);
    expect(b.high.map((h, i) => k.update(h, b.low[i], b.close[i], b.volume[i]))).toEqual([NaN, NaN, NaN, 9, 9]);
  });

  it('lets "close < VWAP * 0.97" fire after a drop', () => {
    // Ten quiet bars, typical price 100 on a million shares, then a drop bar 99 / 95 / 96 on three million.
    const b: Hlcv = { high: [], low: [], close: [], volume: [] };
    for (let i = 0; i < 10; i++) {
      b.high.push(101);
      b.low.push(99);
      b.close.push(100);
      b.volume.push(1e6);
    }
    b.high.push(99);
    b.low.push(95);
    b.close.push(96);
    b.volume.push(3e6);
    const v = vwapOf(b, 10);
    // Window bars 1 .. 10: (9 * 100 * 1e6 + 3e6 * 290 / 3) / 12e6 = 1.19e9 / 12e6 = 99.1666...
    expect(v[10]).toBeCloseTo(1.19e9 / 12e6, 12);
    const fires = b.close.map((c, t) => c < v[t] * 0.97);
    expect(fires.indexOf(true)).toBe(10);
    expect(v[9]).toBe(100);
  });

  it('rejects columns of different lengths and bad periods', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isKobeError(e) ? e.code : String(e);
      }
      return undefined;
    };
    expect(code(() => rollingVwap([1, 2], [1, 2], [1, 2], [1], 2))).toBe('BAD_COLUMNS');
    expect(code(() => rollingVwap([1], [1], [1], [1], 0))).toBe('BAD_PARAM');
    expect(code(() => new RollingVwapKernel(1.5))).toBe('BAD_PARAM');
  });
});
