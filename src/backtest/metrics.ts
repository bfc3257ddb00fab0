import { inputError } from '../core/errors.js';
import { linearFit } from '../core/stats.js';
import { isNegligibleSpread, metric, MetricReason, type MetricValue, noMetric, TRADING_DAYS_PER_YEAR } from './metric-value.js';
import { cagr, dailyReturns, longestUnderwaterSessions, maxDrawdown, sharpeRatio, sortinoRatio } from './return-metrics.js';
import { tradeMetrics } from './trade-metrics.js';

export { CALENDAR_DAYS_PER_YEAR, metric, MetricReason, type MetricValue, NEGLIGIBLE_SPREAD_REL, noMetric, TRADING_DAYS_PER_YEAR } from './metric-value.js';
export { cagr, dailyReturns, drawdownSeries, longestUnderwaterSessions, maxDrawdown, sharpeRatio, sortinoRatio } from './return-metrics.js';

/**
 * Performance metrics of one backtest: pure, no I/O, typed-array loops.
 *
 * House rule 6: a metric that cannot be computed is `{ value: null, reason }`, never Infinity or
 * NaN. `metricsToJson` flattens the result for `--json` output and guarantees finite numbers.
 *
 * Definitions (n = sessions on the equity curve, r = daily simple returns, see each field):
 * trade statistics follow backtesting.py where it has the same statistic; ratios are annualised
 * with 252 sessions a year and a zero risk-free rate; CAGR uses calendar days / 365.25.
 *
 * Files: this one assembles the metrics; metric-value.ts holds a metric's value-or-reason and the
 * reasons, return-metrics.ts the curve and return-series ratios, trade-metrics.ts the trade
 * statistics. Everything public is re-exported from here.
 */

export interface TradeRecord {
  symbol: string;
  side: 'long' | 'short';
  entryDay: number;
  entryPrice: number;
  exitDay: number;
  exitPrice: number;
  shares: number;
  /** Net of fees. */
  pnl: number;
  fees: number;
  exitReason: string;
  initialRiskUsd: number | null;
  barsHeld: number;
}

export interface PerformanceInput {
  /** Session day numbers of the equity curve (days since 1970-01-01), strictly increasing. */
  days: Int32Array;
  /** Marked-to-market equity at each session close, same length. */
  equity: Float64Array;
  /** Gross position value / equity at each close, same length. */
  exposureFrac: Float64Array;
  initialCapital: number;
  trades: readonly TradeRecord[];
  feesPaid: number;
  /** Buy-and-hold of the index over the same days, same length, normalised to the same initial capital. */
  benchmarkEquity?: Float64Array;
}

