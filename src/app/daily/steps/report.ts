import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALERTS_FILE, readOutbox } from '../../../alerts/alert-outbox.js';
import { stableStringify } from '../../../core/stable-json.js';
import { commissionUsd } from '../../../execution/costs.js';
import { eodReportData, type EodInput } from '../../../report/daily-eod-report.js';
import { marketCaveats } from '../../../report/manifest-block.js';
import { writeFileAtomic } from '../../artifacts.js';
import { renderReportHtml } from '../../report/render-html.js';
import { killSwitchStatus } from '../../orders/risk-state.js';
import type { DailyRun } from '../daily-run.js';
import { dailyMonitoring, type MonitoringReport } from '../monitoring.js';
import { challengerComparison, type ChallengerReport } from '../challenger-report.js';
import { renderDailyReportMarkdown } from '../report-markdown.js';
import { done, type StepResult } from './step.js';
import { pipelineEngineConfig } from './submit.js';

/** The end-of-day report's JSON: what the page builder reads (EodInput), with the monitoring and comparison in full. */
export interface DailyReport extends EodInput {
  readonly monitoring: MonitoringReport;
  readonly challenger: ChallengerReport | null;
}

/**
 * The end-of-day report of the trading day: the account marked at the day's close, positions,
 * the day's orders and fills, the round trips closed today with their P&L, risk state, each
 * step's marker, the monitoring (drift of the live trades against the backtest, anomalies in the
 * day's bars), the champion/challenger comparison, the equity of each recorded day and the day's
 * alerts. Written as JSON, Markdown and a self-contained HTML page with charts (a function of the
 * JSON alone) to `<reportsDir>/daily/<date>.{json,md,html}` (temp file and rename).
 */
export async function reportStep(run: DailyRun): Promise<StepResult> {
  run.at('eod');
  const market = await run.market();
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
    // This step is running while it writes: its own marker says nothing, and would differ on a rerun.
    steps: run.store.markers(run.tradingDate).filter((m) => m.step !== 'report').map((m) => ({ step: m.step, status: m.status, attempts: m.attempts })),
    monitoring: await dailyMonitoring(run),
    challenger: run.spec.challenger === null ? null : await challengerComparison(run),
    equityHistory: [...recordedEquity(run), { date: run.tradingDate, equityUsd: equity }],
    alerts: alertsOfDay(join(resolve(run.ctx.cwd, run.spec.stateDir), ALERTS_FILE), run.tradingDate),
  };
  const dir = join(resolve(run.ctx.cwd, run.spec.reportsDir), 'daily');
  mkdirSync(dir, { recursive: true });
  const jsonFile = join(dir, `${run.tradingDate}.json`);
  const mdFile = join(dir, `${run.tradingDate}.md`);
  const htmlFile = join(dir, `${run.tradingDate}.html`);
  writeFileAtomic(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(mdFile, renderDailyReportMarkdown(report));
  writeFileAtomic(htmlFile, renderReportHtml(eodReportData(report, marketCaveats(market.source.synthetic))));
  return done(
    { json: jsonFile, markdown: mdFile, html: htmlFile, equityUsd: report.account.equityUsd, realizedTodayUsd: report.realizedTodayUsd, standDown: report.monitoring.standDown },
    [`report: equity ${report.account.equityUsd.toFixed(2)}, realized today ${report.realizedTodayUsd.toFixed(2)}, ${positions.length} position(s); ${htmlFile}`],
  );
}

/** The equity each earlier day's report step recorded in its marker: the account's curve over the days the pipeline ran. */
function recordedEquity(run: DailyRun): { date: string; equityUsd: number }[] {
  return run.store
    .markers()
    .filter((m) => m.step === 'report' && m.status === 'done' && m.tradingDate < run.tradingDate && typeof m.summary.equityUsd === 'number')
    .map((m) => ({ date: m.tradingDate, equityUsd: m.summary.equityUsd as number }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The alerts of the trading day from the alerts log, once each: the same alert raised by every
 * rerun (the kill switch is alerted at each start) is shown at its first time, so a rerun of the
 * step writes the same report.
 */
function alertsOfDay(file: string, tradingDate: string): DailyReport['alerts'] {
  const seen = new Set<string>();
  const out: DailyReport['alerts'][number][] = [];
  for (const r of readOutbox(file)) {
    if (r.type !== 'alert' || r.alert.date !== tradingDate) continue;
    const key = stableStringify({ kind: r.alert.kind, title: r.alert.title, lines: r.alert.lines });
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: r.alert.kind, title: r.alert.title, at: r.alert.at, lines: r.alert.lines });
  }
  return out;
}
