import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { lowerBound } from '../../core/calendar.js';
import { isKobeError } from '../../core/errors.js';
import { brierScore, decodeModel, predictConfidence, selectRows } from '../../confidence/index.js';
import { featureNames, signalFeatureRow, symbolFeatureColumns } from '../../confidence/features.js';
import { verifyAudit } from '../../audit/audit-log.js';
import { modelId } from '../../store/model-store.js';
import { getStrategy, resolveStrategyParams } from '../../strategies/registry.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../../test-support/shared-data.js';
import { plainContext } from '../context.js';
import { decodeMarketSpec } from '../market-spec.js';
import { loadRunMarket } from '../market.js';
import { RegistryStore } from '../../store/registry-store.js';
import { scanStrategies, trainScanModel, type ScanTrainSpec } from './train-scan-model.js';
import { modelUsableOn } from './usable.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kobe-scan-train-'));
  dirs.push(d);
  return d;
}

const demoMarket = decodeMarketSpec({});
const spec = (over: Partial<ScanTrainSpec> = {}): ScanTrainSpec => ({
  market: demoMarket,
  legs: null,
  calibration: 'platt',
  fitEnd: null,
  calibrateEnd: null,
  l2: null,
  db: 'kobe.db',
  stateDir: 'state',
  audit: 'audit/audit.jsonl',
  forceActivate: false,
  ...over,
});
const ctxAt = (cwd: string) => plainContext(cwd, {}, { now: () => new Date('2024-01-05T10:00:00.000Z') });

