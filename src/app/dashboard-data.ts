import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { verifyAudit } from '../audit/audit-log.js';
import { isKobeError } from '../core/errors.js';
import { genomeStrategy } from '../evolution/operators.js';
import { checkDatabase, tableNames } from '../store/open-database.js';
import type { StorePosition } from '../store/order-store.js';
import { ScanStore } from '../store/scan-store.js';
import type { AppContext } from './context.js';
import { pipelineStatus, type OrderStatus, type PlanStatus } from './daily/status.js';
import { rosterEntries } from './roster.js';

/**
 * What the `kobe serve` dashboard shows beside the backtest job, read from the same stores the
 * CLI reads (kobe status, kobe audit verify, the strategy registry), never creating any of them.
 */

export interface DailyOverview {
  /** False when the database or the daily tables do not exist yet (`note` says which). */
  readonly available: boolean;
  readonly note: string | null;
  readonly trading_date: string;
  /** The newest scan's Top-3 and trade of the day. */
  readonly scan: { readonly date: string; readonly scanned_at: string; readonly picks: readonly unknown[]; readonly trade_of_day: unknown } | null;
  readonly orders: readonly OrderStatus[];
  readonly positions: readonly StorePosition[];
  readonly plans: readonly PlanStatus[];
}

/** Today's picks, orders and positions of the daily pipeline (see pipelineStatus). */
export async function dailyOverview(spec: { db: string; stateDir: string }, ctx: AppContext): Promise<DailyOverview> {
  const dbPath = resolve(ctx.cwd, spec.db);
  const tables = existsSync(dbPath) ? tableNames(dbPath) : new Set<string>();
  const status = await pipelineStatus({ db: spec.db, stateDir: spec.stateDir, broker: null, date: null }, ctx);
  let scan: DailyOverview['scan'] = null;
  if (tables.has('scans')) {
    const store = new ScanStore(dbPath, { mustExist: true });
    try {
      const row = store.newest();
      if (row !== null) scan = { date: row.scanDate, scanned_at: row.scannedAt, picks: JSON.parse(row.picksJson) as unknown[], trade_of_day: JSON.parse(row.tradeJson) as unknown };
    } finally {
      store.close();
    }
  }
  const daily = tables.has('orders') || tables.has('pipeline_steps') || tables.has('scans');
  const note = !status.database.exists ? `no database at ${dbPath} yet` : daily ? null : 'no daily tables yet: kobe scan and kobe daily create them';
  return {
    available: daily,
    note,
    trading_date: status.tradingDate,
    scan,
    orders: status.orders,
    positions: status.omsPositions,
    plans: status.plans,
  };
}

export interface RosterRow {
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number>>;
}

/** The production roster, each entry with the strategy and parameters it trades. */
export function productionRoster(db: string, ctx: AppContext): RosterRow[] {
  return rosterEntries(resolve(ctx.cwd, db), ['production']).map((e) => {
    const { strategy, params } = genomeStrategy(e.genome);
    return { id: e.id, label: e.label, state: e.state, strategy: strategy.name, params };
  });
}

export type AuditChainStatus =
  | { readonly file: string; readonly exists: false }
  | { readonly file: string; readonly exists: true; readonly ok: true; readonly records: number; readonly head_hash: string }
  | { readonly file: string; readonly exists: true; readonly ok: false; readonly records: number; readonly line: number; readonly problem: string };

/** The audit chain's verification, as `kobe audit verify` does it; a missing log is said, not an error. */
export function auditChainStatus(file: string, ctx: AppContext): AuditChainStatus {
  const path = resolve(ctx.cwd, file);
  if (!existsSync(path)) return { file, exists: false };
  const r = verifyAudit(path);
  return r.ok ? { file, exists: true, ok: true, records: r.records, head_hash: r.headHash } : { file, exists: true, ok: false, records: r.records, line: r.line, problem: r.problem };
}

export interface ReadinessCheck {
  readonly name: 'database' | 'data';
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Whether a job could run now: the database opens (or can be created: its folder is writable)
 * and the data folder is there and readable (the demo market always is).
 */
export function readiness(spec: { db: string; dataDir: string | null }, ctx: AppContext): ReadinessCheck[] {
  const dbPath = resolve(ctx.cwd, spec.db);
  let database: ReadinessCheck;
  try {
    if (existsSync(dbPath)) {
      checkDatabase(dbPath, { mustExist: true });
      database = { name: 'database', ok: true, detail: `${dbPath} opens` };
    } else {
      accessSync(firstExisting(dirname(dbPath)), constants.W_OK);
      database = { name: 'database', ok: true, detail: `${dbPath} does not exist yet; the first run creates it` };
    }
  } catch (e) {
    database = { name: 'database', ok: false, detail: isKobeError(e) ? e.describe() : `${dbPath}: ${(e as Error).message}` };
  }
  const dataDir = spec.dataDir ?? ctx.env.KOBE_DATA_DIR ?? null;
  let data: ReadinessCheck;
  if (dataDir === null) {
    data = { name: 'data', ok: true, detail: 'the built-in demo market' };
  } else {
    const dir = resolve(ctx.cwd, dataDir);
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a folder');
      accessSync(dir, constants.R_OK);
      data = { name: 'data', ok: true, detail: `${dir} is readable` };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      data = { name: 'data', ok: false, detail: `data folder ${dir}: ${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'not readable' : (e as Error).message}` };
    }
  }
  return [database, data];
}

/** The nearest folder on the way up that exists (where a new database's folders would be made). */
function firstExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}
