import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { RunStore } from './run-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-run-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const row = (runId: string) => ({ runId, command: 'wf', manifestJson: '{}', summaryJson: '[]' });

describe('RunStore', () => {
  it('a failure while recording is a runtime DB_IO error naming the database, and nothing is published', () => {
    const path = join(dir, 'kobe.db');
    const store = new RunStore(path);
    const other = new Database(path);
    other.exec('DROP TABLE wf_splits; DROP TABLE runs');
    other.close();
    let published = false;
    let error: unknown;
    try {
      store.recordRun(row('r1'), [], 't', () => {
        published = true;
      });
    } catch (e) {
      error = e;
    }
    store.close();
    expect(error).toBeInstanceOf(KobeError);
    expect((error as KobeError).code).toBe('DB_IO');
    expect((error as KobeError).kind).toBe('runtime');
    expect((error as KobeError).file).toBe(path);
    expect(published).toBe(false);
  });

  it('lists runs newest first and finds ids by prefix', () => {
    const store = new RunStore(join(dir, 'kobe.db'));
    store.recordRun(row('ab12'), [], '2026-01-01');
    store.recordRun(row('ab34'), [], '2026-01-03');
    store.recordRun(row('cd56'), [], '2026-01-02');
    expect(store.listRuns().map((r) => r.runId)).toEqual(['ab34', 'cd56', 'ab12']);
    expect(store.listRuns(1).map((r) => r.runId)).toEqual(['ab34']);
    expect(store.runIdsWithPrefix('ab')).toEqual(['ab12', 'ab34']);
    expect(store.runIdsWithPrefix('cd')).toEqual(['cd56']);
    expect(store.runIdsWithPrefix('%')).toEqual([]);
    store.close();
  });
});