export interface Metrics {
  /** Number of closed trades. */
  trades: number;
  /** Trades with pnl > 0 / all trades (zero-pnl trades count in the denominator only). */
  winRate: MetricValue;
  /** Mean pnl of trades with pnl > 0. */
  avgWinUsd: MetricValue;
  /** Mean pnl of trades with pnl < 0 (a negative number). */
  avgLossUsd: MetricValue;
  /** Mean net pnl per trade. */
  expectancyUsd: MetricValue;
  /** Mean of pnl / initialRiskUsd over trades whose initial risk is known and > 0. */
  expectancyR: MetricValue;
  /** Sum of winning pnl / |sum of losing pnl|. */
  profitFactor: MetricValue;
  /** System Quality Number: sqrt(k) * mean(pnl) / sampleStd(pnl) over k trades. */
  sqn: MetricValue;
  /** Mean barsHeld per trade. */
  avgBarsHeld: MetricValue;
  /** Total fees paid, as given. */
  feesPaidUsd: MetricValue;
  /** equity[n-1] / initialCapital - 1. */
  totalReturnFrac: MetricValue;
  /** (equity[n-1] / initialCapital) ^ (365.25 / (days[n-1] - days[0])) - 1. */
  cagrFrac: MetricValue;
  /** mean(r) / sampleStd(r) * sqrt(252). */
  sharpe: MetricValue;
  /** mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(252), the mean over all returns. */
  sortino: MetricValue;
  /** max over sessions of (peak - equity) / peak, peak = running max of the curve. */
  maxDrawdownFrac: MetricValue;
  /** Sessions in the longest run of consecutive closes strictly below the running peak. */
  maxDrawdownDays: MetricValue;
  /** Fraction of sessions with exposureFrac > 0. */
  exposureFrac: MetricValue;
  /** Mean exposureFrac over sessions. */
  avgExposureFrac: MetricValue;
  /** Among sessions i >= 1 with exposureFrac[i-1] > 0, the fraction with equity[i] > equity[i-1]. */
  hitRate: MetricValue;
  /** benchmark[n-1] / initialCapital - 1. */
  benchmarkReturnFrac: MetricValue;
  /** CAGR of the benchmark curve, same formula as cagrFrac. */
  benchmarkCagrFrac: MetricValue;
  /** Sharpe of the benchmark's daily returns, same formula as sharpe. */
  benchmarkSharpe: MetricValue;
  /** OLS slope of strategy daily returns on benchmark daily returns. */
  beta: MetricValue;
  /** Jensen's alpha: OLS intercept of the same regression x 252 (rf = 0). */
  alphaAnnualFrac: MetricValue;
  /** totalReturnFrac - benchmarkReturnFrac. */
  excessReturnFrac: MetricValue;
}

export type MetricName = Exclude<keyof Metrics, 'trades'>;

/** Flat, JSON-safe form: every metric a finite number or null, reasons for the nulls. */
export type MetricsJson = { trades: number } & { [K in MetricName]: number | null } & {
  reasons: { [K in MetricName]?: string };
};

// Order of the fields in metricsToJson; `satisfies` makes the compiler reject a missing or extra name.
const NAME_ORDER = {
  winRate: 0, avgWinUsd: 0, avgLossUsd: 0, expectancyUsd: 0, expectancyR: 0, profitFactor: 0, sqn: 0,
  avgBarsHeld: 0, feesPaidUsd: 0, totalReturnFrac: 0, cagrFrac: 0, sharpe: 0, sortino: 0,
  maxDrawdownFrac: 0, maxDrawdownDays: 0, exposureFrac: 0, avgExposureFrac: 0, hitRate: 0,
  benchmarkReturnFrac: 0, benchmarkCagrFrac: 0, benchmarkSharpe: 0, beta: 0, alphaAnnualFrac: 0,
  excessReturnFrac: 0,
} satisfies Record<MetricName, 0>;

/** Every metric name except `trades`, in output order. */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze(Object.keys(NAME_ORDER) as MetricName[]);

// ---------------------------------------------------------------------------------------------
// Validation (once, here at the library's edge)

function bad(message: string, value: unknown): never {
  throw inputError('BAD_METRICS_INPUT', message, {
    value,
    hint: 'computeMetrics needs equal-length curves of finite numbers and strictly increasing days',
  });
}

function checkFinite(name: string, xs: Float64Array): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) bad(`${name}[${i}] must be a finite number, was ${xs[i]}`, xs[i]);
  }
}

