import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { inputError } from '../../core/errors.js';
import { sessionCloseUtcMs, previousSession } from '../../core/exchange-calendar.js';
import { BREAKER_ACTIVE, resetBreaker, type BreakerState } from '../../risk/circuit-breaker.js';
import { tradingDayOf } from '../../risk/trading-day.js';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from '../../store/open-database.js';

/**
 * The order path's persistent risk state, beside the OMS in the kobe SQLite file:
 * - `circuit_breaker`: one row, the breaker's state (`risk/circuit-breaker.ts`) and when it was
 *   last reset, so a trip survives restarts and only `kobe risk reset --reason` moves it back;
 * - `order_errors`: broker and runtime errors of the order path, the breaker's error count.
 * And two files in the state folder: the kill switch `KILL_SWITCH` (present = engaged, its
 * content says who and why) and the journal `journal.jsonl` (one JSON line per decision).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS circuit_breaker (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'HALTED')),
  tripped_at_ms INTEGER,
  reason TEXT,
  reset_at_ms INTEGER,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_errors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  client_order_id TEXT,
  code TEXT NOT NULL,
  detail TEXT NOT NULL
);
`;

export interface StoredBreaker extends BreakerState {
  /** When the breaker was last reset, UTC ms; null if never. */
  readonly resetAtMs: number | null;
}

export class RiskStateStore {
  private readonly db: Database.Database;

  constructor(private readonly path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    try {
      this.db.exec(SCHEMA);
    } catch (e) {
      this.db.close();
      throw databaseFailure(path, 'creating the risk state tables', e);
    }
  }

  breaker(): StoredBreaker {
    const r = this.db.prepare('SELECT state, tripped_at_ms, reason, reset_at_ms FROM circuit_breaker WHERE id = 1').get() as
      | { state: 'ACTIVE' | 'HALTED'; tripped_at_ms: number | null; reason: string | null; reset_at_ms: number | null }
      | undefined;
    if (r === undefined) return { ...BREAKER_ACTIVE, resetAtMs: null };
    return { state: r.state, trippedAt: r.tripped_at_ms, reason: r.reason, resetAtMs: r.reset_at_ms };
  }

  /** Stores a new breaker state; `resetAtMs` moves only on a reset. */
  saveBreaker(state: BreakerState, resetAtMs: number | null, nowIso: string): void {
    try {
      this.db
        .prepare(
          `INSERT INTO circuit_breaker (id, state, tripped_at_ms, reason, reset_at_ms, updated_at) VALUES (1, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET state = excluded.state, tripped_at_ms = excluded.tripped_at_ms, reason = excluded.reason, reset_at_ms = excluded.reset_at_ms, updated_at = excluded.updated_at`,
        )
        .run(state.state, state.trippedAt, state.reason, resetAtMs, nowIso);
    } catch (e) {
      throw databaseFailure(this.path, 'saving the circuit breaker', e);
    }
  }

  /** Resets the breaker to ACTIVE with a reason (refused when blank); returns the new state. */
  resetBreaker(reason: string, nowMs: number, nowIso: string): StoredBreaker {
    const next = resetBreaker(this.breaker(), reason);
    this.saveBreaker(next, nowMs, nowIso);
    return { ...next, resetAtMs: nowMs };
  }

  recordError(atMs: number, clientOrderId: string | null, code: string, detail: string): void {
    try {
      this.db.prepare('INSERT INTO order_errors (at_ms, client_order_id, code, detail) VALUES (?, ?, ?, ?)').run(atMs, clientOrderId, code, detail);
    } catch (e) {
      throw databaseFailure(this.path, 'recording an order error', e);
    }
  }

  /** Errors in the trading day of `nowMs` (from the previous session's close) made after the last reset. */
  errorsToday(nowMs: number): number {
    const dayStart = tradingDayStartMs(nowMs);
    const resetAt = this.breaker().resetAtMs ?? Number.MIN_SAFE_INTEGER;
    return (this.db.prepare('SELECT count(*) AS n FROM order_errors WHERE at_ms >= ? AND at_ms > ? AND at_ms <= ?').get(dayStart, resetAt, nowMs) as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

/** When the trading day of `nowMs` began: the close of the session before it. */
export const tradingDayStartMs = (nowMs: number): number => sessionCloseUtcMs(previousSession(tradingDayOf(nowMs)));

export const KILL_SWITCH_FILE = 'KILL_SWITCH';
export const JOURNAL_FILE = 'journal.jsonl';

export interface KillSwitchStatus {
  readonly engaged: boolean;
  /** What the file says (reason, at), null when off or unreadable as JSON. */
  readonly detail: { readonly reason?: string; readonly at?: string } | null;
}

/** Whether the kill switch file is present in `stateDir` (read afresh on every call). */
export function killSwitchStatus(stateDir: string): KillSwitchStatus {
  const file = join(stateDir, KILL_SWITCH_FILE);
  if (!existsSync(file)) return { engaged: false, detail: null };
  try {
    return { engaged: true, detail: JSON.parse(readFileSync(file, 'utf8')) as { reason?: string; at?: string } };
  } catch {
    // Any file there engages the switch, whatever it holds (a `touch` is enough).
    return { engaged: true, detail: null };
  }
}

export function setKillSwitch(stateDir: string, on: boolean, reason: string, atIso: string): KillSwitchStatus {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw inputError('KILL_SWITCH_REASON_REQUIRED', 'reason must say why the kill switch is switched, was empty', { param: 'reason', value: reason, hint: 'give a short reason for the audit log' });
  }
  const file = join(stateDir, KILL_SWITCH_FILE);
  if (on) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ reason: reason.trim(), at: atIso })}\n`);
  } else {
    rmSync(file, { force: true });
  }
  return killSwitchStatus(stateDir);
}

/** Appends one JSON line to the journal `stateDir/journal.jsonl`. */
export function appendJournal(stateDir: string, line: Record<string, unknown>): void {
  const file = join(stateDir, JOURNAL_FILE);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
