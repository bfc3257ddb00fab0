import { KobeError } from './errors.js';

/**
 * Daily bars of one symbol as a struct of typed arrays (never an array of bar objects): the
 * research loops index these columns directly, and they can be shared with worker threads.
 * `day` is strictly increasing (day numbers, see calendar.ts).
 */
export interface BarSeries {
  readonly symbol: string;
  readonly day: Int32Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export const barCount = (s: BarSeries): number => s.day.length;

export function allocateBars(symbol: string, length: number): BarSeries {
  return {
    symbol,
    day: new Int32Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/** Plain-array input, for tests and library users building series by hand. */
export interface BarColumns {
  readonly day: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volume?: ArrayLike<number>;
}

export function barsFromColumns(symbol: string, cols: BarColumns): BarSeries {
  const n = cols.day.length;
  for (const key of ['open', 'high', 'low', 'close'] as const) {
    if (cols[key].length !== n) {
      throw new KobeError('BAD_COLUMNS', `column ${key} has ${cols[key].length} values, day has ${n}`, { kind: 'input' });
    }
  }
  const s = allocateBars(symbol, n);
  for (let i = 0; i < n; i++) {
    s.day[i] = cols.day[i];
    s.open[i] = cols.open[i];
    s.high[i] = cols.high[i];
    s.low[i] = cols.low[i];
    s.close[i] = cols.close[i];
    s.volume[i] = cols.volume ? cols.volume[i] : 0;
  }
  return s;
}

/** Bars [from, to) as views over the same memory (no copy). */
export function sliceBars(s: BarSeries, from: number, to: number): BarSeries {
  return {
    symbol: s.symbol,
    day: s.day.subarray(from, to),
    open: s.open.subarray(from, to),
    high: s.high.subarray(from, to),
    low: s.low.subarray(from, to),
    close: s.close.subarray(from, to),
    volume: s.volume.subarray(from, to),
  };
}

/** A copy keeping only the bars where keep[i] is true (used to mask bad bars). */
export function filterBars(s: BarSeries, keep: (i: number) => boolean): BarSeries {
  let n = 0;
  for (let i = 0; i < s.day.length; i++) if (keep(i)) n++;
  const out = allocateBars(s.symbol, n);
  let j = 0;
  for (let i = 0; i < s.day.length; i++) {
    if (!keep(i)) continue;
    out.day[j] = s.day[i];
    out.open[j] = s.open[i];
    out.high[j] = s.high[i];
    out.low[j] = s.low[i];
    out.close[j] = s.close[i];
    out.volume[j] = s.volume[i];
    j++;
  }
  return out;
}
