import { resolve } from 'node:path';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { dayToIso, lowerBound, parseIsoDay } from '../../core/calendar.js';
import { isSession, nextSession } from '../../core/exchange-calendar.js';
import { commissionUsd } from '../../execution/costs.js';
import { slippedPrice } from '../../execution/fill-price.js';
import { PipelineStore } from '../../store/pipeline-store.js';
import type { AppContext } from '../context.js';
import { loadRunMarket } from '../market.js';
import type { DailySpec } from './daily-spec.js';
import { backtestPicks } from './picks-backtest.js';
import { runDaily, type DailyOutcome } from './run-daily.js';
import { pipelineEngineConfig } from './steps/submit.js';

export interface ReplayComparison {
  readonly from: string;
  readonly to: string;
  readonly sessions: number;
  readonly picks: number;
  /** Picks the order path denied (gates, breaker, kill switch): left out of both sides. */
  readonly deniedByOrderPath: number;
  readonly paper: { readonly closedTrades: number; readonly openPositions: number; readonly cashUsd: number; readonly liquidationValueUsd: number; readonly realizedPnlUsd: number };
  readonly backtest: { readonly closedTrades: number; readonly openPositions: number; readonly finalEquityUsd: number; readonly realizedPnlUsd: number };
  /** Every disagreement, in words; empty when the paper account and the backtest agree to the cent. */
  readonly differences: readonly string[];
}

const CENT = 0.005;
const cents = (a: number, b: number): boolean => Math.abs(a - b) < CENT;

/** Replays every NYSE session from `from` to `to` with `kobe daily --date`, in order; `onDay` sees each outcome. */
export async function replaySessions(spec: Omit<DailySpec, 'date'>, from: string, to: string, ctx: AppContext, onDay: (outcome: DailyOutcome) => void = () => undefined): Promise<string[]> {
  const days: string[] = [];
  let day = parseIsoDay(from);
  if (!isSession(day)) day = nextSession(day);
  for (; day <= parseIsoDay(to); day = nextSession(day)) {
    const outcome = await runDaily({ ...spec, date: dayToIso(day) }, ctx);
    onDay(outcome);
    if (outcome.kind === 'ran' && outcome.failed) throw new Error(`kobe daily --date ${dayToIso(day)} failed: ${outcome.steps.find((s) => s.status === 'failed')?.error?.message}`);
    days.push(dayToIso(day));
  }
  return days;
}

/**
 * The paper account a replay left against the backtest of the same picks (`backtestPicks`, same
 * fill model and costs) over the same sessions: each round trip's entry and exit (day, price,
 * shares, reason) and P&L, the positions still open, and the cash, to the cent. The backtest ends
 * flat (it sells what is open at the last close, with slippage and commission), so the paper
 * account is compared at that same liquidation value.
 */
