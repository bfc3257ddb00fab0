import type Database from 'better-sqlite3';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * The SQLite record of runs that later commands (evolve, promote) read. WAL mode so readers never
 * block the writer. A run id derives from its manifest, so recording a rerun replaces the same
 * rows instead of adding duplicates.
 */
export interface RunRow {
  readonly runId: string;
  readonly command: string;
  readonly manifestJson: string;
  readonly summaryJson: string;
}

export interface SplitRow {
  readonly runId: string;
  readonly strategy: string;
  readonly split: number;
  readonly trainStart: string;
  readonly trainEnd: string;
  readonly testStart: string;
  readonly testEnd: string;
  readonly paramsJson: string;
  readonly metricsJson: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  manifest_json TEXT NOT NULL,
  summary_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wf_splits (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  strategy TEXT NOT NULL,
  split INTEGER NOT NULL,
  train_start TEXT NOT NULL,
  train_end TEXT NOT NULL,
  test_start TEXT NOT NULL,
  test_end TEXT NOT NULL,
  params_json TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  PRIMARY KEY (run_id, strategy, split)
);
`;

export class RunStore {
  private readonly db: Database.Database;

  /** Opens (see `openDatabase` for the checks and the coded errors) and creates the tables if needed. */
  constructor(private readonly path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    this.db.exec(SCHEMA);
  }

  /**
   * Records a run and its splits in one transaction; `recordedAt` is supplied by the caller (the
   * CLI edge owns the clock). `beforeCommit` runs inside the transaction after the rows are
   * written (and holding the write lock): if it throws, nothing is recorded. It is how a command
   * publishes its artifacts so that the registry and the disk agree (see `kobe wf`).
   */
  recordRun(run: RunRow, splits: readonly SplitRow[], recordedAt: string, beforeCommit?: () => void): void {
    const insertRun = this.db.prepare(
      'INSERT OR REPLACE INTO runs (run_id, command, recorded_at, manifest_json, summary_json) VALUES (?, ?, ?, ?, ?)',
    );
    const deleteSplits = this.db.prepare('DELETE FROM wf_splits WHERE run_id = ?');
    const insertSplit = this.db.prepare(
      'INSERT INTO wf_splits (run_id, strategy, split, train_start, train_end, test_start, test_end, params_json, metrics_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const record = this.db.transaction(() => {
      deleteSplits.run(run.runId);
      insertRun.run(run.runId, run.command, recordedAt, run.manifestJson, run.summaryJson);
      for (const s of splits) {
        insertSplit.run(s.runId, s.strategy, s.split, s.trainStart, s.trainEnd, s.testStart, s.testEnd, s.paramsJson, s.metricsJson);
      }
      beforeCommit?.();
    });
    try {
      record.immediate();
    } catch (e) {
      throw databaseFailure(this.path, `recording run ${run.runId}`, e);
    }
  }

  getRun(runId: string): (RunRow & { recordedAt: string }) | undefined {
    const row = this.db.prepare(`SELECT * FROM (${this.allRunsSql()}) WHERE run_id = ?`).get(runId) as
      | { run_id: string; command: string; recorded_at: string; manifest_json: string; summary_json: string }
      | undefined;
    return row === undefined
      ? undefined
      : { runId: row.run_id, command: row.command, recordedAt: row.recorded_at, manifestJson: row.manifest_json, summaryJson: row.summary_json };
  }

  listRuns(limit?: number): (RunRow & { recordedAt: string })[] {
    const rows = this.db
      .prepare(`SELECT * FROM (${this.allRunsSql()}) ORDER BY recorded_at DESC, run_id${limit === undefined ? '' : ' LIMIT ?'}`)
      .all(...(limit === undefined ? [] : [limit])) as { run_id: string; command: string; recorded_at: string; manifest_json: string; summary_json: string }[];
    return rows.map((row) => ({ runId: row.run_id, command: row.command, recordedAt: row.recorded_at, manifestJson: row.manifest_json, summaryJson: row.summary_json }));
  }

  /** Ids of the runs whose id starts with `prefix` (at most `max`, enough to tell unique from ambiguous). */
  runIdsWithPrefix(prefix: string, max = 10): string[] {
    const rows = this.db.prepare(`SELECT run_id FROM (${this.allRunsSql()}) WHERE substr(run_id, 1, ?) = ? ORDER BY run_id LIMIT ?`).all(prefix.length, prefix, max) as { run_id: string }[];
    return rows.map((r) => r.run_id);
  }

  /**
   * wf and simulate runs, and the kobe evolve runs kept in the same database (`evolve_runs`,
   * when a search has created it): an evolve run's summary is its status and best genome with
   * that genome's out-of-sample metrics, the way `kobe runs` lists every run.
   */
  private allRunsSql(): string {
    const base = 'SELECT run_id, command, recorded_at, manifest_json, summary_json FROM runs';
    const hasEvolve = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ('evolve_runs', 'trials', 'evaluations')").all().length === 3;
    if (!hasEvolve) return base;
    return `${base} UNION ALL
      SELECT r.run_id, 'evolve', r.started_at, r.manifest_json,
        json_object('kind', 'evolve', 'status', r.status, 'finishedAt', r.finished_at, 'best', json((
          SELECT json_object('fingerprint', e.fingerprint, 'fitness', e.fitness, 'oos', json(json_extract(e.result_json, '$.oos')))
          FROM trials t JOIN evaluations e ON e.context_hash = r.context_hash AND e.fingerprint = t.fingerprint
          WHERE t.run_id = r.run_id AND e.fitness IS NOT NULL
          ORDER BY e.fitness DESC, e.fingerprint LIMIT 1)))
      FROM evolve_runs r`;
  }

  splits(runId: string): SplitRow[] {
    const rows = this.db.prepare('SELECT * FROM wf_splits WHERE run_id = ? ORDER BY strategy, split').all(runId) as Record<string, string | number>[];
    return rows.map((r) => ({
      runId: String(r.run_id),
      strategy: String(r.strategy),
      split: Number(r.split),
      trainStart: String(r.train_start),
      trainEnd: String(r.train_end),
      testStart: String(r.test_start),
      testEnd: String(r.test_end),
      paramsJson: String(r.params_json),
      metricsJson: String(r.metrics_json),
    }));
  }

  runCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  }

  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  close(): void {
    this.db.close();
  }
}
