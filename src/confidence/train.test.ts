import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { sigmoid } from './logistic.js';
import { brierScore } from './scores.js';
import { explainConfidence, predictConfidence, selectRows, trainConfidenceModel, type TrainingRows } from './train.js';

const TRUE = { a: -0.2, b: [0.9, -0.6] } as const;

/** Trades on consecutive days with a known win probability sigmoid(a + b . x); held 1..10 days. */
function syntheticTrades(seed: number, n: number): { rows: TrainingRows; p: Float64Array } {
  const rng = createRng(seed);
  const cols = 3;
  const data = new Float64Array(n * cols);
  const labels = new Uint8Array(n);
  const signalDays = new Int32Array(n);
  const closeDays = new Int32Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal();
    const x2 = 50 + 10 * rng.normal(); // a raw scale the model standardises
    const noise = rng.normal();
    data.set([x1, x2, noise], i * cols);
    p[i] = sigmoid(TRUE.a + TRUE.b[0] * x1 + TRUE.b[1] * ((x2 - 50) / 10));
    labels[i] = rng.next() < p[i] ? 1 : 0;
    signalDays[i] = 13_000 + Math.floor(i / 4);
    closeDays[i] = signalDays[i] + 1 + rng.int(10);
  }
  return { rows: { x: { data, rows: n, cols }, featureNames: ['rsi', 'distSma200Atr', 'noise'], labels, signalDays, closeDays }, p };
}

describe('training a confidence model end to end', () => {
  const { rows, p } = syntheticTrades(7, 24_000);
  const result = trainConfidenceModel(rows, { dataHash: 'abc123', l2: 1 });

  it('recovers the known coefficients and scores near the true probability on the held-out fold', () => {
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const m = result.model;
    // Standardised coefficients: x1 has std ~1, x2 std ~10 (so its true standardised slope is -0.6).
    expect(m.logistic.coefficients[0]).toBeCloseTo(TRUE.b[0], 1);
    expect(m.logistic.coefficients[1]).toBeCloseTo(TRUE.b[1], 1);
    expect(Math.abs(m.logistic.coefficients[2])).toBeLessThan(0.06);
    const held = result.split.heldOut;
    const truth = Float64Array.from(held, (i) => p[i]);
    const labels = Uint8Array.from(held, (i) => rows.labels[i]);
    expect(m.metrics.n).toBe(held.length);
    expect(m.metrics.brier.value as number).toBeLessThan((brierScore(truth, labels).value as number) + 0.003);
    expect(m.metrics.brierSkill.value as number).toBeGreaterThan(0.1);
    expect(m.metrics.auc.value as number).toBeGreaterThan(0.7);
    expect(m.metrics.brier.value as number).toBeLessThan(m.metrics.baseRateBrier.value as number);
    expect(m.metrics.logLoss.value as number).toBeLessThan(m.metrics.baseRateLogLoss.value as number);
    for (const bin of m.metrics.reliability) {
      if (bin.count < 100) continue;
      const mp = bin.meanPredicted as number;
      expect(Math.abs((bin.observedRate as number) - mp)).toBeLessThan(4 * Math.sqrt((mp * (1 - mp)) / bin.count) + 0.02);
    }
    // The window: fit trades closed before calibration began, calibration trades before held-out.
    expect(m.window.fitTo).toBeLessThan(m.window.calibrateFrom);
    expect(m.window.calibrateTo).toBeLessThan(m.window.heldOutFrom);
    expect(m.dataHash).toBe('abc123');
  });

  it('never learns from a trade that had not closed when the next fold began: changing such outcomes changes nothing before them', () => {
    if (!result.ok) throw new Error('expected a model');
    const flipped = Uint8Array.from(rows.labels);
    for (let i = 0; i < flipped.length; i++) if (rows.closeDays[i] >= result.model.window.calibrateFrom) flipped[i] = 1 - flipped[i];
    const other = trainConfidenceModel({ ...rows, labels: flipped }, { dataHash: 'abc123', l2: 1 });
    if (!other.ok) throw new Error('expected a model');
    expect(Array.from(other.model.logistic.coefficients)).toEqual(Array.from(result.model.logistic.coefficients));
    expect(other.model.logistic.intercept).toBe(result.model.logistic.intercept);
    // Outcomes after the held-out cut do not touch the calibration either.
    const late = Uint8Array.from(rows.labels);
    for (let i = 0; i < late.length; i++) if (rows.closeDays[i] >= result.model.window.heldOutFrom) late[i] = 1 - late[i];
    const third = trainConfidenceModel({ ...rows, labels: late }, { dataHash: 'abc123', l2: 1 });
    if (!third.ok) throw new Error('expected a model');
    expect(third.model.calibration).toEqual(result.model.calibration);
  });

  it('predicts and explains with the calibration applied', () => {
    if (!result.ok) throw new Error('expected a model');
    const x = selectRows(rows.x, [0, 1, 2]);
    const conf = predictConfidence(result.model, x);
    for (let r = 0; r < 3; r++) {
      const e = explainConfidence(result.model, x.data.subarray(r * 3, r * 3 + 3));
      expect(e.confidence).toBeCloseTo(conf[r], 14);
      expect(e.features.map((f) => f.feature)).toEqual(['rsi', 'distSma200Atr', 'noise']);
    }
  });

  it('cuts the folds at given days when asked (cuts win over fractions)', () => {
    const small = syntheticTrades(5, 4000).rows;
    const cuts = { calibrateFrom: 13_000 + 300, heldOutFrom: 13_000 + 700 };
    const r = trainConfidenceModel(small, { dataHash: 'h', cuts });
    if (!r.ok) throw new Error(`expected a model, got ${r.code}`);
    expect(r.split.calibrateFrom).toBe(cuts.calibrateFrom);
    expect(r.split.heldOutFrom).toBe(cuts.heldOutFrom);
    expect(r.model.window.calibrateFrom).toBe(cuts.calibrateFrom);
    expect(r.model.window.heldOutFrom).toBe(cuts.heldOutFrom);
    for (const i of r.split.fit) expect(small.closeDays[i]).toBeLessThan(cuts.calibrateFrom);
    for (const i of r.split.heldOut) expect(small.signalDays[i]).toBeGreaterThanOrEqual(cuts.heldOutFrom);
  });

  it('refuses, as a value, when a fold is empty or the model cannot converge', () => {
    const small = syntheticTrades(3, 400).rows;
    const oneClass = trainConfidenceModel({ ...small, labels: new Uint8Array(400).fill(1) }, { dataHash: 'h' });
    expect(oneClass).toMatchObject({ ok: false, code: 'MODEL_NOT_CONVERGED' });
    const capped = trainConfidenceModel(small, { dataHash: 'h', maxIterations: 1 });
    expect(capped).toMatchObject({ ok: false, code: 'MODEL_NOT_CONVERGED' });
    // Every trade held across both cuts: the calibrate fold is empty.
    const long = { ...small, closeDays: small.closeDays.map((d) => d + 1000) };
    expect(trainConfidenceModel(long, { dataHash: 'h' })).toMatchObject({ ok: false, code: 'EMPTY_FOLD' });
  });
});
