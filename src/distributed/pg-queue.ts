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
 *
 * Files: this one holds the public types; pg-coordinator.ts the coordinator, pg-worker.ts the
 * worker, pg-queue-link.ts what they share (option checks, job ids, the pg-boss link).
 */
export { DEFAULT_QUEUE_SCHEMA, jobIdFor } from './pg-queue-link.js';
export { openCoordinator } from './pg-coordinator.js';
export { runWorker } from './pg-worker.js';

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
