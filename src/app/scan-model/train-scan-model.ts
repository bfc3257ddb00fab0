import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendAudit } from '../../audit/audit-log.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../backtest/config.js';
import { dayToIso, parseIsoDay } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { chooseCuts, TRAIN_DEFAULTS, trainConfidenceModel, predictConfidence, selectRows, brierScore, type CalibrationKind, type ConfidenceModel, type FeatureMatrix, type FoldSplit, type TrainRefusal, type TrainingRows } from '../../confidence/index.js';
import type { Genome } from '../../evolution/genome.js';
import { genomeStrategy } from '../../evolution/operators.js';
import { getStrategy, resolveStrategyParams } from '../../strategies/registry.js';
import { checkDatabase } from '../../store/open-database.js';
import { ModelStore, readActiveModel } from '../../store/model-store.js';
import { RegistryStore } from '../../store/registry-store.js';
import type { AppContext } from '../context.js';
import { loadRunMarket } from '../market.js';
import type { MarketSpec } from '../market-spec.js';
import { requireIndexForRegime } from '../run-checks.js';
import { buildTrainingRows, type Leg } from './training-rows.js';

/**
 * `kobe scan train`: fits the scan's confidence model on the engine's own trades, scores it on a
 * held-out period, stores it, and makes it the active model only when it beats the active one
 * on the same held-out trades.
 *
 * Walk-forward honesty: the rows are cut by time (walk-forward-fit.ts): the logistic model learns
 * from trades closed before the calibrate cut, the calibration from trades signalled after it and
 * closed before the held-out cut, and the held-out trades (signalled on or after that cut) are
 * only scored. The stored window says up to which day the model learned (usable.ts).
 */

/** The strategies the scan trades when the roster has none in production. */
export const DEFAULT_SCAN_STRATEGIES = ['ibs-rsi', 'turtle-soup'] as const;

export interface ScanTrainSpec {
  readonly market: MarketSpec;
  /** The strategies to learn from; null: production in the registry, else the defaults. */
  readonly legs: readonly Leg[] | null;
  readonly calibration: CalibrationKind;
  /** Last day of the fit fold (trades closed on or before it), YYYY-MM-DD; null: 60% of the signal days. */
  readonly fitEnd: string | null;
  /** Last day of the calibrate fold, YYYY-MM-DD; null: 80% of the signal days. */
  readonly calibrateEnd: string | null;
  /** L2 penalty of the logistic fit; null: the library default. */
  readonly l2: number | null;
  readonly db: string;
  readonly stateDir: string;
  readonly audit: string;
  /** Activate the new model whatever the comparison says (a deliberate switch). */
  readonly forceActivate: boolean;
}

export interface FoldCounts {
  readonly fit: number;
  readonly calibrate: number;
  readonly heldOut: number;
  readonly purged: number;
}

export interface ActivationDecision {
  readonly activated: boolean;
  readonly reason: string;
  /** The model active before this run, if any. */
  readonly previousId: string | null;
  /** Held-out Brier of the new model and of the previous active one on the SAME rows. */
  readonly newBrier: number;
  readonly previousBrier: number | null;
  /** The previous model learned from trades closing inside the new held-out period (its score there flatters it). */
  readonly previousSawHeldOut: boolean;
}

export type ScanTrainResult =
  | {
      readonly ok: true;
      readonly id: string;
      readonly model: ConfidenceModel;
      readonly file: string;
      readonly strategies: readonly string[];
      readonly strategySource: 'production' | 'default' | 'given';
      readonly trades: number;
      readonly rows: number;
      readonly droppedWarmup: number;
      readonly droppedOpenAtEnd: number;
      readonly folds: FoldCounts;
      readonly activation: ActivationDecision;
      readonly synthetic: boolean;
      /** The training rows and their folds (row indices), for callers that check the scores. */
      readonly trainingRows: TrainingRows;
      readonly split: FoldSplit;
    }
  | {
      readonly ok: false;
      readonly code: TrainRefusal;
      readonly detail: string;
      readonly strategies: readonly string[];
      readonly trades: number;
      readonly rows: number;
      readonly droppedWarmup: number;
      readonly droppedOpenAtEnd: number;
      readonly folds: FoldCounts;
    };

/** The engine configuration the scan trades with: the default one, regime filter on. */
export const SCAN_ENGINE_CONFIG: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, recordDecisions: false };

/**
 * The scan's strategies: the production roster of the registry in `dbPath` with their promoted
 * parameters; with none in production (or no database yet), ibs-rsi and turtle-soup with their
 * defaults.
 */
