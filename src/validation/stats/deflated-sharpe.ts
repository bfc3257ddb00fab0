import { inputError } from '../../core/errors.js';
import { meanAbs } from '../../core/stats.js';
import { NEGLIGIBLE_SPREAD_REL, type MetricValue } from '../../backtest/metrics.js';
import { returnMoments } from '../../core/stats.js';
import { normalCdf, normalQuantile } from './normal.js';

/**
 * Probabilistic and Deflated Sharpe Ratios, for the promotion gate.
 *
 * Sources:
 * - PSR: D. H. Bailey and M. Lopez de Prado (2012), "The Sharpe Ratio Efficient Frontier",
 *   Journal of Risk 15(2), SSRN 1821643.
 * - DSR and the expected maximum Sharpe: D. H. Bailey and M. Lopez de Prado (2014), "The Deflated
 *   Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality", Journal
 *   of Portfolio Management 40(5), 94-107, SSRN 2460551.
 *
 * Formulas (every Sharpe ratio here is PER PERIOD, the period of the returns, never annualised):
 *
 *   PSR(SR*) = Phi( (SR^ - SR*) sqrt(n - 1) / sqrt(1 - g3 SR^ + (g4 - 1)/4 SR^2) )
 *
 * with SR^ the observed per-period Sharpe, n the number of returns, g3 the skewness and g4 the
 * NON-excess kurtosis of the returns (moments.ts). PSR is the probability that the true Sharpe
 * exceeds the benchmark SR*, allowing for the sample length and for skewed, fat-tailed returns.
 *
 *   E[max SR] = SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))
 *
 * is the expected maximum of N independent trial Sharpe ratios whose true value is zero and whose
 * estimates have variance V across the trials (gamma = Euler-Mascheroni, e = Euler's number).
 *
 *   DSR = PSR(SR0)
 *
 * is the probability that the selected strategy's true Sharpe beats the best that N lucky trials
 * would show. Units: V is the variance of the PER-PERIOD trial Sharpes; an annualised Sharpe
 * divides by sqrt(periods a year) but its variance by periods a year (the paper's example:
 * SR^ = 2.5 / sqrt(250), V = 0.5 / 250).
 */

/** Euler-Mascheroni constant gamma. */
export const EULER_MASCHERONI = 0.5772156649015329;

/**
 * Fewest returns `deflatedSharpe` evaluates. A computational floor (kurtosis of fewer than 4 points
 * is degenerate), not a statistical recommendation: gates should also require a minimum track
 * record (e.g. a year of sessions).
 */
export const DSR_MIN_OBSERVATIONS = 4;

/** The reasons for a null PSR or DSR (stable strings, safe to match on). */
export const DsrReason = {
  NOT_FINITE_INPUT: 'an input is not a finite number',
  TOO_FEW_OBSERVATIONS: `fewer than ${DSR_MIN_OBSERVATIONS} returns`,
  FEWER_THAN_2_OBSERVATIONS: 'fewer than 2 observations',
  MISSING_RETURN: 'returns contain a missing value',
  ZERO_VOLATILITY: 'zero volatility of returns',
  NON_POSITIVE_VARIANCE_TERM: 'the Sharpe estimator variance term 1 - skew*SR + (kurtosis-1)/4*SR^2 is not positive',
} as const;

/** Notes on how the benchmark SR0 was set (stable strings). */
export const DsrNote = {
  FEWER_THAN_2_TRIALS: 'fewer than 2 trials: there is no selection to deflate for, so SR0 = 0 and DSR = PSR against 0',
  ZERO_TRIAL_VARIANCE: 'the trial Sharpes have zero variance: SR0 = 0 and DSR = PSR against 0',
} as const;

const noValue = (reason: string): MetricValue => ({ value: null, reason });

/**
 * The variance term under the PSR's square root: 1 - skew SR + (kurtosis - 1)/4 SR^2, the
 * asymptotic variance of the Sharpe estimator times (n - 1). It is >= (1 - skew SR / 2)^2 >= 0
 * whenever kurtosis >= 1 + skew^2, which sample moments always satisfy; hand-supplied moments
 * can make it negative.
 */
export function psrVarianceTerm(srHat: number, skew: number, kurtosis: number): number {
  return 1 - skew * srHat + ((kurtosis - 1) / 4) * srHat * srHat;
}

/**
 * Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012): the probability that the true
 * per-period Sharpe exceeds `srBenchmark`, given the observed per-period `srHat` over `nObs`
 * returns with skewness `skew` and NON-excess `kurtosis`. Null with a reason when an input is not
 * finite, nObs < 2, or the variance term is not positive.
 */
export function psr(srHat: number, srBenchmark: number, nObs: number, skew: number, kurtosis: number): MetricValue {
  if (![srHat, srBenchmark, nObs, skew, kurtosis].every(Number.isFinite)) return noValue(DsrReason.NOT_FINITE_INPUT);
  if (nObs < 2) return noValue(DsrReason.FEWER_THAN_2_OBSERVATIONS);
  const term = psrVarianceTerm(srHat, skew, kurtosis);
  if (!(term > 0)) return noValue(DsrReason.NON_POSITIVE_VARIANCE_TERM);
  const value = normalCdf(((srHat - srBenchmark) * Math.sqrt(nObs - 1)) / Math.sqrt(term));
  return { value };
}

