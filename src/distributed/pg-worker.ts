import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type PgBoss from 'pg-boss';
import { KobeError, usageError } from '../core/errors.js';
import { connectionError, errorMessage, isTransientDbError, parseQueueUrl } from './pg-connect.js';
import type { WorkerOptions } from './pg-queue.js';
import {
  asError,
  checkLease,
  checkNumber,
  checkQueueName,
  checkSchema,
  DEFAULT_OFFLINE_TIMEOUT_MS,
  inTransaction,
  type JobData,
  openLink,
  safeReporter,
  sleep,
  withDbRetry,
} from './pg-queue-link.js';

/** A worker of a queue (`kobe worker --queue`): fetches jobs, runs the handler, stores results. */
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
