import type Database from 'better-sqlite3';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';
import type { EvalResult } from '../evolution/fitness.js';
import type { Candidate } from '../evolution/genetic-search.js';
import type { Genome } from '../evolution/genome.js';

/**
 * The strategy factory's memory, in SQLite (WAL): every genome by fingerprint, every evaluation
 * by (evaluation context, fingerprint), every trial a search made, lineage and generations.
 *
 * An evaluation is keyed by the hash of what it depends on (data, engine and fitness settings),
 * so a genome already evaluated under the same context is never evaluated again, by this run or
 * any other. Each result is committed on its own the moment it arrives, so a run killed with
 * kill -9 loses nothing it finished; a resumed run replays its seeded search and takes every
 * finished evaluation from here. `trials` counts what a search tried, including reused results:
 * the Deflated Sharpe Ratio needs that number.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS evolve_runs (
  run_id TEXT PRIMARY KEY,
  context_hash TEXT NOT NULL,
  manifest_json TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE IF NOT EXISTS genomes (
  fingerprint TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  genome_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
  context_hash TEXT NOT NULL,
  fingerprint TEXT NOT NULL REFERENCES genomes(fingerprint),
  status TEXT NOT NULL,
  reason TEXT,
  fitness REAL,
  sharpe REAL,
  sqn REAL,
  trades INTEGER NOT NULL,
  result_json TEXT NOT NULL,
  PRIMARY KEY (context_hash, fingerprint)
);
CREATE TABLE IF NOT EXISTS trials (
  run_id TEXT NOT NULL REFERENCES evolve_runs(run_id),
  fingerprint TEXT NOT NULL,
  generation INTEGER NOT NULL,
  operator TEXT NOT NULL,
  parents_json TEXT NOT NULL,
  PRIMARY KEY (run_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS generations (
  run_id TEXT NOT NULL REFERENCES evolve_runs(run_id),
  generation INTEGER NOT NULL,
  summary_json TEXT NOT NULL,
  PRIMARY KEY (run_id, generation)
);
`;

export interface TrialRow {
  readonly fingerprint: string;
  readonly generation: number;
  readonly operator: string;
  readonly parents: string[];
  readonly status: string | null;
  readonly fitness: number | null;
  readonly sharpe: number | null;
}

export class EvolveStore {
  private readonly db: Database.Database;

  /** Opens (see `openDatabase` for the checks and the coded errors) and creates the tables if needed. */
  constructor(path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    this.db.exec(SCHEMA);
  }

  run(runId: string): { manifestJson: string; contextHash: string; status: string } | null {
    const row = this.db.prepare('SELECT manifest_json, context_hash, status FROM evolve_runs WHERE run_id = ?').get(runId) as
      | { manifest_json: string; context_hash: string; status: string }
      | undefined;
    return row === undefined ? null : { manifestJson: row.manifest_json, contextHash: row.context_hash, status: row.status };
  }

  /** The run's status if it exists ('running' after a kill, 'done' when finished). */
  runStatus(runId: string): string | null {
    const row = this.db.prepare('SELECT status FROM evolve_runs WHERE run_id = ?').get(runId) as { status: string } | undefined;
    return row?.status ?? null;
  }

  startRun(runId: string, contextHash: string, manifestJson: string, now: string): void {
    this.db
      .prepare("INSERT INTO evolve_runs (run_id, context_hash, manifest_json, status, started_at) VALUES (?, ?, ?, 'running', ?) ON CONFLICT(run_id) DO UPDATE SET status = 'running', finished_at = NULL")
      .run(runId, contextHash, manifestJson, now);
  }

  finishRun(runId: string, now: string): void {
    this.db.prepare("UPDATE evolve_runs SET status = 'done', finished_at = ? WHERE run_id = ?").run(now, runId);
  }

  cached(contextHash: string, fingerprint: string): EvalResult | null {
    const row = this.db.prepare('SELECT result_json FROM evaluations WHERE context_hash = ? AND fingerprint = ?').get(contextHash, fingerprint) as
      | { result_json: string }
      | undefined;
    return row === undefined ? null : (JSON.parse(row.result_json) as EvalResult);
  }

  /** Commits one finished evaluation (first result wins: evaluations are deterministic). */
  saveResult(contextHash: string, genome: Genome, result: EvalResult): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO genomes (fingerprint, kind, genome_json) VALUES (?, ?, ?)').run(result.fingerprint, genome.kind, JSON.stringify(genome));
      this.db
        .prepare(
          'INSERT OR IGNORE INTO evaluations (context_hash, fingerprint, status, reason, fitness, sharpe, sqn, trades, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(contextHash, result.fingerprint, result.status, result.reason, result.fitness, result.objectives?.sharpe ?? null, result.sqn, result.trades, JSON.stringify(result));
    })();
  }

  recordTrials(runId: string, generation: number, candidates: readonly Candidate[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO trials (run_id, fingerprint, generation, operator, parents_json) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of candidates) insert.run(runId, c.fingerprint, generation, c.operator, JSON.stringify(c.parents));
    })();
  }

  saveGeneration(runId: string, generation: number, summary: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO generations (run_id, generation, summary_json) VALUES (?, ?, ?)').run(runId, generation, JSON.stringify(summary));
  }

  /** Every trial of a run with its evaluation under the run's context (for reports and the DSR). */
  trials(runId: string): TrialRow[] {
    const rows = this.db
      .prepare(
        `SELECT t.fingerprint, t.generation, t.operator, t.parents_json, e.status, e.fitness, e.sharpe
         FROM trials t JOIN evolve_runs r ON r.run_id = t.run_id
         LEFT JOIN evaluations e ON e.context_hash = r.context_hash AND e.fingerprint = t.fingerprint
         WHERE t.run_id = ? ORDER BY t.generation, t.fingerprint`,
      )
      .all(runId) as { fingerprint: string; generation: number; operator: string; parents_json: string; status: string | null; fitness: number | null; sharpe: number | null }[];
    return rows.map((r) => ({ fingerprint: r.fingerprint, generation: r.generation, operator: r.operator, parents: JSON.parse(r.parents_json) as string[], status: r.status, fitness: r.fitness, sharpe: r.sharpe }));
  }

  trialCount(runId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM trials WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  evaluationCount(contextHash: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM evaluations WHERE context_hash = ?').get(contextHash) as { n: number }).n;
  }

  genome(fingerprint: string): Genome | null {
    const row = this.db.prepare('SELECT genome_json FROM genomes WHERE fingerprint = ?').get(fingerprint) as { genome_json: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.genome_json) as Genome);
  }

  close(): void {
    this.db.close();
  }
}
