import type { BarSeries } from '../core/bar-series.js';

/**
 * Indicator arrays memoised per (symbol, indicator and its parameters) for one loaded market, so
 * tuning grids and later genome searches never recompute an SMA(200) they already have. One memo
 * belongs to one immutable market: the data hash is implicit in the memo's identity.
 */
export class IndicatorMemo {
  private readonly arrays = new Map<string, { readonly value: Float64Array; used: number }>();
  private bytes = 0;
  private tick = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  /**
   * `firstBarOf` gives, per series, the first bar any user of this memo will read values at
   * (a run's span start); without it every indicator covers the whole history. `budgetBytes`
   * bounds the memory held: a genome search over many periods would otherwise keep one 23 MB
   * array set per distinct indicator forever. The least recently used arrays go first; callers
   * keep the arrays they hold, an evicted array is simply computed again when next asked for.
   */
  constructor(
    private readonly firstBarOf: (series: BarSeries) => number = () => 0,
    private readonly budgetBytes = 1024 * 1024 * 1024,
  ) {}

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
      found.used = ++this.tick;
      return found.value;
    }
    this.misses++;
    const value = compute();
    this.arrays.set(full, { value, used: ++this.tick });
    this.bytes += value.byteLength;
    if (this.bytes > this.budgetBytes) this.evict();
    return value;
  }

  /** Drops the least recently used arrays down to three quarters of the budget, in one batch. */
  private evict(): void {
    const byAge = [...this.arrays.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [key, entry] of byAge) {
      if (this.bytes <= this.budgetBytes * 0.75) break;
      this.arrays.delete(key);
      this.bytes -= entry.value.byteLength;
      this.evictions++;
    }
  }

  /** Drops every array (the counters stay): a memo reused for one symbol after another. */
  clear(): void {
    this.arrays.clear();
    this.bytes = 0;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.arrays.size;
  }
}
