import type { BarSeries } from '../core/bar-series.js';
import { lowerBound, upperBound } from '../core/calendar.js';
import { IndicatorMemo } from '../strategies/indicator-memo.js';
import { paramsKey, type Params } from '../strategies/params.js';
import { scanSignalsGrid, scanSignalsInto } from '../strategies/scan.js';
import { SignalColumns } from '../strategies/signal-columns.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineLeg } from './engine.js';
import type { MarketPanel } from './panel.js';
import { regimeMask } from './regime.js';
import { signalBookOf } from './signal-book.js';

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
  /** A series' first bar inside the span (where its scans start). */
  protected readonly firstBarOf: (series: BarSeries) => number;
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
    this.firstBarOf = (s) => lowerBound(s.day, firstDay);
    this.memo = new IndicatorMemo(this.firstBarOf, options.memoBudgetBytes);
    this.legCacheSize = options.legCacheSize ?? 64;
  }

  leg(strategy: Strategy, params: Params): EngineLeg {
    const key = legKey(strategy, params);
    const found = this.books.get(key);
    if (found !== undefined) {
      this.books.delete(key);
      this.books.set(key, found);
      return found;
    }
    const firstDay = this.panel.calendar[this.span.from];
    const lastDay = this.panel.calendar[this.span.to];
    const columns = new SignalColumns();
    this.panel.series.forEach((s, sym) => scanSignalsInto(strategy, s, params, this.memo, lowerBound(s.day, firstDay), upperBound(s.day, lastDay), columns, sym));
    return this.keep(key, { strategy, params, book: signalBookOf(this.panel, columns) });
  }

  /**
   * The legs of several parameter sets of one strategy (a tuning grid), built in one pass over the
   * symbols: each symbol's indicators are computed once for every point, and the points that
   * differ only in thresholds share one scan (scanSignalsGrid). Those indicators live in a memo of
   * their own that is dropped with the symbol, not in `memo`: a grid's books are all it needs,
   * and keeping a full-history array per indicator and symbol would cost hundreds of MB.
   */
  legs(strategy: Strategy, points: readonly Params[]): EngineLeg[] {
    const keys = points.map((p) => legKey(strategy, p));
    const built = new Map<string, EngineLeg>();
    const missing: Params[] = [];
    const missingKeys = new Set<string>();
    keys.forEach((key, k) => {
      const found = this.books.get(key);
      if (found !== undefined) built.set(key, found);
      else if (!missingKeys.has(key)) {
        missingKeys.add(key);
        missing.push(points[k]);
      }
    });
    if (missing.length > 0) {
      const firstDay = this.panel.calendar[this.span.from];
      const lastDay = this.panel.calendar[this.span.to];
      const perPoint = missing.map(() => new SignalColumns());
      this.panel.series.forEach((s, sym) => {
        const symbolMemo = new IndicatorMemo(this.firstBarOf);
        scanSignalsGrid(strategy, s, missing, symbolMemo, lowerBound(s.day, firstDay), upperBound(s.day, lastDay), perPoint, sym);
      });
      missing.forEach((params, k) => {
        const key = legKey(strategy, params);
        built.set(key, this.keep(key, { strategy, params, book: signalBookOf(this.panel, perPoint[k]) }));
      });
    }
    return keys.map((key) => built.get(key)!);
  }

  private keep(key: string, leg: EngineLeg): EngineLeg {
    this.books.delete(key);
    this.books.set(key, leg);
    if (this.books.size > this.legCacheSize) this.books.delete(this.books.keys().next().value as string);
    return leg;
  }

  regime(smaPeriod: number): Uint8Array | null {
    if (!this.regimes.has(smaPeriod)) this.regimes.set(smaPeriod, regimeMask(this.panel, smaPeriod));
    return this.regimes.get(smaPeriod) ?? null;
  }
}

/** The identity of a leg: the strategy, its version and its parameters. */
export const legKey = (strategy: Strategy, params: Params) => `${strategy.name}@${strategy.version}|${paramsKey(params)}`;
