import type { MetricsJson } from '../backtest/metrics.js';
import type { Section, Tile } from './report-data.js';
import { finiteOrNull, histogram, MONTH_LABELS, monthlyReturns, toNullable, underwater } from './series.js';

/** An equity curve as the artifacts hold it: one row per session. */
export interface CurveInput {
  readonly dates: readonly string[];
  readonly equity: ArrayLike<number>;
  readonly exposureFrac: ArrayLike<number>;
  /** The index bought and held with the same capital; null when the run had no index. */
  readonly benchmark: ArrayLike<number> | null;
  /** The account before the first session (monthly returns start from it). */
  readonly initialCapital: number;
}

/** The trade columns the charts need. */
export interface TradesInput {
  readonly pnl: ArrayLike<number>;
  readonly barsHeld: ArrayLike<number>;
}

/** The headline numbers of a run, as tiles; an absent value says why. */
export function metricTiles(m: MetricsJson): Tile[] {
  const t = (label: string, key: keyof MetricsJson & string, format: Tile['format']): Tile => {
    const v = m[key as keyof MetricsJson];
    const reason = (m.reasons as Record<string, string | undefined>)[key];
    return { label, value: typeof v === 'number' ? finiteOrNull(v) : null, format, ...(reason ? { note: reason } : {}) };
  };
  return [
    t('Sharpe', 'sharpe', 'ratio'),
    t('Sortino', 'sortino', 'ratio'),
    t('CAGR', 'cagrFrac', 'pct'),
    t('Total return', 'totalReturnFrac', 'pct'),
    t('Max drawdown', 'maxDrawdownFrac', 'pct'),
    t('Longest underwater (sessions)', 'maxDrawdownDays', 'int'),
    { label: 'Trades', value: m.trades, format: 'int' },
    t('Win rate', 'winRate', 'pct'),
    t('Profit factor', 'profitFactor', 'ratio'),
    t('Expectancy (R)', 'expectancyR', 'ratio'),
    t('Avg holding (bars)', 'avgBarsHeld', 'num'),
    t('Avg exposure', 'avgExposureFrac', 'pct'),
    t('Benchmark return', 'benchmarkReturnFrac', 'pct'),
    t('Beta', 'beta', 'ratio'),
    t('Alpha (annual)', 'alphaAnnualFrac', 'pct'),
    t('Fees', 'feesPaidUsd', 'usd'),
  ];
}

/**
 * The sections every backtest report shows: equity against the benchmark (log toggle), the
 * underwater curve, exposure, the monthly returns heat map, and the P&L and holding-time
 * distributions of the trades.
 */
export function performanceSections(label: string, curve: CurveInput, trades: TradesInput): Section[] {
  const equity = { label: 'equity', values: toNullable(curve.equity) };
  const series = curve.benchmark === null ? [equity] : [equity, { label: 'benchmark (index held)', values: toNullable(curve.benchmark), dash: true }];
  const months = monthlyReturns(curve.dates, curve.equity, curve.initialCapital);
  const pnl = histogram(trades.pnl, 40);
  const held = histogram(trades.barsHeld, 30, true);
  const sections: Section[] = [
    { type: 'timeseries', title: `${label}: equity${curve.benchmark === null ? ' (no index in the data: no benchmark)' : ' against the benchmark'}`, dates: curve.dates, series, yFormat: 'usd', logToggle: true },
    { type: 'timeseries', title: `${label}: underwater (drawdown from the running peak)`, dates: curve.dates, series: [{ label: 'drawdown', values: underwater(curve.equity), fill: true }], yFormat: 'pct' },
    { type: 'timeseries', title: `${label}: exposure (gross position value / equity)`, dates: curve.dates, series: [{ label: 'exposure', values: toNullable(curve.exposureFrac), fill: true }], yFormat: 'pct' },
    { type: 'heatmap', title: `${label}: monthly returns`, rowLabels: months.years, colLabels: [...MONTH_LABELS, 'Year'], cells: months.cells, format: 'pct' },
  ];
  if (trades.pnl.length > 0) {
    sections.push(
      { type: 'histogram', title: `${label}: trade P&L (${trades.pnl.length} trades)`, edges: pnl.edges, counts: pnl.counts, xFormat: 'usd', xLabel: 'P&L per trade, USD', marker: { at: 0, label: 'break-even' } },
      { type: 'histogram', title: `${label}: holding time`, edges: held.edges, counts: held.counts, xFormat: 'int', xLabel: 'bars held' },
    );
  } else {
    sections.push({ type: 'notes', title: `${label}: trades`, items: ['no closed trades: no P&L or holding-time distribution'] });
  }
  return sections;
}
