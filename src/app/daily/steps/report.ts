import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commissionUsd } from '../../../execution/costs.js';
import { writeFileAtomic } from '../../artifacts.js';
import { killSwitchStatus } from '../../orders/risk-state.js';
import type { DailyRun } from '../daily-run.js';
import { dailyMonitoring, type MonitoringReport } from '../monitoring.js';
import { challengerComparison, type ChallengerReport } from '../challenger-report.js';
import { renderDailyReportMarkdown } from '../report-markdown.js';
import { done, type StepResult } from './step.js';
import { pipelineEngineConfig } from './submit.js';

export interface DailyReport {
  readonly tradingDate: string;
  readonly signalDate: string;
  readonly replay: boolean;
  readonly broker: string;
  readonly generatedAt: string;
  readonly account: { readonly cashUsd: number; readonly equityUsd: number; readonly startingCashUsd: number };
  readonly positions: readonly { readonly symbol: string; readonly qty: number; readonly avgEntryPriceUsd: number; readonly closeUsd: number | null; readonly unrealizedUsd: number | null; readonly strategy: string | null; readonly entryDate: string | null }[];
  readonly orders: readonly { readonly clientOrderId: string; readonly symbol: string; readonly side: string; readonly qty: number; readonly state: string; readonly filledQty: number; readonly avgFillPrice: number | null; readonly intent: string }[];
  readonly closedToday: readonly { readonly symbol: string; readonly strategy: string; readonly entryDate: string | null; readonly entryPrice: number | null; readonly exitPrice: number | null; readonly shares: number; readonly reason: string | null; readonly pnlUsd: number | null }[];
  readonly realizedTodayUsd: number;
  readonly risk: { readonly killSwitch: boolean; readonly breaker: string };
  readonly steps: readonly { readonly step: string; readonly status: string; readonly attempts: number }[];
  readonly monitoring: MonitoringReport;
  readonly challenger: ChallengerReport | null;
}

/**
 * The end-of-day report of the trading day: the account marked at the day's close, positions,
 * the day's orders and fills, the round trips closed today with their P&L, risk state, each
 * step's marker, the monitoring (drift of the live trades against the backtest, anomalies in the
 * day's bars) and the champion/challenger comparison. Written as JSON and Markdown to
 * `<reportsDir>/daily/<date>.{json,md}` (temp file and rename).
 */
export async function reportStep(run: DailyRun): Promise<StepResult> {
  run.at('eod');
  await run.market();
  const session = run.orders();
  const account = await session.broker.account();
  const brokerPositions = await session.broker.positions();
  const plans = run.store.plans();
  const closeOf = (symbol: string) => run.barOn(symbol, run.tradingDay)?.close ?? null;
  let equity = account.cashUsd;
  const positions = brokerPositions.map((p) => {
    const close = closeOf(p.symbol);
    equity += p.qty * (close ?? p.avgEntryPriceUsd);
    const plan = plans.find((x) => x.symbol === p.symbol && x.status === 'open') ?? null;
    return { symbol: p.symbol, qty: p.qty, avgEntryPriceUsd: p.avgEntryPriceUsd, closeUsd: close, unrealizedUsd: close === null ? null : p.qty * (close - p.avgEntryPriceUsd), strategy: plan?.strategy ?? null, entryDate: plan?.entryDate ?? null };
  });
  const orders = session.oms.list({ tradingDate: run.tradingDate }).map((o) => ({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, qty: o.qty, state: o.state, filledQty: o.filledQty, avgFillPrice: o.avgFillPrice, intent: o.intent }));
  const costs = pipelineEngineConfig(run.spec.capitalUsd).costs;
  const closedToday = plans
    .filter((p) => p.status === 'closed' && p.exitDate === run.tradingDate)
    .map((p) => ({
      symbol: p.symbol,
      strategy: p.strategy,
      entryDate: p.entryDate,
      entryPrice: p.entryPrice,
      exitPrice: p.exitPrice,
      shares: p.shares,
      reason: p.exitReason,
      pnlUsd: p.entryPrice === null || p.exitPrice === null ? null : (p.side === 'long' ? 1 : -1) * p.shares * (p.exitPrice - p.entryPrice) - 2 * commissionUsd(costs, p.shares),
    }));
  const startingCashUsd = run.spec.capitalUsd;
  const report: DailyReport = {
    tradingDate: run.tradingDate,
    signalDate: run.signalDate,
    replay: run.replay,
    broker: session.broker.name,
    generatedAt: run.nowIso(),
    account: { cashUsd: account.cashUsd, equityUsd: equity, startingCashUsd },
    positions,
    orders,
    closedToday,
    realizedTodayUsd: closedToday.reduce((s, t) => s + (t.pnlUsd ?? 0), 0),
    risk: { killSwitch: killSwitchStatus(resolve(run.ctx.cwd, run.spec.stateDir)).engaged, breaker: session.risk.breaker().state },
    steps: run.store.markers(run.tradingDate).map((m) => ({ step: m.step, status: m.status, attempts: m.attempts })),
    monitoring: await dailyMonitoring(run),
    challenger: run.spec.challenger === null ? null : await challengerComparison(run),
  };
  const dir = join(resolve(run.ctx.cwd, run.spec.reportsDir), 'daily');
  mkdirSync(dir, { recursive: true });
  const jsonFile = join(dir, `${run.tradingDate}.json`);
  const mdFile = join(dir, `${run.tradingDate}.md`);
  writeFileAtomic(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(mdFile, renderDailyReportMarkdown(report));
  return done(
    { json: jsonFile, markdown: mdFile, equityUsd: report.account.equityUsd, realizedTodayUsd: report.realizedTodayUsd, standDown: report.monitoring.standDown },
    [`report: equity ${report.account.equityUsd.toFixed(2)}, realized today ${report.realizedTodayUsd.toFixed(2)}, ${positions.length} position(s); ${mdFile}`],
  );
}
