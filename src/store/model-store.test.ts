import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { sigmoid } from '../confidence/logistic.js';
import { decodeModel, encodeModel, type ConfidenceModel } from '../confidence/model-codec.js';
import { trainConfidenceModel, type TrainingRows } from '../confidence/train.js';
import { ModelStore, modelId, readActiveModel } from './model-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-model-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(seed: number): ConfidenceModel {
  const rng = createRng(seed);
  const n = 1500;
  const data = new Float64Array(n);
  const labels = new Uint8Array(n);
  const signalDays = new Int32Array(n);
  const closeDays = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    data[i] = rng.normal();
    labels[i] = rng.next() < sigmoid(0.8 * data[i]) ? 1 : 0;
    signalDays[i] = 15_000 + Math.floor(i / 3);
    closeDays[i] = signalDays[i] + 1 + rng.int(4);
  }
  const rows: TrainingRows = { x: { data, rows: n, cols: 1 }, featureNames: ['rsi2'], labels, signalDays, closeDays };
  const r = trainConfidenceModel(rows, { dataHash: `seed-${seed}` });
  if (!r.ok) throw new Error(r.detail);
  return r.model;
}

describe('the model store', () => {
  const db = join(dir, 'kobe.db');
  const state = join(dir, 'state');
  const a = model(1);
  const b = model(2);

  it('stores a model once under the hash of its JSON, activates by writing active.json and the flag', () => {
    const store = new ModelStore(db, state);
    try {
      expect(store.readActive()).toBeNull();
      const idA = store.save(a, '2024-01-01T00:00:00.000Z');
      expect(idA).toBe(modelId(a));
      expect(store.save(a, '2024-02-01T00:00:00.000Z')).toBe(idA); // same model: no second row
      const idB = store.save(b, '2024-01-02T00:00:00.000Z');
      expect(store.list().map((r) => [r.id, r.active, r.createdAt])).toEqual([
        [idA, false, '2024-01-01T00:00:00.000Z'],
        [idB, false, '2024-01-02T00:00:00.000Z'],
      ]);
      expect(readFileSync(store.modelPath(idA), 'utf8')).toBe(encodeModel(a));
      store.activate(idA);
      store.activate(idB);
      expect(store.list().filter((r) => r.active).map((r) => r.id)).toEqual([idB]);
      const active = store.readActive();
      expect(active?.id).toBe(idB);
      expect(encodeModel(active!.model)).toBe(encodeModel(b));
      expect(decodeModel(readFileSync(store.activePath, 'utf8')).dataHash).toBe('seed-2');
      // Temp-then-rename leaves no temp file behind.
      expect(readdirSync(store.modelsDir).sort()).toEqual([`${idA}.json`, `${idB}.json`, 'active.json'].sort());
      expect(() => store.activate('0000000000000000')).toThrow(/no stored confidence model/);
    } finally {
      store.close();
    }
    expect(readActiveModel(join(state, 'models'))?.id).toBe(modelId(b));
    expect(readActiveModel(join(dir, 'nowhere'))).toBeNull();
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });
});
