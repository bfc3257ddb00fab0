import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import {
  CloseToCloseVolKernel,
  closeToCloseVol,
  GarmanKlassVolKernel,
  garmanKlassVol,
  ParkinsonVolKernel,
  parkinsonVol,
  RogersSatchellVolKernel,
  rogersSatchellVol,
  YangZhangVolKernel,
  yangZhangVol,
  yangZhangK,
} from './vol-estimators.js';
import type { OhlcColumns } from './vol-estimators.js';

const fcRuns = fcOptions(100);

interface Bars {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/**
 * The estimators straight from the papers, window by window with two-pass sums: no running state,
 * nothing shared with the library but the formulas' definitions.
 */
const LN = Math.log;
const sum = (n: number, f: (i: number) => number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s;
};
const sampleVariance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1);
};

interface Reference {
  readonly name: string;
  readonly warmup: (n: number) => number;
  readonly at: (b: Bars, t: number, n: number, perYear: number) => number;
  readonly batch: (b: Bars, n: number, perYear: number) => Float64Array;
  readonly kernel: (n: number, perYear: number) => { update(o: number, h: number, l: number, c: number): number; reset(): void; warmup: number };
  readonly minPeriod: number;
}

const ESTIMATORS: Reference[] = [
  {
    name: 'close to close',
    minPeriod: 2,
    warmup: (n) => n,
    at: (b, t, n, y) => Math.sqrt(y * sampleVariance(Array.from({ length: n }, (_, j) => LN(b.close[t - j] / b.close[t - j - 1])))),
    batch: (b, n, y) => closeToCloseVol(b.close, n, y),
    kernel: (n, y) => {
      const k = new CloseToCloseVolKernel(n, y);
      return { warmup: k.warmup, reset: () => k.reset(), update: (_o, _h, _l, c) => k.update(c) };
    },
  },
  {
    name: 'Parkinson',
    minPeriod: 1,
    warmup: (n) => n - 1,
    at: (b, t, n, y) => Math.sqrt((y / (4 * n * Math.LN2)) * sum(n, (j) => LN(b.high[t - j] / b.low[t - j]) ** 2)),
    batch: (b, n, y) => parkinsonVol(b.high, b.low, n, y),
    kernel: (n, y) => {
      const k = new ParkinsonVolKernel(n, y);
      return { warmup: k.warmup, reset: () => k.reset(), update: (_o, h, l) => k.update(h, l) };
    },
  },
  {
    name: 'Garman-Klass',
    minPeriod: 1,
    warmup: (n) => n - 1,
    at: (b, t, n, y) =>
      Math.sqrt(
        (y / n) *
          sum(n, (j) => 0.5 * LN(b.high[t - j] / b.low[t - j]) ** 2 - (2 * Math.LN2 - 1) * LN(b.close[t - j] / b.open[t - j]) ** 2),
      ),
    batch: (b, n, y) => garmanKlassVol(b, n, y),
    kernel: (n, y) => new GarmanKlassVolKernel(n, y),
  },
  {
    name: 'Rogers-Satchell',
    minPeriod: 1,
    warmup: (n) => n - 1,
    at: (b, t, n, y) => Math.sqrt((y / n) * sum(n, (j) => rsTerm(b, t - j))),
    batch: (b, n, y) => rogersSatchellVol(b, n, y),
    kernel: (n, y) => new RogersSatchellVolKernel(n, y),
  },
  {
    name: 'Yang-Zhang',
    minPeriod: 2,
    warmup: (n) => n,
    at: (b, t, n, y) => {
      const overnight = Array.from({ length: n }, (_, j) => LN(b.open[t - j] / b.close[t - j - 1]));
      const openToClose = Array.from({ length: n }, (_, j) => LN(b.close[t - j] / b.open[t - j]));
      const k = 0.34 / (1.34 + (n + 1) / (n - 1));
      const rs = sum(n, (j) => rsTerm(b, t - j)) / n;
      return Math.sqrt(y * (sampleVariance(overnight) + k * sampleVariance(openToClose) + (1 - k) * rs));
    },
    batch: (b, n, y) => yangZhangVol(b, n, y),
    kernel: (n, y) => new YangZhangVolKernel(n, y),
  },
];

function rsTerm(b: Bars, i: number): number {
  const [o, h, l, c] = [b.open[i], b.high[i], b.low[i], b.close[i]];
  return LN(h / c) * LN(h / o) + LN(l / c) * LN(l / o);
}

function expectMatchesReference(e: Reference, bars: Bars, n: number, perYear: number, relTol: number): void {
  const out = e.batch(bars, n, perYear);
  const w = e.warmup(n);
  expect(out).toHaveLength(bars.close.length);
  for (let t = 0; t < out.length; t++) {
    if (t < w) {
      expect(out[t], `${e.name} bar ${t}`).toBeNaN();
      continue;
    }
    const want = e.at(bars, t, n, perYear);
    expect(Math.abs(out[t] - want), `${e.name}(${n}) bar ${t}: ${out[t]} vs ${want}`).toBeLessThanOrEqual(relTol * want + 1e-15);
  }
}

function synthetic(length: number, seed: number): Bars {
  const s = randomWalkBars('SYN', length, seed);
  return { open: s.open, high: s.high, low: s.low, close: s.close };
}

const slice = (b: Bars, k: number): Bars => ({ open: b.open.slice(0, k), high: b.high.slice(0, k), low: b.low.slice(0, k), close: b.close.slice(0, k) });

