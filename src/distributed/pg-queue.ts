/**
 * A job queue over PostgreSQL for `kobe evolve --queue URL` (one coordinator) and
 * `kobe worker --queue URL` (any number of machines). Payloads and results are opaque JSON; a job
 * is named by a caller-chosen key, and the key's result row is the single source of truth.
 *
 * Why pg-boss 10 and not graphile-worker (checked against the packages, not from memory):
 * - Node: pg-boss 10.4 declares `engines.node >= 20` (node_modules/pg-boss/package.json), our
 *   floor; graphile-worker's requirements page says its current release needs Node 22.18+.
 * - Dead workers: every job carries a lease (`expire_in`, set here from `jobTimeoutSeconds`);
 *   pg-boss's maintenance runs `failJobsByTimeout` (src/plans.js) on active jobs whose
 *   `started_on + expire_in` has passed and puts them back as `retry` while
 *   `retry_count < retry_limit`, else `failed`. That is the whole "worker died mid-job" story.
 * - No daemon: maintenance runs inside whichever client has `supervise` on, throttled across all
 *   clients through one timestamp row, so the coordinator and workers need nothing else.
 * - Transactions: `insert`, `complete` and `fail` accept `{ db }`, so the result row and the job
 *   completion commit in one transaction of ours.
 * - Idempotent enqueue: pg-boss has singleton keys, but in v10 none of its queue policies makes a
 *   key unique across queued *and* active jobs (`stately` allows one per state). We derive the job
 *   id from (queue, key) instead: the job table's primary key is (name, id), so a second enqueue
 *   of a live key is a no-op, and a submit lock makes the count of new jobs exact.
 *
 * Guarantees: a result, once written, is never overwritten (first result wins; evaluations are
 * deterministic, so a duplicate run after a lease expiry can only write the same value); a crash
 * before the commit leaves the job active, so its lease expires and another worker reruns it.
 * Lease caveat: pg-boss 10 has no heartbeat, so `jobTimeoutSeconds` must exceed the slowest
 * evaluation, or a slow-but-alive job is also handed to a second worker (harmless, but wasted).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { KobeError, usageError, inputError } from '../core/errors.js';
import { connectionError, errorMessage, isTransientDbError, openPool, parseQueueUrl, type PgTarget } from './pg-connect.js';

export const DEFAULT_QUEUE_SCHEMA = 'kobe_queue';
const DEFAULT_LEASE_SECONDS = 300;
const DEFAULT_RETRY_LIMIT = 5;
const DEFAULT_OFFLINE_TIMEOUT_MS = 60_000;
/** Failed jobs stay visible to `waitFor` (and to resubmission) this long before pg-boss archives them. */
const KEEP_FAILED_SECONDS = 7 * 24 * 3600;
const SUBMIT_CHUNK = 500;

export interface CoordinatorOptions {
  readonly queue: string;
  /** Lease: a job active longer than this is considered lost and retried. Default 300. */
  readonly jobTimeoutSeconds?: number;
  /** Retries after the first attempt, so a job runs at most retryLimit + 1 times. Default 5. */
  readonly retryLimit?: number;
  /** PostgreSQL schema for pg-boss's tables and the results table. Default `kobe_queue`. */
  readonly schema?: string;
  /** How long `waitFor` rides out a lost database connection before failing. Default 60 000. */
  readonly offlineTimeoutMs?: number;
  /** Non-fatal problems (pg-boss maintenance errors, connection blips being retried). */
  readonly onError?: (error: Error) => void;
}

export interface QueueJob {
  readonly key: string;
  readonly payload: unknown;
}

export interface WaitOptions {
  /** Default 500. */
  readonly pollMs?: number;
  /** Default: wait forever. */
  readonly timeoutMs?: number;
  /** Called once per key as its result is seen, in arrival order. */
  readonly onResult?: (key: string, result: unknown) => void;
  readonly signal?: AbortSignal;
}

export interface QueueStats {
  /** Waiting to run, including retries waiting for a worker. */
  readonly queued: number;
  readonly active: number;
  /** Keys of this queue with a stored result. */
  readonly completed: number;
  /** Jobs that exhausted their retries and have no result. */
  readonly failed: number;
}

