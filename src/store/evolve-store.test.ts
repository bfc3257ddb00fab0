import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvolveStore, LEASE_STALE_MS, runIsLive } from './evolve-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-evolve-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('evolve run lease', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();

  it('another host is live only while its heartbeat is fresh; this host asks the pid', () => {
    const other = { pid: 1, host: 'elsewhere' };
    expect(runIsLive({ status: 'running', owner: other, heartbeatAt: at(3000) }, now, 'here')).toBe(true);
    expect(runIsLive({ status: 'running', owner: other, heartbeatAt: at(LEASE_STALE_MS + 1) }, now, 'here')).toBe(false);
    expect(runIsLive({ status: 'running', owner: { pid: process.pid, host: 'here' }, heartbeatAt: at(LEASE_STALE_MS * 10) }, now, 'here')).toBe(true);
    expect(runIsLive({ status: 'running', owner: { pid: 2 ** 22 + 12345, host: 'here' }, heartbeatAt: at(0) }, now, 'here')).toBe(false);
    expect(runIsLive({ status: 'running', owner: null, heartbeatAt: at(0) }, now, 'here')).toBe(false);
    expect(runIsLive({ status: 'done', owner: other, heartbeatAt: at(0) }, now, 'here')).toBe(false);
  });

  it('claims, beats, releases; a refusal from decide writes nothing', () => {
    const store = new EvolveStore(join(dir, 'kobe.db'));
    const me = { pid: process.pid, host: 'here' };
    expect(() => store.claimRun('r1', 'ctx', '{}', at(10), me, () => {
      throw new Error('refused');
    })).toThrow('refused');
    expect(store.runState('r1')).toBeNull();
    store.claimRun('r1', 'ctx', '{}', at(10), me, (existing) => expect(existing).toBeNull());
    store.heartbeat('r1', me, at(0));
    expect(store.runState('r1')).toEqual({ status: 'running', owner: me, heartbeatAt: at(0) });
    store.releaseRun('r1', me);
    expect(store.runState('r1')).toEqual({ status: 'running', owner: null, heartbeatAt: at(0) });
    store.close();
  });

  it('a database from before the lease gains its columns', () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    db.exec("CREATE TABLE evolve_runs (run_id TEXT PRIMARY KEY, context_hash TEXT NOT NULL, manifest_json TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT); INSERT INTO evolve_runs VALUES ('old', 'ctx', '{}', 'running', 't', NULL)");
    db.close();
    const store = new EvolveStore(path);
    expect(store.runState('old')).toEqual({ status: 'running', owner: null, heartbeatAt: null });
    store.close();
  });
});
