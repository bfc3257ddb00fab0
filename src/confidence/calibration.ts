import { inputError } from '../core/errors.js';
import { LOGISTIC_DEFAULTS, newtonLogistic, sigmoid, type FitStatus } from './logistic.js';
import { checkForecasts, LOG_LOSS_EPS } from './scores.js';

/**
 * Calibration maps the model's raw probability to one that matches observed win rates. It is
 * fitted on a LATER fold than the model (walk-forward-fit.ts makes the folds): calibrating on the
 * rows the model was fitted on would learn the model's in-sample overconfidence, not its real one.
 *
 * Platt scaling: p' = sigmoid(a * logit(p) + b), a and b fitted by the same Newton core as the
 * model (logistic.ts, one column, no penalty) on Platt's smoothed targets (N+ + 1) / (N+ + 2) for
 * wins and 1 / (N- + 2) for losses (Platt 1999), which keep a and b finite on separable folds.
 * logit(p) uses p clipped to [1e-15, 1 - 1e-15], as the log loss does.
 *
 * Isotonic regression: the non-decreasing step function of the raw probability closest in squared
 * error to the outcomes, by pool-adjacent-violators (equal raw probabilities pooled first, so the
 * map is a function). Prediction interpolates LINEARLY between the blocks: constant on a block's
 * span of raw probabilities, a straight line from the end of one block to the start of the next,
 * and the end values beyond the fitted range (sklearn's IsotonicRegression with
 * out_of_bounds='clip' does the same). The result is monotone in the raw probability.
 */

export interface PlattCalibration {
  readonly kind: 'platt';
  /** Slope on logit(raw p). */
  readonly a: number;
  readonly b: number;
}

export interface IsotonicBlock {
  /** Smallest raw probability pooled into the block. */
  readonly scoreFrom: number;
  /** Largest raw probability pooled into the block. */
  readonly scoreTo: number;
  /** Calibrated probability on the block (its weighted win rate). */
  readonly value: number;
  /** Rows (total weight) pooled into it. */
  readonly weight: number;
}

export interface IsotonicCalibration {
  readonly kind: 'isotonic';
  readonly interpolation: 'linear';
  /** Ordered by score; values strictly increasing. */
  readonly blocks: readonly IsotonicBlock[];
}

export type Calibration = PlattCalibration | IsotonicCalibration;
export type CalibrationKind = Calibration['kind'];
export const CALIBRATION_KINDS: readonly CalibrationKind[] = ['platt', 'isotonic'];

export interface CalibrationFit {
  readonly calibration: Calibration;
  /** The Newton fit's status for Platt; always 'converged' for isotonic (a closed-form fit). */
  readonly status: FitStatus;
  /** Rows it was fitted on. */
  readonly rows: number;
}

function bad(parameter: string, message: string, value: unknown, hint: string): never {
  throw inputError('BAD_CONFIDENCE_INPUT', `${parameter} ${message}`, { value, hint });
}

function clippedLogit(p: number): number {
  const q = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  return Math.log(q / (1 - q));
}

function checkFitInput(raw: ArrayLike<number>, labels: ArrayLike<number>): void {
  checkForecasts(raw, labels, 'raw', 'labels');
  if (raw.length === 0) bad('raw', 'is empty', 0, 'calibration needs the raw probabilities of a later fold with known outcomes');
}

/** Platt scaling fitted on raw probabilities and their 0/1 outcomes. */
export function fitPlatt(raw: ArrayLike<number>, labels: ArrayLike<number>): CalibrationFit {
  checkFitInput(raw, labels);
  const n = raw.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (n - positives + 2);
  const z = new Float64Array(n);
  const targets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    z[i] = clippedLogit(raw[i]);
    targets[i] = labels[i] === 1 ? hi : lo;
  }
  const r = newtonLogistic(z, n, 1, targets, new Float64Array(n).fill(1), 0, LOGISTIC_DEFAULTS.tol, LOGISTIC_DEFAULTS.maxIterations);
  return { calibration: { kind: 'platt', a: r.theta[1], b: r.theta[0] }, status: r.status, rows: n };
}

/** Isotonic regression (pool-adjacent-violators) of outcomes on raw probabilities. */
export function fitIsotonic(raw: ArrayLike<number>, labels: ArrayLike<number>): CalibrationFit {
  checkFitInput(raw, labels);
  const n = raw.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => raw[a] - raw[b]);
  // Stack of blocks; equal raw probabilities enter as one point.
  const from: number[] = [];
  const to: number[] = [];
  const sum: number[] = [];
  const weight: number[] = [];
  for (let k = 0; k < n; ) {
    const s = raw[order[k]];
    let w = 0;
    let y = 0;
    while (k < n && raw[order[k]] === s) {
      y += labels[order[k]];
      w++;
      k++;
    }
    from.push(s);
    to.push(s);
    sum.push(y);
    weight.push(w);
    // Pool while the last block's mean is not above the one before it (equal means pool too, so
    // block values strictly increase and no block is redundant).
    for (let top = from.length - 1; top > 0 && sum[top] / weight[top] <= sum[top - 1] / weight[top - 1]; top--) {
      to[top - 1] = to[top];
      sum[top - 1] += sum[top];
      weight[top - 1] += weight[top];
      from.pop();
      to.pop();
      sum.pop();
      weight.pop();
    }
  }
  const blocks: IsotonicBlock[] = from.map((f, b) => ({ scoreFrom: f, scoreTo: to[b], value: sum[b] / weight[b], weight: weight[b] }));
  return { calibration: { kind: 'isotonic', interpolation: 'linear', blocks }, status: 'converged', rows: n };
}

export function fitCalibration(kind: CalibrationKind, raw: ArrayLike<number>, labels: ArrayLike<number>): CalibrationFit {
  if (kind === 'platt') return fitPlatt(raw, labels);
  if (kind === 'isotonic') return fitIsotonic(raw, labels);
  return bad('kind', `must be one of ${CALIBRATION_KINDS.join(', ')}, was ${JSON.stringify(kind)}`, kind, 'platt suits a few hundred rows; isotonic needs more');
}

/** Calibrated probability of one raw probability. */
export function calibrateOne(calibration: Calibration, raw: number): number {
  if (calibration.kind === 'platt') return sigmoid(calibration.a * clippedLogit(raw) + calibration.b);
  const blocks = calibration.blocks;
  if (blocks.length === 0) return Number.NaN;
  if (raw <= blocks[0].scoreTo) return blocks[0].value;
  const last = blocks.length - 1;
  if (raw >= blocks[last].scoreFrom) return blocks[last].value;
  // Binary search: the last block starting at or before raw.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (blocks[mid].scoreFrom <= raw) lo = mid;
    else hi = mid;
  }
  const b = blocks[lo];
  if (raw <= b.scoreTo) return b.value;
  const next = blocks[lo + 1];
  const t = (raw - b.scoreTo) / (next.scoreFrom - b.scoreTo);
  return b.value + t * (next.value - b.value);
}

/** Calibrated probabilities of raw probabilities. */
export function applyCalibration(calibration: Calibration, raw: ArrayLike<number>): Float64Array {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    if (!(raw[i] >= 0 && raw[i] <= 1)) bad(`raw[${i}]`, `must be a probability in [0, 1], was ${raw[i]}`, raw[i], 'pass the model\'s uncalibrated probabilities');
    out[i] = calibrateOne(calibration, raw[i]);
  }
  return out;
}
