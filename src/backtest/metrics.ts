import { inputError } from '../core/errors.js';
import { downsideDeviation, linearFit, mean, meanAbs, sampleStd } from '../core/stats.js';

/**
 * Performance metrics of one backtest: pure, no I/O, typed-array loops.
 *
 * House rule 6: a metric that cannot be computed is `{ value: null, reason }`, never Infinity or
 * NaN. `metricsToJson` flattens the result for `--json` output and guarantees finite numbers.
 *
 * Definitions (n = sessions on the equity curve, r = daily simple returns, see each field):
 * trade statistics follow backtesting.py where it has the same statistic; ratios are annualised
 * with 252 sessions a year and a zero risk-free rate; CAGR uses calendar days / 365.25.
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

/** `reason` is set iff `value === null`. */
export interface MetricValue {
  value: number | null;
  reason?: string;
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

export const TRADING_DAYS_PER_YEAR = 252;
export const CALENDAR_DAYS_PER_YEAR = 365.25;
/**
 * A spread (std, downside deviation, benchmark variance) at most this fraction of the data's
 * mean magnitude counts as zero: it is floating-point noise, e.g. a curve growing by exactly 1%
 * a day, and dividing by it would give a meaningless huge ratio.
 */
export const NEGLIGIBLE_SPREAD_REL = 1e-9;

/** The reasons computeMetrics gives for a null metric (stable strings, safe to match on). */
export const MetricReason = {
  NO_TRADES: 'no trades',
  NO_WINNING_TRADES: 'no winning trades',
  NO_LOSING_TRADES: 'no losing trades',
  NO_DECISIVE_TRADES: 'no winning or losing trades',
  NO_KNOWN_RISK: 'no trades with a known positive initial risk',
  FEWER_THAN_2_TRADES: 'fewer than 2 trades',
  ZERO_PNL_SPREAD: 'all trades have the same pnl',
  EMPTY_CURVE: 'empty equity curve',
  SHORT_SPAN: 'equity curve spans less than one calendar day',
  FINAL_NOT_POSITIVE: 'final equity not positive',
  NO_RETURNS: 'no daily returns (a single session)',
  FEWER_THAN_2_RETURNS: 'fewer than 2 daily returns',
  EQUITY_NOT_POSITIVE: 'equity not positive on every session',
  MISSING_RETURN: 'daily returns contain a missing value',
  START_NOT_POSITIVE: 'equity not positive at the start',
  ZERO_VOLATILITY: 'zero volatility of daily returns',
  NO_DOWNSIDE: 'no negative daily returns',
  NO_EXPOSED_SESSIONS: 'no session had exposure at the previous close',
  NO_BENCHMARK: 'no benchmark given',
  BENCHMARK_NOT_POSITIVE: 'benchmark not positive on every session',
  ZERO_BENCHMARK_VARIANCE: 'zero variance of benchmark daily returns',
  NOT_FINITE: 'result is not a finite number',
} as const;

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

/**
 * A computed value; a non-finite one becomes null with reason NOT_FINITE (never leaks out), and
 * -0 becomes 0 so that output survives a JSON round trip unchanged.
 */
export function metric(value: number): MetricValue {
  if (!Number.isFinite(value)) return { value: null, reason: MetricReason.NOT_FINITE };
  return { value: value === 0 ? 0 : value };
}

export function noMetric(reason: string): MetricValue {
  return { value: null, reason };
}

const isNegligibleSpread = (spread: number, xs: ArrayLike<number>): boolean =>
  !(spread > NEGLIGIBLE_SPREAD_REL * meanAbs(xs));

// ---------------------------------------------------------------------------------------------
// Curve helpers

/**
 * Daily simple returns, length max(n - 1, 0): r[i] = equity[i + 1] / equity[i] - 1.
 * NaN ("no value") where equity[i] is not positive, since a return on it is undefined.
 */
export function dailyReturns(equity: ArrayLike<number>): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n > 0 ? n - 1 : 0);
  for (let i = 1; i < n; i++) {
    const prev = equity[i - 1];
    out[i - 1] = prev > 0 ? equity[i] / prev - 1 : Number.NaN;
  }
  return out;
}

/**
 * Drawdown at each session as a positive fraction: (peak - equity[i]) / peak with peak the running
 * max of equity[0..i]. 0 at a new high; above 1 only if equity goes negative. NaN while the peak
 * is not positive (a curve that starts at or below zero).
 */
export function drawdownSeries(equity: ArrayLike<number>): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    out[i] = peak > 0 ? (peak - e) / peak : Number.NaN;
  }
  return out;
}

/** Sessions in the longest run of consecutive closes strictly below the running peak. */
export function longestUnderwaterSessions(equity: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i];
    if (e >= peak) {
      peak = e;
      run = 0;
    } else {
      run++;
      if (run > longest) longest = run;
    }
  }
  return longest;
}