function trained<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(`expected a model, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
}

describe('kobe scan train on the demo market', async () => {
  const cwd = tempDir();
  const first = trained(await trainScanModel(spec(), ctxAt(cwd)));

  it('trains on the default strategies, with finite held-out scores and counted folds', () => {
    expect(first.strategySource).toBe('default');
    expect(first.strategies).toEqual(['ibs-rsi', 'turtle-soup']);
    expect(first.model.logistic.featureNames).toEqual(featureNames(['ibs-rsi', 'turtle-soup']));
    const m = first.model.metrics;
    for (const s of [m.brier, m.logLoss, m.baseRateBrier, m.baseRateLogLoss, m.brierSkill, m.auc]) expect(Number.isFinite(s.value)).toBe(true);
    expect(m.reliability).toHaveLength(10);
    expect(m.reliability.reduce((a, b) => a + b.count, 0)).toBe(m.n);
    expect(m.n).toBe(first.folds.heldOut);
    expect(first.folds.fit + first.folds.calibrate + first.folds.heldOut + first.folds.purged).toBe(first.rows);
    expect(first.rows + first.droppedWarmup + first.droppedOpenAtEnd).toBe(first.trades);
    expect(first.folds.fit).toBeGreaterThan(first.folds.heldOut);
    expect(first.activation).toMatchObject({ activated: true, previousId: null });
  });

  it('stores the model: its file and active.json decode to it, its Brier recomputes from the held-out rows', () => {
    const file = readFileSync(join(cwd, 'state', 'models', `${first.id}.json`), 'utf8');
    const stored = decodeModel(file);
    const active = decodeModel(readFileSync(join(cwd, 'state', 'models', 'active.json'), 'utf8'));
    expect(modelId(stored)).toBe(first.id);
    expect(modelId(active)).toBe(first.id);
    // The held-out trades, chosen here from the rows by the stored window, not by the split.
    const rows = first.trainingRows;
    const held = Int32Array.from(rows.signalDays.keys()).filter((i) => rows.signalDays[i] >= stored.window.heldOutFrom);
    expect(Array.from(held)).toEqual(Array.from(first.split.heldOut));
    const p = predictConfidence(stored, selectRows(rows.x, held));
    const y = Uint8Array.from(held, (i) => rows.labels[i]);
    expect(brierScore(p, y).value).toBeCloseTo(stored.metrics.brier.value as number, 12);
    const wins = y.reduce((a, b) => a + b, 0);
    expect(stored.metrics.observedRate).toBeCloseTo(wins / y.length, 12);
    const db = new Database(join(cwd, 'kobe.db'), { readonly: true });
    const row = db.prepare('SELECT id, created_at, data_hash, active, model_json FROM scan_models').all() as { id: string; created_at: string; data_hash: string; active: number; model_json: string }[];
    db.close();
    expect(row).toEqual([{ id: first.id, created_at: '2024-01-05T10:00:00.000Z', data_hash: stored.dataHash, active: 1, model_json: file }]);
  });

  it('learns only from trades closed before the held-out period, from features at each signal close', async () => {
    const rows = first.trainingRows;
    const { calibrateFrom, heldOutFrom } = first.split;
    for (const i of first.split.fit) expect(rows.closeDays[i]).toBeLessThan(calibrateFrom);
    for (const i of first.split.calibrate) {
      expect(rows.signalDays[i]).toBeGreaterThanOrEqual(calibrateFrom);
      expect(rows.closeDays[i]).toBeLessThan(heldOutFrom);
    }
    for (const i of first.split.heldOut) expect(rows.signalDays[i]).toBeGreaterThanOrEqual(heldOutFrom);
    expect(first.model.window.calibrateTo).toBeLessThan(heldOutFrom);
    // The features of a row are those of the bar it was signalled on, recomputed here from that symbol's bars.
    const run = await loadRunMarket(demoMarket, plainContext(cwd));
    const { panel } = run.ctx;
    const strategies = ['ibs-rsi', 'turtle-soup'];
    const all = panel.series.map((s) => symbolFeatureColumns(s, panel.index));
    const candidates = new Set<string>();
    for (let i = 0; i < rows.labels.length; i += 37) {
      const found: string[] = [];
      const rowI = Array.from(rows.x.data.subarray(i * rows.x.cols, (i + 1) * rows.x.cols));
      panel.series.forEach((s, k) => {
        const bar = lowerBound(s.day, rows.signalDays[i]);
        if (s.day[bar] !== rows.signalDays[i]) return;
        for (const st of strategies) {
          const r = signalFeatureRow(all[k], bar, st, strategies);
          if (r !== null && Array.from(r).every((v, j) => v === rowI[j])) found.push(`${panel.symbols[k]}|${st}`);
        }
      });
      expect(found.length, `row ${i}`).toBeGreaterThan(0);
      candidates.add(found[0]);
    }
    expect(candidates.size).toBeGreaterThan(3);
    expect(modelUsableOn(first.model, first.model.window.heldOutTo)).toBe(false);
    expect(modelUsableOn(first.model, first.model.window.heldOutTo + 1)).toBe(true);
  });

  it('a worse model is stored but does not replace the active one; the same model again changes nothing; --force-activate switches', async () => {
    // Worse on purpose: one strategy's trades, fitted on a tiny first fold with no penalty.
    const ibs = getStrategy('ibs-rsi');
    const h = first.split.heldOutFrom;
    const worseSpec = spec({ fitEnd: isoOf(first.model.window.fitFrom + 120), calibrateEnd: isoOf(h - 1), l2: 0, legs: [{ strategy: ibs, params: resolveStrategyParams(ibs, {}) }] });
    const worse = trained(await trainScanModel(worseSpec, ctxAt(cwd)));
    expect(worse.id).not.toBe(first.id);
    expect(worse.activation.activated).toBe(false);
    expect(worse.activation.previousId).toBe(first.id);
    expect(worse.activation.previousBrier as number).toBeLessThanOrEqual(worse.activation.newBrier);
    expect(worse.activation.reason).toMatch(/not better/);
    // The active model's Brier is recomputed on the new model's held-out rows (only ibs-rsi trades here).
    const rows = worse.trainingRows;
    const active = decodeModel(readFileSync(join(cwd, 'state', 'models', 'active.json'), 'utf8'));
    expect(modelId(active)).toBe(first.id);
    expect(existsSync(join(cwd, 'state', 'models', `${worse.id}.json`))).toBe(true);
    const k = active.logistic.featureNames.length;
    const x = new Float64Array(worse.split.heldOut.length * k);
    worse.split.heldOut.forEach((i, r) => {
      for (let j = 0; j < rows.x.cols; j++) x[r * k + j] = rows.x.data[i * rows.x.cols + j]; // ibs-rsi's column is the first strategy column in both
    });
    const y = Uint8Array.from(worse.split.heldOut, (i) => rows.labels[i]);
    expect(brierScore(predictConfidence(active, { data: x, rows: worse.split.heldOut.length, cols: k }), y).value).toBeCloseTo(worse.activation.previousBrier as number, 12);

    const again = trained(await trainScanModel(spec(), ctxAt(cwd)));
    expect(again.id).toBe(first.id);
    expect(again.activation).toMatchObject({ activated: false, reason: 'this model is already the active one' });

    const forced = trained(await trainScanModel({ ...worseSpec, forceActivate: true }, ctxAt(cwd)));
    expect(forced.id).toBe(worse.id);
    expect(forced.activation.activated).toBe(true);
    expect(forced.activation.reason).toMatch(/^forced/);
    expect(modelId(decodeModel(readFileSync(join(cwd, 'state', 'models', 'active.json'), 'utf8')))).toBe(worse.id);
    const db = new Database(join(cwd, 'kobe.db'), { readonly: true });
    const active1 = db.prepare('SELECT id FROM scan_models WHERE active = 1').all();
    db.close();
    expect(active1).toEqual([{ id: worse.id }]);

    const audit = readFileSync(join(cwd, 'audit', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; subject: string });
    expect(audit.map((a) => [a.kind, a.subject])).toEqual([
      ['model-activation', first.id],
      ['model-refusal', worse.id],
      ['model-activation', worse.id],
    ]);
    expect(verifyAudit(join(cwd, 'audit', 'audit.jsonl')).ok).toBe(true);
  });

  it('a damaged active.json is an input error naming the file, and nothing is written', async () => {
    const d = tempDir();
    trained(await trainScanModel(spec({ legs: [{ strategy: getStrategy('ibs-rsi'), params: resolveStrategyParams(getStrategy('ibs-rsi'), {}) }] }), ctxAt(d)));
    const activePath = join(d, 'state', 'models', 'active.json');
    const text = readFileSync(activePath, 'utf8');
    writeFileSync(activePath, text.replace('"intercept": ', '"intercept": "x", "was": '));
    const before = { files: readdirSync(join(d, 'state', 'models')).sort(), audit: readFileSync(join(d, 'audit', 'audit.jsonl'), 'utf8') };
    const err = await trainScanModel(spec(), ctxAt(d)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKobeError(err)).toBe(true);
    if (!isKobeError(err)) return;
    expect(err.kind).toBe('input');
    expect(err.code).toBe('BAD_MODEL_FILE');
    expect(err.file).toBe(activePath);
    expect(err.message).toMatch(/intercept/);
    expect(readdirSync(join(d, 'state', 'models')).sort()).toEqual(before.files);
    expect(readFileSync(join(d, 'audit', 'audit.jsonl'), 'utf8')).toBe(before.audit);
  });
});

describe('the strategies the model learns from', () => {
  it('are the production roster with its promoted parameters; the defaults when none is in production or there is no database', () => {
    const d = tempDir();
    const db = join(d, 'kobe.db');
    const none = scanStrategies(db);
    expect(none.source).toBe('default');
    expect(none.legs.map((l) => l.strategy.name)).toEqual(['ibs-rsi', 'turtle-soup']);
    expect(existsSync(db)).toBe(false);
    const registry = new RegistryStore(db);
    registry.register('cand-1', 'ibs-rsi tuned', JSON.stringify({ kind: 'params', strategy: 'ibs-rsi', params: { rsiEntry: 7 } }), '{}', '2024-01-01T00:00:00.000Z');
    registry.register('cand-2', 'turtle-soup', JSON.stringify({ kind: 'params', strategy: 'turtle-soup', params: {} }), '{}', '2024-01-01T00:00:00.000Z');
    expect(scanStrategies(db).source).toBe('default'); // candidates are not production
    registry.transition('cand-1', 'production', 'every gate passed', {}, '2024-01-02T00:00:00.000Z');
    registry.close();
    const prod = scanStrategies(db);
    expect(prod.source).toBe('production');
    expect(prod.legs.map((l) => l.strategy.name)).toEqual(['ibs-rsi']);
    expect(prod.legs[0].params.rsiEntry).toBe(7);
  });
});

describe.runIf(sharedDataAvailable())('kobe scan train on real data (shared Stooq files, 40 stocks)', async () => {
  const cwd = tempDir();
  const market = decodeMarketSpec({ dataDir: SHARED_STOOQ_DIR, cap: 40, types: 'stock' });
  const r = trained(await trainScanModel(spec({ market }), ctxAt(cwd)));

  it('trains on real trades with finite, consistent held-out scores', () => {
    expect(r.synthetic).toBe(false);
    expect(r.rows).toBeGreaterThan(300);
    const m = r.model.metrics;
    for (const s of [m.brier, m.logLoss, m.baseRateBrier, m.baseRateLogLoss, m.brierSkill, m.auc]) expect(Number.isFinite(s.value)).toBe(true);
    expect(m.brierSkill.value).toBeCloseTo(1 - (m.brier.value as number) / (m.baseRateBrier.value as number), 12);
    const rows = r.trainingRows;
    const stored = decodeModel(readFileSync(join(cwd, 'state', 'models', 'active.json'), 'utf8'));
    const p = predictConfidence(stored, selectRows(rows.x, r.split.heldOut));
    expect(brierScore(p, Uint8Array.from(r.split.heldOut, (i) => rows.labels[i])).value).toBeCloseTo(m.brier.value as number, 12);
    for (const i of [...r.split.fit, ...r.split.calibrate]) expect(rows.closeDays[i]).toBeLessThan(r.split.heldOutFrom);
    // Every real trade's features are finite numbers (warm-up rows are dropped, not zero-filled).
    expect(rows.x.data.every((v) => Number.isFinite(v))).toBe(true);
    expect(r.droppedWarmup).toBeGreaterThanOrEqual(0);
  });
});

function isoOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
