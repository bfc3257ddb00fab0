import { inputError } from '../core/errors.js';

/**
 * L2-regularised logistic regression, fitted by Newton's method (IRLS) with a backtracking line
 * search. Pure: no I/O, no clock, no randomness; the same input gives the same coefficients.
 *
 * The objective, exactly (the reference script scripts/reference/logistic-reference.py minimises
 * the same function with scipy):
 *
 *   z_ij = (x_ij - mean_j) / std_j                 standardised features (training rows only)
 *   eta_i = intercept + sum_j beta_j z_ij          log-odds
 *   L = sum_i w_i [ log(1 + e^eta_i) - t_i eta_i ] + (l2 / 2) sum_j beta_j^2
 *
 * with t_i the 0/1 label (or a soft target in [0, 1], which Platt scaling uses) and w_i the row
 * weight (default 1). The intercept is not penalised. mean_j and std_j are the unweighted mean and
 * population standard deviation (ddof = 0) of the training rows; a column that is constant on them
 * gets std 1 and takes no part in the fit (its coefficient is 0).
 *
 * Expected failures are values, not exceptions (`status`): a model that did not converge within
 * the iteration cap, a training set whose labels a line separates perfectly when nothing holds the
 * coefficients back (l2 = 0: the maximum-likelihood coefficients do not exist), a single class
 * (the unpenalised intercept runs to infinity), or a singular Hessian (collinear features and
 * l2 = 0). Only a `converged` fit is a model to use; the others carry their last iterate for
 * diagnosis.
 */

export type FitStatus = 'converged' | 'max-iterations' | 'separated' | 'one-class' | 'singular';

export interface LogisticModel {
  readonly featureNames: readonly string[];
  /** Per-feature mean of the training rows. */
  readonly means: Float64Array;
  /** Per-feature population std of the training rows (1 for a column constant on them). */
  readonly stds: Float64Array;
  /** Coefficients on the standardised features. */
  readonly coefficients: Float64Array;
  readonly intercept: number;
}

export interface LogisticFit {
  readonly model: LogisticModel;
  readonly status: FitStatus;
  /** Newton iterations taken. */
  readonly iterations: number;
  /** The objective L at the returned coefficients. */
  readonly objective: number;
  /** Largest |dL/dtheta| at the returned coefficients (intercept included). */
  readonly gradientMax: number;
  /** l2 the fit used. */
  readonly l2: number;
  /** Indices of the features constant on the training rows (coefficient fixed at 0). */
  readonly constantFeatures: readonly number[];
}

/** Row-major feature matrix: value of feature j on row i at `data[i * cols + j]`. */
export interface FeatureMatrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export interface LogisticInput {
  readonly x: FeatureMatrix;
  /** 1 = the trade won after costs, 0 = it did not; one per row. */
  readonly labels: Uint8Array;
  /** Non-negative row weights; default 1 each. */
  readonly weights?: Float64Array;
  /** One name per column. */
  readonly featureNames: readonly string[];
}

export interface LogisticOptions {
  /** L2 penalty on the standardised coefficients (not the intercept); >= 0. Default 1. */
  readonly l2?: number;
  /** Converged when no parameter moves more than tol * (1 + |parameter|) in a Newton step. Default 1e-10. */
  readonly tol?: number;
  /** Iteration cap. Default 100. */
  readonly maxIterations?: number;
}

export const LOGISTIC_DEFAULTS = { l2: 1, tol: 1e-10, maxIterations: 100 } as const;

/** Step halvings the line search tries before it gives up on a Newton direction. */
const MAX_HALVINGS = 60;
/** Armijo sufficient-decrease constant. */
const ARMIJO = 1e-4;

function bad(parameter: string, message: string, value: unknown, hint: string): never {
  throw inputError('BAD_CONFIDENCE_INPUT', `${parameter} ${message}`, { value, hint });
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^-x) without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Checks a feature matrix: shape and finite values. `parameter` names it in errors. */
export function checkMatrix(x: FeatureMatrix, parameter = 'x'): void {
  if (!Number.isInteger(x.rows) || x.rows < 0 || !Number.isInteger(x.cols) || x.cols < 0) {
    bad(parameter, `must have whole, non-negative rows and cols, was ${x.rows} x ${x.cols}`, { rows: x.rows, cols: x.cols }, 'rows and cols count the matrix shape');
  }
  if (x.data.length !== x.rows * x.cols) {
    bad(parameter, `holds ${x.data.length} values, expected rows * cols = ${x.rows} * ${x.cols}`, x.data.length, 'the data is row-major: row i, column j at data[i * cols + j]');
  }
  for (let k = 0; k < x.data.length; k++) {
    if (!Number.isFinite(x.data[k])) {
      const i = Math.floor(k / x.cols);
      bad(`${parameter}[${i}][${k - i * x.cols}]`, `must be a finite number, was ${x.data[k]}`, x.data[k], 'drop or impute rows with missing features before fitting');
    }
  }
}

