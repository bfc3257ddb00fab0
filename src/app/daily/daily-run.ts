import { resolve } from 'node:path';
import { appendAudit } from '../../audit/audit-log.js';
import type { Quote } from '../../brokers/broker.js';
import { dayToIso, lowerBound } from '../../core/calendar.js';
import { newYorkDay, previousSession, sessionCloseUtcMs, sessionOpenUtcMs } from '../../core/exchange-calendar.js';
import type { BarSeries } from '../../core/bar-series.js';
import { PipelineStore } from '../../store/pipeline-store.js';
import type { AppContext } from '../context.js';
import { loadRunMarket, type LoadedRun } from '../market.js';
import { appendJournal } from '../orders/risk-state.js';
import { factsFromBars, openOrderSession, type OrderSession } from '../orders/session.js';
import type { DailySpec } from './daily-spec.js';

/** Minutes after the open the morning steps act at in a replay (the crontab's 09:35 run). */
export const MORNING_MINUTES_AFTER_OPEN = 5;
/** Minutes after the close the end-of-day steps act at in a replay. */
export const EOD_MINUTES_AFTER_CLOSE = 30;

export type DailyPhase = 'morning' | 'open' | 'eod';

/**
 * One run of the pipeline for one trading day: the spec, the day, the clock the steps act at,
 * and what the steps share (the market, loaded once; the order session, opened once; the
 * pipeline store). In a replay the clock is the day's own: the morning steps act at 09:35 New
 * York time, the fills at the open, the end-of-day steps after the close, so every timestamp,
 * gate (regular hours) and order id is what the live run of that day would have written.
 */
export class DailyRun {
  readonly tradingDay: number;
  readonly tradingDate: string;
  /** The session whose close the scan reads: the one before the trading day. */
  readonly signalDay: number;
  readonly signalDate: string;
  readonly replay: boolean;
  readonly store: PipelineStore;
  readonly ctx: AppContext;
  private clockMs: number | null = null;
  private loaded: Promise<LoadedRun> | null = null;
  private bySymbol: Map<string, BarSeries> | null = null;
  private session: OrderSession | null = null;

  constructor(readonly spec: DailySpec, tradingDay: number, readonly base: AppContext) {
    this.tradingDay = tradingDay;
    this.tradingDate = dayToIso(tradingDay);
    this.signalDay = previousSession(tradingDay);
    this.signalDate = dayToIso(this.signalDay);
    this.replay = spec.date !== null;
    this.store = new PipelineStore(resolve(base.cwd, spec.db));
    this.ctx = { ...base, now: () => (this.clockMs === null ? base.now() : new Date(this.clockMs)) };
  }

  /** Sets the replay clock for a phase of the day (a live run keeps the wall clock). */
  at(phase: DailyPhase): void {
    if (!this.replay) return;
    const open = sessionOpenUtcMs(this.tradingDay);
    this.clockMs =
      phase === 'open' ? open : phase === 'morning' ? open + MORNING_MINUTES_AFTER_OPEN * 60_000 : sessionCloseUtcMs(this.tradingDay) + EOD_MINUTES_AFTER_CLOSE * 60_000;
  }

  nowMs(): number {
    return this.ctx.now().getTime();
  }

  nowIso(): string {
    return this.ctx.now().toISOString();
  }

  /** The market of the spec, every bar through the trading day (a replay sees no later bar). */
  market(): Promise<LoadedRun> {
    this.loaded ??= loadRunMarket({ ...this.spec.market, start: null, end: this.tradingDate, historyBars: null }, this.ctx).then((run) => {
      this.bySymbol = new Map(run.ctx.panel.series.map((s) => [s.symbol, s]));
      if (run.ctx.panel.index !== null) this.bySymbol.set(run.ctx.panel.index.symbol, run.ctx.panel.index);
      return run;
    });
    return this.loaded;
  }

  /** Drops the loaded market: the next `market()` reads the files again (after a refresh). */
  forgetMarket(): void {
    this.loaded = null;
    this.bySymbol = null;
  }

  /** A symbol's bars (after `market()` resolved); null when it is not in the market. */
  bars(symbol: string): BarSeries | null {
    return this.bySymbol?.get(symbol) ?? null;
  }

