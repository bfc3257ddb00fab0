import type { EngineLeg } from '../backtest/engine.js';
import { legKey, MarketContext } from '../backtest/market-context.js';
import type { MarketPanel } from '../backtest/panel.js';
import { SignalBookBuffers, signalBookOf } from '../backtest/signal-book.js';
import { lowerBound, upperBound } from '../core/calendar.js';
import { IndicatorMemo } from '../strategies/indicator-memo.js';
import { paramsKey, type Params } from '../strategies/params.js';
import { scanSignalsInto } from '../strategies/scan.js';
import { SignalColumns } from '../strategies/signal-columns.js';
import type { Strategy } from '../strategies/types.js';

/**
 * The market context a genome search judges genomes in. A genome's book is used by that genome
 * alone (its walk-forward asks for it once per fold, then the search moves on), so this context
 * keeps one book, built into columns and buffers reused from genome to genome, where a plain
 * context keeps dozens, each in fresh memory. A full-universe book whose exit rule fires on most
 * bars is ~1.7M signals: allocating its ~150 MB of working and output arrays per genome cost more
 * than computing them, and a cache of such books was most of a run's peak memory.
 *
 * Indicators live in a memo cleared symbol by symbol, not in the context's memo: genomes of a
 * search rarely share all their periods, and a memo that spans genomes needs ~23 MB per indicator
 * and period to help, far more than a run can hold (on the full universe, 64 MB and 512 MB of memo
 * ran equally fast). A symbol's arrays, ~25 KB each, are reused by the allocator from symbol to
 * symbol instead of each genome touching ~100 MB of fresh memory.
 *
 * A leg is valid until the next leg of a different strategy or parameters is asked for, so a
 * backtest through this context trades one strategy at a time (evaluateGenome's use).
 */
export class EvolveContext extends MarketContext {
  private readonly columns = new SignalColumns();
  private readonly buffers = new SignalBookBuffers();
  private current: { readonly key: string; readonly leg: EngineLeg } | null = null;
  /** Indicators of the symbol being scanned (see above). */
  private readonly symbolMemo: IndicatorMemo;

  constructor(panel: MarketPanel, span?: { from: number; to: number }) {
    super(panel, span, { legCacheSize: 1 });
    // Room for a signal on every bar of the span, reserved once: growing by doubling would hold
    // the old and new arrays at once, and pages a book never reaches are never touched (no memory).
    const firstDay = panel.calendar[this.span.from];
    const lastDay = panel.calendar[this.span.to];
    let bars = 0;
    for (const s of panel.series) bars += upperBound(s.day, lastDay) - lowerBound(s.day, firstDay);
    this.columns.reserve(bars);
    this.buffers.reserve(bars, panel.calendar.length);
    this.symbolMemo = new IndicatorMemo(this.firstBarOf);
  }

  /** The context over `base`'s market and span. */
  static over(base: MarketContext): EvolveContext {
    return new EvolveContext(base.panel, base.span);
  }

  override leg(strategy: Strategy, params: Params): EngineLeg {
    const key = legKey(strategy, params);
    if (this.current !== null && this.current.key === key) return this.current.leg;
    // Dropped first: a failed build must not leave a leg whose buffers it half overwrote.
    this.current = null;
    const firstDay = this.panel.calendar[this.span.from];
    const lastDay = this.panel.calendar[this.span.to];
    const columns = this.columns;
    columns.length = 0;
    // Each symbol's indicators live only while it is scanned (see symbolMemo above).
    const memo = this.symbolMemo;
    this.panel.series.forEach((s, sym) => {
      memo.clear();
      scanSignalsInto(strategy, s, params, memo, lowerBound(s.day, firstDay), upperBound(s.day, lastDay), columns, sym);
    });
    memo.clear();
    const leg: EngineLeg = { strategy, params, book: signalBookOf(this.panel, columns, this.buffers) };
    this.current = { key, leg };
    return leg;
  }

  override legs(strategy: Strategy, points: readonly Params[]): EngineLeg[] {
    const keys = new Set(points.map((p) => paramsKey(p)));
    if (keys.size > 1) throw new RangeError(`an evolve context holds one leg at a time, was asked for ${keys.size} parameter sets at once`);
    return points.map((p) => this.leg(strategy, p));
  }
}