function checkInput(input: LogisticInput, l2: number, tol: number, maxIterations: number): void {
  const { x, labels, weights, featureNames } = input;
  checkMatrix(x);
  if (featureNames.length !== x.cols) bad('featureNames', `has ${featureNames.length} names for ${x.cols} columns`, featureNames.length, 'give one name per column');
  if (labels.length !== x.rows) bad('labels', `has ${labels.length} values for ${x.rows} rows`, labels.length, 'give one label per row');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1) bad(`labels[${i}]`, `must be 0 or 1, was ${labels[i]}`, labels[i], '1 = the trade won after costs, 0 = it did not');
  }
  if (weights !== undefined) {
    if (weights.length !== x.rows) bad('weights', `has ${weights.length} values for ${x.rows} rows`, weights.length, 'give one weight per row, or none');
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) bad(`weights[${i}]`, `must be a finite number >= 0, was ${weights[i]}`, weights[i], 'weights scale each row in the likelihood');
    }
  }
  if (!(l2 >= 0) || !Number.isFinite(l2)) bad('l2', `must be a finite number >= 0, was ${l2}`, l2, '0 is no penalty; 1 is the default');
  if (!(tol > 0) || !Number.isFinite(tol)) bad('tol', `must be a finite number > 0, was ${tol}`, tol, 'the default is 1e-10');
  if (!Number.isInteger(maxIterations) || maxIterations < 1) bad('maxIterations', `must be a positive whole number, was ${maxIterations}`, maxIterations, 'the default is 100');
}

/** Mean and population std (ddof = 0) of each column; std 1 where the column is constant. */
export function standardisation(x: FeatureMatrix): { means: Float64Array; stds: Float64Array; constant: number[] } {
  const { data, rows, cols } = x;
  const means = new Float64Array(cols);
  const stds = new Float64Array(cols);
  const constant: number[] = [];
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += data[i * cols + j];
    const m = rows > 0 ? sum / rows : 0;
    let ss = 0;
    for (let i = 0; i < rows; i++) {
      const d = data[i * cols + j] - m;
      ss += d * d;
    }
    const sd = rows > 0 ? Math.sqrt(ss / rows) : 0;
    means[j] = m;
    // "Constant" relative to the column's own magnitude, so rounding noise is not a feature.
    if (!(sd > 1e-12 * Math.max(1, Math.abs(m)))) {
      stds[j] = 1;
      constant.push(j);
    } else {
      stds[j] = sd;
    }
  }
  return { means, stds, constant };
}

/** The standardised copy of x: (x - mean) / std per column. */
export function standardise(x: FeatureMatrix, means: Float64Array, stds: Float64Array): Float64Array {
  const { data, rows, cols } = x;
  const z = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) z[i * cols + j] = (data[i * cols + j] - means[j]) / stds[j];
  }
  return z;
}

/** Result of the Newton core: theta = [intercept, beta_0 .. beta_{cols-1}]. */
export interface NewtonResult {
  readonly theta: Float64Array;
  readonly status: FitStatus;
  readonly iterations: number;
  readonly objective: number;
  readonly gradientMax: number;
}

/**
 * The shared Newton/IRLS core: minimises L above over theta = [intercept, beta] for a design
 * matrix z (already scaled), targets t in [0, 1] and weights w. Columns listed in `frozen` keep
 * coefficient 0. Used by the logistic regression and by Platt scaling (soft targets, one column).
 * No validation here: callers validate at their edge.
 */