function runKernel(k: ReturnType<Reference['kernel']>, b: Bars): Float64Array {
  const out = new Float64Array(b.close.length);
  for (let i = 0; i < out.length; i++) out[i] = k.update(b.open[i], b.high[i], b.low[i], b.close[i]);
  return out;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

describe.each(ESTIMATORS.map((e) => [e.name, e] as const))('%s volatility', (_name, e) => {
  it('matches the formula computed window by window on synthetic bars', () => {
    // 1e-11: a period-2 standard deviation of two nearly equal returns cancels (5e-13 seen).
    for (const [n, perYear, seed] of [[e.minPeriod, 252, 1], [5, 252, 2], [20, 365, 3], [63, 252, 4]]) {
      expectMatchesReference(e, synthetic(600, seed), n, perYear, 1e-11);
    }
  });

  it('is causal (a prefix of the input gives a prefix of the output), batch equals streaming, reset is fresh', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.integer({ min: e.minPeriod, max: 30 }), fc.nat(), fc.integer({ min: 1, max: 1e6 }), (len, n, cut, seed) => {
        const bars = synthetic(len, seed);
        const full = e.batch(bars, n, 252);
        const k = cut % (len + 1);
        expect(same(e.batch(slice(bars, k), n, 252), full.subarray(0, k)), `prefix ${k}`).toBe(true);
        const kernel = e.kernel(n, 252);
        expect(kernel.warmup).toBe(e.warmup(n));
        expect(same(runKernel(kernel, bars), full)).toBe(true);
        kernel.reset();
        expect(same(runKernel(kernel, bars), full)).toBe(true);
        for (let i = 0; i < len; i++) expect(Number.isNaN(full[i])).toBe(i < e.warmup(n));
      }),
      fcRuns,
    );
  });

  it('is NaN while a bar with a missing price is in the window, then recovers', () => {
    const bars = synthetic(60, 9);
    const n = 5;
    const clean = e.batch(bars, n, 252);
    bars.open[30] = Number.NaN;
    bars.high[30] = Number.NaN;
    bars.low[30] = Number.NaN;
    bars.close[30] = Number.NaN;
    const holed = e.batch(bars, n, 252);
    // Close-to-close and Yang-Zhang also lose the next bar's return from the missing close.
    const lastAffected = 30 + n - 1 + (e.warmup(n) === n ? 1 : 0);
    for (let t = 0; t < 60; t++) {
      if (t < 30) expect(Object.is(holed[t], clean[t])).toBe(true);
      else if (t <= lastAffected) expect(holed[t], `bar ${t}`).toBeNaN();
      else expect(holed[t], `bar ${t}`).toBeCloseTo(clean[t], 12);
    }
  });

  it('rejects a bad period or annualisation', () => {
    for (const [n, y, param] of [[e.minPeriod - 1, 252, undefined], [2.5, 252, undefined], [10, 0, 'periodsPerYear'], [10, Number.NaN, 'periodsPerYear']] as const) {
      try {
        e.batch(synthetic(10, 1), n, y);
        expect.fail(`accepted period ${n}, periodsPerYear ${y}`);
      } catch (err) {
        expect(isKobeError(err) && err.code === 'BAD_PARAM' && err.param === param, String(err)).toBe(true);
      }
    }
  });
});

describe('volatility estimators on known bars', () => {
  it('give the closed forms on identical bars', () => {
    const n = 4;
    const bars: Bars = { open: new Float64Array(10).fill(100), high: new Float64Array(10).fill(102), low: new Float64Array(10).fill(99), close: new Float64Array(10).fill(101) };
    const [hl, co, ho, lo, hc, lc, on] = [LN(102 / 99), LN(101 / 100), LN(102 / 100), LN(99 / 100), LN(102 / 101), LN(99 / 101), LN(100 / 101)];
    expect(closeToCloseVol(bars.close, n)[9]).toBe(0);
    expect(parkinsonVol(bars.high, bars.low, n)[9]).toBeCloseTo(Math.sqrt((252 * hl * hl) / (4 * Math.LN2)), 14);
    expect(garmanKlassVol(bars, n)[9]).toBeCloseTo(Math.sqrt(252 * (0.5 * hl * hl - (2 * Math.LN2 - 1) * co * co)), 14);
    const rs = hc * ho + lc * lo;
    expect(rogersSatchellVol(bars, n)[9]).toBeCloseTo(Math.sqrt(252 * rs), 14);
    // Constant overnight and open-to-close returns have no variance: Yang-Zhang is (1 - k) RS.
    expect(on).toBeLessThan(0);
    expect(yangZhangVol(bars, n)[9]).toBeCloseTo(Math.sqrt(252 * (1 - yangZhangK(n)) * rs), 14);
  });

  it('rejects columns of different lengths', () => {
    const b = synthetic(10, 1);
    const bad: OhlcColumns = { ...b, low: b.low.subarray(0, 9) };
    expect(() => garmanKlassVol(bad, 3)).toThrow(/differ in length/);
    expect(() => parkinsonVol(b.high, bad.low, 3)).toThrow(/differ in length/);
  });
});

describe.runIf(sharedDataAvailable())('volatility estimators on real data (aapl.us)', () => {
  it('match the formulas computed window by window', () => {
    const rows = readFileSync(join(SHARED_STOOQ_DIR, 'aapl.us.txt'), 'utf8').trim().split('\n').slice(1);
    const col = (k: number) => Float64Array.from(rows, (line) => Number(line.split(',')[k]));
    const bars: Bars = { open: col(1), high: col(2), low: col(3), close: col(4) };
    expect(bars.close.length).toBeGreaterThan(3000);
    for (const e of ESTIMATORS) for (const n of [10, 63]) expectMatchesReference(e, bars, n, 252, 1e-12);
  });
});