export function scanStrategies(dbPath: string): { legs: Leg[]; source: 'production' | 'default' } {
  if (existsSync(dbPath)) {
    const registry = new RegistryStore(dbPath);
    try {
      const production = registry.list(['production']);
      if (production.length > 0) return { legs: production.map((e) => genomeStrategy(JSON.parse(e.genomeJson) as Genome)), source: 'production' };
    } finally {
      registry.close();
    }
  }
  return { legs: DEFAULT_SCAN_STRATEGIES.map((n) => { const strategy = getStrategy(n); return { strategy, params: resolveStrategyParams(strategy, {}) }; }), source: 'default' };
}

/**
 * The feature matrix `rows` as a model over other feature names reads it: columns by name; a
 * strategy column the rows lack is 0 (no row comes from that strategy). Null when the model reads
 * a market feature the rows do not have (it cannot be scored on them).
 */
export function matrixForModel(model: ConfidenceModel, rows: TrainingRows, idx: ArrayLike<number>): FeatureMatrix | null {
  const names = model.logistic.featureNames;
  const from = names.map((n) => rows.featureNames.indexOf(n));
  if (names.some((n, k) => from[k] < 0 && !n.startsWith('strategy:'))) return null;
  const src = selectRows(rows.x, idx);
  const k = names.length;
  const data = new Float64Array(idx.length * k);
  for (let r = 0; r < idx.length; r++) {
    for (let j = 0; j < k; j++) data[r * k + j] = from[j] < 0 ? 0 : src.data[r * src.cols + from[j]];
  }
  return { data, rows: idx.length, cols: k };
}

function cutDay(text: string, param: string, ctx: AppContext): number {
  const day = parseIsoDay(text);
  if (Number.isNaN(day)) throw usageError('BAD_DATE', `${ctx.param(param)} must be a date YYYY-MM-DD, was '${text}'`, { param, value: text });
  return day;
}

export async function trainScanModel(spec: ScanTrainSpec, ctx: AppContext): Promise<ScanTrainResult> {
  const dbPath = resolve(ctx.cwd, spec.db);
  const stateDir = resolve(ctx.cwd, spec.stateDir);
  const auditPath = resolve(ctx.cwd, spec.audit);
  // Everything that can refuse the run is checked before the long backtest: the database, the
  // cut dates, and the active model (a damaged active.json stops the run with nothing written).
  checkDatabase(dbPath);
  const fitEnd = spec.fitEnd === null ? null : cutDay(spec.fitEnd, 'fitEnd', ctx);
  const calibrateEnd = spec.calibrateEnd === null ? null : cutDay(spec.calibrateEnd, 'calibrateEnd', ctx);
  if (fitEnd !== null && calibrateEnd !== null && !(fitEnd < calibrateEnd)) {
    throw usageError('BAD_CUTS', `${ctx.param('calibrateEnd')} ${spec.calibrateEnd} must be after ${ctx.param('fitEnd')} ${spec.fitEnd}`, { param: 'calibrateEnd', value: spec.calibrateEnd, hint: 'the folds are fit, then calibrate, then held-out, in time order' });
  }
  const previous = readActiveModel(join(stateDir, 'models'));

  const config = SCAN_ENGINE_CONFIG;
  const chosen = spec.legs === null ? scanStrategies(dbPath) : { legs: [...spec.legs], source: 'given' as const };
  if (chosen.source === 'default') ctx.note(`no strategy in production in ${spec.db}: training on ${DEFAULT_SCAN_STRATEGIES.join(' + ')} with their default parameters`);
  const run = await loadRunMarket(spec.market, ctx);
  requireIndexForRegime(config, run.source.index, spec.market.index, ctx.param);
  const built = buildTrainingRows(run.ctx, chosen.legs, config, run.from, run.to, run.source.dataHash);
  const { rows } = built;
  ctx.log(`trades: ${built.trades} closed by the engine; ${rows.labels.length} rows (${built.droppedWarmup} dropped in feature warm-up, ${built.droppedOpenAtEnd} still open at the end of the data)`);
  const counts = { strategies: built.strategies, trades: built.trades, rows: rows.labels.length, droppedWarmup: built.droppedWarmup, droppedOpenAtEnd: built.droppedOpenAtEnd };
  const noFolds: FoldCounts = { fit: 0, calibrate: 0, heldOut: 0, purged: 0 };
  if (rows.labels.length === 0) return { ok: false, code: 'EMPTY_FOLD', detail: 'the engine closed no trade with known features', ...counts, folds: noFolds };

  // Cuts: a day after each named fold end; a missing one from the default fractions.
  let cuts: { calibrateFrom: number; heldOutFrom: number };
  if (fitEnd !== null && calibrateEnd !== null) cuts = { calibrateFrom: fitEnd + 1, heldOutFrom: calibrateEnd + 1 };
  else {
    const d = chooseCuts(rows, TRAIN_DEFAULTS.folds);
    cuts = { calibrateFrom: fitEnd !== null ? fitEnd + 1 : d.calibrateFrom, heldOutFrom: calibrateEnd !== null ? calibrateEnd + 1 : d.heldOutFrom };
    if (!(cuts.calibrateFrom < cuts.heldOutFrom)) {
      const [param, value] = fitEnd !== null ? ['fitEnd', spec.fitEnd] : ['calibrateEnd', spec.calibrateEnd];
      throw usageError('BAD_CUTS', `${ctx.param(param)} ${value} leaves no calibrate fold against the default cut (calibrate from ${dayToIso(d.calibrateFrom)}, held out from ${dayToIso(d.heldOutFrom)})`, { param, value, hint: `give both ${ctx.param('fitEnd')} and ${ctx.param('calibrateEnd')}` });
    }
  }
  const trained = trainConfidenceModel(rows, { dataHash: built.dataHash, calibration: spec.calibration, cuts, ...(spec.l2 === null ? {} : { l2: spec.l2 }) });
  const s = trained.split;
  const folds = { fit: s.fit.length, calibrate: s.calibrate.length, heldOut: s.heldOut.length, purged: s.purged.length };
  if (!trained.ok) return { ok: false, code: trained.code, detail: trained.detail, ...counts, folds };
  const model = trained.model;
  const newBrier = model.metrics.brier.value as number; // the held-out fold is not empty

  const store = new ModelStore(dbPath, stateDir);
  let activation: ActivationDecision;
  let id: string;
  try {
    const now = ctx.now().toISOString();
    id = store.save(model, now);
    activation = decideActivation(model, id, previous, rows, s.heldOut, newBrier, spec.forceActivate, ctx.param('forceActivate'));
    if (activation.activated) store.activate(id);
    if (!(previous !== null && previous.id === id)) {
      appendAudit(auditPath, {
        kind: activation.activated ? 'model-activation' : 'model-refusal',
        subject: id,
        at: now,
        data: {
          reason: activation.reason,
          previous: activation.previousId,
          newBrier: activation.newBrier,
          previousBrier: activation.previousBrier,
          heldOutFrom: dayToIso(model.window.heldOutFrom),
          heldOutRows: s.heldOut.length,
          forced: spec.forceActivate,
          dataHash: model.dataHash,
        },
      });
    }
  } finally {
    store.close();
  }
  return {
    ok: true,
    id,
    model,
    file: store.modelPath(id),
    ...counts,
    strategySource: chosen.source,
    folds,
    activation,
    synthetic: run.source.synthetic,
    trainingRows: rows,
    split: s,
  };
}

