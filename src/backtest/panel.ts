import type { BarSeries } from '../core/bar-series.js';
import { lowerBound } from '../core/calendar.js';
import { inputError } from '../core/errors.js';

/**
 * Many symbols aligned on one session calendar (the union of their days). Each symbol keeps its
 * own bars; `barAt` maps a calendar index to that symbol's bar index (-1 = no bar that day), so
 * a missing session is a hole, never an invented price. The maps are shared and read-only: a
 * symbol trading every session shares one identity map with the others that do.
 */
export interface MarketPanel {
  readonly calendar: Int32Array;
  readonly series: readonly BarSeries[];
  readonly symbols: readonly string[];
  readonly barAt: readonly Int32Array[];
  /** The regime/benchmark index, aligned the same way; null when the market has none. */
  readonly index: BarSeries | null;
  readonly indexBarAt: Int32Array | null;
}

/** The sorted union of every series' days, via a bitmap over the day range (no hashing). */
export function sessionCalendar(series: readonly BarSeries[]): Int32Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    if (s.day.length === 0) continue;
    lo = Math.min(lo, s.day[0]);
    hi = Math.max(hi, s.day[s.day.length - 1]);
  }
  if (lo > hi) return new Int32Array(0);
  const seen = new Uint8Array(hi - lo + 1);
  for (const s of series) for (let i = 0; i < s.day.length; i++) seen[s.day[i] - lo] = 1;
  let n = 0;
  for (let d = 0; d < seen.length; d++) n += seen[d];
  const out = new Int32Array(n);
  for (let d = 0, k = 0; d < seen.length; d++) if (seen[d] === 1) out[k++] = lo + d;
  return out;
}

function alignTo(calendar: Int32Array, s: BarSeries): Int32Array {
  const map = new Int32Array(calendar.length).fill(-1);
  let c = s.day.length > 0 ? lowerBound(calendar, s.day[0]) : 0;
  for (let i = 0; i < s.day.length; i++) {
    while (c < calendar.length && calendar[c] < s.day[i]) c++;
    if (c < calendar.length && calendar[c] === s.day[i]) map[c] = i;
  }
  return map;
}

export function buildPanel(series: readonly BarSeries[], index: BarSeries | null): MarketPanel {
  if (series.length === 0) throw inputError('EMPTY_UNIVERSE', 'no symbols with data to trade');
  const calendar = sessionCalendar(index === null ? series : [...series, index]);
  // A symbol with a bar on every session maps them one to one: all such symbols share one
  // identity map instead of an array each (fresh memory is what a panel costs).
  let identity: Int32Array | null = null;
  const identityMap = (): Int32Array => {
    if (identity === null) {
      identity = new Int32Array(calendar.length);
      for (let t = 0; t < identity.length; t++) identity[t] = t;
    }
    return identity;
  };
  return {
    calendar,
    series,
    symbols: series.map((s) => s.symbol),
    barAt: series.map((s) => (s.day.length === calendar.length ? identityMap() : alignTo(calendar, s))),
    index,
    indexBarAt: index === null ? null : index.day.length === calendar.length ? identityMap() : alignTo(calendar, index),
  };
}

/** Calendar index range [from, to] (inclusive) covering the ISO-day bounds; null when empty. */
export function calendarRange(panel: MarketPanel, startDay: number, endDay: number): { from: number; to: number } | null {
  const from = lowerBound(panel.calendar, startDay);
  let to = lowerBound(panel.calendar, endDay + 1) - 1;
  if (to >= panel.calendar.length) to = panel.calendar.length - 1;
  return from <= to ? { from, to } : null;
}