export function newtonLogistic(
  z: Float64Array,
  rows: number,
  cols: number,
  targets: Float64Array,
  weights: Float64Array,
  l2: number,
  tol: number,
  maxIterations: number,
  frozen: readonly number[] = [],
): NewtonResult {
  const k = cols + 1;
  const active = new Uint8Array(k).fill(1);
  for (const j of frozen) active[j + 1] = 0;
  const theta = new Float64Array(k);
  const eta = new Float64Array(rows);
  const grad = new Float64Array(k);
  const hess = new Float64Array(k * k);
  const step = new Float64Array(k);
  const trial = new Float64Array(k);

  let hard = true;
  let sumW = 0;
  let sumWT = 0;
  for (let i = 0; i < rows; i++) {
    if (targets[i] !== 0 && targets[i] !== 1) hard = false;
    sumW += weights[i];
    sumWT += weights[i] * targets[i];
  }
  const objectiveAt = (th: Float64Array, out: Float64Array): number => {
    let obj = 0;
    for (let i = 0; i < rows; i++) {
      let e = th[0];
      const base = i * cols;
      for (let j = 0; j < cols; j++) e += th[j + 1] * z[base + j];
      out[i] = e;
      if (weights[i] !== 0) obj += weights[i] * (softplus(e) - targets[i] * e);
    }
    let pen = 0;
    for (let j = 1; j < k; j++) pen += th[j] * th[j];
    return obj + 0.5 * l2 * pen;
  };
  const trialEta = new Float64Array(rows);
  let objective = objectiveAt(theta, eta);
  const gradientMaxAt = (): number => {
    let g = 0;
    for (let a = 0; a < k; a++) if (active[a]) g = Math.max(g, Math.abs(grad[a]));
    return g;
  };
  const derivatives = (): void => {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < rows; i++) {
      const w = weights[i];
      if (w === 0) continue;
      const p = sigmoid(eta[i]);
      const r = w * (p - targets[i]);
      const h = w * p * (1 - p);
      const base = i * cols;
      grad[0] += r;
      hess[0] += h;
      for (let a = 1; a < k; a++) {
        const za = z[base + a - 1];
        grad[a] += r * za;
        hess[a * k] += h * za;
        for (let b = 1; b <= a; b++) hess[a * k + b] += h * za * z[base + b - 1];
      }
    }
    for (let a = 1; a < k; a++) {
      grad[a] += l2 * theta[a];
      hess[a * k + a] += l2;
      for (let b = 0; b < a; b++) hess[b * k + a] = hess[a * k + b];
    }
    // Frozen parameters: identity rows so the solve leaves them where they are.
    for (let a = 0; a < k; a++) {
      if (active[a]) continue;
      grad[a] = 0;
      for (let b = 0; b < k; b++) hess[a * k + b] = hess[b * k + a] = a === b ? 1 : 0;
    }
  };
  const separated = (): boolean => {
    if (!hard) return false;
    for (let i = 0; i < rows; i++) {
      if (weights[i] === 0) continue;
      if (targets[i] === 1 ? !(eta[i] > 0) : !(eta[i] < 0)) return false;
    }
    return true;
  };

  if (hard && (sumWT === 0 || sumWT === sumW)) {
    derivatives();
    return { theta, status: 'one-class', iterations: 0, objective, gradientMax: gradientMaxAt() };
  }

  let status: FitStatus = 'max-iterations';
  let iterations = 0;
  for (; iterations < maxIterations; ) {
    derivatives();
    if (!choleskySolve(hess, grad, step, k)) {
      status = 'singular';
      break;
    }
    iterations++;
    // Backtracking (Armijo) along -step; the Newton direction is a descent direction since H > 0.
    let slope = 0;
    for (let a = 0; a < k; a++) slope -= grad[a] * step[a];
    let t = 1;
    let accepted = false;
    let trialObjective = objective;
    for (let h = 0; h < MAX_HALVINGS; h++) {
      for (let a = 0; a < k; a++) trial[a] = theta[a] - t * step[a];
      trialObjective = objectiveAt(trial, trialEta);
      if (trialObjective <= objective + ARMIJO * t * slope) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    let moved = 0;
    for (let a = 0; a < k; a++) moved = Math.max(moved, Math.abs(step[a]) / (1 + Math.abs(theta[a])));
    if (!accepted) {
      // No decrease is measurable in floating point: at the optimum if the step was tiny anyway.
      if (moved <= Math.sqrt(tol)) status = 'converged';
      break;
    }
    theta.set(trial);
    eta.set(trialEta);
    objective = trialObjective;
    if (moved * t <= tol) {
      status = 'converged';
      break;
    }
    if ((l2 === 0 || cols === 0) && separated()) {
      status = 'separated';
      break;
    }
  }
  derivatives();
  return { theta, status, iterations, objective, gradientMax: gradientMaxAt() };
}

/**
 * Solves H x = g for symmetric positive definite H (k x k, row-major) by Cholesky; false when H
 * is not numerically positive definite. H is left untouched.
 */
