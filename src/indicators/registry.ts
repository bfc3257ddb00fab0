import { atr, AtrKernel } from './atr.js';
import { avgDollarVolume, AvgDollarVolumeKernel } from './avg-dollar-volume.js';
import { donchianHigh, DonchianHighKernel, donchianLow, DonchianLowKernel } from './donchian.js';
import { ema, EmaKernel } from './ema.js';
import { ibs, IbsKernel } from './ibs.js';
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
import type { StreamingKernel } from './kernel.js';
import { MAX_PERIOD } from './params.js';
import { realisedVol, RealisedVolKernel } from './realised-vol.js';
import { rollingStd, RollingStdKernel } from './rolling-std.js';
import { rollingVwap, RollingVwapKernel } from './rolling-vwap.js';
import { rsi, RsiKernel } from './rsi.js';
import { sma, SmaKernel } from './sma.js';
import { stochD, StochDKernel, stochK, StochKKernel } from './stochastic.js';

/** A bar column an indicator reads; `values` is any single series (close by default). */
export type SeriesName = 'values' | 'high' | 'low' | 'close' | 'volume';

/** One integer parameter, in the order the batch function and the kernel take them. */
export interface ParamSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** Offsets [from, to] relative to bar t; from = -Infinity means every earlier bar. */
export type BarWindow = readonly [from: number, to: number];

/**
 * What the shared contract test, and later the memoising indicator cache, need to know about an
 * indicator without knowing which one it is. The functions below take the parameters in `params`
 * order (most indicators have one, `period`); indicators without parameters ignore them.
 */
export interface IndicatorDescriptor {
  readonly name: string;
  /** Input columns in argument order. */
  readonly inputs: readonly SeriesName[];
  readonly params: readonly ParamSpec[];
  /** Leading NaN outputs on clean data. */
  readonly warmup: (...params: number[]) => number;
  /**
   * For each input, the bars output t depends on. Output t is NaN exactly when t < warmup or a NaN
   * input lies in one of these windows; the contract test injects NaNs to hold every indicator to it.
   */
  readonly window: (...params: number[]) => readonly BarWindow[];
  /** Bounds of every output on valid bars (prices > 0, low <= open, close <= high, volume >= 0). */
  readonly range: readonly [min: number, max: number];
  readonly batch: (inputs: readonly ArrayLike<number>[], ...params: number[]) => Float64Array;
  readonly kernel: (...params: number[]) => StreamingKernel<number[]>;
}

const param = (name: string, min: number, def: number): ParamSpec => ({ name, min, max: MAX_PERIOD, default: def });
const period = (min: number, def: number): ParamSpec => param('period', min, def);
const ALL_BEFORE: BarWindow = [Number.NEGATIVE_INFINITY, 0];
const INF = Number.POSITIVE_INFINITY;

