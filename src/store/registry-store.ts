import type Database from 'better-sqlite3';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';
import type { LifecycleState } from '../validation/roster.js';

/**
 * The strategy registry (seed 004): every strategy that asked for promotion, its lifecycle state
 * (candidate -> production -> decaying -> retired), every transition with its reason, every
 * review, and a post-mortem when a strategy retires. Lives in the same SQLite file as the runs.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS registry (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  genome_json TEXT NOT NULL,
  source_json TEXT NOT NULL,
  state TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL REFERENCES registry(id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL,
  details_json TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_reviews (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL REFERENCES registry(id),
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  measures_json TEXT NOT NULL,
  outcome_json TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registry_post_mortems (
  id TEXT PRIMARY KEY REFERENCES registry(id),
  decayed_since TEXT NOT NULL,
  what_decayed TEXT NOT NULL,
  details_json TEXT NOT NULL,
  at TEXT NOT NULL
);
`;

export interface RegistryEntry {
  readonly id: string;
  readonly label: string;
  readonly genomeJson: string;
  readonly sourceJson: string;
  readonly state: LifecycleState;
  readonly consecutiveFailures: number;
}

export interface Transition {
  readonly from: LifecycleState | null;
  readonly to: LifecycleState;
  readonly reason: string;
  readonly at: string;
}

export class RegistryStore {
  private readonly db: Database.Database;

  /** Opens (see `openDatabase` for the checks and the coded errors) and creates the tables if needed. */
  constructor(path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    this.db.exec(SCHEMA);
  }

  get(id: string): RegistryEntry | null {
    const r = this.db.prepare('SELECT * FROM registry WHERE id = ?').get(id) as Record<string, string | number> | undefined;
    return r === undefined ? null : toEntry(r);
  }

  list(states?: readonly LifecycleState[]): RegistryEntry[] {
    const rows = this.db.prepare('SELECT * FROM registry ORDER BY id').all() as Record<string, string | number>[];
    return rows.map(toEntry).filter((e) => states === undefined || states.includes(e.state));
  }

  /** Registers a strategy as a candidate if it is new; returns its entry either way. */
  register(id: string, label: string, genomeJson: string, sourceJson: string, at: string): RegistryEntry {
    const existing = this.get(id);
    if (existing !== null) return existing;
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO registry (id, label, genome_json, source_json, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'candidate', ?, ?)")
        .run(id, label, genomeJson, sourceJson, at, at);
      this.db.prepare("INSERT INTO registry_transitions (id, from_state, to_state, reason, details_json, at) VALUES (?, NULL, 'candidate', 'registered', '{}', ?)").run(id, at);
    })();
    return this.get(id)!;
  }

  /** Moves a strategy to `to` (a no-op move is still recorded when the reason says something new). */
  transition(id: string, to: LifecycleState, reason: string, details: unknown, at: string, consecutiveFailures?: number): void {
    const entry = this.get(id);
    if (entry === null) throw new Error(`no registry entry ${id}`);
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE registry SET state = ?, updated_at = ?, consecutive_failures = COALESCE(?, consecutive_failures) WHERE id = ?')
        .run(to, at, consecutiveFailures ?? null, id);
      this.db.prepare('INSERT INTO registry_transitions (id, from_state, to_state, reason, details_json, at) VALUES (?, ?, ?, ?, ?, ?)').run(id, entry.state, to, reason, JSON.stringify(details), at);
    })();
  }

  transitions(id: string): Transition[] {
    const rows = this.db.prepare('SELECT from_state, to_state, reason, at FROM registry_transitions WHERE id = ? ORDER BY seq').all(id) as {
      from_state: LifecycleState | null;
      to_state: LifecycleState;
      reason: string;
      at: string;
    }[];
    return rows.map((r) => ({ from: r.from_state, to: r.to_state, reason: r.reason, at: r.at }));
  }

  recordReview(id: string, windowStart: string, windowEnd: string, measures: unknown, outcome: unknown, at: string): void {
    this.db
      .prepare('INSERT INTO registry_reviews (id, window_start, window_end, measures_json, outcome_json, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, windowStart, windowEnd, JSON.stringify(measures), JSON.stringify(outcome), at);
  }

  /** The first review of the current failing streak: when the decay was first seen. */
  failingSince(id: string): string | null {
    const rows = this.db.prepare('SELECT window_end, outcome_json FROM registry_reviews WHERE id = ? ORDER BY seq DESC').all(id) as { window_end: string; outcome_json: string }[];
    let since: string | null = null;
    for (const r of rows) {
      if ((JSON.parse(r.outcome_json) as { pass: boolean }).pass) break;
      since = r.window_end;
    }
    return since;
  }

  writePostMortem(id: string, decayedSince: string, whatDecayed: string, details: unknown, at: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO registry_post_mortems (id, decayed_since, what_decayed, details_json, at) VALUES (?, ?, ?, ?, ?)')
      .run(id, decayedSince, whatDecayed, JSON.stringify(details), at);
  }

  postMortem(id: string): { decayedSince: string; whatDecayed: string } | null {
    const r = this.db.prepare('SELECT decayed_since, what_decayed FROM registry_post_mortems WHERE id = ?').get(id) as { decayed_since: string; what_decayed: string } | undefined;
    return r === undefined ? null : { decayedSince: r.decayed_since, whatDecayed: r.what_decayed };
  }

  close(): void {
    this.db.close();
  }
}

function toEntry(r: Record<string, string | number>): RegistryEntry {
  return {
    id: String(r.id),
    label: String(r.label),
    genomeJson: String(r.genome_json),
    sourceJson: String(r.source_json),
    state: r.state as LifecycleState,
    consecutiveFailures: Number(r.consecutive_failures),
  };
}
