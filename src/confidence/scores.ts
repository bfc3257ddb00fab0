import { inputError } from '../core/errors.js';
import { metric, noMetric, type MetricValue } from '../backtest/metrics.js';

/**
 * Scores of probability forecasts against 0/1 outcomes: the numbers a confidence model is judged
 * by on its held-out period. Pure; house rule 6: a score that cannot be computed is
 * `{ value: null, reason }` (MetricValue, as in backtest/metrics.ts), never NaN or Infinity.
 *
 * Definitions (n forecasts p_i of outcomes y_i):
 *   Brier             (1/n) sum (p_i - y_i)^2
 *   log loss          -(1/n) sum [y_i ln q_i + (1 - y_i) ln(1 - q_i)],  q_i = clip(p_i, eps, 1 - eps)
 *   base-rate scores  the same with p_i = the TRAINING base rate for everyone (a forecaster with no
 *                     information beyond the base rate; the held-out rate would be look-ahead)
 *   Brier skill       1 - Brier / Brier(base rate); > 0 beats the base rate
 *   AUC               P(score of a random win > score of a random loss), ties counted half
 *                     (Mann-Whitney U / (n1 n0) with mid-ranks)
 *   reliability       10 equal bins of the forecast on [0, 1]: bin k holds k/10 <= p < (k+1)/10,
 *                     the last bin also p = 1; per bin the count, mean forecast and observed rate
 */

/** Log loss clips probabilities to [eps, 1 - eps] so that a confident miss costs ln(1/eps), not infinity. */
export const LOG_LOSS_EPS = 1e-15;
export const RELIABILITY_BINS = 10;

export const ScoreReason = {
  NO_FORECASTS: 'no forecasts',
  ONE_CLASS: 'the outcomes hold only one class',
  PERFECT_BASE_RATE: 'the base-rate forecast is already perfect (Brier 0)',
} as const;

function bad(parameter: string, message: string, value: unknown): never {
  throw inputError('BAD_CONFIDENCE_INPUT', `${parameter} ${message}`, {
    value,
    hint: 'forecasts are probabilities in [0, 1], outcomes 0 or 1, one of each per trade',
  });
}

/** Validates a forecast/outcome pair of arrays once, at the edge of every score. */
export function checkForecasts(p: ArrayLike<number>, y: ArrayLike<number>, pName = 'probabilities', yName = 'labels'): void {
  if (p.length !== y.length) bad(yName, `has ${y.length} values for ${p.length} ${pName}`, y.length);
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) bad(`${pName}[${i}]`, `must be a probability in [0, 1], was ${p[i]}`, p[i]);
    if (y[i] !== 0 && y[i] !== 1) bad(`${yName}[${i}]`, `must be 0 or 1, was ${y[i]}`, y[i]);
  }
}

function checkRate(rate: number, name: string): void {
  if (!(rate >= 0 && rate <= 1)) bad(name, `must be a probability in [0, 1], was ${rate}`, rate);
}

export function brierScore(p: ArrayLike<number>, y: ArrayLike<number>): MetricValue {
  checkForecasts(p, y);
  if (p.length === 0) return noMetric(ScoreReason.NO_FORECASTS);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) * (p[i] - y[i]);
  return metric(s / p.length);
}

export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>, eps = LOG_LOSS_EPS): MetricValue {
  checkForecasts(p, y);
  if (!(eps > 0 && eps < 0.5)) bad('eps', `must be in (0, 0.5), was ${eps}`, eps);
  if (p.length === 0) return noMetric(ScoreReason.NO_FORECASTS);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i], eps), 1 - eps);
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return metric(s / p.length);
}

/** Brier of forecasting `baseRate` for everyone. */
export function baseRateBrier(baseRate: number, y: ArrayLike<number>): MetricValue {
  checkRate(baseRate, 'baseRate');
  return brierScore(new Float64Array(y.length).fill(baseRate), y);
}

/** Log loss of forecasting `baseRate` for everyone. */
export function baseRateLogLoss(baseRate: number, y: ArrayLike<number>, eps = LOG_LOSS_EPS): MetricValue {
  checkRate(baseRate, 'baseRate');
  return logLoss(new Float64Array(y.length).fill(baseRate), y, eps);
}