export async function compareReplayWithBacktest(spec: Omit<DailySpec, 'date'>, from: string, to: string, ctx: AppContext): Promise<ReplayComparison> {
  const store = new PipelineStore(resolve(ctx.cwd, spec.db));
  // Picks the order path refused never traded on either side: the backtest gets the picks that reached the broker.
  const denied = store.plans(['denied']).length;
  const plans = store.plans(['pending', 'open', 'closed', 'unfilled']);
  store.close();
  const config = pipelineEngineConfig(spec.capitalUsd);
  const market = await loadRunMarket({ ...spec.market, start: null, end: to, historyBars: null }, ctx);
  const panel = market.ctx.panel;
  const firstSignal = plans.length === 0 ? from : plans.map((p) => p.signalDate).sort()[0];
  const engine = backtestPicks(panel, plans.map((p) => ({ signalDate: p.signalDate, symbol: p.symbol, strategy: p.strategy, params: p.params })), config, firstSignal < from ? firstSignal : from, to);
  const differences: string[] = [];
  const tradeKey = (symbol: string, signalDay: number) => `${symbol}|${dayToIso(signalDay)}`;
  const trades = new Map(engine.trades.map((t) => [tradeKey(t.symbol, t.entrySignalDay), t]));
  const paperBroker = new PaperBroker({ path: resolve(ctx.cwd, spec.db), now: () => ctx.now().getTime(), costs: config.costs, fillOn: 'next-bar', quotes: () => null, startingCashUsd: spec.capitalUsd });
  const cash = (await paperBroker.account()).cashUsd;
  const positions = await paperBroker.positions();
  paperBroker.close();
  const lastDay = panel.calendar[lowerBound(panel.calendar, parseIsoDay(to) + 1) - 1];
  let liquidation = cash;
  let paperRealized = 0;
  let backtestRealized = 0;
  for (const p of plans) {
    const key = `${p.symbol}|${p.signalDate}`;
    const t = trades.get(key);
    trades.delete(key);
    const what = `${p.symbol} (${p.strategy}, signal ${p.signalDate})`;
    if (p.status === 'unfilled' || p.status === 'pending') {
      if (t !== undefined) differences.push(`${what}: the paper entry did not fill (${p.status}); the backtest bought ${t.shares} on ${dayToIso(t.entryDay)} at ${t.entryPrice}`);
      continue;
    }
    if (t === undefined) {
      differences.push(`${what}: the paper account bought ${p.shares} on ${p.entryDate} at ${p.entryPrice}; the backtest has no such trade`);
      continue;
    }
    if (p.entryDate !== dayToIso(t.entryDay) || p.shares !== t.shares || !cents(p.entryPrice!, t.entryPrice)) {
      differences.push(`${what}: entry paper ${p.shares} on ${p.entryDate} at ${p.entryPrice}, backtest ${t.shares} on ${dayToIso(t.entryDay)} at ${t.entryPrice}`);
    }
    if (p.status === 'closed') {
      const pnl = p.shares * (p.exitPrice! - p.entryPrice!) - 2 * commissionUsd(config.costs, p.shares);
      paperRealized += pnl;
      if (t.exitReason === 'window_end') {
        differences.push(`${what}: the paper account sold on ${p.exitDate} (${p.exitReason}); the backtest still held it at the end`);
        continue;
      }
      backtestRealized += t.pnl;
      if (p.exitDate !== dayToIso(t.exitDay) || p.exitReason !== t.exitReason || !cents(p.exitPrice!, t.exitPrice) || !cents(pnl, t.pnl)) {
        differences.push(`${what}: exit paper ${p.exitDate} at ${p.exitPrice} (${p.exitReason}, P&L ${pnl.toFixed(2)}), backtest ${dayToIso(t.exitDay)} at ${t.exitPrice} (${t.exitReason}, P&L ${t.pnl.toFixed(2)})`);
      }
    } else if (t.exitReason !== 'window_end') {
      backtestRealized += t.pnl;
      differences.push(`${what}: the paper account still holds it; the backtest sold on ${dayToIso(t.exitDay)} (${t.exitReason})`);
    }
  }
  for (const t of trades.values()) differences.push(`${t.symbol} (${t.strategy}, signal ${dayToIso(t.entrySignalDay)}): the backtest traded it; the pipeline never placed it`);
  for (const pos of positions) {
    const s = panel.series[panel.symbols.indexOf(pos.symbol)];
    // The backtest sells what is open at the last close of its window: the symbol's last bar on or before it.
    const close = s === undefined ? Number.NaN : s.close[lowerBound(s.day, lastDay + 1) - 1];
    liquidation += pos.qty * slippedPrice(config.costs, close, -1) - commissionUsd(config.costs, pos.qty);
  }
  if (!cents(liquidation, engine.finalEquity)) differences.push(`cash after liquidation at the ${dayToIso(lastDay)} close: paper ${liquidation.toFixed(2)}, backtest ${engine.finalEquity.toFixed(2)}`);
  const backtestOpen = engine.trades.filter((t) => t.exitReason === 'window_end').length;
  return {
    from,
    to,
    sessions: engine.days.length,
    picks: plans.length,
    deniedByOrderPath: denied,
    paper: { closedTrades: plans.filter((p) => p.status === 'closed').length, openPositions: positions.length, cashUsd: cash, liquidationValueUsd: liquidation, realizedPnlUsd: paperRealized },
    backtest: { closedTrades: engine.trades.length - backtestOpen, openPositions: backtestOpen, finalEquityUsd: engine.finalEquity, realizedPnlUsd: backtestRealized },
    differences,
  };
}
