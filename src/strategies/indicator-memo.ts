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