/**
 * Expected maximum per-period Sharpe of `nTrials` independent zero-skill trials whose Sharpe
 * estimates have variance `varianceOfTrialSharpes` (Bailey & Lopez de Prado 2014, the SR0 of the
 * DSR). 0 for fewer than 2 trials (no selection; the approximation, derived for N >> 1, would go
 * negative between N = 1 and about 1.3) and for zero variance. `nTrials` may be fractional (an
 * effective number of independent trials). Phi^-1(1 - q) is evaluated as -Phi^-1(q) so that a
 * huge N does not round 1 - 1/N to 1.
 *
 * Throws KobeError `DSR_BAD_TRIALS` / `DSR_BAD_TRIAL_VARIANCE` for a trial count below 1 or a
 * negative or non-finite variance.
 */
export function expectedMaxSharpe(nTrials: number, varianceOfTrialSharpes: number): number {
  validateTrials(nTrials, varianceOfTrialSharpes);
  if (nTrials < 2 || varianceOfTrialSharpes === 0) return 0;
  const z =
    (1 - EULER_MASCHERONI) * -normalQuantile(1 / nTrials) + EULER_MASCHERONI * -normalQuantile(1 / (nTrials * Math.E));
  return Math.sqrt(varianceOfTrialSharpes) * z;
}

function validateTrials(trials: number, variance: number): void {
  if (!(Number.isFinite(trials) && trials >= 1)) {
    throw inputError('DSR_BAD_TRIALS', `trials must be a finite number >= 1, was ${trials}`, {
      value: trials,
      hint: 'count every configuration tried in the search, including the selected one',
    });
  }
  if (!(Number.isFinite(variance) && variance >= 0)) {
    throw inputError('DSR_BAD_TRIAL_VARIANCE', `trialSharpeVariance must be a finite number >= 0, was ${variance}`, {
      value: variance,
      hint: 'pass the sample variance of the per-period (not annualised) Sharpe ratios of all trials',
    });
  }
}

export interface DeflatedSharpeInput {
  /** Per-period returns of the selected strategy (e.g. daily simple returns), in time order. */
  readonly returns: ArrayLike<number>;
  /** Number of trials (configurations tried) the strategy was selected from; >= 1, may be fractional. */
  readonly trials: number;
  /** Variance of the per-period Sharpe ratios of all trials; >= 0. */
  readonly trialSharpeVariance: number;
}

/**
 * A DSR with every number it was computed from, so it can be checked by hand:
 *   z = (perPeriodSharpe - expectedMaxSharpe) * sqrt(nObs - 1) / psrDenominator,  dsr = Phi(z),
 *   psrDenominator = sqrt(1 - skew*perPeriodSharpe + (kurtosis - 1)/4 * perPeriodSharpe^2).
 * JSON-safe: every number is finite, undefined ones are null; `reason` is set iff dsr is null.
 */
export interface DeflatedSharpeResult {
  /** Probability that the true per-period Sharpe exceeds expectedMaxSharpe; null with `reason`. */
  readonly dsr: number | null;
  readonly reason?: string;
  /** How SR0 was set when the selection correction is void (fewer than 2 trials, zero variance). */
  readonly note?: string;
  /** mean / sample std of the returns (not annualised). */
  readonly perPeriodSharpe: number | null;
  /** Number of returns. */
  readonly nObs: number;
  /** Skewness g1 of the returns. */
  readonly skew: number | null;
  /** Non-excess kurtosis b2 of the returns (3 for normal returns). */
  readonly kurtosis: number | null;
  readonly trials: number;
  readonly trialSharpeVariance: number;
  /** SR0, the per-period benchmark the DSR tests against. */
  readonly expectedMaxSharpe: number;
  /** sqrt of the variance term; null when the term is not positive or the moments are undefined. */
  readonly psrDenominator: number | null;
  /** The argument of Phi. */
  readonly zScore: number | null;
  /** The undeflated PSR against a zero Sharpe, for comparison. */
  readonly psrVsZero: number | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? (x === 0 ? 0 : x) : null);

/**
 * Deflated Sharpe Ratio of a selected strategy's per-period returns (Bailey & Lopez de Prado 2014):
 * PSR against SR0 = expectedMaxSharpe(trials, trialSharpeVariance), with the Sharpe, skewness and
 * kurtosis estimated from `returns` (moments.ts). Data problems (a NaN return, fewer than
 * DSR_MIN_OBSERVATIONS returns, zero volatility, a non-positive variance term) give dsr = null with
 * a reason; a bad trial count or variance throws (see expectedMaxSharpe).
 */