export interface Coordinator {
  readonly queue: string;
  /**
   * Queues the jobs whose key has no result and no queued or active job; a key whose job failed
   * for good is queued afresh. Duplicate keys in one call: the first payload wins. Returns how
   * many jobs were newly queued.
   */
  submit(jobs: readonly QueueJob[]): Promise<number>;
  /** The results stored now for these keys (one query). Keys without a result are absent. */
  results(keys: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Resolves with every key's result (map in the order of `keys`). Rejects with QUEUE_JOB_FAILED
   * as soon as a job has exhausted its retries (key and last error in the message),
   * QUEUE_JOB_MISSING for a key never submitted, QUEUE_WAIT_TIMEOUT, or QUEUE_WAIT_ABORTED.
   */
  waitFor(keys: readonly string[], opts?: WaitOptions): Promise<Map<string, unknown>>;
  stats(): Promise<QueueStats>;
  /** Deletes this queue's jobs and results (tests, fresh runs). The queue stays usable. */
  drop(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  readonly queue: string;
  readonly handler: (payload: unknown, key: string) => Promise<unknown>;
  /** Recorded with each result. Default `hostname:pid`. */
  readonly workerId?: string;
  /** Jobs run at once by this process. Default 1. */
  readonly concurrency?: number;
  /** Stops fetching; jobs in flight finish and are stored, then `runWorker` resolves. */
  readonly signal?: AbortSignal;
  readonly onJob?: (key: string, ms: number) => void;
  /**
   * The lease the coordinator set; here it only paces this worker's share of the expiry sweep
   * (the lease itself travels with each job). Default 300.
   */
  readonly jobTimeoutSeconds?: number;
  /** Idle poll interval. Default 500. */
  readonly pollMs?: number;
  readonly schema?: string;
  /** How long to ride out a lost database connection before failing. Default 60 000. */
  readonly offlineTimeoutMs?: number;
  /** Non-fatal problems: connection blips being retried, a job that outlived its lease. */
  readonly onError?: (error: Error) => void;
}

interface JobData {
  readonly key: string;
  readonly payload?: unknown;
}

// ---------------------------------------------------------------------------------------------
// validation (once, at the edge)

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

function checkQueueName(queue: unknown): string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw usageError('QUEUE_BAD_NAME', `queue name must be 1-100 letters, digits, '_', '.', ':' or '-', was ${JSON.stringify(queue)}`, {
      value: queue,
    });
  }
  return queue;
}

function checkSchema(schema: unknown): string {
  if (schema === undefined) return DEFAULT_QUEUE_SCHEMA;
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw usageError('QUEUE_BAD_SCHEMA', `schema must be a lower-case SQL identifier, was ${JSON.stringify(schema)}`, { value: schema });
  }
  return schema;
}