// ---------------------------------------------------------------------------------------------
// Ratios on a return series (exported for walk-forward and fitness code)

function hasMissing(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return true;
  return false;
}

/** mean(r) / sampleStd(r) * sqrt(periodsPerYear), rf = 0. */
export function sharpeRatio(returns: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): MetricValue {
  if (returns.length < 2) return noMetric(MetricReason.FEWER_THAN_2_RETURNS);
  if (hasMissing(returns)) return noMetric(MetricReason.MISSING_RETURN);
  const sd = sampleStd(returns);
  if (isNegligibleSpread(sd, returns)) return noMetric(MetricReason.ZERO_VOLATILITY);
  return metric((mean(returns) / sd) * Math.sqrt(periodsPerYear));
}

/** mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(periodsPerYear), the mean over ALL returns, target 0. */
export function sortinoRatio(returns: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): MetricValue {
  if (returns.length < 2) return noMetric(MetricReason.FEWER_THAN_2_RETURNS);
  if (hasMissing(returns)) return noMetric(MetricReason.MISSING_RETURN);
  const dd = downsideDeviation(returns);
  if (isNegligibleSpread(dd, returns)) return noMetric(MetricReason.NO_DOWNSIDE);
  return metric((mean(returns) / dd) * Math.sqrt(periodsPerYear));
}

/** (final / initial) ^ (365.25 / spanDays) - 1. */
export function cagr(initial: number, final: number, spanDays: number): MetricValue {
  if (!(spanDays >= 1)) return noMetric(MetricReason.SHORT_SPAN);
  if (!(final > 0)) return noMetric(MetricReason.FINAL_NOT_POSITIVE);
  return metric(Math.pow(final / initial, CALENDAR_DAYS_PER_YEAR / spanDays) - 1);
}

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

type TradeMetrics = Pick<
  Metrics,
  'trades' | 'winRate' | 'avgWinUsd' | 'avgLossUsd' | 'expectancyUsd' | 'expectancyR' | 'profitFactor' | 'sqn' | 'avgBarsHeld'
>;

function tradeMetrics(trades: readonly TradeRecord[]): TradeMetrics {
  const k = trades.length;
  if (k === 0) {
    const none = (): MetricValue => noMetric(MetricReason.NO_TRADES);
    return {
      trades: 0, winRate: none(), avgWinUsd: none(), avgLossUsd: none(), expectancyUsd: none(),
      expectancyR: none(), profitFactor: none(), sqn: none(), avgBarsHeld: none(),
    };
  }
  let wins = 0;
  let losses = 0;
  let grossWin = 0;
  let grossLoss = 0; // sum of losing pnl, <= 0
  let sumBars = 0;
  let sumR = 0;
  let withRisk = 0;
  for (let i = 0; i < k; i++) {
    const t = trades[i];
    const pnl = t.pnl;
    if (pnl > 0) {
      wins++;
      grossWin += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLoss += pnl;
    }
    sumBars += t.barsHeld;
    const risk = t.initialRiskUsd;
    if (risk !== null && risk > 0) {
      sumR += pnl / risk;
      withRisk++;
    }
  }
  const meanPnl = (grossWin + grossLoss) / k;

  let profitFactor: MetricValue;
  if (losses > 0) profitFactor = metric(grossWin / -grossLoss);
  else profitFactor = noMetric(wins > 0 ? MetricReason.NO_LOSING_TRADES : MetricReason.NO_DECISIVE_TRADES);

  let sqn: MetricValue;
  if (k < 2) sqn = noMetric(MetricReason.FEWER_THAN_2_TRADES);
  else {
    let ss = 0;
    let sumAbs = 0;
    for (let i = 0; i < k; i++) {
      const d = trades[i].pnl - meanPnl;
      ss += d * d;
      sumAbs += Math.abs(trades[i].pnl);
    }
    const sd = Math.sqrt(ss / (k - 1));
    sqn = sd > NEGLIGIBLE_SPREAD_REL * (sumAbs / k)
      ? metric((Math.sqrt(k) * meanPnl) / sd)
      : noMetric(MetricReason.ZERO_PNL_SPREAD);
  }

  return {
    trades: k,
    winRate: metric(wins / k),
    avgWinUsd: wins > 0 ? metric(grossWin / wins) : noMetric(MetricReason.NO_WINNING_TRADES),
    avgLossUsd: losses > 0 ? metric(grossLoss / losses) : noMetric(MetricReason.NO_LOSING_TRADES),
    expectancyUsd: metric(meanPnl),
    expectancyR: withRisk > 0 ? metric(sumR / withRisk) : noMetric(MetricReason.NO_KNOWN_RISK),
    profitFactor,
    sqn,
    avgBarsHeld: metric(sumBars / k),
  };
}

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
      const dd = drawdownSeries(equity);
      let worst = 0;
      for (let i = 0; i < n; i++) if (dd[i] > worst) worst = dd[i];
      maxDrawdownFrac = metric(worst);
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
