import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALERTS_FILE, pendingAlerts, readOutbox, type AlertDispatch, type OutboxRecord } from '../../alerts/alert-outbox.js';
import type { Alert } from '../../alerts/alert.js';
import { inspectFileLock, type LockHolder } from '../../audit/file-lock.js';
import { DEFAULT_ENGINE_CONFIG } from '../../backtest/config.js';
import type { Broker, Position } from '../../brokers/broker.js';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { dayToIso, isoDayFlag } from '../../core/calendar.js';
import { isKobeError, usageError } from '../../core/errors.js';
import { closureReason, isSession, newYorkDay, sessionCloseUtcMs } from '../../core/exchange-calendar.js';
import { redactDeep, redactSecrets, secretEnvValues } from '../../core/redact.js';
import { OrderStore, type StorePosition } from '../../store/order-store.js';
import { PipelineStore, type StepMarker } from '../../store/pipeline-store.js';
import { tableNames } from '../../store/open-database.js';
import type { AppContext } from '../context.js';
import { killSwitchStatus, RiskStateStore, type KillSwitchStatus, type StoredBreaker } from '../orders/risk-state.js';
import { openOrderSession } from '../orders/session.js';
import { DAILY_STEPS, type DailyStep } from './daily-spec.js';
import { DAILY_LOCK_FILE } from './run-daily.js';

/**
 * `kobe status`: the daily pipeline's state at a glance, read without changing it. It creates
 * nothing: a missing database is reported as such (not created), and of an existing one only the
 * stores that have tables are opened (no empty tables are added). The one outside call is the
 * Alpaca broker's positions, and only when the spec names `alpaca`; the paper broker is read
 * from its own tables.
 *
 * Two clocks: the trading day's orders, fills, step markers and errors belong to `date` (or
 * today's New York day); positions, plans, breaker, kill switch, lock and alerts are as they are
 * now (the state a replay left, if it was one).
 */
export interface StatusSpec {
  /** The kobe SQLite file. */
  readonly db: string;
  /** The folder of the lock, the journal, the kill switch and the alerts log. */
  readonly stateDir: string;
  /** Where `kobe daily` writes `daily/<date>.{md,json}`; default `reports`. */
  readonly reportsDir?: string;
  /** paper, alpaca, or null: the paper broker's tables when the database has them, else nothing fetched. */
  readonly broker: string | null;
  /** The trading day, YYYY-MM-DD; null: today in New York. */
  readonly date: string | null;
}

export interface BrokerStatus {
  readonly name: 'paper' | 'alpaca' | null;
  /** False when no broker was read (see `note`): `positions` is then empty, not "flat". */
  readonly fetched: boolean;
  readonly positions: readonly Position[];
  readonly cashUsd: number | null;
  readonly note: string | null;
}

/** An open (or still pending) position plan of the pipeline, with its protective levels. */
export interface PlanStatus {
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  readonly shares: number;
  readonly status: 'pending' | 'open';
  /** The trading day the entry was sent for. */
  readonly tradingDate: string;
  readonly entryDate: string | null;
  readonly entryPrice: number | null;
  readonly stopDist: number | null;
  readonly targetDist: number | null;
  /** The stop level the distance gives from the entry price; null without either. */
  readonly stopPriceUsd: number | null;
  readonly targetPriceUsd: number | null;
  readonly timeExitBars: number;
  readonly entryClientOrderId: string;
  readonly protectClientOrderId: string | null;
  /** The protective order's OMS state; null without one. */
  readonly protectionState: string | null;
}

export interface OrderStatus {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly intent: string;
  readonly orderType: string;
  readonly qty: number;
  readonly limitPrice: number | null;
  readonly stopPrice: number | null;
  readonly targetPrice: number | null;
  readonly state: string;
  readonly filledQty: number;
  readonly avgFillPrice: number | null;
  readonly fills: readonly { readonly qty: number; readonly price: number; readonly executedAt: string }[];
}

export interface MarkerStatus {
  readonly tradingDate: string;
  readonly status: StepMarker['status'];
  readonly attempts: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly error: string | null;
  /** Marked running while no live run holds the lock: the run died in this step (the next run redoes it). */
  readonly interrupted: boolean;
}

export interface StepStatus {
  readonly step: DailyStep;
  /** The step's marker for the trading day; null: not run that day. */
  readonly today: MarkerStatus | null;
  /** The step's newest marker of any day; null: never run. */
  readonly last: MarkerStatus | null;
}

