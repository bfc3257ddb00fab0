import { applyCalibration, fitCalibration, type CalibrationFit, type CalibrationKind } from './calibration.js';
import { contributions, fitLogistic, predictLogistic, type Contributions, type FeatureMatrix, type LogisticFit, type LogisticOptions } from './logistic.js';
import type { ConfidenceModel } from './model-codec.js';
import { scoreForecasts } from './scores.js';
import { splitByDates, splitFolds, type FoldFractions, type FoldSplit } from './walk-forward-fit.js';

/**
 * Training a confidence model end to end, pure: folds by date (walk-forward-fit.ts), the logistic
 * model on the fit fold, its calibration on the calibrate fold, and the calibrated forecasts scored
 * on the held-out fold against the training base rate (the win rate of every trade the model and
 * its calibration learned from, fit and calibrate folds together). The caller (kobe scan train)
 * builds the rows from the engine's trades and stores the result.
 *
 * A training that cannot give a usable model is a value `{ ok: false, code, detail }`, like a
 * gate denial: an empty fold, a model that did not converge or separated, a calibration that did
 * not converge.
 */

export interface TrainingRows {
  /** Features known at each signal's close, row-major. */
  readonly x: FeatureMatrix;
  readonly featureNames: readonly string[];
  /** 1 = the trade won after costs. */
  readonly labels: Uint8Array;
  readonly signalDays: Int32Array;
  readonly closeDays: Int32Array;
}

export interface TrainOptions extends LogisticOptions {
  /** Default 0.6 of the signal days to fit, 0.2 to calibrate, the rest held out. */
  readonly folds?: FoldFractions;
  /** The cut days themselves (splitByDates); given, they win over `folds`. */
  readonly cuts?: { readonly calibrateFrom: number; readonly heldOutFrom: number };
  /** Default 'platt'. */
  readonly calibration?: CalibrationKind;
  /** Hash of the trades and features, stored with the model. */
  readonly dataHash: string;
}

export const TRAIN_DEFAULTS = { folds: { fitFrac: 0.6, calibrateFrac: 0.2 }, calibration: 'platt' } as const;

export type TrainRefusal = 'EMPTY_FOLD' | 'MODEL_NOT_CONVERGED' | 'CALIBRATION_NOT_CONVERGED';

export type TrainResult =
  | { readonly ok: true; readonly model: ConfidenceModel; readonly split: FoldSplit; readonly fit: LogisticFit; readonly calibrationFit: CalibrationFit }
  | { readonly ok: false; readonly code: TrainRefusal; readonly detail: string; readonly split: FoldSplit; readonly fit?: LogisticFit };

/** Rows `idx` of x. */
export function selectRows(x: FeatureMatrix, idx: ArrayLike<number>): FeatureMatrix {
  const data = new Float64Array(idx.length * x.cols);
  for (let r = 0; r < idx.length; r++) data.set(x.data.subarray(idx[r] * x.cols, (idx[r] + 1) * x.cols), r * x.cols);
  return { data, rows: idx.length, cols: x.cols };
}

const pick = (labels: Uint8Array, idx: ArrayLike<number>): Uint8Array => Uint8Array.from({ length: idx.length }, (_, r) => labels[idx[r]]);

export function trainConfidenceModel(rows: TrainingRows, options: TrainOptions): TrainResult {
  const split = options.cuts !== undefined ? splitByDates(rows, options.cuts.calibrateFrom, options.cuts.heldOutFrom) : splitFolds(rows, options.folds ?? TRAIN_DEFAULTS.folds);
  for (const fold of ['fit', 'calibrate', 'heldOut'] as const) {
    if (split[fold].length === 0) return { ok: false, code: 'EMPTY_FOLD', detail: `the ${fold} fold holds no closed trades`, split };
  }
  const fit = fitLogistic({ x: selectRows(rows.x, split.fit), labels: pick(rows.labels, split.fit), featureNames: rows.featureNames }, options);
  if (fit.status !== 'converged') {
    return { ok: false, code: 'MODEL_NOT_CONVERGED', detail: `the logistic fit ended ${fit.status} after ${fit.iterations} iterations`, split, fit };
  }
  const calLabels = pick(rows.labels, split.calibrate);
  const calibrationFit = fitCalibration(options.calibration ?? TRAIN_DEFAULTS.calibration, predictLogistic(fit.model, selectRows(rows.x, split.calibrate)), calLabels);
  if (calibrationFit.status !== 'converged') {
    return { ok: false, code: 'CALIBRATION_NOT_CONVERGED', detail: `the ${calibrationFit.calibration.kind} calibration ended ${calibrationFit.status}`, split, fit };
  }
  let wins = 0;
  for (const i of split.fit) wins += rows.labels[i];
  for (const i of split.calibrate) wins += rows.labels[i];
  const baseRate = wins / (split.fit.length + split.calibrate.length);
  const heldOutLabels = pick(rows.labels, split.heldOut);
  const forecasts = applyCalibration(calibrationFit.calibration, predictLogistic(fit.model, selectRows(rows.x, split.heldOut)));
  const w = split.windows;
  const model: ConfidenceModel = {
    logistic: fit.model,
    l2: fit.l2,
    calibration: calibrationFit.calibration,
    window: {
      fitFrom: w.fit!.from,
      fitTo: w.fit!.to,
      calibrateFrom: split.calibrateFrom,
      calibrateTo: w.calibrate!.to,
      heldOutFrom: split.heldOutFrom,
      heldOutTo: w.heldOut!.to,
    },
    dataHash: options.dataHash,
    metrics: scoreForecasts(forecasts, heldOutLabels, baseRate),
  };
  return { ok: true, model, split, fit, calibrationFit };
}

/** Calibrated win probabilities of feature rows (the confidence the scan shows). */
export function predictConfidence(model: ConfidenceModel, x: FeatureMatrix): Float64Array {
  return applyCalibration(model.calibration, predictLogistic(model.logistic, x));
}

export interface ConfidenceExplanation extends Contributions {
  /** The calibrated probability; `probability` is the model's raw one. */
  readonly confidence: number;
}

/** Why this trade: each feature's share of the log-odds, the raw and the calibrated probability. */
export function explainConfidence(model: ConfidenceModel, row: ArrayLike<number>): ConfidenceExplanation {
  const c = contributions(model.logistic, row);
  return { ...c, confidence: applyCalibration(model.calibration, [c.probability])[0] };
}