export function deflatedSharpe(input: DeflatedSharpeInput): DeflatedSharpeResult {
  const { returns, trials, trialSharpeVariance } = input;
  const sr0 = expectedMaxSharpe(trials, trialSharpeVariance);
  const nObs = returns.length;
  const note = trials < 2 ? DsrNote.FEWER_THAN_2_TRIALS : trialSharpeVariance === 0 ? DsrNote.ZERO_TRIAL_VARIANCE : undefined;
  const base = {
    ...(note === undefined ? {} : { note }),
    nObs,
    trials,
    trialSharpeVariance,
    expectedMaxSharpe: sr0,
  };
  const empty = { perPeriodSharpe: null, skew: null, kurtosis: null, psrDenominator: null, zScore: null, psrVsZero: null };
  for (let i = 0; i < nObs; i++) {
    if (!Number.isFinite(returns[i])) return { dsr: null, reason: DsrReason.MISSING_RETURN, ...base, ...empty };
  }
  if (nObs < DSR_MIN_OBSERVATIONS) return { dsr: null, reason: DsrReason.TOO_FEW_OBSERVATIONS, ...base, ...empty };

  const m = returnMoments(returns);
  if (!(m.std > NEGLIGIBLE_SPREAD_REL * meanAbs(returns))) {
    return { dsr: null, reason: DsrReason.ZERO_VOLATILITY, ...base, ...empty };
  }
  const sr = m.mean / m.std;
  const term = psrVarianceTerm(sr, m.skew, m.kurtosis);
  const moments = { perPeriodSharpe: finiteOrNull(sr), skew: finiteOrNull(m.skew), kurtosis: finiteOrNull(m.kurtosis) };
  if (!(term > 0) || !Number.isFinite(term)) {
    const reason = Number.isFinite(term) ? DsrReason.NON_POSITIVE_VARIANCE_TERM : DsrReason.NOT_FINITE_INPUT;
    return { dsr: null, reason, ...base, ...moments, psrDenominator: null, zScore: null, psrVsZero: null };
  }
  const den = Math.sqrt(term);
  const scale = Math.sqrt(nObs - 1) / den;
  const z = (sr - sr0) * scale;
  return {
    dsr: normalCdf(z),
    ...base,
    ...moments,
    psrDenominator: den,
    zScore: finiteOrNull(z),
    psrVsZero: normalCdf(sr * scale),
  };
}

/** One trial of a search as the DSR sees it: its per-period Sharpe, or why it has none. */
export interface TrialSharpe {
  /** Per-period (not annualised) out-of-sample Sharpe; null when the trial has none. */
  readonly perPeriodSharpe: number | null;
  /** Why there is no Sharpe (e.g. 'pruned before its out-of-sample run'); read only when perPeriodSharpe is null. */
  readonly missingReason?: string;
}

/**
 * The DSR's N and V, both from one set of trials: those with a computed (finite) Sharpe. Every
 * other trial is left out of both and counted under `excluded` by its reason.
 */
export interface DsrTrialSet {
  /** N: trials with a computed Sharpe. */
  readonly trialCount: number;
  /** V: sample variance (n - 1) of their per-period Sharpes; 0 when fewer than 2. */
  readonly trialSharpeVariance: number;
  /** What the set is, in words (the --json documents it). */
  readonly set: string;
  /** Every trial the search made, the set and the excluded ones. */
  readonly trialsTried: number;
  /** Trials left out of both N and V. */
  readonly excluded: number;
  /** How many were excluded for each reason. */
  readonly excludedBecause: Readonly<Record<string, number>>;
}

export const DSR_TRIAL_SET = 'trials with a computed out-of-sample Sharpe (N and V from the same set)';
const NO_SHARPE = 'no Sharpe';

/**
 * N and V for `deflatedSharpe` from a search's trials, from one defined set: the trials with a
 * finite per-period Sharpe. A trial without one (pruned before its out-of-sample run, or a flat
 * record whose Sharpe is undefined) is left out of BOTH: counting it in N but not in V mixes two
 * populations, and entering it in V as a 0 Sharpe invents a value (a cluster of zeros shrinks or
 * inflates V at will). SR0 is the expected best of the trials whose Sharpe could have been lucky;
 * a trial without a Sharpe offered no luck to select. The excluded ones are reported with reasons.
 */
export function dsrTrialSet(trials: readonly TrialSharpe[]): DsrTrialSet {
  const xs: number[] = [];
  const excludedBecause: Record<string, number> = {};
  for (const t of trials) {
    if (t.perPeriodSharpe !== null && Number.isFinite(t.perPeriodSharpe)) xs.push(t.perPeriodSharpe);
    else {
      const why = t.missingReason ?? NO_SHARPE;
      excludedBecause[why] = (excludedBecause[why] ?? 0) + 1;
    }
  }
  let v = 0;
  if (xs.length >= 2) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  }
  return {
    trialCount: xs.length,
    trialSharpeVariance: v,
    set: DSR_TRIAL_SET,
    trialsTried: trials.length,
    excluded: trials.length - xs.length,
    excludedBecause,
  };
}