  /** The bar of `symbol` on `day`, or null when it has none. */
  barOn(symbol: string, day: number): { open: number; high: number; low: number; close: number; index: number } | null {
    const s = this.bars(symbol);
    if (s === null) return null;
    const i = lowerBound(s.day, day);
    if (i >= s.day.length || s.day[i] !== day) return null;
    return { open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], index: i };
  }

  /**
   * The paper broker's quote of a symbol at the run's clock, from the bars: the day's open from
   * the open until the close, the close after it, the last close before the day otherwise. Bid
   * and ask are that one price: the bars hold no spread (the engine's slippage stands for it).
   */
  quote(symbol: string): Quote | null {
    const s = this.bars(symbol);
    if (s === null) return null;
    const nowMs = this.nowMs();
    const today = newYorkDay(nowMs);
    const end = lowerBound(s.day, today + 1);
    if (end === 0) return null;
    const i = end - 1;
    let price = s.close[i];
    if (s.day[i] === today && nowMs < sessionCloseUtcMs(today)) {
      if (nowMs < sessionOpenUtcMs(today)) {
        if (i === 0) return null;
        price = s.close[i - 1];
      } else price = s.open[i];
    }
    return { symbol, bidUsd: price, askUsd: price, bidSize: 0, askSize: 0, timestampMs: nowMs };
  }

  /** The order session (OMS, risk state, broker), opened on first use and closed with the run. */
  orders(): OrderSession {
    this.session ??= openOrderSession(
      {
        db: this.spec.db,
        stateDir: this.spec.stateDir,
        audit: this.spec.audit,
        broker: this.spec.broker,
        ...(this.spec.market.dataDir === null ? {} : { dataDir: this.spec.market.dataDir }),
        ...(this.spec.broker === 'paper' ? { paperBars: { quotes: (s: string) => this.quote(s), startingCashUsd: this.spec.capitalUsd } } : {}),
        limitBufferFrac: this.spec.limitBufferFrac,
        gateLimits: {
          maxOrderNotionalUsd: this.spec.orderLimits.maxOrderUsd,
          maxDailyNotionalUsd: this.spec.orderLimits.maxDailyUsd,
          maxPositionFrac: this.spec.orderLimits.maxPositionFrac,
          dailyLossLimitUsd: this.spec.orderLimits.dailyLossLimitUsd,
          maxConsecutiveLosses: this.spec.orderLimits.maxConsecutiveLosses,
        },
      },
      this.ctx,
    );
    const hook = this.spec.hooks?.afterBrokerSubmit;
    // The gates' last price and ADV come from the market the run loaded (the demo market has no files).
    const deps = { ...this.session.deps, marketFacts: (symbol: string) => this.marketFacts(symbol), ...(hook === undefined ? {} : { afterBrokerSubmit: hook }) };
    this.session = { ...this.session, deps };
    return this.session;
  }

  /** The last close and the 20-session average dollar volume before the run's New York day (what the order gates read). */
  marketFacts(symbol: string): { priceUsd: number; adv20Usd: number } {
    const s = this.bars(symbol);
    return s === null ? { priceUsd: Number.NaN, adv20Usd: Number.NaN } : factsFromBars(s, newYorkDay(this.nowMs()));
  }


  /** The order session if a step opened it (the breaker is read from it after the steps). */
  ordersIfOpen(): OrderSession | null {
    return this.session;
  }

  /** One decision in the journal (`state/journal.jsonl`), stamped with the run's clock. */
  journal(decision: string, subject: string, data: Record<string, unknown>): void {
    appendJournal(resolve(this.ctx.cwd, this.spec.stateDir), { at: this.nowIso(), tradingDate: this.tradingDate, decision, subject, ...data });
  }

  /** A decision in the audit chain as well as the journal. */
  audit(kind: 'pipeline', subject: string, data: Record<string, unknown>): void {
    appendAudit(resolve(this.ctx.cwd, this.spec.audit), { kind: 'order-decision', subject, data: { pipeline: kind, tradingDate: this.tradingDate, ...data }, at: this.nowIso() });
  }

  close(): void {
    this.session?.close();
    this.session = null;
    this.store.close();
  }
}
