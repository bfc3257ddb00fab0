import type Database from 'better-sqlite3';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * What `kobe daily` remembers between runs, in the kobe SQLite file:
 * - `pipeline_steps`: a marker per (trading date, step): running, done or failed, with its
 *   attempts and a JSON summary. A rerun skips the steps marked done and redoes the rest; a step
 *   left `running` by a killed process is simply run again (every step is idempotent).
 * - `daily_plans`: one row per entry the pipeline placed, the plan the engine would hold for the
 *   position (strategy and parameters, stop and target distances, time exit) and what happened to
 *   it (entry fill, protection, exit). A position's exits are decided from its plan.
 * - `experiments`: champion/challenger, one row per (trading date, arm role, symbol, strategy):
 *   the arm the signal was assigned to, whether the engine picked it, whether it was executed for
 *   real or in shadow.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS pipeline_steps (
  trading_date TEXT NOT NULL,
  step TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'waiting', 'failed')),
  attempts INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  pid INTEGER NOT NULL,
  summary_json TEXT NOT NULL DEFAULT '{}',
  error TEXT,
  PRIMARY KEY (trading_date, step)
);
CREATE TABLE IF NOT EXISTS daily_plans (
  entry_client_order_id TEXT PRIMARY KEY,
  trading_date TEXT NOT NULL,
  signal_date TEXT NOT NULL,
  symbol TEXT NOT NULL,
  strategy TEXT NOT NULL,
  params_json TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('long', 'short')),
  shares INTEGER NOT NULL,
  stop_dist REAL,
  target_dist REAL,
  time_exit_bars INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'closed', 'unfilled', 'denied')),
  entry_price REAL,
  entry_date TEXT,
  protect_client_order_id TEXT,
  exit_client_order_id TEXT,
  exit_reason TEXT,
  exit_price REAL,
  exit_date TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS daily_plans_status ON daily_plans (status, symbol);