export interface LockStatus {
  readonly file: string;
  readonly held: boolean;
  readonly holder: LockHolder | null;
  /** Whether the holder's process runs; null when that cannot be known here (another host, unreadable file). */
  readonly alive: boolean | null;
  /** A dead holder's lock: the next `kobe daily` breaks it. */
  readonly stale: boolean;
}

export interface AlertStatus {
  readonly id: string;
  readonly kind: Alert['kind'];
  readonly title: string;
  readonly date: string | null;
  readonly at: string;
  /** delivered; failed; skipped (alerts off or the kind filtered out); unknown (no outcome: the process died sending it). */
  readonly outcome: 'delivered' | 'failed' | 'skipped' | 'unknown';
  readonly detail: string | null;
}

export interface AlertsStatus {
  readonly file: string;
  readonly total: number;
  /** Alerts never delivered (failed, or no outcome): what a person should look at. */
  readonly pending: number;
  /** The newest alerts first, at most RECENT_ALERTS. */
  readonly recent: readonly AlertStatus[];
}

export interface ReportFiles {
  readonly date: string;
  readonly markdown: string;
  readonly json: string | null;
  /** The end-of-day page and the morning page (HTML with charts); null when not written. */
  readonly html: string | null;
  readonly morning: string | null;
}

export interface StatusReport {
  readonly generatedAt: string;
  readonly tradingDate: string;
  /** Why the trading date is not an NYSE session (weekend, holiday); null when it is one. */
  readonly closed: string | null;
  readonly database: { readonly path: string; readonly exists: boolean };
  readonly broker: BrokerStatus;
  /** The pipeline's open and pending plans (`daily_plans`), oldest first. */
  readonly plans: readonly PlanStatus[];
  /** Net shares per symbol from the OMS's recorded fills. */
  readonly omsPositions: readonly StorePosition[];
  /** The trading day's orders with their fills. */
  readonly orders: readonly OrderStatus[];
  /** Null without a database. */
  readonly risk: { readonly breaker: StoredBreaker | null; readonly errorsToday: number | null; readonly killSwitch: KillSwitchStatus };
  readonly steps: readonly StepStatus[];
  readonly lock: LockStatus;
  readonly alerts: AlertsStatus;
  readonly reports: { readonly dir: string; readonly newest: ReportFiles | null; readonly tradingDay: ReportFiles | null };
  readonly notes: readonly string[];
}

export const RECENT_ALERTS = 10;
const STATUS_BROKERS = ['paper', 'alpaca'] as const;
/** openOrderSession wants an audit path; status writes no audit record. */
const UNUSED_AUDIT = 'audit/audit.jsonl';

export async function pipelineStatus(spec: StatusSpec, ctx: AppContext): Promise<StatusReport> {
  if (spec.broker !== null && !(STATUS_BROKERS as readonly string[]).includes(spec.broker)) {
    throw usageError('BAD_BROKER', `broker must be ${STATUS_BROKERS.join(' or ')}, was '${spec.broker}'`, { param: 'broker', value: spec.broker, hint: 'paper (the default) or alpaca' });
  }
  const nowMs = ctx.now().getTime();
  const day = spec.date === null ? newYorkDay(nowMs) : isoDayFlag(spec.date, ctx.param('date'));
  const tradingDate = dayToIso(day);
  const closed = isSession(day) ? null : (closureReason(day) ?? 'not a session');
  const dbPath = resolve(ctx.cwd, spec.db);
  const stateDir = resolve(ctx.cwd, spec.stateDir);
  const notes: string[] = [];
  const lock = lockStatus(join(stateDir, DAILY_LOCK_FILE));
  const liveRun = lock.held && !lock.stale;

  const exists = existsSync(dbPath);
  const tables = exists ? tableNames(dbPath) : new Set<string>();
  let fromDb: DbStatus;
  if (exists) {
    // errorsToday counts from the previous close up to an instant: for a past day, the end of its trading day.
    const asOfMs = spec.date === null || closed !== null ? nowMs : Math.min(nowMs, sessionCloseUtcMs(day) - 1);
    fromDb = readDatabase(dbPath, tables, tradingDate, asOfMs, ctx);
  } else {
    notes.push(`no database yet at ${dbPath} (kobe daily creates it); nothing was created`);
    fromDb = { plans: [], omsPositions: [], orders: [], breaker: null, errorsToday: null, markers: [], lastRuns: [] };
  }
  const broker = await brokerStatus(spec.broker as BrokerStatus['name'], exists, tables, spec, ctx);
  const markerOf = (list: readonly StepMarker[], step: string) => {
    const m = list.find((x) => x.step === step);
    return m === undefined ? null : markerStatus(m, liveRun);
  };
  const report: StatusReport = {
    generatedAt: ctx.now().toISOString(),
    tradingDate,
    closed,
    database: { path: dbPath, exists },
    broker,
    plans: fromDb.plans,
    omsPositions: fromDb.omsPositions,
    orders: fromDb.orders,
    risk: { breaker: fromDb.breaker, errorsToday: fromDb.errorsToday, killSwitch: killSwitchStatus(stateDir) },
    steps: DAILY_STEPS.map((step) => ({ step, today: markerOf(fromDb.markers, step), last: markerOf(fromDb.lastRuns, step) })),
    lock,
    alerts: alertsStatus(join(stateDir, ALERTS_FILE)),
    reports: reportFiles(join(resolve(ctx.cwd, spec.reportsDir ?? 'reports'), 'daily'), tradingDate),
    notes,
  };
  // Step errors and alerts were redacted when written; a key read from .env since is caught here.
  return redactDeep(report, secretEnvValues(ctx.env));
}

