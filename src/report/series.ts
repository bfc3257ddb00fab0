import { drawdownSeries } from '../backtest/return-metrics.js';

/** JSON has no NaN or Infinity: a value that is not finite is absent. */
export const finiteOrNull = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

export const toNullable = (values: ArrayLike<number>): (number | null)[] => Array.from(values, (v) => finiteOrNull(v));

/** Drawdown below the running peak as a negative fraction (0 at a new high): the underwater curve. */
export function underwater(equity: ArrayLike<number>): (number | null)[] {
  return Array.from(drawdownSeries(equity), (d) => (Number.isFinite(d) ? (d === 0 ? 0 : -d) : null));
}

export const MONTH_LABELS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * Calendar-month returns of an equity curve, compounded into a year column: a month's return is
 * its last close over the previous month's last close (the first month over `initial`, the equity
 * before the first session). Months the curve does not cover are null.
 */
export function monthlyReturns(dates: readonly string[], equity: ArrayLike<number>, initial: number): { years: string[]; cells: (number | null)[][] } {
  const byMonth = new Map<string, number>(); // 'YYYY-MM' -> last equity of the month
  for (let i = 0; i < dates.length; i++) {
    if (Number.isFinite(equity[i])) byMonth.set(dates[i].slice(0, 7), equity[i]);
  }
  const months = [...byMonth.keys()].sort();
  const years = [...new Set(months.map((m) => m.slice(0, 4)))];
  const cells = years.map(() => new Array<number | null>(13).fill(null));
  let prev = initial;
  let yearStart = initial;
  let year = '';
  for (const m of months) {
    const y = m.slice(0, 4);
    if (y !== year) {
      year = y;
      yearStart = prev;
    }
    const e = byMonth.get(m)!;
    const row = cells[years.indexOf(y)];
    row[Number(m.slice(5, 7)) - 1] = prev > 0 ? finiteOrNull(e / prev - 1) : null;
    row[12] = yearStart > 0 ? finiteOrNull(e / yearStart - 1) : null;
    prev = e;
  }
  return { years, cells };
}

/** A round step (1, 2 or 5 times a power of ten) near `raw`, so bin edges read well. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * Counts of finite values in about `targetBins` equal bins with round edges; every value lands
 * in exactly one bin ([edge k, edge k+1), the last bin closed). Integers (holding days) get
 * integer-wide bins.
 */
export function histogram(values: ArrayLike<number>, targetBins = 30, integers = false): { edges: number[]; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) return { edges: [], counts: [] };
  // A spread too small to split into round bins (equal values, or a denormal apart) is one bin.
  if (hi - lo <= Math.max(Math.abs(hi), Math.abs(lo)) * 1e-9 || !(niceStep((hi - lo) / targetBins) > 0)) {
    return { edges: [lo - 0.5, hi + 0.5], counts: [n] };
  }
  let step = niceStep((hi - lo) / targetBins);
  if (integers) step = Math.max(1, Math.round(step));
  const start = Math.floor(lo / step) * step;
  const bins = Math.max(1, Math.floor((hi - start) / step) + 1);
  // Rounded for display; the outer edges never cut a value off.
  const edges = Array.from({ length: bins + 1 }, (_, k) => Number((start + k * step).toPrecision(12)));
  edges[0] = Math.min(edges[0], lo);
  edges[bins] = Math.max(edges[bins], hi);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.max(0, Math.min(bins - 1, Math.floor((v - start) / step)))]++;
  }
  return { edges, counts };
}

/** The p-th percentile (0..100) of sorted values, linear between ranks. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const r = (p / 100) * (n - 1);
  const lo = Math.floor(r);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (r - lo);
}