export const INDICATORS: readonly IndicatorDescriptor[] = [
  {
    name: 'sma',
    inputs: ['values'],
    params: [period(1, 20)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0]],
    range: [0, INF],
    batch: ([v], p) => sma(v, p),
    kernel: (p) => new SmaKernel(p),
  },
  {
    name: 'ema',
    inputs: ['values'],
    params: [period(1, 20)],
    warmup: (p) => p - 1,
    window: () => [ALL_BEFORE],
    range: [0, INF],
    batch: ([v], p) => ema(v, p),
    kernel: (p) => new EmaKernel(p),
  },
  {
    name: 'rsi',
    inputs: ['close'],
    params: [period(1, 14)],
    warmup: (p) => p,
    window: () => [ALL_BEFORE],
    range: [0, 100],
    batch: ([c], p) => rsi(c, p),
    kernel: (p) => new RsiKernel(p),
  },
  {
    name: 'atr',
    inputs: ['high', 'low', 'close'],
    params: [period(1, 14)],
    warmup: (p) => p - 1,
    // Bar t's true range uses the previous close, never its own.
    window: () => [ALL_BEFORE, ALL_BEFORE, [Number.NEGATIVE_INFINITY, -1]],
    range: [0, INF],
    batch: ([h, l, c], p) => atr(h, l, c, p),
    kernel: (p) => new AtrKernel(p),
  },
  {
    name: 'ibs',
    inputs: ['high', 'low', 'close'],
    params: [],
    warmup: () => 0,
    window: () => [
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    range: [0, 1],
    batch: ([h, l, c]) => ibs(h, l, c),
    kernel: () => new IbsKernel(),
  },
  {
    name: 'donchianHigh',
    inputs: ['high'],
    params: [period(1, 20)],
    warmup: (p) => p,
    window: (p) => [[-p, -1]],
    range: [0, INF],
    batch: ([h], p) => donchianHigh(h, p),
    kernel: (p) => new DonchianHighKernel(p),
  },
  {
    name: 'donchianLow',
    inputs: ['low'],
    params: [period(1, 20)],
    warmup: (p) => p,
    window: (p) => [[-p, -1]],
    range: [0, INF],
    batch: ([l], p) => donchianLow(l, p),
    kernel: (p) => new DonchianLowKernel(p),
  },
  {
    name: 'rollingStd',
    inputs: ['values'],
    params: [period(2, 20)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0]],
    range: [0, INF],
    batch: ([v], p) => rollingStd(v, p),
    kernel: (p) => new RollingStdKernel(p),
  },
  {
    name: 'realisedVol',
    inputs: ['close'],
    params: [period(2, 20)],
    warmup: (p) => p,
    window: (p) => [[-p, 0]],
    range: [0, INF],
    batch: ([c], p) => realisedVol(c, p),
    kernel: (p) => new RealisedVolKernel(p),
  },
  {
    name: 'avgDollarVolume',
    inputs: ['close', 'volume'],
    params: [period(1, 20)],
    warmup: (p) => p - 1,
    window: (p) => [
      [1 - p, 0],
      [1 - p, 0],
    ],
    range: [0, INF],
    batch: ([c, v], p) => avgDollarVolume(c, v, p),
    kernel: (p) => new AvgDollarVolumeKernel(p),
  },
  {
    name: 'stochK',
    inputs: ['high', 'low', 'close'],
    params: [period(1, 14)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0], [1 - p, 0], [0, 0]],
    range: [0, 100],
    batch: ([h, l, c], p) => stochK(h, l, c, p),
    kernel: (p) => new StochKKernel(p),
  },
  {
    name: 'stochD',
    inputs: ['high', 'low', 'close'],
    params: [period(1, 14), param('smooth', 1, 3)],
    warmup: (p, s) => p + s - 2,
    // The last `smooth` %K values, each reading `period` highs and lows and its own close.
    window: (p, s) => [[2 - p - s, 0], [2 - p - s, 0], [1 - s, 0]],
    range: [0, 100],
    batch: ([h, l, c], p, s) => stochD(h, l, c, p, s),
    kernel: (p, s) => new StochDKernel(p, s),
  },
  {
    name: 'ichimokuTenkan',
    inputs: ['high', 'low'],
    params: [period(1, 9)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0], [1 - p, 0]],
    range: [0, INF],
    batch: ([h, l], p) => ichimokuTenkan(h, l, p),
    kernel: (p) => new IchimokuTenkanKernel(p),
  },
  {
    name: 'ichimokuKijun',
    inputs: ['high', 'low'],
    params: [period(1, 26)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0], [1 - p, 0]],
    range: [0, INF],
    batch: ([h, l], p) => ichimokuKijun(h, l, p),
    kernel: (p) => new IchimokuKijunKernel(p),
  },
  {
    name: 'ichimokuSenkouA',
    inputs: ['high', 'low'],
    params: [param('tenkan', 1, 9), param('kijun', 1, 26), param('displacement', 0, 26)],
    warmup: (tk, kj, d) => Math.max(tk, kj) - 1 + d,
    // The cloud at bar t was computed on bar t - d, from the longer of the two windows ending there.
    window: (tk, kj, d) => {
      const w: BarWindow = [1 - Math.max(tk, kj) - d, -d];
      return [w, w];
    },
    range: [0, INF],
    batch: ([h, l], tk, kj, d) => ichimokuSenkouA(h, l, tk, kj, d),
    kernel: (tk, kj, d) => new IchimokuSenkouAKernel(tk, kj, d),
  },
  {
    name: 'ichimokuSenkouB',
    inputs: ['high', 'low'],
    params: [period(1, 52), param('displacement', 0, 26)],
    warmup: (p, d) => p - 1 + d,
    window: (p, d) => [[1 - p - d, -d], [1 - p - d, -d]],
    range: [0, INF],
    batch: ([h, l], p, d) => ichimokuSenkouB(h, l, p, d),
    kernel: (p, d) => new IchimokuSenkouBKernel(p, d),
  },
  {
    name: 'rollingVwap',
    inputs: ['high', 'low', 'close', 'volume'],
    params: [period(1, 20)],
    warmup: (p) => p - 1,
    window: (p) => [[1 - p, 0], [1 - p, 0], [1 - p, 0], [1 - p, 0]],
    range: [0, INF],
    batch: ([h, l, c, v], p) => rollingVwap(h, l, c, v, p),
    kernel: (p) => new RollingVwapKernel(p),
  },
];

export function findIndicator(name: string): IndicatorDescriptor | undefined {
  return INDICATORS.find((d) => d.name === name);
}