interface DbStatus {
  readonly plans: PlanStatus[];
  readonly omsPositions: StorePosition[];
  readonly orders: OrderStatus[];
  readonly breaker: StoredBreaker | null;
  readonly errorsToday: number | null;
  readonly markers: StepMarker[];
  readonly lastRuns: StepMarker[];
}

/** Reads the stores whose tables exist; one that has none is empty, not created. */
function readDatabase(dbPath: string, tables: ReadonlySet<string>, tradingDate: string, asOfMs: number, ctx: AppContext): DbStatus {
  const open = { mustExist: true } as const;
  const oms = tables.has('orders') ? new OrderStore(dbPath, { ...open, now: () => ctx.now().toISOString() }) : null;
  try {
    const orders = (oms?.list({ tradingDate }) ?? []).map((o): OrderStatus => ({
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      intent: o.intent,
      orderType: o.orderType,
      qty: o.qty,
      limitPrice: o.limitPrice,
      stopPrice: o.stopPrice,
      targetPrice: o.targetPrice,
      state: o.state,
      filledQty: o.filledQty,
      avgFillPrice: o.avgFillPrice,
      fills: oms!.fills(o.clientOrderId).map((f) => ({ qty: f.qty, price: f.price, executedAt: f.executedAt })),
    }));
    let plans: PlanStatus[] = [];
    let markers: StepMarker[] = [];
    let lastRuns: StepMarker[] = [];
    if (tables.has('pipeline_steps')) {
      const store = new PipelineStore(dbPath, open);
      try {
        plans = store.plans(['open', 'pending']).map((p) => {
          const sign = p.side === 'long' ? 1 : -1;
          const level = (dist: number | null, dir: number) => (p.entryPrice === null || dist === null ? null : p.entryPrice + dir * sign * dist);
          return {
            symbol: p.symbol,
            strategy: p.strategy,
            side: p.side,
            shares: p.shares,
            status: p.status as PlanStatus['status'],
            tradingDate: p.tradingDate,
            entryDate: p.entryDate,
            entryPrice: p.entryPrice,
            stopDist: p.stopDist,
            targetDist: p.targetDist,
            stopPriceUsd: level(p.stopDist, -1),
            targetPriceUsd: level(p.targetDist, 1),
            timeExitBars: p.timeExitBars,
            entryClientOrderId: p.entryClientOrderId,
            protectClientOrderId: p.protectClientOrderId,
            protectionState: p.protectClientOrderId === null ? null : (oms?.get(p.protectClientOrderId)?.state ?? null),
          };
        });
        markers = store.markers(tradingDate);
        lastRuns = store.lastRuns();
      } finally {
        store.close();
      }
    }
    let breaker: StoredBreaker | null = { state: 'ACTIVE', trippedAt: null, reason: null, resetAtMs: null };
    let errorsToday: number | null = 0;
    if (tables.has('circuit_breaker')) {
      const risk = new RiskStateStore(dbPath, open);
      try {
        breaker = risk.breaker();
        errorsToday = risk.errorsToday(asOfMs);
      } finally {
        risk.close();
      }
    }
    return { plans, omsPositions: oms?.positions() ?? [], orders, breaker, errorsToday, markers, lastRuns };
  } finally {
    oms?.close();
  }
}

function markerStatus(m: StepMarker, liveRun: boolean): MarkerStatus {
  return { tradingDate: m.tradingDate, status: m.status, attempts: m.attempts, startedAt: m.startedAt, finishedAt: m.finishedAt, error: m.error, interrupted: m.status === 'running' && !liveRun };
}

