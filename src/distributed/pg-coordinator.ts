import type PgBoss from 'pg-boss';
import { KobeError, inputError } from '../core/errors.js';
import { connectionError, errorMessage } from './pg-connect.js';
import type { Coordinator, CoordinatorOptions, QueueJob } from './pg-queue.js';
import {
  checkKeys,
  checkLease,
  checkNumber,
  checkQueueName,
  checkSchema,
  DEFAULT_OFFLINE_TIMEOUT_MS,
  DEFAULT_RETRY_LIMIT,
  inTransaction,
  jobIdFor,
  openLink,
  safeReporter,
  sleep,
  SUBMIT_CHUNK,
  withDbRetry,
} from './pg-queue-link.js';

/** The coordinator of a queue (`kobe evolve --queue`): submits jobs and waits for their results. */
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
