import type { BarSeries } from '../core/bar-series.js';

/**
 * Indicator arrays memoised per (symbol, indicator and its parameters) for one loaded market, so
 * tuning grids and later genome searches never recompute an SMA(200) they already have. One memo
 * belongs to one immutable market: the data hash is implicit in the memo's identity.
 */
export class IndicatorMemo {
  private readonly arrays = new Map<string, Float64Array>();
  hits = 0;
  misses = 0;

  /**
   * `firstBarOf` gives, per series, the first bar any user of this memo will read values at
   * (a run's span start); without it every indicator covers the whole history.
   */
  constructor(private readonly firstBarOf: (series: BarSeries) => number = () => 0) {}

  /**
   * For indicators whose value at bar i does not depend on where the computation started
   * (window extremes, per-bar ratios): `compute(from)` returns a full-length array that is exact
   * from bar `from` on and may be NaN before it; `from` is the first bar this memo's users read,
   * less `barsBefore`. Never for running sums or recursive smoothers, whose last bits depend on
   * the start.
   */
  startInvariant(series: BarSeries, key: string, barsBefore: number, compute: (from: number) => Float64Array): Float64Array {
    const from = Math.max(0, this.firstBarOf(series) - barsBefore);
    // The start is part of the key: a later caller needing more history gets its own array.
    return this.get(series, `${key}@${from}`, () => compute(from));
  }

  get(series: BarSeries, key: string, compute: () => Float64Array): Float64Array {
    const full = `${series.symbol}\u0000${key}`;
    const found = this.arrays.get(full);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    this.misses++;
    const value = compute();
    this.arrays.set(full, value);
    return value;
  }

  get size(): number {
    return this.arrays.size;
  }
}
