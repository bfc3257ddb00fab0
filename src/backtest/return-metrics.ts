import { downsideDeviation, mean, sampleStd } from '../core/stats.js';
import { CALENDAR_DAYS_PER_YEAR, isNegligibleSpread, metric, MetricReason, type MetricValue, noMetric, TRADING_DAYS_PER_YEAR } from './metric-value.js';

/** Metrics of an equity curve and of a return series, used by computeMetrics, walk-forward and fitness. */

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

/** The largest value of drawdownSeries(equity) (0 when none is positive), without the series. */
export function maxDrawdown(equity: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    const d = peak > 0 ? (peak - e) / peak : Number.NaN;
    if (d > worst) worst = d;
  }
  return worst;
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