/** 1 - brier / referenceBrier. */
export function brierSkillScore(brier: MetricValue, referenceBrier: MetricValue): MetricValue {
  if (brier.value === null) return noMetric(brier.reason ?? ScoreReason.NO_FORECASTS);
  if (referenceBrier.value === null) return noMetric(referenceBrier.reason ?? ScoreReason.NO_FORECASTS);
  if (referenceBrier.value === 0) return noMetric(ScoreReason.PERFECT_BASE_RATE);
  return metric(1 - brier.value / referenceBrier.value);
}

/**
 * Area under the ROC curve from ranks: (sum of the wins' mid-ranks - n1 (n1 + 1) / 2) / (n1 n0).
 * Tied scores share their mean rank, so a tie between a win and a loss counts half. Scores may be
 * any finite numbers (probabilities, log-odds): only their order matters.
 */
export function auc(scores: ArrayLike<number>, y: ArrayLike<number>): MetricValue {
  if (scores.length !== y.length) bad('labels', `has ${y.length} values for ${scores.length} scores`, y.length);
  const n = scores.length;
  let n1 = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) bad(`scores[${i}]`, `must be a finite number, was ${scores[i]}`, scores[i]);
    if (y[i] !== 0 && y[i] !== 1) bad(`labels[${i}]`, `must be 0 or 1, was ${y[i]}`, y[i]);
    n1 += y[i];
  }
  if (n === 0) return noMetric(ScoreReason.NO_FORECASTS);
  const n0 = n - n1;
  if (n1 === 0 || n0 === 0) return noMetric(ScoreReason.ONE_CLASS);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const midRank = (start + 1 + end) / 2; // ranks start+1 .. end, 1-based
    for (let k = start; k < end; k++) if (y[order[k]] === 1) rankSum += midRank;
    start = end;
  }
  return metric((rankSum - (n1 * (n1 + 1)) / 2) / (n1 * n0));
}

export interface ReliabilityBin {
  /** Inclusive lower edge. */
  readonly from: number;
  /** Exclusive upper edge (inclusive for the last bin). */
  readonly to: number;
  readonly count: number;
  /** Mean forecast of the bin; null when empty. */
  readonly meanPredicted: number | null;
  /** Share of wins in the bin; null when empty. */
  readonly observedRate: number | null;
}

/** The reliability (calibration) table: `bins` equal-width bins of the forecast over [0, 1]. */
export function reliabilityTable(p: ArrayLike<number>, y: ArrayLike<number>, bins = RELIABILITY_BINS): ReliabilityBin[] {
  checkForecasts(p, y);
  if (!Number.isInteger(bins) || bins < 1) bad('bins', `must be a positive whole number, was ${bins}`, bins);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(Math.floor(p[i] * bins), bins - 1);
    count[b]++;
    sumP[b] += p[i];
    sumY[b] += y[i];
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      from: b / bins,
      to: (b + 1) / bins,
      count: count[b],
      meanPredicted: count[b] > 0 ? sumP[b] / count[b] : null,
      observedRate: count[b] > 0 ? sumY[b] / count[b] : null,
    });
  }
  return out;
}

/** Everything a held-out evaluation reports. */
export interface ForecastScores {
  readonly n: number;
  /** Wins / n on the scored rows; null when empty. */
  readonly observedRate: number | null;
  /** The training base rate the reference forecast uses. */
  readonly baseRate: number;
  readonly brier: MetricValue;
  readonly logLoss: MetricValue;
  readonly baseRateBrier: MetricValue;
  readonly baseRateLogLoss: MetricValue;
  readonly brierSkill: MetricValue;
  readonly auc: MetricValue;
  readonly reliability: readonly ReliabilityBin[];
}

/** All scores of forecasts `p` of outcomes `y`, against the training base rate `baseRate`. */
export function scoreForecasts(p: ArrayLike<number>, y: ArrayLike<number>, baseRate: number): ForecastScores {
  checkForecasts(p, y);
  checkRate(baseRate, 'baseRate');
  let wins = 0;
  for (let i = 0; i < y.length; i++) wins += y[i];
  const brier = brierScore(p, y);
  const reference = baseRateBrier(baseRate, y);
  return {
    n: p.length,
    observedRate: p.length > 0 ? wins / p.length : null,
    baseRate,
    brier,
    logLoss: logLoss(p, y),
    baseRateBrier: reference,
    baseRateLogLoss: baseRateLogLoss(baseRate, y),
    brierSkill: brierSkillScore(brier, reference),
    auc: auc(p, y),
    reliability: reliabilityTable(p, y),
  };
}