async function brokerStatus(wanted: BrokerStatus['name'], dbExists: boolean, tables: ReadonlySet<string>, spec: StatusSpec, ctx: AppContext): Promise<BrokerStatus> {
  const none = (name: BrokerStatus['name'], note: string): BrokerStatus => ({ name, fetched: false, positions: [], cashUsd: null, note });
  if (!dbExists) return none(wanted, 'no database: broker positions not read');
  if (wanted === 'alpaca') {
    try {
      const session = openOrderSession({ db: spec.db, stateDir: spec.stateDir, audit: UNUSED_AUDIT, broker: 'alpaca' }, ctx);
      try {
        return await read('alpaca', session.broker);
      } finally {
        session.close();
      }
    } catch (e) {
      // Status shows what it can: an unreachable broker is one line of it, not a failed command.
      const message = isKobeError(e) ? `${e.code}: ${e.describe()}` : e instanceof Error ? e.message : String(e);
      return none('alpaca', `broker positions not fetched: ${redactSecrets(message, secretEnvValues(ctx.env))}`);
    }
  }
  if (!tables.has('paper_account')) {
    return none(
      wanted,
      wanted === 'paper'
        ? 'the paper broker has no account in this database yet'
        : `no paper account in this database; an Alpaca account's positions are fetched only with ${ctx.param('broker')} alpaca`,
    );
  }
  // Its own tables only: no quotes, so positions are unmarked (marketValueUsd null).
  const paper = new PaperBroker({ path: resolve(ctx.cwd, spec.db), now: () => ctx.now().getTime(), costs: DEFAULT_ENGINE_CONFIG.costs, fill: DEFAULT_ENGINE_CONFIG.fill, fillOn: 'next-bar', quotes: () => null });
  try {
    return await read('paper', paper);
  } finally {
    paper.close();
  }
}

async function read(name: 'paper' | 'alpaca', broker: Broker): Promise<BrokerStatus> {
  const positions = await broker.positions();
  const account = await broker.account();
  return { name, fetched: true, positions, cashUsd: account.cashUsd, note: null };
}

function lockStatus(file: string): LockStatus {
  const view = inspectFileLock(file);
  if (view === null) return { file, held: false, holder: null, alive: null, stale: false };
  return { file, held: true, holder: view.holder, alive: view.alive, stale: view.stale };
}

function alertsStatus(file: string): AlertsStatus {
  const records: OutboxRecord[] = readOutbox(file);
  const alerts = records.filter((r): r is Extract<OutboxRecord, { type: 'alert' }> => r.type === 'alert');
  const last = new Map<string, AlertDispatch>();
  for (const r of records) if (r.type === 'delivery') last.set(r.id, r.delivery);
  // The same alert logged twice has one id: show it once, at its newest.
  const seen = new Set<string>();
  const recent: AlertStatus[] = [];
  for (let i = alerts.length - 1; i >= 0 && recent.length < RECENT_ALERTS; i--) {
    const a = alerts[i];
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    recent.push({ id: a.id, kind: a.alert.kind, title: a.alert.title, date: a.alert.date ?? null, at: a.alert.at, ...outcomeOf(last.get(a.id) ?? null) });
  }
  return { file, total: new Set(alerts.map((a) => a.id)).size, pending: pendingAlerts(records).length, recent };
}

function outcomeOf(d: AlertDispatch | null): Pick<AlertStatus, 'outcome' | 'detail'> {
  if (d === null) return { outcome: 'unknown', detail: 'no outcome recorded' };
  if ('skipped' in d) return { outcome: 'skipped', detail: d.skipped };
  if (d.ok) return { outcome: 'delivered', detail: `HTTP ${d.status} after ${d.attempts} attempt(s)` };
  return { outcome: 'failed', detail: `${d.code}: ${d.detail}` };
}

const REPORT_NAME = /^(\d{4}-\d{2}-\d{2})\.md$/;

function reportFiles(dir: string, tradingDate: string): StatusReport['reports'] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => REPORT_NAME.test(n)).sort();
  } catch {
    // no reports folder yet
  }
  const files = (name: string): ReportFiles => {
    const date = REPORT_NAME.exec(name)![1];
    const present = (suffix: string) => (existsSync(join(dir, `${date}${suffix}`)) ? join(dir, `${date}${suffix}`) : null);
    return { date, markdown: join(dir, name), json: present('.json'), html: present('.html'), morning: present('.morning.html') };
  };
  const newest = names.length === 0 ? null : files(names[names.length - 1]);
  const today = names.find((n) => n === `${tradingDate}.md`);
  return { dir, newest, tradingDay: today === undefined ? null : files(today) };
}
