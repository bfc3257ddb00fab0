import { backtest } from '../../backtest/backtest.js';
import { lowerBound } from '../../core/calendar.js';
import { commissionUsd } from '../../execution/costs.js';
import { panelAnomalies, type AnomalyFigure } from '../../monitoring/anomalies.js';
import { baselineFromBacktestTrades, checkDrift, type DriftReport } from '../../monitoring/drift.js';
import { resolveStrategyParams, STRATEGIES } from '../../strategies/registry.js';
import type { DailyRun } from './daily-run.js';
import { pipelineEngineConfig } from './steps/submit.js';

export interface MonitoringReport {
  /** Per strategy with closed paper/live round trips: the last N against its own backtest. */
  readonly drift: readonly { readonly strategy: string; readonly report: DriftReport }[];
  readonly standDown: boolean;
  /** Today's flagged price, gap and volume outliers, largest |z| first (at most 20). */
  readonly anomalies: readonly AnomalyFigure[];
  readonly markdown: readonly string[];
}

/**
 * The end-of-day monitoring. Drift: each strategy's closed round trips of the pipeline (return =
 * P&L net of both commissions over the entry notional) against the trades of a backtest of the
 * same strategy and parameters over all the history before the trading day (monitoring/drift.ts:
 * the bands, the stand-down rule). Anomalies: every symbol's bar of the trading day against its
 * 60 sessions before (monitoring/anomalies.ts).
 */
export async function dailyMonitoring(run: DailyRun): Promise<MonitoringReport> {
  const market = await run.market();
  const panel = market.ctx.panel;
  const costs = pipelineEngineConfig(run.spec.capitalUsd).costs;
  const closed = run.store.plans(['closed']);
  const drift: { strategy: string; report: DriftReport }[] = [];
  const end = lowerBound(panel.calendar, run.tradingDay) - 1;
  for (const name of [...new Set(closed.map((p) => p.strategy))].sort()) {
    const mine = closed.filter((p) => p.strategy === name && p.entryPrice !== null && p.exitPrice !== null);
    if (!(name in STRATEGIES) || end < 1 || mine.length === 0) continue;
    const strategy = STRATEGIES[name as keyof typeof STRATEGIES];
    const params = resolveStrategyParams(strategy, mine[mine.length - 1].params);
    const base = backtest(market.ctx, [{ strategy, params }], pipelineEngineConfig(run.spec.capitalUsd), 0, end);
    const live = mine.map((p) => {
      const pnl = (p.side === 'long' ? 1 : -1) * p.shares * (p.exitPrice! - p.entryPrice!) - 2 * commissionUsd(costs, p.shares);
      return { exitIso: p.exitDate ?? undefined, pnlUsd: pnl, returnFrac: pnl / Math.abs(p.entryPrice! * p.shares) };
    });
    drift.push({ strategy: name, report: checkDrift(live, baselineFromBacktestTrades(base.engine.trades), { windowTrades: run.spec.driftWindow }) });
  }
  const entries = panel.series.map((bars) => ({ symbol: bars.symbol, bars }));
  const anomalies = panelAnomalies(entries, run.tradingDay).flagged.slice(0, 20);
  const standDown = drift.some((d) => d.report.standDown);
  const markdown: string[] = [];
  if (drift.length === 0) markdown.push('Drift: no closed round trip yet.');
  for (const d of drift) {
    const r = d.report;
    const m = r.metrics;
    const fig = (x: { value: number | null }) => (x.value === null ? 'n/a' : x.value.toFixed(3));
    markdown.push(`Drift of ${d.strategy}: ${r.verdict === 'checked' ? `win rate ${fig(m.winRate)} (${m.winRate.status}), profit factor ${fig(m.profitFactor)} (${m.profitFactor.status}), Sharpe per trade ${fig(m.sharpePerTrade)} (${m.sharpePerTrade.status})` : r.reason}${r.standDown ? ` — **STAND DOWN**: ${r.standDownReason}` : ''}`);
  }
  markdown.push('');
  markdown.push(anomalies.length === 0 ? 'Anomalies: none flagged today.' : `Anomalies (|z| >= threshold): ${anomalies.map((a) => `${a.symbol} ${a.kind} z=${a.z.toFixed(1)}`).join(', ')}`);
  return { drift, standDown, anomalies, markdown };
}
