import { dayToIso, parseIsoDay } from '../core/calendar.js';
import { clipForError, inputError } from '../core/errors.js';
import type { MetricValue } from '../backtest/metrics.js';
import type { Calibration, IsotonicBlock } from './calibration.js';
import type { LogisticModel } from './logistic.js';
import type { ForecastScores, ReliabilityBin } from './scores.js';

/**
 * A fitted confidence model as plain JSON, the one shape the model file under state/models/ and
 * the SQLite row both hold. `encodeModel` writes it, `decodeModel` reads it back and validates
 * every field once, here at the edge: a damaged file or one of another version is a typed error
 * naming the field (`coefficients[2] must be a finite number, was "x"`), never a model that
 * predicts NaN later.
 *
 * Days are ISO dates in the file and day numbers inside. Metrics keep the house rule: a score that
 * could not be computed is `{ value: null, reason }`.
 */

export const CONFIDENCE_MODEL_FORMAT = 'kobe-confidence-model';
export const CONFIDENCE_MODEL_VERSION = 1;

/** The trades a model learned from and was judged on (day numbers). */
export interface TrainingWindow {
  /** Earliest signal day of the fit fold. */
  readonly fitFrom: number;
  /** Latest close day of the fit fold (before calibrateFrom). */
  readonly fitTo: number;
  /** The cut: calibrate-fold signals from this day; the model learned only trades closed before it. */
  readonly calibrateFrom: number;
  /** Latest close day of the calibrate fold (before heldOutFrom). */
  readonly calibrateTo: number;
  /** The cut: held-out signals from this day. */
  readonly heldOutFrom: number;
  /** Latest close day of the held-out fold. */
  readonly heldOutTo: number;
}

export interface ConfidenceModel {
  readonly logistic: LogisticModel;
  /** The L2 penalty it was fitted with. */
  readonly l2: number;
  readonly calibration: Calibration;
  readonly window: TrainingWindow;
  /** Hash of the data (trades and features) it was trained on. */
  readonly dataHash: string;
  /** Scores of the calibrated forecasts on the held-out fold. */
  readonly metrics: ForecastScores;
}

const WINDOW_FIELDS = ['fitFrom', 'fitTo', 'calibrateFrom', 'calibrateTo', 'heldOutFrom', 'heldOutTo'] as const;
const SCORE_FIELDS = ['brier', 'logLoss', 'baseRateBrier', 'baseRateLogLoss', 'brierSkill', 'auc'] as const;

/** The model as a plain JSON value (fields in a fixed order). */
export function modelToJson(model: ConfidenceModel): Record<string, unknown> {
  const m = model.metrics;
  const window: Record<string, string> = {};
  for (const f of WINDOW_FIELDS) window[f] = dayToIso(model.window[f]);
  const metrics: Record<string, unknown> = { n: m.n, observedRate: m.observedRate, baseRate: m.baseRate };
  for (const f of SCORE_FIELDS) metrics[f] = m[f].value === null ? { value: null, reason: m[f].reason ?? null } : { value: m[f].value };
  metrics.reliability = m.reliability.map((b) => ({ ...b }));
  return {
    format: CONFIDENCE_MODEL_FORMAT,
    version: CONFIDENCE_MODEL_VERSION,
    featureNames: [...model.logistic.featureNames],
    means: Array.from(model.logistic.means),
    stds: Array.from(model.logistic.stds),
    coefficients: Array.from(model.logistic.coefficients),
    intercept: model.logistic.intercept,
    l2: model.l2,
    calibration: model.calibration.kind === 'platt' ? { ...model.calibration } : { kind: 'isotonic', interpolation: model.calibration.interpolation, blocks: model.calibration.blocks.map((b) => ({ ...b })) },
    trainingWindow: window,
    dataHash: model.dataHash,
    metrics,
  };
}

/** The model file's text: JSON, two-space indent, trailing newline. */
export function encodeModel(model: ConfidenceModel): string {
  return `${JSON.stringify(modelToJson(model), null, 2)}\n`;
}