function validate(input: PerformanceInput): void {
  const n = input.equity.length;
  if (input.days.length !== n) bad(`days has ${input.days.length} values, equity has ${n}`, input.days.length);
  if (input.exposureFrac.length !== n) {
    bad(`exposureFrac has ${input.exposureFrac.length} values, equity has ${n}`, input.exposureFrac.length);
  }
  if (input.benchmarkEquity !== undefined && input.benchmarkEquity.length !== n) {
    bad(`benchmarkEquity has ${input.benchmarkEquity.length} values, equity has ${n}`, input.benchmarkEquity.length);
  }
  if (!(Number.isFinite(input.initialCapital) && input.initialCapital > 0)) {
    bad(`initialCapital must be a positive number, was ${input.initialCapital}`, input.initialCapital);
  }
  if (!Number.isFinite(input.feesPaid)) bad(`feesPaid must be a finite number, was ${input.feesPaid}`, input.feesPaid);
  checkFinite('equity', input.equity);
  checkFinite('exposureFrac', input.exposureFrac);
  if (input.benchmarkEquity !== undefined) checkFinite('benchmarkEquity', input.benchmarkEquity);
  const days = input.days;
  for (let i = 1; i < n; i++) {
    if (days[i] <= days[i - 1]) bad(`days must be strictly increasing, days[${i}] = ${days[i]} after ${days[i - 1]}`, days[i]);
  }
  const trades = input.trades;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (!Number.isFinite(t.pnl)) bad(`trades[${i}].pnl must be a finite number, was ${t.pnl}`, t.pnl);
    if (!Number.isFinite(t.barsHeld)) bad(`trades[${i}].barsHeld must be a finite number, was ${t.barsHeld}`, t.barsHeld);
    if (t.initialRiskUsd !== null && !Number.isFinite(t.initialRiskUsd)) {
      bad(`trades[${i}].initialRiskUsd must be a finite number or null, was ${t.initialRiskUsd}`, t.initialRiskUsd);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The metrics

function allPositive(xs: Float64Array): boolean {
  for (let i = 0; i < xs.length; i++) if (!(xs[i] > 0)) return false;
  return true;
}

/** Sharpe of a curve, with the specific reason when its equity is not positive throughout. */
function curveSharpe(curve: Float64Array, returns: Float64Array, notPositive: string): MetricValue {
  if (returns.length < 2) return noMetric(MetricReason.FEWER_THAN_2_RETURNS);
  if (!allPositive(curve)) return noMetric(notPositive);
  return sharpeRatio(returns);
}

export function computeMetrics(input: PerformanceInput): Metrics {
  validate(input);
  const { days, equity, exposureFrac, initialCapital } = input;
  const n = equity.length;
  const trade = tradeMetrics(input.trades);
  const empty = (): MetricValue => noMetric(MetricReason.EMPTY_CURVE);

  // Returns and their ratios.
  const returns = dailyReturns(equity);
  const positive = allPositive(equity);
  const sharpe = curveSharpe(equity, returns, MetricReason.EQUITY_NOT_POSITIVE);
  let sortino: MetricValue;
  if (returns.length < 2) sortino = noMetric(MetricReason.FEWER_THAN_2_RETURNS);
  else if (!positive) sortino = noMetric(MetricReason.EQUITY_NOT_POSITIVE);
  else sortino = sortinoRatio(returns);

  // Drawdown.
  let maxDrawdownFrac: MetricValue = empty();
  if (n > 0) {
    if (!(equity[0] > 0)) maxDrawdownFrac = noMetric(MetricReason.START_NOT_POSITIVE);
    else {
      maxDrawdownFrac = metric(maxDrawdown(equity));
    }
  }

  // Exposure and hit rate.
  let exposedSessions = 0;
  let exposureSum = 0;
  let hitBase = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const x = exposureFrac[i];
    exposureSum += x;
    if (x > 0) exposedSessions++;
    if (i > 0 && exposureFrac[i - 1] > 0) {
      hitBase++;
      if (equity[i] > equity[i - 1]) hits++;
    }
  }

  const spanDays = n > 0 ? days[n - 1] - days[0] : 0;
  const totalReturnFrac = n > 0 ? metric(equity[n - 1] / initialCapital - 1) : empty();
  const cagrFrac = n > 0 ? cagr(initialCapital, equity[n - 1], spanDays) : empty();

  // Benchmark.
  const bench = input.benchmarkEquity;
  let benchmarkReturnFrac: MetricValue;
  let benchmarkCagrFrac: MetricValue;
  let benchmarkSharpe: MetricValue;
  let beta: MetricValue;
  let alphaAnnualFrac: MetricValue;
  if (bench === undefined || n === 0) {
    const why = bench === undefined ? MetricReason.NO_BENCHMARK : MetricReason.EMPTY_CURVE;
    benchmarkReturnFrac = noMetric(why);
    benchmarkCagrFrac = noMetric(why);
    benchmarkSharpe = noMetric(why);
    beta = noMetric(why);
    alphaAnnualFrac = noMetric(why);
  } else {
    benchmarkReturnFrac = metric(bench[n - 1] / initialCapital - 1);
    benchmarkCagrFrac = cagr(initialCapital, bench[n - 1], spanDays);
    const benchReturns = dailyReturns(bench);
    benchmarkSharpe = curveSharpe(bench, benchReturns, MetricReason.BENCHMARK_NOT_POSITIVE);
    let why: string | null = null;
    if (returns.length < 2) why = MetricReason.FEWER_THAN_2_RETURNS;
    else if (!positive) why = MetricReason.EQUITY_NOT_POSITIVE;
    else if (!allPositive(bench)) why = MetricReason.BENCHMARK_NOT_POSITIVE;
    const fit = why === null ? linearFit(returns, benchReturns) : null;
    if (fit !== null && (isNegligibleSpread(Math.sqrt(fit.xVariance), benchReturns) || !Number.isFinite(fit.slope))) {
      why = MetricReason.ZERO_BENCHMARK_VARIANCE;
    }
    if (why !== null || fit === null) {
      beta = noMetric(why ?? MetricReason.NOT_FINITE);
      alphaAnnualFrac = noMetric(why ?? MetricReason.NOT_FINITE);
    } else {
      beta = metric(fit.slope);
      alphaAnnualFrac = metric(fit.intercept * TRADING_DAYS_PER_YEAR);
    }
  }
  const excessReturnFrac =
    totalReturnFrac.value === null ? noMetric(totalReturnFrac.reason ?? MetricReason.NOT_FINITE)
    : benchmarkReturnFrac.value === null ? noMetric(benchmarkReturnFrac.reason ?? MetricReason.NOT_FINITE)
    : metric(totalReturnFrac.value - benchmarkReturnFrac.value);

  return {
    ...trade,
    feesPaidUsd: metric(input.feesPaid),
    totalReturnFrac,
    cagrFrac,
    sharpe,
    sortino,
    maxDrawdownFrac,
    maxDrawdownDays: n > 0 ? metric(longestUnderwaterSessions(equity)) : empty(),
    exposureFrac: n > 0 ? metric(exposedSessions / n) : empty(),
    avgExposureFrac: n > 0 ? metric(exposureSum / n) : empty(),
    hitRate: hitBase > 0 ? metric(hits / hitBase)
      : n === 0 ? empty()
      : noMetric(n === 1 ? MetricReason.NO_RETURNS : MetricReason.NO_EXPOSED_SESSIONS),
    benchmarkReturnFrac,
    benchmarkCagrFrac,
    benchmarkSharpe,
    beta,
    alphaAnnualFrac,
    excessReturnFrac,
  };
}

/**
 * Flattens metrics to `{ trades, <name>: number | null, reasons: { <name>: reason } }`. Every
 * number is finite: a value that is somehow not finite is written as null with NOT_FINITE.
 */
export function metricsToJson(m: Metrics): MetricsJson {
  const out: Record<string, unknown> = { trades: Number.isFinite(m.trades) ? m.trades : 0 };
  const reasons: Partial<Record<MetricName, string>> = {};
  for (const name of METRIC_NAMES) {
    const v = m[name];
    if (v.value !== null && Number.isFinite(v.value)) out[name] = v.value === 0 ? 0 : v.value;
    else {
      out[name] = null;
      reasons[name] = v.value === null ? (v.reason ?? MetricReason.NOT_FINITE) : MetricReason.NOT_FINITE;
    }
  }
  out.reasons = reasons;
  return out as MetricsJson;
}
