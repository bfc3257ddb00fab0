/**
 * What the coordinator (pg-coordinator.ts) and the workers (pg-worker.ts) of the queue share:
 * option checks, job ids, the pooled pg-boss link with its results table, transactions and the
 * retry of a lost connection. The queue's design is described in pg-queue.ts.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { inputError, usageError } from '../core/errors.js';
import { connectionError, errorMessage, isTransientDbError, openPool, parseQueueUrl, type PgTarget } from './pg-connect.js';

export const DEFAULT_QUEUE_SCHEMA = 'kobe_queue';
export const DEFAULT_LEASE_SECONDS = 300;
export const DEFAULT_RETRY_LIMIT = 5;
export const DEFAULT_OFFLINE_TIMEOUT_MS = 60_000;
/** Failed jobs stay visible to `waitFor` (and to resubmission) this long before pg-boss archives them. */
export const KEEP_FAILED_SECONDS = 7 * 24 * 3600;
export const SUBMIT_CHUNK = 500;

export interface JobData {
  readonly key: string;
  readonly payload?: unknown;
}

// ---------------------------------------------------------------------------------------------
// validation (once, at the edge)

export const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

export function checkQueueName(queue: unknown): string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw usageError('QUEUE_BAD_NAME', `queue name must be 1-100 letters, digits, '_', '.', ':' or '-', was ${JSON.stringify(queue)}`, {
      value: queue,
    });
  }
  return queue;
}

export function checkSchema(schema: unknown): string {
  if (schema === undefined) return DEFAULT_QUEUE_SCHEMA;
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw usageError('QUEUE_BAD_SCHEMA', `schema must be a lower-case SQL identifier, was ${JSON.stringify(schema)}`, { value: schema });
  }
  return schema;
}

export function checkNumber(name: string, value: unknown, fallback: number, min: number, max: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const want = `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
    throw usageError('QUEUE_BAD_OPTION', `${name} must be ${want}, was ${String(value)}`, { value });
  }
  return value as number;
}

// pg-boss rejects leases of 24 h or more.
export const checkLease = (v: unknown) => checkNumber('jobTimeoutSeconds', v, DEFAULT_LEASE_SECONDS, 1, 86_399, false);

export function checkKeys(keys: unknown): string[] {
  if (!Array.isArray(keys)) throw inputError('QUEUE_BAD_KEYS', 'keys must be an array of strings', { value: keys });
  for (const k of keys) {
    if (typeof k !== 'string' || k === '') throw inputError('QUEUE_BAD_KEYS', `every key must be a non-empty string, was ${JSON.stringify(k)}`, { value: k });
  }
  return [...new Set(keys as string[])];
}

// ---------------------------------------------------------------------------------------------
// small shared pieces

/** The job id of a key: a UUID-shaped SHA-256 of (queue, key), so enqueueing is idempotent. */
export function jobIdFor(queue: string, key: string): string {
  const h = createHash('sha256').update(queue).update('\u0000').update(key).digest();
  h[6] = (h[6] & 0x0f) | 0x80; // version nibble 8: "custom"
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(errorMessage(e)));

/** The caller's onError, made safe to call from event handlers and timers. */
export const safeReporter = (onError: ((error: Error) => void) | undefined) => (e: unknown) => {
  try {
    onError?.(asError(e));
  } catch {
    // a reporting callback must not take the queue down
  }
};

export const bossDb = (q: pg.Pool | pg.PoolClient): PgBoss.Db => ({
  executeSql: (text: string, values: unknown[]) => q.query(text, values),
});

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient, db: PgBoss.Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no 'error' listener (pg-pool only guards idle ones), so a server
  // dropping the session between two statements would otherwise be an uncaught exception.
  let lost: Error | undefined;
  const onLost = (e: Error) => {
    lost = e;
  };
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    const out = await fn(client, bossDb(client));
    await client.query('COMMIT');
    client.removeListener('error', onLost);
    client.release(lost);
    return out;
  } catch (e) {
    if (lost === undefined) await client.query('ROLLBACK').catch(() => undefined);
    client.removeListener('error', onLost);
    client.release(asError(e)); // destroy: its session may be broken
    throw e;
  }
}

/** Retries `fn` on connection-class errors until `offlineTimeoutMs` has passed since the first. */
export async function withDbRetry<T>(fn: () => Promise<T>, offlineTimeoutMs: number, onError: (e: Error) => void): Promise<T> {
  const since = Date.now();
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientDbError(e) || Date.now() - since + delayMs > offlineTimeoutMs) throw e;
      onError(asError(e));
      await sleep(delayMs);
    }
  }
}

export interface Link {
  readonly target: PgTarget;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  close(): Promise<void>;
}

/** How often this client offers to run pg-boss's expiry sweep: a quarter lease, 1 to 60 s. */
export const sweepSeconds = (leaseSeconds: number) => Math.min(60, Math.max(1, Math.floor(leaseSeconds / 4)));

/**
 * One pool per coordinator or worker, shared with pg-boss through its `db` option, so closing
 * is one `pool.end()` and nothing else can keep the process alive.
 */
export async function openLink(
  url: string,
  o: { schema: string; leaseSeconds: number; poolMax: number; applicationName: string; onError: (e: Error) => void },
): Promise<Link> {
  const target = parseQueueUrl(url);
  const pool = openPool(target, { max: o.poolMax, applicationName: o.applicationName, onError: o.onError });
  const boss = new PgBoss({
    db: bossDb(pool),
    schema: o.schema,
    migrate: true,
    supervise: true,
    schedule: false,
    maintenanceIntervalSeconds: sweepSeconds(o.leaseSeconds),
    archiveFailedAfterSeconds: KEEP_FAILED_SECONDS,
  });
  boss.on('error', o.onError); // unhandled, an 'error' event would throw from a timer
  let started = false;
  const close = async () => {
    if (started) {
      started = false;
      await boss.stop({ graceful: false, close: false }).catch(o.onError);
    }
    if (!pool.ended && !pool.ending) await pool.end().catch(o.onError);
  };
  try {
    await boss.start();
    started = true;
    await ensureResultsTable(pool, o.schema);
  } catch (e) {
    await close();
    throw connectionError(e, target, 'setting up the queue tables');
  }
  return { target, schema: o.schema, pool, boss, close };
}

export async function ensureResultsTable(pool: pg.Pool, schema: string): Promise<void> {
  // The advisory lock keeps concurrent first starts from racing on CREATE TABLE IF NOT EXISTS.
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kobe_queue_results:${schema}`]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${schema}.results (
        queue text NOT NULL,
        key text NOT NULL,
        result jsonb NOT NULL,
        worker text NOT NULL,
        attempt integer NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue, key)
      )`);
  });
}
