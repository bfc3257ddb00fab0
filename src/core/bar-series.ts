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

/**
 * Just the BarSeries of an object that has its columns (parsed RawBars with their line numbers,
 * say): the same arrays, no copy.
 */
export function barColumns(s: BarSeries): BarSeries {
  return { symbol: s.symbol, day: s.day, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume };
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

/**
 * A copy of the bars at `rows`, in that order (used to sort and mask bad bars: data/
 * bad-data-policy.ts). Any object with the BarSeries columns will do, e.g. parsed RawBars.
 */
export function takeBars(s: BarSeries, rows: ArrayLike<number>): BarSeries {
  const m = rows.length;
  const out = allocateBars(s.symbol, m);
  for (let k = 0; k < m; k++) {
    const i = rows[k];
    out.day[k] = s.day[i];
    out.open[k] = s.open[i];
    out.high[k] = s.high[i];
    out.low[k] = s.low[i];
    out.close[k] = s.close[i];
    out.volume[k] = s.volume[i];
  }
  return out;
}

/** A copy keeping only the bars where keep(i) is true. */
export function filterBars(s: BarSeries, keep: (i: number) => boolean): BarSeries {
  const rows = new Int32Array(s.day.length);
  let n = 0;
  for (let i = 0; i < s.day.length; i++) if (keep(i)) rows[n++] = i;
  return takeBars(s, rows.subarray(0, n));
}
