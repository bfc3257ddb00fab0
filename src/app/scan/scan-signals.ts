import { sliceBars, type BarSeries } from '../../core/bar-series.js';
import { dayToIso, upperBound } from '../../core/calendar.js';
import { nextSession } from '../../core/exchange-calendar.js';
import { MarketContext } from '../../backtest/market-context.js';
import { buildPanel, type MarketPanel } from '../../backtest/panel.js';
import type { Params } from '../../strategies/params.js';
import { SIGNAL_LONG, SIGNAL_SHORT, type RuleCondition, type Strategy } from '../../strategies/types.js';

/** One strategy with its parameters, as the scan runs it (the engine's leg without a book). */
export interface ScanLeg {
  readonly strategy: Strategy;
  readonly params: Params;
}

/**
 * The market as a scan of day D sees it: every symbol with a bar on D, cut to `historyBars` bars
 * before D and nothing after it (a replay never sees a later bar), plus the index cut the same
 * way. `ctx` is an engine MarketContext whose signal span is D alone, so the scan's signals are
 * the engine's own signal book for that day: same prepare/decide, same stop/target distances.
 */
export interface ScanWindow {
  readonly day: number;
  readonly panel: MarketPanel;
  readonly ctx: MarketContext;
  /** D's calendar index in `panel` (its last). */
  readonly t: number;
}

/** The window of day `day` from a loaded panel; null when no traded symbol has a bar on it. */
export function scanWindow(panel: MarketPanel, day: number, historyBars: number): ScanWindow | null {
  const cut = (s: BarSeries, needBarOnDay: boolean): BarSeries | null => {
    const end = upperBound(s.day, day);
    if (end === 0 || (needBarOnDay && s.day[end - 1] !== day)) return null;
    return sliceBars(s, Math.max(0, end - 1 - historyBars), end);
  };
  const series = panel.series.map((s) => cut(s, true)).filter((s): s is BarSeries => s !== null);
  if (series.length === 0) return null;
  const index = panel.index === null ? null : cut(panel.index, false);
  const windowPanel = buildPanel(series, index);
  const t = windowPanel.calendar.length - 1;
  return { day, panel: windowPanel, ctx: new MarketContext(windowPanel, { from: t, to: t }), t };
}

/** An entry signal of one leg on the window's day, as the engine's signal book holds it. */
export interface RawSignal {
  readonly leg: number;
  /** Index into the window panel's series. */
  readonly sym: number;
  readonly bar: number;
  readonly side: 'long' | 'short';
  readonly score: number;
  /** NaN = no stop / no target. */
  readonly stopDist: number;
  readonly targetDist: number;
}

/** Every entry signal of every leg on the window's day, each leg in the book's order (score, then symbol). */
export function signalsOnDay(win: ScanWindow, legs: readonly ScanLeg[]): RawSignal[] {
  const out: RawSignal[] = [];
  legs.forEach((leg, l) => {
    const { book } = win.ctx.leg(leg.strategy, leg.params);
    for (let j = book.dayStart[win.t]; j < book.dayStart[win.t + 1]; j++) {
      const code = book.code[j];
      if (code !== SIGNAL_LONG && code !== SIGNAL_SHORT) continue;
      out.push({ leg: l, sym: book.sym[j], bar: book.bar[j], side: code === SIGNAL_LONG ? 'long' : 'short', score: book.score[j], stopDist: book.stopDist[j], targetDist: book.targetDist[j] });
    }
  });
  return out;
}

/** The engine's time exit for a signal on `day`: the calendar dates of the hold's last close and of the exit fill. */
export interface TimeExit {
  readonly bars: number;
  /** The close at which the engine queues the exit (the hold's last bar). */
  readonly decidedOn: string;
  /** The session the exit order fills on (its open, or its midpoint with a delay-midpoint fill). */
  readonly exitOn: string;
}

/**
 * The engine fills an entry `fillDelay` bars after the signal bar (bar e), queues a time exit
 * at the close of bar e + timeBars - 1 and fills it `fillDelay` bars later; sessions are counted
 * on the NYSE calendar. Null when the strategy has no time exit.
 */
export function timeExitOf(day: number, timeBars: number, fillDelay: number): TimeExit | null {
  if (!(timeBars > 0)) return null;
  const advance = (d: number, n: number) => {
    for (let k = 0; k < n; k++) d = nextSession(d);
    return d;
  };
  const decided = advance(day, fillDelay + timeBars - 1);
  return { bars: timeBars, decidedOn: dayToIso(decided), exitOn: dayToIso(advance(decided, fillDelay)) };
}

/** The signal contract of one scan row. */
export interface ScanSignal {
  readonly date: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly strategyVersion: string;
  readonly side: 'long' | 'short';
  /** Reference entry: the close of the signal day (the engine fills at the next open). */
  readonly entry: number;
  readonly stop: number | null;
  readonly takeProfit: number | null;
  /** Distances the engine lays off the actual fill price (null = none). */
  readonly stopDist: number | null;
  readonly targetDist: number | null;
  readonly timeExit: TimeExit | null;
  /** The strategy's score: higher ranks first. */
  readonly strength: number;
  /** The entry rule's conditions with the values read (empty when the strategy does not explain). */
  readonly conditions: readonly RuleCondition[];
  readonly reason: string;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function describeSignal(win: ScanWindow, legs: readonly ScanLeg[], s: RawSignal, fillDelay: number): ScanSignal {
  const { strategy, params } = legs[s.leg];
  const series = win.panel.series[s.sym];
  const prep = strategy.prepare(series, params, win.ctx.memo);
  const entry = series.close[s.bar];
  const dir = s.side === 'long' ? 1 : -1;
  return {
    date: dayToIso(win.day),
    symbol: series.symbol,
    strategy: strategy.name,
    strategyVersion: strategy.version,
    side: s.side,
    entry,
    stop: Number.isNaN(s.stopDist) ? null : entry - dir * s.stopDist,
    takeProfit: Number.isNaN(s.targetDist) ? null : entry + dir * s.targetDist,
    stopDist: orNull(s.stopDist),
    targetDist: orNull(s.targetDist),
    timeExit: timeExitOf(win.day, params.timeExitBars, fillDelay),
    strength: s.score,
    conditions: strategy.explain?.(prep, s.bar, params) ?? [],
    reason: strategy.reason(prep, s.bar, params),
  };
}
