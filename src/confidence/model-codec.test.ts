import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { sigmoid } from './logistic.js';
import { CONFIDENCE_MODEL_VERSION, decodeModel, encodeModel, type ConfidenceModel } from './model-codec.js';
import { predictConfidence, trainConfidenceModel, type TrainingRows } from './train.js';

function trained(kind: 'platt' | 'isotonic'): ConfidenceModel {
  const rng = createRng(21);
  const n = 3000;
  const data = new Float64Array(n * 2);
  const labels = new Uint8Array(n);
  const signalDays = new Int32Array(n);
  const closeDays = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    data[2 * i] = a;
    data[2 * i + 1] = b;
    labels[i] = rng.next() < sigmoid(0.3 * a - 0.7 * b) ? 1 : 0;
    signalDays[i] = 14_000 + Math.floor(i / 3);
    closeDays[i] = signalDays[i] + 1 + rng.int(5);
  }
  const rows: TrainingRows = { x: { data, rows: n, cols: 2 }, featureNames: ['ibs', 'atrPct'], labels, signalDays, closeDays };
  const r = trainConfidenceModel(rows, { dataHash: 'f00d', calibration: kind });
  if (!r.ok) throw new Error(r.detail);
  return r.model;
}

function expectModelError(text: string, code: string, field: string, file = 'state/models/m.json'): void {
  try {
    decodeModel(text, file);
  } catch (e) {
    expect(isKobeError(e)).toBe(true);
    if (!isKobeError(e)) return;
    expect(e.code).toBe(code);
    expect(e.kind).toBe('input');
    expect(e.file).toBe(file);
    expect(e.message.startsWith(field)).toBe(true);
    expect(e.hint).toBeTruthy();
    return;
  }
  throw new Error(`expected ${code} naming ${field}`);
}

describe('model codec', () => {
  const platt = trained('platt');
  const isotonic = trained('isotonic');

  it.each([['platt', platt], ['isotonic', isotonic]] as const)('round-trips a %s model exactly (same predictions, same text)', (_kind, model) => {
    const text = encodeModel(model);
    const back = decodeModel(text);
    expect(back).toEqual(model);
    expect(encodeModel(back)).toBe(text);
    const x = { data: Float64Array.of(0.5, -1, -2, 3, 0, 0), rows: 3, cols: 2 };
    expect(Array.from(predictConfidence(back, x))).toEqual(Array.from(predictConfidence(model, x)));
  });

  it('writes days as ISO dates and the version', () => {
    const json = JSON.parse(encodeModel(platt)) as Record<string, unknown>;
    expect(json.version).toBe(CONFIDENCE_MODEL_VERSION);
    expect((json.trainingWindow as Record<string, string>).fitFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(json)).toEqual(['format', 'version', 'featureNames', 'means', 'stds', 'coefficients', 'intercept', 'l2', 'calibration', 'trainingWindow', 'dataHash', 'metrics']);
  });

  const damage = (model: ConfidenceModel, edit: (j: Record<string, any>) => void): string => {
    const j = JSON.parse(encodeModel(model)) as Record<string, any>;
    edit(j);
    return JSON.stringify(j);
  };

  it('rejects a wrong version with its own code, naming the field', () => {
    expectModelError(damage(platt, (j) => (j.version = 2)), 'MODEL_VERSION', 'version');
    expectModelError(damage(platt, (j) => delete j.version), 'MODEL_VERSION', 'version');
  });

  it.each([
    ['format', (j: Record<string, any>) => (j.format = 'something-else')],
    ['coefficients[1]', (j: Record<string, any>) => (j.coefficients[1] = 'x')],
    ['coefficients', (j: Record<string, any>) => j.coefficients.pop()],
    ['means', (j: Record<string, any>) => (j.means = null)],
    ['stds[0]', (j: Record<string, any>) => (j.stds[0] = 0)],
    ['featureNames[1]', (j: Record<string, any>) => (j.featureNames[1] = j.featureNames[0])],
    ['intercept', (j: Record<string, any>) => delete j.intercept],
    ['l2', (j: Record<string, any>) => (j.l2 = -1)],
    ['calibration.kind', (j: Record<string, any>) => (j.calibration.kind = 'beta')],
    ['calibration.a', (j: Record<string, any>) => (j.calibration.a = null)],
    ['trainingWindow.heldOutFrom', (j: Record<string, any>) => (j.trainingWindow.heldOutFrom = j.trainingWindow.fitFrom)],
    ['trainingWindow.fitTo', (j: Record<string, any>) => (j.trainingWindow.fitTo = '2020-13-01')],
    ['dataHash', (j: Record<string, any>) => (j.dataHash = '')],
    ['metrics.brier.value', (j: Record<string, any>) => (j.metrics.brier.value = 'NaN')],
    ['metrics.auc.reason', (j: Record<string, any>) => (j.metrics.auc = { value: null })],
    ['metrics.reliability[3].observedRate', (j: Record<string, any>) => (j.metrics.reliability[3].observedRate = 1.5)],
  ])('a damaged %s is a typed error naming it', (field, edit) => {
    expectModelError(damage(platt, edit), 'BAD_MODEL_FILE', field);
  });

  it.each([
    ['calibration.blocks[1].value', (j: Record<string, any>) => (j.calibration.blocks[1].value = j.calibration.blocks[0].value)],
    ['calibration.blocks[1].scoreFrom', (j: Record<string, any>) => (j.calibration.blocks[1].scoreFrom = j.calibration.blocks[0].scoreFrom)],
    ['calibration.blocks', (j: Record<string, any>) => (j.calibration.blocks = [])],
    ['calibration.interpolation', (j: Record<string, any>) => (j.calibration.interpolation = 'step')],
  ])('a damaged isotonic %s is a typed error naming it', (field, edit) => {
    expectModelError(damage(isotonic, edit), 'BAD_MODEL_FILE', field);
  });

  it('rejects text that is not JSON, and clips a huge offending value', () => {
    expectModelError(encodeModel(platt).slice(0, 100), 'BAD_MODEL_FILE', 'model file is not JSON');
    const huge = damage(platt, (j) => (j.intercept = 'y'.repeat(100_000)));
    try {
      decodeModel(huge);
      throw new Error('expected an error');
    } catch (e) {
      expect(isKobeError(e) && e.message.length < 300).toBe(true);
    }
  });
});
