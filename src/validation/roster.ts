/**
 * Seed 003's roster policy for strategies in production, applied at each review on the latest
 * window: keep one with trades >= 20, Sharpe > 0.5 and PF > 1.2; flag it borderline when any
 * measure is within 10% of its threshold; after two consecutive failing reviews it retires; a
 * decaying or retired strategy returns to production only after a passing review.
 */
export type LifecycleState = 'candidate' | 'production' | 'decaying' | 'retired';

export interface ReviewThresholds {
  readonly minTrades: number;
  readonly minSharpe: number;
  readonly minProfitFactor: number;
  readonly borderlineMargin: number;
}

export const DEFAULT_REVIEW: ReviewThresholds = { minTrades: 20, minSharpe: 0.5, minProfitFactor: 1.2, borderlineMargin: 0.1 };

export interface ReviewMeasures {
  readonly trades: number;
  readonly sharpe: number | null;
  readonly profitFactor: number | null;
}

export interface ReviewOutcome {
  readonly pass: boolean;
  readonly borderline: boolean;
  readonly failures: string[];
  readonly next: LifecycleState;
  readonly consecutiveFailures: number;
  readonly reason: string;
}

export function reviewStrategy(
  state: LifecycleState,
  consecutiveFailuresBefore: number,
  m: ReviewMeasures,
  t: ReviewThresholds = DEFAULT_REVIEW,
): ReviewOutcome {
  const failures: string[] = [];
  if (m.trades < t.minTrades) failures.push(`trades ${m.trades} < ${t.minTrades}`);
  if (m.sharpe === null || !(m.sharpe > t.minSharpe)) failures.push(`Sharpe ${m.sharpe === null ? 'n/a' : m.sharpe.toFixed(2)} not > ${t.minSharpe}`);
  // No losing trade: the profit factor is unbounded, which passes.
  const pfOk = m.profitFactor === null ? m.trades > 0 : m.profitFactor > t.minProfitFactor;
  if (!pfOk) failures.push(`PF ${m.profitFactor === null ? 'n/a' : m.profitFactor.toFixed(2)} not > ${t.minProfitFactor}`);
  const pass = failures.length === 0;
  const near = (v: number | null, th: number) => v !== null && v > th && v < th * (1 + t.borderlineMargin);
  const borderline = pass && (near(m.sharpe, t.minSharpe) || near(m.profitFactor, t.minProfitFactor) || m.trades < t.minTrades * (1 + t.borderlineMargin));
  const consecutiveFailures = pass ? 0 : consecutiveFailuresBefore + 1;
  let next: LifecycleState = state;
  let reason: string;
  if (pass) {
    next = state === 'candidate' ? 'candidate' : 'production';
    reason = state === 'production' ? (borderline ? 'passed review (borderline)' : 'passed review') : `re-enabled after a passing review (was ${state})`;
  } else if (state === 'retired') {
    reason = `still failing: ${failures.join('; ')}`;
  } else if (consecutiveFailures >= 2) {
    next = 'retired';
    reason = `retired after ${consecutiveFailures} consecutive failing reviews: ${failures.join('; ')}`;
  } else {
    next = state === 'candidate' ? 'candidate' : 'decaying';
    reason = `failed review: ${failures.join('; ')}`;
  }
  return { pass, borderline, failures, next, consecutiveFailures, reason };
}
