import type Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dayToIso } from '../core/calendar.js';
import { sha256Hex } from '../core/stable-json.js';
import { KobeError } from '../core/errors.js';
import { decodeModel, encodeModel, type ConfidenceModel } from '../confidence/model-codec.js';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * Where trained confidence models live: a `scan_models` table in the kobe SQLite file (one row
 * per model, at most one active) and the model files the scan reads, under `<stateDir>/models/`:
 * `<id>.json` per model and `active.json`, the active one. Both files hold exactly
 * `encodeModel(model)`, so `active.json` decodes with model-codec.ts and a model's id (the hash
 * of that text) can be recomputed from either file. Files are written temp-then-rename: a reader
 * sees the old file or the new one, never half of one.
 *
 * The file is what the scan trusts; the `active` column mirrors it for queries. An activation
 * writes the file first, then the column.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS scan_models (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  window_from TEXT NOT NULL,
  window_to TEXT NOT NULL,
  window_json TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  model_json TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0
);
`;

/** The id of a model: the first 16 hex digits of the sha256 of its encoded JSON. */
export function modelId(model: ConfidenceModel): string {
  return sha256Hex(encodeModel(model)).slice(0, 16);
}

export interface StoredModelRow {
  readonly id: string;
  readonly createdAt: string;
  readonly dataHash: string;
  readonly windowFrom: string;
  readonly windowTo: string;
  readonly active: boolean;
}

export class ModelStore {
  private readonly db: Database.Database;
  readonly modelsDir: string;

  /** `dbPath` as openDatabase takes it; `stateDir` the folder that holds `models/`. */
  constructor(private readonly dbPath: string, stateDir: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(dbPath, options);
    this.db.exec(SCHEMA);
    this.modelsDir = join(stateDir, 'models');
  }

  get activePath(): string {
    return join(this.modelsDir, 'active.json');
  }

  modelPath(id: string): string {
    return join(this.modelsDir, `${id}.json`);
  }

  /**
   * The active model as the scan reads it, or null when there is none. A damaged or foreign
   * file is BAD_MODEL_FILE / MODEL_VERSION (input errors naming the file), never ignored.
   */
  readActive(): { id: string; model: ConfidenceModel } | null {
    return readActiveModel(this.modelsDir);
  }

  /** Stores a model (file and row); storing the same model again changes nothing. */
  save(model: ConfidenceModel, createdAt: string): string {
    const id = modelId(model);
    const text = encodeModel(model);
    writeAtomic(this.modelPath(id), text);
    try {
      this.db
        .prepare('INSERT OR IGNORE INTO scan_models (id, created_at, data_hash, window_from, window_to, window_json, metrics_json, model_json, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)')
        .run(id, createdAt, model.dataHash, dayToIso(model.window.fitFrom), dayToIso(model.window.heldOutTo), JSON.stringify(windowJson(model)), JSON.stringify((JSON.parse(text) as { metrics: unknown }).metrics), text);
    } catch (e) {
      throw databaseFailure(this.dbPath, 'storing a confidence model', e);
    }
    return id;
  }

  /** Makes a stored model the active one: `active.json` first (what the scan reads), then the flag. */
  activate(id: string): void {
    const row = this.db.prepare('SELECT model_json FROM scan_models WHERE id = ?').get(id) as { model_json: string } | undefined;
    if (row === undefined) throw new KobeError('NO_SUCH_MODEL', `no stored confidence model ${id}`, { value: id });
    writeAtomic(this.activePath, row.model_json);
    try {
      this.db.transaction(() => {
        this.db.prepare('UPDATE scan_models SET active = 0 WHERE active = 1').run();
        this.db.prepare('UPDATE scan_models SET active = 1 WHERE id = ?').run(id);
      })();
    } catch (e) {
      throw databaseFailure(this.dbPath, 'activating a confidence model', e);
    }
  }

  list(): StoredModelRow[] {
    const rows = this.db.prepare('SELECT id, created_at, data_hash, window_from, window_to, active FROM scan_models ORDER BY created_at, id').all() as Record<string, string | number>[];
    return rows.map((r) => ({ id: String(r.id), createdAt: String(r.created_at), dataHash: String(r.data_hash), windowFrom: String(r.window_from), windowTo: String(r.window_to), active: Number(r.active) === 1 }));
  }

  close(): void {
    this.db.close();
  }
}

/** Reads `<modelsDir>/active.json` without opening a database (the scan's read path). */
export function readActiveModel(modelsDir: string): { id: string; model: ConfidenceModel } | null {
  const path = join(modelsDir, 'active.json');
  if (!existsSync(path)) return null;
  const model = decodeModel(readFileSync(path, 'utf8'), path);
  return { id: modelId(model), model };
}

function windowJson(model: ConfidenceModel): Record<string, string> {
  const w = model.window;
  return {
    fitFrom: dayToIso(w.fitFrom),
    fitTo: dayToIso(w.fitTo),
    calibrateFrom: dayToIso(w.calibrateFrom),
    calibrateTo: dayToIso(w.calibrateTo),
    heldOutFrom: dayToIso(w.heldOutFrom),
    heldOutTo: dayToIso(w.heldOutTo),
  };
}

function writeAtomic(path: string, text: string): void {
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new KobeError('MODEL_WRITE', `cannot write the model file ${path}: ${(e as Error).message}`, { file: path, cause: e, hint: 'name a state folder (stateDir) you can write' });
  }
}
