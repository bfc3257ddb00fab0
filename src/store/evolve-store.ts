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
  finished_at TEXT,
  owner_pid INTEGER,
  owner_host TEXT,
  heartbeat_at TEXT
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

/** The process that runs a search: its lease on the run is (pid, host) plus a heartbeat. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
}

export interface RunState {
  readonly status: string;
  /** null when no process holds the run (finished, or released when it stopped). */
  readonly owner: RunOwner | null;
  readonly heartbeatAt: string | null;
}

/** A heartbeat older than this from another host means its process is gone. */
export const LEASE_STALE_MS = 60_000;

/**
 * Whether a run in state 'running' is being run right now. On this host the owner's pid decides
 * (a killed run's pid is gone even if its heartbeat is recent); a pid on another host means
 * nothing here, so only a heartbeat fresher than LEASE_STALE_MS counts. As with the audit file
 * lock, a reused pid makes a dead run on this host look alive until that process ends.
 */
export function runIsLive(state: RunState, nowMs: number, thisHost: string): boolean {
  if (state.status !== 'running' || state.owner === null) return false;
  if (state.owner.host === thisHost) return pidAlive(state.owner.pid);
  const beat = state.heartbeatAt === null ? Number.NaN : Date.parse(state.heartbeatAt);
  return Number.isFinite(beat) && nowMs - beat < LEASE_STALE_MS;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    // Databases made before runs had a lease gain its columns (NULL: no live owner).
    const columns = new Set((this.db.prepare('PRAGMA table_info(evolve_runs)').all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of [['owner_pid', 'INTEGER'], ['owner_host', 'TEXT'], ['heartbeat_at', 'TEXT']] as const) {
      if (!columns.has(name)) this.db.exec(`ALTER TABLE evolve_runs ADD COLUMN ${name} ${type}`);
    }
  }

  /**
   * Takes the run for `owner` in one write transaction: `decide` sees the run as it is (null if
   * new) and throws to refuse (a live owner, nothing to resume...). Two processes claiming the
   * same run at once are serialised by the transaction, so at most one gets it.
   */
  claimRun(runId: string, contextHash: string, manifestJson: string, now: string, owner: RunOwner, decide: (existing: RunState | null) => void): void {
    this.db
      .transaction(() => {
        decide(this.runState(runId));
        this.db
          .prepare(
            `INSERT INTO evolve_runs (run_id, context_hash, manifest_json, status, started_at, owner_pid, owner_host, heartbeat_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
             ON CONFLICT(run_id) DO UPDATE SET status = 'running', finished_at = NULL, owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, heartbeat_at = excluded.heartbeat_at`,
          )
          .run(runId, contextHash, manifestJson, now, owner.pid, owner.host, now);
      })
      .immediate();
  }

  runState(runId: string): RunState | null {
    const row = this.db.prepare('SELECT status, owner_pid, owner_host, heartbeat_at FROM evolve_runs WHERE run_id = ?').get(runId) as
      | { status: string; owner_pid: number | null; owner_host: string | null; heartbeat_at: string | null }
      | undefined;
    if (row === undefined) return null;
    return { status: row.status, owner: row.owner_pid === null || row.owner_host === null ? null : { pid: row.owner_pid, host: row.owner_host }, heartbeatAt: row.heartbeat_at };
  }

  /** Renews the lease of a run this owner holds. */
  heartbeat(runId: string, owner: RunOwner, now: string): void {
    this.db.prepare('UPDATE evolve_runs SET heartbeat_at = ? WHERE run_id = ? AND owner_pid = ? AND owner_host = ?').run(now, runId, owner.pid, owner.host);
  }

  /** Gives up the lease of a run that stopped without finishing: it is then interrupted (resumable), not live. */
  releaseRun(runId: string, owner: RunOwner): void {
    this.db.prepare('UPDATE evolve_runs SET owner_pid = NULL, owner_host = NULL WHERE run_id = ? AND owner_pid = ? AND owner_host = ?').run(runId, owner.pid, owner.host);
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