function checkNumber(name: string, value: unknown, fallback: number, min: number, max: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const want = `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
    throw usageError('QUEUE_BAD_OPTION', `${name} must be ${want}, was ${String(value)}`, { value });
  }
  return value as number;
}

// pg-boss rejects leases of 24 h or more.
const checkLease = (v: unknown) => checkNumber('jobTimeoutSeconds', v, DEFAULT_LEASE_SECONDS, 1, 86_399, false);

function checkKeys(keys: unknown): string[] {
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

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
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

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(errorMessage(e)));

/** The caller's onError, made safe to call from event handlers and timers. */
const safeReporter = (onError: ((error: Error) => void) | undefined) => (e: unknown) => {
  try {
    onError?.(asError(e));
  } catch {
    // a reporting callback must not take the queue down
  }
};

const bossDb = (q: pg.Pool | pg.PoolClient): PgBoss.Db => ({
  executeSql: (text: string, values: unknown[]) => q.query(text, values),
});

async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient, db: PgBoss.Db) => Promise<T>): Promise<T> {
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
async function withDbRetry<T>(fn: () => Promise<T>, offlineTimeoutMs: number, onError: (e: Error) => void): Promise<T> {
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

interface Link {
  readonly target: PgTarget;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  close(): Promise<void>;
}

/** How often this client offers to run pg-boss's expiry sweep: a quarter lease, 1 to 60 s. */
const sweepSeconds = (leaseSeconds: number) => Math.min(60, Math.max(1, Math.floor(leaseSeconds / 4)));

/**
 * One pool per coordinator or worker, shared with pg-boss through its `db` option, so closing
 * is one `pool.end()` and nothing else can keep the process alive.
 */
async function openLink(
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

async function ensureResultsTable(pool: pg.Pool, schema: string): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// coordinator

export async function openCoordinator(url: string, opts: CoordinatorOptions): Promise<Coordinator> {
  const queue = checkQueueName(opts?.queue);
  const schema = checkSchema(opts.schema);
  const leaseSeconds = checkLease(opts.jobTimeoutSeconds);
  const retryLimit = checkNumber('retryLimit', opts.retryLimit, DEFAULT_RETRY_LIMIT, 0, 1000, true);
  const offlineTimeoutMs = checkNumber('offlineTimeoutMs', opts.offlineTimeoutMs, DEFAULT_OFFLINE_TIMEOUT_MS, 0, 86_400_000, false);
  const onError = safeReporter(opts.onError);

  const link = await openLink(url, { schema, leaseSeconds, poolMax: 4, applicationName: `kobe-coordinator:${queue}`, onError });
  const { pool, boss, target } = link;
  const job = `${schema}.job`;
  const results = `${schema}.results`;
  let closed = false;

  const createQueue = () => boss.createQueue(queue, { name: queue, policy: 'standard', retryLimit, retryDelay: 0, expireInSeconds: leaseSeconds });
  try {
    await createQueue();
  } catch (e) {
    await link.close();
    throw connectionError(e, target, 'creating the queue');
  }

  /** Runs a database step; driver errors become KobeErrors with a hint. */
  const guard = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new KobeError('QUEUE_CLOSED', `the coordinator of queue ${queue} is closed`, { value: queue });
    try {
      return await fn();
    } catch (e) {
      throw connectionError(e, target, doing);
    }
  };

  async function submitChunk(chunk: readonly QueueJob[]): Promise<number> {
    const ids = chunk.map((j) => jobIdFor(queue, j.key));
    return inTransaction(pool, async (client, db) => {
      // One submitter at a time per queue, so "already there" is exact and the count is too.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kobe_queue_submit:${schema}:${queue}`]);
      const done = await client.query<{ key: string }>(`SELECT key FROM ${results} WHERE queue = $1 AND key = ANY($2::text[])`, [
        queue,
        chunk.map((j) => j.key),
      ]);
      const live = await client.query<{ id: string; state: string }>(`SELECT id, state FROM ${job} WHERE name = $1 AND id = ANY($2::uuid[])`, [queue, ids]);
      const hasResult = new Set(done.rows.map((r) => r.key));
      const state = new Map(live.rows.map((r) => [r.id, r.state]));
      const stale: string[] = [];
      const fresh: PgBoss.JobInsert[] = [];
      chunk.forEach((j, i) => {
        if (hasResult.has(j.key)) return;
        const s = state.get(ids[i]);
        if (s === 'created' || s === 'retry' || s === 'active') return;
        if (s !== undefined) stale.push(ids[i]); // failed, cancelled, or completed without a result row
        fresh.push({ id: ids[i], name: queue, data: { key: j.key, payload: j.payload }, retryLimit, retryDelay: 0, expireInSeconds: leaseSeconds });
      });
      if (stale.length > 0) await boss.deleteJob(queue, stale, { db });
      if (fresh.length > 0) await boss.insert(fresh, { db });
      return fresh.length;
    });
  }

  const coordinator: Coordinator = {
    queue,

    async submit(jobs) {
      if (!Array.isArray(jobs)) throw inputError('QUEUE_BAD_JOBS', 'submit expects an array of { key, payload }', { value: jobs });
      const byKey = new Map<string, QueueJob>();
      for (const j of jobs) {
        if (typeof j?.key !== 'string' || j.key === '') {
          throw inputError('QUEUE_BAD_JOBS', `every job needs a non-empty string key, was ${JSON.stringify(j?.key)}`, { value: j?.key });
        }
        try {
          JSON.stringify(j.payload);
        } catch (e) {
          throw inputError('QUEUE_BAD_PAYLOAD', `payload of job ${j.key} is not JSON-serialisable: ${errorMessage(e)}`, { value: j.key });
        }
        if (!byKey.has(j.key)) byKey.set(j.key, j);
      }
      const unique = [...byKey.values()];
      return guard('submitting jobs', async () => {
        await createQueue(); // idempotent; pg-boss silently drops jobs for a queue that does not exist
        let queued = 0;
        for (let i = 0; i < unique.length; i += SUBMIT_CHUNK) queued += await submitChunk(unique.slice(i, i + SUBMIT_CHUNK));
        return queued;
      });
    },

    async results(keys) {
      const wanted = checkKeys(keys);
      return guard('reading results', async () => {
        const { rows } = await pool.query<{ key: string; result: unknown }>(
          `SELECT key, result FROM ${results} WHERE queue = $1 AND key = ANY($2::text[])`,
          [queue, wanted],
        );
        return new Map(rows.map((r) => [r.key, r.result]));
      });
    },

    async waitFor(keys, wopts = {}) {
      const wanted = checkKeys(keys);
      const pollMs = checkNumber('pollMs', wopts.pollMs, 500, 10, 3_600_000, false);
      const timeoutMs = checkNumber('timeoutMs', wopts.timeoutMs, Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY, false);
      const { signal, onResult } = wopts;
      const deadline = Date.now() + timeoutMs;
      const got = new Map<string, unknown>();
      let pending = wanted;

      for (;;) {
        if (signal?.aborted) {
          throw new KobeError('QUEUE_WAIT_ABORTED', `stopped waiting for ${pending.length} of ${wanted.length} results of queue ${queue}`, {
            cause: signal.reason,
          });
        }
        type Row = { key: string; done: boolean; result: unknown; state: string | null; message: string | null; attempts: number | null };
        // One statement, one snapshot: a result and its job's completion commit together.
        const { rows } = await guard('waiting for results', () =>
          withDbRetry(
            () =>
              pool.query<Row>(
                `SELECT k.key, r.key IS NOT NULL AS done, r.result, j.state::text AS state,
                        COALESCE(j.output->>'message', j.output->'value'->>'message') AS message,
                        j.retry_count + 1 AS attempts
                   FROM unnest($2::text[], $3::uuid[]) AS k(key, id)
                   LEFT JOIN ${results} r ON r.queue = $1 AND r.key = k.key
                   LEFT JOIN ${job} j ON j.name = $1 AND j.id = k.id`,
                [queue, pending, pending.map((k) => jobIdFor(queue, k))],
              ),
            offlineTimeoutMs,
            onError,
          ),
        );
        const failed: Row[] = [];
        const missing: string[] = [];
        for (const r of rows) {
          if (r.done) {
            got.set(r.key, r.result);
            onResult?.(r.key, r.result);
          } else if (r.state === 'failed' || r.state === 'cancelled') failed.push(r);
          else if (r.state === null) missing.push(r.key);
        }
        pending = pending.filter((k) => !got.has(k));
        if (failed.length > 0) {
          const first = failed[0];
          const more = failed.length > 1 ? ` (${failed.length - 1} more failed: ${failed.slice(1, 6).map((r) => r.key).join(', ')}${failed.length > 6 ? ', ...' : ''})` : '';
          throw new KobeError(
            'QUEUE_JOB_FAILED',
            `job ${first.key} of queue ${queue} ${first.state} after ${first.attempts ?? '?'} attempt(s): ${first.message ?? 'no error message'}${more}`,
            { value: first.key, hint: 'fix the cause, then submit the same keys again: a failed key is queued afresh' },
          );
        }
        if (missing.length > 0) {
          throw new KobeError('QUEUE_JOB_MISSING', `${missing.length} key(s) of queue ${queue} have no result and no job, e.g. ${missing[0]}`, {
            value: missing[0],
            hint: 'submit them first (a failed job is archived after 7 days; submitting again queues it afresh)',
          });
        }
        if (pending.length === 0) return new Map(wanted.map((k) => [k, got.get(k)]));
        if (Date.now() >= deadline) {
          throw new KobeError('QUEUE_WAIT_TIMEOUT', `timed out after ${timeoutMs} ms with ${pending.length} of ${wanted.length} results of queue ${queue} missing, e.g. ${pending[0]}`, {
            value: pending[0],
            hint: 'are workers running (kobe worker --queue ...) against the same database and queue?',
          });
        }
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
      }
    },

    async stats() {
      return guard('reading queue stats', async () => {
        const { rows } = await pool.query<{ queued: string; active: string; failed: string; completed: string }>(
          `SELECT count(*) FILTER (WHERE j.state IN ('created', 'retry')) AS queued,
                  count(*) FILTER (WHERE j.state = 'active') AS active,
                  count(*) FILTER (WHERE j.state IN ('failed', 'cancelled')
                    AND NOT EXISTS (SELECT 1 FROM ${results} r WHERE r.queue = $1 AND r.key = j.data->>'key')) AS failed,
                  (SELECT count(*) FROM ${results} WHERE queue = $1) AS completed
             FROM ${job} j WHERE j.name = $1`,
          [queue],
        );
        const r = rows[0];
        return { queued: Number(r.queued), active: Number(r.active), completed: Number(r.completed), failed: Number(r.failed) };
      });
    },

    async drop() {
      await guard('dropping the queue', async () => {
        // pg-boss 10's deleteQueue refuses while jobs still reference the queue: empty it first.
        await pool.query(`DELETE FROM ${job} WHERE name = $1`, [queue]);
        await pool.query(`DELETE FROM ${schema}.archive WHERE name = $1`, [queue]);
        await boss.deleteQueue(queue);
        await pool.query(`DELETE FROM ${results} WHERE queue = $1`, [queue]);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await link.close();
    },
  };
  return coordinator;
}

// ---------------------------------------------------------------------------------------------
// worker

type FetchedJob = PgBoss.JobWithMetadata<unknown>;

const isJobData = (d: unknown): d is JobData =>
  typeof d === 'object' && d !== null && typeof (d as { key?: unknown }).key === 'string' && (d as { key: string }).key !== '';

export async function runWorker(url: string, opts: WorkerOptions): Promise<void> {
  const queue = checkQueueName(opts?.queue);
  const schema = checkSchema(opts.schema);
  if (typeof opts.handler !== 'function') throw usageError('QUEUE_BAD_OPTION', 'runWorker needs a handler function', { value: opts.handler });
  const leaseSeconds = checkLease(opts.jobTimeoutSeconds);
  const concurrency = checkNumber('concurrency', opts.concurrency, 1, 1, 256, true);
  const pollMs = checkNumber('pollMs', opts.pollMs, 500, 10, 3_600_000, false);
  const offlineTimeoutMs = checkNumber('offlineTimeoutMs', opts.offlineTimeoutMs, DEFAULT_OFFLINE_TIMEOUT_MS, 0, 86_400_000, false);
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
  if (typeof workerId !== 'string' || workerId === '') throw usageError('QUEUE_BAD_OPTION', 'workerId must be a non-empty string', { value: workerId });
  const onError = safeReporter(opts.onError);
  const { handler, onJob } = opts;

  parseQueueUrl(url); // a bad URL is reported even when the signal is already aborted
  if (opts.signal?.aborted) return;
  const link = await openLink(url, { schema, leaseSeconds, poolMax: concurrency + 2, applicationName: `kobe-worker:${workerId}`, onError });
  const { pool, boss, target } = link;
  const results = `${schema}.results`;
  const job = `${schema}.job`;

  // Internal stop: the caller's signal, or a fatal error in any loop (the others then wind down).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  /** A database step of a job: transient errors retried, the rest reported as KobeErrors. */
  const retrying = <T>(doing: string, fn: () => Promise<T>) =>
    withDbRetry(fn, offlineTimeoutMs, onError).catch((e: unknown) => {
      throw connectionError(e, target, doing);
    });

  /** pg-boss's fetch swallows query errors and returns []; route it through a db that remembers. */
  async function fetchOne(): Promise<FetchedJob | null> {
    let failure: unknown;
    const db: PgBoss.Db = {
      executeSql: async (text: string, values: unknown[]) => {
        try {
          return await pool.query(text, values);
        } catch (e) {
          failure = e;
          throw e;
        }
      },
    };
    const jobs = await boss.fetch<unknown>(queue, { includeMetadata: true, batchSize: 1, db });
    if (failure !== undefined) throw failure;
    return jobs[0] ?? null;
  }

  async function storeAndComplete(j: FetchedJob, key: string, resultJson: string): Promise<void> {
    await inTransaction(pool, async (client, db) => {
      // First result wins; evaluations are deterministic, so a later one could only be equal.
      await client.query(
        `INSERT INTO ${results} (queue, key, result, worker, attempt) VALUES ($1, $2, $3::jsonb, $4, $5)
         ON CONFLICT (queue, key) DO NOTHING`,
        [queue, key, resultJson, workerId, j.retryCount + 1],
      );
      await boss.complete(queue, j.id, { worker: workerId }, { db });
    });
  }

  /** Fails the job only if this attempt still owns it: its lease may have expired and moved on. */
  async function failOwned(j: FetchedJob, message: string): Promise<void> {
    await inTransaction(pool, async (client, db) => {
      const own = await client.query(`SELECT 1 FROM ${job} WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 FOR UPDATE`, [
        queue,
        j.id,
        j.retryCount,
      ]);
      if (own.rowCount === 1) await boss.fail(queue, j.id, { message, worker: workerId }, { db });
    });
  }

  async function runJob(j: FetchedJob): Promise<void> {
    if (!isJobData(j.data)) {
      await retrying('failing a malformed job', () => failOwned(j, `malformed job data (no key): ${errorMessage(j.data)}`));
      return;
    }
    const { key, payload } = j.data;
    // A slower worker may have stored the result after this job's lease expired: nothing to run.
    const known = await retrying('checking for a stored result', () => pool.query(`SELECT 1 FROM ${results} WHERE queue = $1 AND key = $2`, [queue, key]));
    if (known.rowCount === 1) {
      await retrying('completing a job', () => boss.complete(queue, j.id, { worker: workerId, skipped: true }));
      return;
    }
    const t0 = performance.now();
    let resultJson: string | undefined;
    let failure: string | undefined;
    try {
      const result = await handler(payload, key);
      resultJson = JSON.stringify(result) ?? 'null'; // undefined is stored as JSON null
    } catch (e) {
      failure = errorMessage(e);
    }
    const ms = performance.now() - t0;
    const leaseMs = Number(j.expireInSeconds) * 1000;
    if (ms > leaseMs) {
      onError(
        new KobeError('QUEUE_LEASE_EXCEEDED', `job ${key} ran ${Math.round(ms)} ms, past its ${leaseMs} ms lease; another worker may have run it too`, {
          value: key,
          hint: 'raise jobTimeoutSeconds above the slowest evaluation',
        }),
      );
    }
    if (failure !== undefined) {
      const message = failure;
      await retrying('failing a job', () => failOwned(j, message));
      return;
    }
    await retrying('storing a result', () => storeAndComplete(j, key, resultJson as string));
    onJob?.(key, ms);
  }

  async function loop(): Promise<void> {
    let offlineSince: number | null = null;
    while (!stop.signal.aborted) {
      let next: FetchedJob | null;
      try {
        next = await fetchOne();
        offlineSince = null;
      } catch (e) {
        if (!isTransientDbError(e) || Date.now() - (offlineSince ??= Date.now()) > offlineTimeoutMs) {
          throw connectionError(e, target, 'fetching a job');
        }
        onError(asError(e));
        await sleep(Math.min(5_000, pollMs * 2), stop.signal);
        continue;
      }
      if (next === null) {
        await sleep(pollMs, stop.signal);
        continue;
      }
      await runJob(next);
    }
  }

  const outcomes = await Promise.allSettled(
    Array.from({ length: concurrency }, () =>
      loop().catch((e: unknown) => {
        stop.abort();
        throw e;
      }),
    ),
  );
  opts.signal?.removeEventListener('abort', onAbort);
  await link.close();
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  // Database failures are KobeErrors by now; anything else came from a callback (onJob) as is.
  if (failed) throw failed.reason;
}