CREATE TABLE IF NOT EXISTS experiments (
  trading_date TEXT NOT NULL,
  signal_date TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('champion', 'challenger')),
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  arm TEXT NOT NULL CHECK (arm IN ('A', 'B')),
  picked INTEGER NOT NULL,
  executed TEXT NOT NULL CHECK (executed IN ('real', 'shadow', 'none')),
  decision_json TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (trading_date, role, strategy, symbol)
);
`;

export type StepStatus = 'running' | 'done' | 'waiting' | 'failed';

export interface StepMarker {
  readonly tradingDate: string;
  readonly step: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly pid: number;
  readonly summary: Record<string, unknown>;
  readonly error: string | null;
}

/** denied: the order path refused the entry (a gate, the breaker, the kill switch): no order reached the broker. */
export type PlanStatus = 'pending' | 'open' | 'closed' | 'unfilled' | 'denied';

export interface NewPlan {
  readonly entryClientOrderId: string;
  readonly tradingDate: string;
  readonly signalDate: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number>>;
  readonly side: 'long' | 'short';
  readonly shares: number;
  readonly stopDist: number | null;
  readonly targetDist: number | null;
  readonly timeExitBars: number;
}

export interface PlanRow extends NewPlan {
  readonly status: PlanStatus;
  readonly entryPrice: number | null;
  readonly entryDate: string | null;
  readonly protectClientOrderId: string | null;
  readonly exitClientOrderId: string | null;
  readonly exitReason: string | null;
  readonly exitPrice: number | null;
  readonly exitDate: string | null;
  readonly updatedAt: string;
}

export interface ExperimentRow {
  readonly tradingDate: string;
  readonly signalDate: string;
  readonly role: 'champion' | 'challenger';
  readonly strategy: string;
  readonly symbol: string;
  readonly side: string;
  readonly arm: 'A' | 'B';
  readonly picked: boolean;
  readonly executed: 'real' | 'shadow' | 'none';
  readonly decision: Record<string, unknown>;
  readonly recordedAt: string;
}

export class PipelineStore {
  private readonly db: Database.Database;

  constructor(private readonly path: string, options: OpenDatabaseOptions = {}) {
    this.db = openDatabase(path, options);
    try {
      this.db.exec(SCHEMA);
    } catch (e) {
      this.db.close();
      throw databaseFailure(path, 'creating the pipeline tables', e);
    }
  }

  close(): void {
    this.db.close();
  }

  marker(tradingDate: string, step: string): StepMarker | null {
    const r = this.db.prepare('SELECT * FROM pipeline_steps WHERE trading_date = ? AND step = ?').get(tradingDate, step) as Record<string, unknown> | undefined;
    return r === undefined ? null : toMarker(r);
  }

  markers(tradingDate?: string): StepMarker[] {
    const rows = (tradingDate === undefined
      ? this.db.prepare('SELECT * FROM pipeline_steps ORDER BY trading_date, started_at').all()
      : this.db.prepare('SELECT * FROM pipeline_steps WHERE trading_date = ? ORDER BY started_at').all(tradingDate)) as Record<string, unknown>[];
    return rows.map(toMarker);
  }

  /** The newest marker of each step (what `kobe status` shows as "last run"). */
  lastRuns(): StepMarker[] {
    const rows = this.db
      .prepare('SELECT p.* FROM pipeline_steps p JOIN (SELECT step, max(trading_date) AS d FROM pipeline_steps GROUP BY step) m ON p.step = m.step AND p.trading_date = m.d ORDER BY p.step')
      .all() as Record<string, unknown>[];
    return rows.map(toMarker);
  }

  startStep(tradingDate: string, step: string, pid: number, atIso: string): StepMarker {
    return this.write(`marking ${tradingDate} ${step} running`, () => {
      this.db
        .prepare(
          `INSERT INTO pipeline_steps (trading_date, step, status, attempts, started_at, pid) VALUES (?, ?, 'running', 1, ?, ?)
           ON CONFLICT (trading_date, step) DO UPDATE SET status = 'running', attempts = attempts + 1, started_at = excluded.started_at, finished_at = NULL, pid = excluded.pid, error = NULL`,
        )
        .run(tradingDate, step, atIso, pid);
      return this.marker(tradingDate, step)!;
    });
  }

  finishStep(tradingDate: string, step: string, status: Exclude<StepStatus, 'running'>, summary: Record<string, unknown>, error: string | null, atIso: string): StepMarker {
    return this.write(`marking ${tradingDate} ${step} ${status}`, () => {
      this.db
        .prepare('UPDATE pipeline_steps SET status = ?, finished_at = ?, summary_json = ?, error = ? WHERE trading_date = ? AND step = ?')
        .run(status, atIso, JSON.stringify(summary), error, tradingDate, step);
      return this.marker(tradingDate, step)!;
    });
  }

  /** Records a plan once: a second insert of the same entry order id keeps the first. */
  insertPlan(plan: NewPlan, atIso: string): PlanRow {
    return this.write(`recording the plan of ${plan.entryClientOrderId}`, () => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO daily_plans (entry_client_order_id, trading_date, signal_date, symbol, strategy, params_json, side, shares, stop_dist, target_dist, time_exit_bars, status, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
        )
        .run(plan.entryClientOrderId, plan.tradingDate, plan.signalDate, plan.symbol, plan.strategy, JSON.stringify(plan.params), plan.side, plan.shares, plan.stopDist, plan.targetDist, plan.timeExitBars, atIso);
      return this.plan(plan.entryClientOrderId)!;
    });
  }

  plan(entryClientOrderId: string): PlanRow | null {
    const r = this.db.prepare('SELECT * FROM daily_plans WHERE entry_client_order_id = ?').get(entryClientOrderId) as Record<string, unknown> | undefined;
    return r === undefined ? null : toPlan(r);
  }

  plans(statuses?: readonly PlanStatus[]): PlanRow[] {
    const rows = (statuses === undefined
      ? this.db.prepare('SELECT * FROM daily_plans ORDER BY trading_date, symbol').all()
      : this.db.prepare(`SELECT * FROM daily_plans WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY trading_date, symbol`).all(...statuses)) as Record<string, unknown>[];
    return rows.map(toPlan);
  }

  updatePlan(entryClientOrderId: string, change: Partial<Pick<PlanRow, 'status' | 'entryPrice' | 'entryDate' | 'protectClientOrderId' | 'exitClientOrderId' | 'exitReason' | 'exitPrice' | 'exitDate' | 'shares'>>, atIso: string): PlanRow {
    const columns: Record<string, string> = {
      status: 'status',
      entryPrice: 'entry_price',
      entryDate: 'entry_date',
      protectClientOrderId: 'protect_client_order_id',
      exitClientOrderId: 'exit_client_order_id',
      exitReason: 'exit_reason',
      exitPrice: 'exit_price',
      exitDate: 'exit_date',
      shares: 'shares',
    };
    const keys = Object.keys(change).filter((k) => k in columns);
    return this.write(`updating the plan of ${entryClientOrderId}`, () => {
      if (keys.length > 0) {
        this.db
          .prepare(`UPDATE daily_plans SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')}, updated_at = ? WHERE entry_client_order_id = ?`)
          .run(...keys.map((k) => (change as Record<string, unknown>)[k] as string | number | null), atIso, entryClientOrderId);
      }
      return this.plan(entryClientOrderId)!;
    });
  }

  recordExperiment(row: ExperimentRow): void {
    this.write('recording an experiment row', () =>
      this.db
        .prepare(
          `INSERT OR REPLACE INTO experiments (trading_date, signal_date, role, strategy, symbol, side, arm, picked, executed, decision_json, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.tradingDate, row.signalDate, row.role, row.strategy, row.symbol, row.side, row.arm, row.picked ? 1 : 0, row.executed, JSON.stringify(row.decision), row.recordedAt),
    );
  }

  experiments(): ExperimentRow[] {
    return (this.db.prepare('SELECT * FROM experiments ORDER BY trading_date, role, strategy, symbol').all() as Record<string, unknown>[]).map((r) => ({
      tradingDate: String(r.trading_date),
      signalDate: String(r.signal_date),
      role: r.role as ExperimentRow['role'],
      strategy: String(r.strategy),
      symbol: String(r.symbol),
      side: String(r.side),
      arm: r.arm as ExperimentRow['arm'],
      picked: Number(r.picked) === 1,
      executed: r.executed as ExperimentRow['executed'],
      decision: JSON.parse(String(r.decision_json)) as Record<string, unknown>,
      recordedAt: String(r.recorded_at),
    }));
  }

  private write<T>(doing: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw databaseFailure(this.path, doing, e);
    }
  }
}

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toMarker(r: Record<string, unknown>): StepMarker {
  return {
    tradingDate: String(r.trading_date),
    step: String(r.step),
    status: r.status as StepStatus,
    attempts: Number(r.attempts),
    startedAt: String(r.started_at),
    finishedAt: strOrNull(r.finished_at),
    pid: Number(r.pid),
    summary: JSON.parse(String(r.summary_json)) as Record<string, unknown>,
    error: strOrNull(r.error),
  };
}

function toPlan(r: Record<string, unknown>): PlanRow {
  return {
    entryClientOrderId: String(r.entry_client_order_id),
    tradingDate: String(r.trading_date),
    signalDate: String(r.signal_date),
    symbol: String(r.symbol),
    strategy: String(r.strategy),
    params: JSON.parse(String(r.params_json)) as Record<string, number>,
    side: r.side as PlanRow['side'],
    shares: Number(r.shares),
    stopDist: numOrNull(r.stop_dist),
    targetDist: numOrNull(r.target_dist),
    timeExitBars: Number(r.time_exit_bars),
    status: r.status as PlanStatus,
    entryPrice: numOrNull(r.entry_price),
    entryDate: strOrNull(r.entry_date),
    protectClientOrderId: strOrNull(r.protect_client_order_id),
    exitClientOrderId: strOrNull(r.exit_client_order_id),
    exitReason: strOrNull(r.exit_reason),
    exitPrice: numOrNull(r.exit_price),
    exitDate: strOrNull(r.exit_date),
    updatedAt: String(r.updated_at),
  };
}