/** Reads a model file's text; `file` names it in errors. */
export function decodeModel(text: string, file?: string): ConfidenceModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw inputError('BAD_MODEL_FILE', `model file is not JSON: ${e instanceof Error ? e.message : String(e)}`, {
      file,
      hint: 'the file is damaged; train a new model (kobe scan train) or restore the file',
      cause: e,
    });
  }
  return modelFromJson(value, file);
}

/** Validates a parsed model value (from a file or a database row). */
export function modelFromJson(value: unknown, file?: string): ConfidenceModel {
  const fail = (field: string, message: string, got: unknown): never => {
    throw inputError('BAD_MODEL_FILE', `${field} ${message}, was ${describe(got)}`, {
      file,
      value: describe(got),
      hint: 'the model file is damaged or was edited by hand; train a new model (kobe scan train) or restore the file',
    });
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(field, 'must be an object', v);
    return v as Record<string, unknown>;
  };
  const num = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a finite number', v);
    return v as number;
  };
  const prob = (v: unknown, field: string): number => {
    const x = num(v, field);
    if (x < 0 || x > 1) fail(field, 'must be a probability in [0, 1]', v);
    return x;
  };
  const str = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || v.length === 0) fail(field, 'must be a non-empty string', v);
    return v as string;
  };
  const arr = (v: unknown, field: string, length?: number): unknown[] => {
    if (!Array.isArray(v)) fail(field, 'must be an array', v);
    const a = v as unknown[];
    if (length !== undefined && a.length !== length) fail(field, `must hold ${length} values (one per feature)`, `${a.length} values`);
    return a;
  };
  const nums = (v: unknown, field: string, length: number): Float64Array => Float64Array.from(arr(v, field, length).map((x, i) => num(x, `${field}[${i}]`)));
  const day = (v: unknown, field: string): number => {
    const d = typeof v === 'string' ? parseIsoDay(v) : Number.NaN;
    if (Number.isNaN(d)) fail(field, 'must be a date YYYY-MM-DD', v);
    return d;
  };
  const orNull = <T>(v: unknown, read: (x: unknown) => T): T | null => (v === null ? null : read(v));

  const root = obj(value, 'model');
  if (root.format !== CONFIDENCE_MODEL_FORMAT) fail('format', `must be "${CONFIDENCE_MODEL_FORMAT}"`, root.format);
  if (root.version !== CONFIDENCE_MODEL_VERSION) {
    throw inputError('MODEL_VERSION', `version must be ${CONFIDENCE_MODEL_VERSION}, was ${describe(root.version)}`, {
      file,
      value: describe(root.version),
      hint: `this kobe reads confidence models of version ${CONFIDENCE_MODEL_VERSION}; retrain the model with it`,
    });
  }

  const names = arr(root.featureNames, 'featureNames').map((n, i) => str(n, `featureNames[${i}]`));
  if (names.length === 0) fail('featureNames', 'must name at least one feature', root.featureNames);
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) fail(`featureNames[${i}]`, 'must be unique', n);
    seen.add(n);
  });
  const k = names.length;
  const means = nums(root.means, 'means', k);
  const stds = nums(root.stds, 'stds', k);
  stds.forEach((s, i) => {
    if (!(s > 0)) fail(`stds[${i}]`, 'must be > 0', s);
  });
  const coefficients = nums(root.coefficients, 'coefficients', k);
  const intercept = num(root.intercept, 'intercept');
  const l2 = num(root.l2, 'l2');
  if (l2 < 0) fail('l2', 'must be >= 0', l2);

  const calibration = readCalibration(obj(root.calibration, 'calibration'));
  function readCalibration(c: Record<string, unknown>): Calibration {
    if (c.kind === 'platt') return { kind: 'platt', a: num(c.a, 'calibration.a'), b: num(c.b, 'calibration.b') };
    if (c.kind !== 'isotonic') return fail('calibration.kind', 'must be "platt" or "isotonic"', c.kind);
    if (c.interpolation !== 'linear') fail('calibration.interpolation', 'must be "linear"', c.interpolation);
    const raw = arr(c.blocks, 'calibration.blocks');
    if (raw.length === 0) fail('calibration.blocks', 'must hold at least one block', raw);
    const blocks: IsotonicBlock[] = raw.map((b, i) => {
      const f = `calibration.blocks[${i}]`;
      const o = obj(b, f);
      const block = { scoreFrom: prob(o.scoreFrom, `${f}.scoreFrom`), scoreTo: prob(o.scoreTo, `${f}.scoreTo`), value: prob(o.value, `${f}.value`), weight: num(o.weight, `${f}.weight`) };
      if (block.scoreTo < block.scoreFrom) fail(`${f}.scoreTo`, `must be >= scoreFrom (${block.scoreFrom})`, block.scoreTo);
      if (!(block.weight > 0)) fail(`${f}.weight`, 'must be > 0', block.weight);
      return block;
    });
    for (let i = 1; i < blocks.length; i++) {
      const f = `calibration.blocks[${i}]`;
      if (!(blocks[i].scoreFrom > blocks[i - 1].scoreTo)) fail(`${f}.scoreFrom`, `must be after the previous block's scoreTo (${blocks[i - 1].scoreTo})`, blocks[i].scoreFrom);
      if (!(blocks[i].value > blocks[i - 1].value)) fail(`${f}.value`, `must be above the previous block's value (${blocks[i - 1].value}): isotonic values increase`, blocks[i].value);
    }
    return { kind: 'isotonic', interpolation: 'linear', blocks };
  }

  const w = obj(root.trainingWindow, 'trainingWindow');
  const window = {} as Record<(typeof WINDOW_FIELDS)[number], number>;
  for (let i = 0; i < WINDOW_FIELDS.length; i++) {
    const f = WINDOW_FIELDS[i];
    window[f] = day(w[f], `trainingWindow.${f}`);
    if (i > 0) {
      const prev = WINDOW_FIELDS[i - 1];
      // fitTo < calibrateFrom and calibrateTo < heldOutFrom (a fold's trades closed before the next began).
      const strict = f === 'calibrateFrom' || f === 'heldOutFrom';
      if (strict ? !(window[f] > window[prev]) : !(window[f] >= window[prev])) {
        fail(`trainingWindow.${f}`, `must be ${strict ? 'after' : 'on or after'} ${prev} (${dayToIso(window[prev])})`, w[f]);
      }
    }
  }
  const dataHash = str(root.dataHash, 'dataHash');

  const m = obj(root.metrics, 'metrics');
  const n = num(m.n, 'metrics.n');
  if (!Number.isInteger(n) || n < 0) fail('metrics.n', 'must be a whole number >= 0', m.n);
  const scores = {} as Record<(typeof SCORE_FIELDS)[number], MetricValue>;
  for (const f of SCORE_FIELDS) {
    const s = obj(m[f], `metrics.${f}`);
    if (s.value === null) scores[f] = { value: null, reason: str(s.reason, `metrics.${f}.reason`) };
    else scores[f] = { value: num(s.value, `metrics.${f}.value`) };
  }
  const reliability: ReliabilityBin[] = arr(m.reliability, 'metrics.reliability').map((b, i) => {
    const f = `metrics.reliability[${i}]`;
    const o = obj(b, f);
    const count = num(o.count, `${f}.count`);
    if (!Number.isInteger(count) || count < 0) fail(`${f}.count`, 'must be a whole number >= 0', o.count);
    return {
      from: prob(o.from, `${f}.from`),
      to: prob(o.to, `${f}.to`),
      count,
      meanPredicted: orNull(o.meanPredicted, (x) => prob(x, `${f}.meanPredicted`)),
      observedRate: orNull(o.observedRate, (x) => prob(x, `${f}.observedRate`)),
    };
  });

  return {
    logistic: { featureNames: names, means, stds, coefficients, intercept },
    l2,
    calibration,
    window,
    dataHash,
    metrics: {
      n,
      observedRate: orNull(m.observedRate, (x) => prob(x, 'metrics.observedRate')),
      baseRate: prob(m.baseRate, 'metrics.baseRate'),
      ...scores,
      reliability,
    },
  };
}

/** The offending value as an error quotes it: JSON, clipped (a damaged file may hold anything). */
function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  return clipForError(JSON.stringify(v) ?? String(v));
}
