import { lowerBound, upperBound } from '../core/calendar.js';
import { IndicatorMemo } from '../strategies/indicator-memo.js';
import { paramsKey, type Params } from '../strategies/params.js';
import { scanSignals } from '../strategies/scan.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineLeg } from './engine.js';
import type { MarketPanel } from './panel.js';
import { regimeMask } from './regime.js';
import { buildSignalBook } from './signal-book.js';

/**
 * A loaded market plus everything derived from it that later runs reuse: indicator arrays,
 * signal books per (strategy, params) and regime masks. Signals are computed over each symbol's
 * whole history once; since every indicator is causal, a window run reads the same values it
 * would have computed from the bars up to that day (no cold start, no look-ahead).
 *
 * `span` (calendar indices, inclusive) limits where signals are looked for: indicators still see
 * all history before it, but a run over 2015-2017 does not scan 2005-2014 for signals. Every
 * backtest through this context must lie inside the span.
 */
export class MarketContext {
  readonly memo: IndicatorMemo;
  readonly span: { readonly from: number; readonly to: number };
  private readonly books = new Map<string, EngineLeg>();
  private readonly regimes = new Map<number, Uint8Array | null>();

  private readonly legCacheSize: number;

  /**
   * `memoBudgetBytes` bounds the indicator memo; `legCacheSize` how many signal books are kept
   * (a walk-forward reuses a handful; a genome search would otherwise keep one per genome).
   */
  constructor(readonly panel: MarketPanel, span?: { from: number; to: number }, options: { memoBudgetBytes?: number; legCacheSize?: number } = {}) {
    this.span = span ?? { from: 0, to: panel.calendar.length - 1 };
    const firstDay = panel.calendar[this.span.from];
    this.memo = new IndicatorMemo((s) => lowerBound(s.day, firstDay), options.memoBudgetBytes);
    this.legCacheSize = options.legCacheSize ?? 64;
  }

  leg(strategy: Strategy, params: Params): EngineLeg {
    const key = `${strategy.name}@${strategy.version}|${paramsKey(params)}`;
    const found = this.books.get(key);
    if (found !== undefined) {
      this.books.delete(key);
      this.books.set(key, found);
      return found;
    }
    const firstDay = this.panel.calendar[this.span.from];
    const lastDay = this.panel.calendar[this.span.to];
    const perSymbol = this.panel.series.map((s) => scanSignals(strategy, s, params, this.memo, lowerBound(s.day, firstDay), upperBound(s.day, lastDay)));
    const leg: EngineLeg = { strategy, params, book: buildSignalBook(this.panel, perSymbol) };
    this.books.set(key, leg);
    if (this.books.size > this.legCacheSize) this.books.delete(this.books.keys().next().value as string);
    return leg;
  }

  regime(smaPeriod: number): Uint8Array | null {
    if (!this.regimes.has(smaPeriod)) this.regimes.set(smaPeriod, regimeMask(this.panel, smaPeriod));
    return this.regimes.get(smaPeriod) ?? null;
  }
}
