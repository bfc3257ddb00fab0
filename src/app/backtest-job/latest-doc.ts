import { finiteOrNull } from '../../report/series.js';
import { dayToIso } from '../../core/calendar.js';
import { metricsToJson } from '../../backtest/metrics.js';
import type { WalkForwardResult } from '../../backtest/walk-forward.js';

/**
 * The documents `kobe serve`'s backtest job publishes (latest.json, the weekly archives, the
 * partial file while it runs): plain JSON, snake_case at this boundary, every number finite
 * or null.
 */

/** A row needs this many out-of-sample trades before its numbers are taken seriously. */
export const MIN_TRADES_TO_QUALIFY = 10;

export interface RowMetrics {
  readonly trades: number;
  readonly sharpe: number | null;
  /** Net P&L of the closed out-of-sample trades, USD. */
  readonly pnl: number | null;
  readonly win_rate: number | null;
  readonly max_dd: number | null;
  readonly total_return: number | null;
  readonly cagr: number | null;
  readonly profit_factor: number | null;
  readonly sortino: number | null;
  readonly exposure: number | null;
  readonly avg_bars_held: number | null;
}

export interface Penalty {
  readonly code: string;
  readonly message: string;
}

export interface StrategyRow {
  /** The parameters the walk-forward started from (tuned per split when `tune`). */
  readonly params: Readonly<Record<string, number>>;
  readonly metrics: RowMetrics;
  readonly qualified: boolean;
  /** Why the row does not qualify; [] when it does. */
  readonly penalties: readonly Penalty[];
  readonly splits: number;
  /** The stitched out-of-sample span. */
  readonly oos: { readonly start: string | null; readonly end: string | null };
}

export interface JobWindow {
  /** YYYY-MM-DD; null: the data's own first (or last) session. */
  readonly start: string | null;
  readonly end: string | null;
}

export interface LatestDoc {
  readonly generated_at: string;
  readonly started_at: string;
  readonly run_id: string | null;
  readonly synthetic: boolean | null;
  readonly window: JobWindow;
  readonly train_days: number;
  readonly test_days: number;
  readonly tune: boolean;
  readonly strategies: Readonly<Record<string, StrategyRow>>;
}

export interface ErrorDoc {
  readonly failed_at: string;
  readonly started_at: string;
  readonly window: JobWindow;
  readonly error: { readonly code: string; readonly message: string };
  /** What had finished before the failure. */
  readonly strategies: Readonly<Record<string, StrategyRow>>;
}

// JSON has no NaN or Infinity: an absent metric is null (the reports' one rule).
const finite = finiteOrNull;

/** A strategy's out-of-sample record as a row of the documents, judged for qualification. */
export function strategyRow(wf: WalkForwardResult, params: Readonly<Record<string, number>>): StrategyRow {
  const m = metricsToJson(wf.metrics);
  let pnl = 0;
  for (const t of wf.trades) pnl += t.pnl;
  const metrics: RowMetrics = {
    trades: m.trades,
    sharpe: finite(m.sharpe),
    pnl: finite(pnl),
    win_rate: finite(m.winRate),
    max_dd: finite(m.maxDrawdownFrac),
    total_return: finite(m.totalReturnFrac),
    cagr: finite(m.cagrFrac),
    profit_factor: finite(m.profitFactor),
    sortino: finite(m.sortino),
    exposure: finite(m.exposureFrac),
    avg_bars_held: finite(m.avgBarsHeld),
  };
  const penalties = rowPenalties(metrics);
  return {
    params: { ...params },
    metrics,
    qualified: penalties.length === 0,
    penalties,
    splits: wf.folds.length,
    oos: { start: wf.days.length === 0 ? null : dayToIso(wf.days[0]), end: wf.days.length === 0 ? null : dayToIso(wf.days[wf.days.length - 1]) },
  };
}

/** Why a row does not qualify: too few trades to say anything (the one rule for now). */
export function rowPenalties(metrics: Pick<RowMetrics, 'trades'>): Penalty[] {
  if (metrics.trades >= MIN_TRADES_TO_QUALIFY) return [];
  return [{ code: 'TOO_FEW_TRADES', message: `${metrics.trades} out-of-sample trades, fewer than the ${MIN_TRADES_TO_QUALIFY} a row needs to qualify` }];
}

/** `YYYY-Www`, the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday) of a UTC instant. */
export function isoWeekLabel(at: Date): string {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = new Date(day + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const ISO_WEEK_PATTERN = '^[0-9]{4}-W[0-9]{2}$';
