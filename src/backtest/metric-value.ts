/**
 * One metric's value or the reason it has none (house rule 6: never Infinity or NaN), the
 * stable reasons, and the calendar constants the ratios use. Shared by metrics.ts,
 * return-metrics.ts and trade-metrics.ts.
 */
import { meanAbs } from '../core/stats.js';

/** `reason` is set iff `value === null`. */
export interface MetricValue {
  value: number | null;
  reason?: string;
}

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

/** A spread too small to divide by (see NEGLIGIBLE_SPREAD_REL). */
export const isNegligibleSpread = (spread: number, xs: ArrayLike<number>): boolean =>
  !(spread > NEGLIGIBLE_SPREAD_REL * meanAbs(xs));