function choleskySolve(hess: Float64Array, g: Float64Array, out: Float64Array, k: number): boolean {
  const l = new Float64Array(k * k);
  let maxDiag = 0;
  for (let a = 0; a < k; a++) maxDiag = Math.max(maxDiag, hess[a * k + a]);
  const floor = maxDiag * 1e-13;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = hess[a * k + b];
      for (let c = 0; c < b; c++) s -= l[a * k + c] * l[b * k + c];
      if (a === b) {
        if (!(s > floor)) return false;
        l[a * k + a] = Math.sqrt(s);
      } else {
        l[a * k + b] = s / l[b * k + b];
      }
    }
  }
  for (let a = 0; a < k; a++) {
    let s = g[a];
    for (let c = 0; c < a; c++) s -= l[a * k + c] * out[c];
    out[a] = s / l[a * k + a];
  }
  for (let a = k - 1; a >= 0; a--) {
    let s = out[a];
    for (let c = a + 1; c < k; c++) s -= l[c * k + a] * out[c];
    out[a] = s / l[a * k + a];
  }
  return true;
}

/** Fits the model; validates the input (typed errors name the parameter). */
export function fitLogistic(input: LogisticInput, options: LogisticOptions = {}): LogisticFit {
  const l2 = options.l2 ?? LOGISTIC_DEFAULTS.l2;
  const tol = options.tol ?? LOGISTIC_DEFAULTS.tol;
  const maxIterations = options.maxIterations ?? LOGISTIC_DEFAULTS.maxIterations;
  checkInput(input, l2, tol, maxIterations);
  const { x, labels } = input;
  if (x.rows === 0) bad('x', 'has no rows', 0, 'the model needs trades to learn from');
  const { means, stds, constant } = standardisation(x);
  const z = standardise(x, means, stds);
  const targets = Float64Array.from(labels);
  const weights = input.weights ?? new Float64Array(x.rows).fill(1);
  const r = newtonLogistic(z, x.rows, x.cols, targets, weights, l2, tol, maxIterations, constant);
  return {
    model: {
      featureNames: [...input.featureNames],
      means,
      stds,
      coefficients: r.theta.slice(1),
      intercept: r.theta[0],
    },
    status: r.status,
    iterations: r.iterations,
    objective: r.objective,
    gradientMax: r.gradientMax,
    l2,
    constantFeatures: constant,
  };
}

function checkModelInput(model: LogisticModel, x: FeatureMatrix): void {
  checkMatrix(x);
  if (x.cols !== model.coefficients.length) {
    bad('x', `has ${x.cols} columns, the model has ${model.coefficients.length} features (${model.featureNames.join(', ')})`, x.cols, 'build the rows with the features the model was trained on, in its order');
  }
}

/** Log-odds of each row. */
export function logOdds(model: LogisticModel, x: FeatureMatrix): Float64Array {
  checkModelInput(model, x);
  const { data, rows, cols } = x;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let e = model.intercept;
    for (let j = 0; j < cols; j++) e += model.coefficients[j] * ((data[i * cols + j] - model.means[j]) / model.stds[j]);
    out[i] = e;
  }
  return out;
}

/** Probability of a win for each row (uncalibrated). */
export function predictLogistic(model: LogisticModel, x: FeatureMatrix): Float64Array {
  const out = logOdds(model, x);
  for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]);
  return out;
}

export interface FeatureContribution {
  readonly feature: string;
  /** The raw feature value. */
  readonly value: number;
  /** (value - mean) / std. */
  readonly standardised: number;
  readonly coefficient: number;
  /** coefficient * standardised: this feature's share of the log-odds. */
  readonly contribution: number;
}

export interface Contributions {
  readonly intercept: number;
  readonly features: readonly FeatureContribution[];
  /** intercept + sum of contributions. */
  readonly logOdds: number;
  /** sigmoid(logOdds), uncalibrated. */
  readonly probability: number;
}

/** Why this trade: each feature's contribution to one row's log-odds, plus the intercept. */
export function contributions(model: LogisticModel, row: ArrayLike<number>): Contributions {
  const data = Float64Array.from(row as ArrayLike<number>);
  checkModelInput(model, { data, rows: 1, cols: data.length });
  let total = model.intercept;
  const features: FeatureContribution[] = [];
  for (let j = 0; j < data.length; j++) {
    const standardised = (data[j] - model.means[j]) / model.stds[j];
    const contribution = model.coefficients[j] * standardised;
    total += contribution;
    features.push({ feature: model.featureNames[j], value: data[j], standardised, coefficient: model.coefficients[j], contribution });
  }
  return { intercept: model.intercept, features, logOdds: total, probability: sigmoid(total) };
}
