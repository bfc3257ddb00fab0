import type { EngineLeg } from '../backtest/engine.js';
import { MarketContext } from '../backtest/market-context.js';
import { SignalBookBuffers, signalBookOf } from '../backtest/signal-book.js';
import { lowerBound, upperBound } from '../core/calendar.js';
import { paramsKey, type Params } from '../strategies/params.js';
import { scanSignalsInto } from '../strategies/scan.js';
import { SignalColumns } from '../strategies/signal-columns.js';
import type { Strategy } from '../strategies/types.js';

/**
 * Indicator memory for evaluating genomes, per process (a pool's threads share it out): with the
 * loaded market and each thread's book buffers, a run stays under 1 GB.
 */
export const EVOLVE_MEMO_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The market context a genome search judges genomes in. A genome's book is used by that genome
 * alone (its walk-forward asks for it once per fold, then the search moves on), so this context
 * keeps one book, built into columns and buffers reused from genome to genome, where a plain
 * context keeps dozens, each in fresh memory. A full-universe book whose exit rule fires on most
 * bars is ~1.7M signals: allocating its ~150 MB of working and output arrays per genome cost more
 * than computing them, and a cache of such books was most of a run's peak memory.
 *
 * A leg is valid until the next leg of a different strategy or parameters is asked for, so a
 * backtest through this context trades one strategy at a time (evaluateGenome's use).
 */
export class EvolveContext extends MarketContext {
  private readonly columns = new SignalColumns();
  private readonly buffers = new SignalBookBuffers();
  private current: { readonly key: string; readonly leg: EngineLeg } | null = null;

  /** The context over `base`'s market and span, with an indicator memo of `memoBudgetBytes`. */
  static over(base: MarketContext, memoBudgetBytes: number): EvolveContext {
    return new EvolveContext(base.panel, base.span, { memoBudgetBytes, legCacheSize: 1 });
  }

  override leg(strategy: Strategy, params: Params): EngineLeg {
    const key = `${strategy.name}@${strategy.version}|${paramsKey(params)}`;
    if (this.current !== null && this.current.key === key) return this.current.leg;
    // Dropped first: a failed build must not leave a leg whose buffers it half overwrote.
    this.current = null;
    const firstDay = this.panel.calendar[this.span.from];
    const lastDay = this.panel.calendar[this.span.to];
    const columns = this.columns;
    columns.length = 0;
    this.panel.series.forEach((s, sym) => scanSignalsInto(strategy, s, params, this.memo, lowerBound(s.day, firstDay), upperBound(s.day, lastDay), columns, sym));
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