/** Activate only when better than the active model on the same held-out rows, or when forced. */
function decideActivation(
  model: ConfidenceModel,
  id: string,
  previous: { id: string; model: ConfidenceModel } | null,
  rows: TrainingRows,
  heldOut: Int32Array,
  newBrier: number,
  force: boolean,
  forceName: string,
): ActivationDecision {
  const base = { newBrier, previousId: previous?.id ?? null };
  if (previous === null) return { ...base, activated: true, reason: 'no model was active', previousBrier: null, previousSawHeldOut: false };
  if (previous.id === id) return { ...base, activated: false, reason: 'this model is already the active one', previousBrier: newBrier, previousSawHeldOut: false };
  const previousSawHeldOut = previous.model.window.calibrateTo >= model.window.heldOutFrom;
  const x = matrixForModel(previous.model, rows, heldOut);
  if (x === null) {
    const reason = `the active model ${previous.id} reads features these rows lack (${previous.model.logistic.featureNames.join(', ')}), so it cannot be scored on the same held-out trades`;
    return force ? { ...base, activated: true, reason: `forced: ${reason}`, previousBrier: null, previousSawHeldOut } : { ...base, activated: false, reason: `${reason}; pass ${forceName} to switch`, previousBrier: null, previousSawHeldOut };
  }
  const labels = Uint8Array.from(heldOut, (i) => rows.labels[i]);
  const previousBrier = brierScore(predictConfidence(previous.model, x), labels).value as number;
  const cmp = `held-out Brier ${newBrier.toFixed(5)} against the active model's ${previousBrier.toFixed(5)} on the same ${heldOut.length} trades from ${dayToIso(model.window.heldOutFrom)}`;
  if (newBrier < previousBrier) return { ...base, activated: true, reason: `better: ${cmp}`, previousBrier, previousSawHeldOut };
  if (force) return { ...base, activated: true, reason: `forced although not better: ${cmp}`, previousBrier, previousSawHeldOut };
  return { ...base, activated: false, reason: `not better: ${cmp}; stored, the active model stays (${forceName} switches anyway)`, previousBrier, previousSawHeldOut };
}
