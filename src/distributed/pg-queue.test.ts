import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { redactUrl } from './pg-connect.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { PG_URL, skipWithoutPostgres } from '../test-support/postgres.js';
import { DEFAULT_QUEUE_SCHEMA, openCoordinator, runWorker, type Coordinator, type CoordinatorOptions } from './pg-queue.js';

/**
 * Runs against a real PostgreSQL (KOBE_TEST_PG_URL, default the local `test` database). When it
 * is unreachable the database tests are skipped with a warning, unless KOBE_REQUIRE_PG=1 (CI),
 * where they fail. Every test uses its own queue name and drops it afterwards.
 */
const WORKER_SCRIPT = fileURLToPath(new URL('../test-support/pg-queue-worker.mjs', import.meta.url));
const { skip: skipDb, unreachable } = await skipWithoutPostgres('pg-queue', redactUrl);

const uniqueQueue = (label: string) => `test-${label}-${randomBytes(5).toString('hex')}`;
const toyHash = (seed: string) => createHash('sha256').update(`toy:${seed}`).digest('hex');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  const failures: unknown[] = [];
  while (cleanups.length > 0) await cleanups.pop()!().catch((e: unknown) => failures.push(e));
  if (failures.length > 0) throw failures[0];
});

/** A coordinator that is dropped and closed after the test. */
async function coordinator(queue: string, opts: Omit<CoordinatorOptions, 'queue'> = {}): Promise<Coordinator> {
  const c = await openCoordinator(PG_URL, { queue, ...opts });
  cleanups.push(async () => {
    await c.close();
  });
  return c;
}

/** Drops the queue's jobs and results after the test, through a coordinator of its own. */
function dropAfter(queue: string): void {
  cleanups.push(async () => {
    const c = await openCoordinator(PG_URL, { queue });
    try {
      await c.drop();
    } finally {
      await c.close();
    }
  });
}

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function expectKobeError(p: Promise<unknown>, code: string): Promise<KobeError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected a KobeError ${code}`).toBeInstanceOf(KobeError);
  expect((e as KobeError).code).toBe(code);
  return e as KobeError;
}

describe('pg-queue connection errors (no database needed)', () => {
  it('a malformed URL is a usage error naming --queue', async () => {
    const e = await expectKobeError(openCoordinator('not a url', { queue: 'q' }), 'QUEUE_BAD_URL');
    expect(e.kind).toBe('usage');
    expect(e.flag).toBe('--queue');
    expect(e.hint).toMatch(/postgres:\/\//);
  });

  it('a non-postgres URL is a usage error and the password is masked', async () => {
    const e = await expectKobeError(runWorker('mysql://u:secret@host/db', { queue: 'q', handler: async () => 1 }), 'QUEUE_BAD_URL');
    expect(e.kind).toBe('usage');
    expect(e.message).not.toContain('secret');
  });

  it('bad options are usage errors', async () => {
    await expectKobeError(openCoordinator(PG_URL, { queue: 'has space' }), 'QUEUE_BAD_NAME');
    await expectKobeError(openCoordinator(PG_URL, { queue: 'q', jobTimeoutSeconds: 0 }), 'QUEUE_BAD_OPTION');
    await expectKobeError(runWorker(PG_URL, { queue: 'q', handler: async () => 1, concurrency: 1.5 }), 'QUEUE_BAD_OPTION');
  });

  it('an unreachable server is a runtime error with a hint, not a hang or an unhandled rejection', async () => {
    const started = Date.now();
    const e = await expectKobeError(openCoordinator('postgres://postgres:pw@127.0.0.1:1/test', { queue: 'q' }), 'QUEUE_DB_UNREACHABLE');
    expect(e.kind).toBe('runtime');
    expect(e.message).toContain('127.0.0.1:1');
    expect(e.message).not.toContain('pw');
    expect(e.hint).toMatch(/running/);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectKobeError(runWorker('postgres://postgres@127.0.0.1:1/test', { queue: 'q', handler: async () => 1 }), 'QUEUE_DB_UNREACHABLE');
  });
});

describe.skipIf(skipDb)('pg-queue against PostgreSQL', () => {
  it('PostgreSQL is reachable', () => {
    expect(unreachable, `PostgreSQL at ${redactUrl(PG_URL)} is unreachable but KOBE_REQUIRE_PG=1`).toBeNull();
  });

  it('a missing database and an unknown user are runtime errors with hints', async () => {
    const url = new URL(PG_URL);
    url.pathname = '/kobe_no_such_database_x';
    const missing = await expectKobeError(openCoordinator(url.toString(), { queue: 'q' }), 'QUEUE_DB_MISSING');
    expect(missing.kind).toBe('runtime');
    expect(missing.hint).toMatch(/createdb/);
    const who = new URL(PG_URL);
    who.username = 'kobe_no_such_user_x';
    const auth = await expectKobeError(openCoordinator(who.toString(), { queue: 'q' }), 'QUEUE_DB_AUTH');
    expect(auth.hint).toMatch(/user and password/);
  });

  it('an in-process worker completes every submitted job; results come back in key order', async () => {
    const queue = uniqueQueue('basic');
    dropAfter(queue);
    const c = await coordinator(queue, { jobTimeoutSeconds: 30 });
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    expect(await c.submit(keys.map((key, n) => ({ key, payload: { n } })))).toBe(8);
    expect(await c.stats()).toEqual({ queued: 8, active: 0, completed: 0, failed: 0 });

    const stop = new AbortController();
    const ran: string[] = [];
    const timed: string[] = [];
    const worker = runWorker(PG_URL, {
      queue,
      workerId: 'w-inproc',
      concurrency: 3,
      pollMs: 50,
      signal: stop.signal,
      onJob: (key, ms) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        timed.push(key);
      },
      handler: async (payload, key) => {
        ran.push(key);
        await new Promise((r) => setTimeout(r, 20));
        return { square: (payload as { n: number }).n ** 2, key };
      },
    });
    const seen: string[] = [];
    const results = await c.waitFor(keys, { pollMs: 50, timeoutMs: 20_000, onResult: (key) => seen.push(key) });
    stop.abort();
    await worker; // resolves once in-flight jobs are stored and pools are closed

    expect([...results.keys()]).toEqual(keys);
    expect(results.get('k3')).toEqual({ square: 9, key: 'k3' });
    expect(seen.sort()).toEqual([...keys].sort());
    expect(ran.sort()).toEqual([...keys].sort());
    expect(timed.sort()).toEqual([...keys].sort());
    expect(await c.stats()).toEqual({ queued: 0, active: 0, completed: 8, failed: 0 });
    const rows = await sql<{ worker: string; attempt: number }>(`SELECT worker, attempt FROM ${DEFAULT_QUEUE_SCHEMA}.results WHERE queue = $1`, [queue]);
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.worker === 'w-inproc' && r.attempt === 1)).toBe(true);
    expect(await c.results(['k0', 'nope'])).toEqual(new Map([['k0', { square: 0, key: 'k0' }]]));
  });

  it('resubmitting keys that are queued, done, or resubmitted by a restarted coordinator does not rerun them', async () => {
    const queue = uniqueQueue('idem');
    dropAfter(queue);
    const first = await openCoordinator(PG_URL, { queue, jobTimeoutSeconds: 30 });
    cleanups.push(() => first.close());
    const jobs = Array.from({ length: 5 }, (_, i) => ({ key: `g${i}`, payload: { n: i } }));
    expect(await first.submit(jobs)).toBe(5);
    expect(await first.submit([...jobs, jobs[0]])).toBe(0); // still queued; duplicate in the batch too

    const calls = new Map<string, number>();
    const stop = new AbortController();
    const worker = runWorker(PG_URL, {
      queue,
      pollMs: 50,
      signal: stop.signal,
      handler: async (payload, key) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (payload as { n: number }).n * 10;
      },
    });
    try {
      await first.waitFor(jobs.map((j) => j.key), { pollMs: 50, timeoutMs: 20_000 });
      expect(await first.submit(jobs)).toBe(0); // done
      await first.close(); // "coordinator restart"

      const second = await coordinator(queue, { jobTimeoutSeconds: 30 });
      const more = [...jobs, { key: 'g5', payload: { n: 5 } }, { key: 'g6', payload: { n: 6 } }];
      expect(await second.submit(more)).toBe(2);
      const all = await second.waitFor(more.map((j) => j.key), { pollMs: 50, timeoutMs: 20_000 });
      expect([...all.values()]).toEqual([0, 10, 20, 30, 40, 50, 60]);
    } finally {
      stop.abort();
      await worker;
    }
    expect([...calls.keys()].sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  });

  it('a failing handler is retried retryLimit times, then waitFor names the key and the error; resubmission queues it afresh', async () => {
    const queue = uniqueQueue('fail');
    dropAfter(queue);
    const c = await coordinator(queue, { jobTimeoutSeconds: 30, retryLimit: 2 });
    const jobs = [
      { key: 'ok-1', payload: { bad: false } },
      { key: 'bad-1', payload: { bad: true } },
      { key: 'ok-2', payload: { bad: false } },
    ];
    expect(await c.submit(jobs)).toBe(3);
    const attempts = new Map<string, number>();
    const stop = new AbortController();
    const worker = runWorker(PG_URL, {
      queue,
      pollMs: 50,
      signal: stop.signal,
      handler: async (payload, key) => {
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
        if ((payload as { bad: boolean }).bad) throw new Error(`genome ${key} has no trades`);
        return 'fine';
      },
    });
    try {
      const e = await expectKobeError(c.waitFor(jobs.map((j) => j.key), { pollMs: 50, timeoutMs: 20_000 }), 'QUEUE_JOB_FAILED');
      expect(e.kind).toBe('runtime');
      expect(e.value).toBe('bad-1');
      expect(e.message).toContain('bad-1');
      expect(e.message).toContain('genome bad-1 has no trades');
      expect(e.message).toContain('after 3 attempt');
      expect(attempts.get('bad-1')).toBe(3); // first try + retryLimit 2
      await c.waitFor(['ok-1', 'ok-2'], { pollMs: 50, timeoutMs: 20_000 });
      expect(await c.stats()).toMatchObject({ completed: 2, failed: 1, queued: 0 });
      expect(await c.submit(jobs)).toBe(1); // only the failed key is queued again
    } finally {
      stop.abort();
      await worker;
    }
  });

  it('a worker rides out its database sessions being killed mid-run', async () => {
    const queue = uniqueQueue('blip');
    dropAfter(queue);
    const c = await coordinator(queue, { jobTimeoutSeconds: 30 });
    const keys = Array.from({ length: 10 }, (_, i) => `b${i}`);
    await c.submit(keys.map((key, i) => ({ key, payload: i })));
    const workerId = `w-blip-${randomBytes(3).toString('hex')}`;
    const errors: Error[] = [];
    let finished = 0;
    let killing: Promise<unknown> | null = null;
    const stop = new AbortController();
    const worker = runWorker(PG_URL, {
      queue,
      workerId,
      concurrency: 2,
      pollMs: 20,
      signal: stop.signal,
      onError: (e) => errors.push(e),
      onJob: () => {
        finished += 1;
        if (finished === 3) {
          killing = sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`kobe-worker:${workerId}`]);
        }
      },
      handler: async (payload) => {
        await new Promise((r) => setTimeout(r, 60));
        return (payload as number) + 100;
      },
    });
    try {
      const all = await c.waitFor(keys, { pollMs: 50, timeoutMs: 30_000 });
      expect([...all.values()]).toEqual(keys.map((_, i) => i + 100));
      expect(killing).not.toBeNull();
      expect((await killing!) as unknown[]).not.toHaveLength(0);
    } finally {
      stop.abort();
      await worker; // still resolves cleanly, no unhandled rejection
    }
    expect(errors.length).toBeGreaterThan(0);
  });

  it('waitFor reports a key never submitted, a timeout and an abort', async () => {
    const queue = uniqueQueue('wait');
    dropAfter(queue);
    const c = await coordinator(queue);
    await expectKobeError(c.waitFor(['never-submitted']), 'QUEUE_JOB_MISSING');
    await c.submit([{ key: 'slow', payload: null }]);
    const t = await expectKobeError(c.waitFor(['slow'], { pollMs: 20, timeoutMs: 150 }), 'QUEUE_WAIT_TIMEOUT');
    expect(t.hint).toMatch(/worker/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expectKobeError(c.waitFor(['slow'], { pollMs: 20, signal: ac.signal }), 'QUEUE_WAIT_ABORTED');
    await c.close();
    await expectKobeError(c.stats(), 'QUEUE_CLOSED');
  });

  it('three worker processes, one SIGKILLed mid-job: its job is retried elsewhere after the lease and every job completes exactly once', async () => {
    const leaseSeconds = 3;
    const queue = uniqueQueue('kill');
    dropAfter(queue);
    const c = await coordinator(queue, { jobTimeoutSeconds: leaseSeconds, retryLimit: 3 });
    const jobs = Array.from({ length: 12 }, (_, i) => ({ key: `job-${String(i).padStart(2, '0')}`, payload: { seed: `s${i}`, ms: 600 } }));
    const keys = jobs.map((j) => j.key);
    expect(await c.submit(jobs)).toBe(12);

    type Line = { event: string; worker: string; at: number; key?: string };
    const lines: Line[] = [];
    const procs = new Map<string, { child: ChildProcess; stderr: string[]; exit: Promise<{ code: number | null; signal: string | null }> }>();
    let victim: { worker: string; key: string; at: number } | null = null;
    requireFreshDist();
    for (const id of ['w1', 'w2', 'w3']) {
      const child = spawn(process.execPath, [WORKER_SCRIPT, PG_URL, queue, id, String(leaseSeconds), '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const stderr: string[] = [];
      child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
      const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exit;
      });
      createInterface({ input: child.stdout! }).on('line', (text) => {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        // The first worker to start a job dies with it, before it can store anything.
        if (line.event === 'start' && victim === null) {
          victim = { worker: line.worker, key: line.key!, at: line.at };
          procs.get(line.worker)!.child.kill('SIGKILL');
        }
      });
      procs.set(id, { child, stderr, exit });
    }

    const results = await c.waitFor(keys, { pollMs: 100, timeoutMs: 40_000 });
    const dead = victim as { worker: string; key: string; at: number } | null;
    expect(dead).not.toBeNull();
    const killed = dead!;
    expect((await procs.get(killed.worker)!.exit).signal).toBe('SIGKILL');

    // Deterministic values, independent of who ran what.
    expect([...results.entries()]).toEqual(jobs.map((j) => [j.key, { sha256: toyHash(j.payload.seed) }]));

    // Exactly once: one result row per key, one `done` per key, every pg-boss job completed.
    const rows = await sql<{ key: string; worker: string; attempt: number }>(
      `SELECT key, worker, attempt FROM ${DEFAULT_QUEUE_SCHEMA}.results WHERE queue = $1 ORDER BY key`,
      [queue],
    );
    expect(rows.map((r) => r.key)).toEqual(keys);
    const done = lines.filter((l) => l.event === 'done');
    expect(done.map((l) => l.key).sort()).toEqual(keys);
    const states = await sql<{ state: string; n: string }>(`SELECT state::text, count(*) AS n FROM ${DEFAULT_QUEUE_SCHEMA}.job WHERE name = $1 GROUP BY state`, [queue]);
    expect(states).toEqual([{ state: 'completed', n: '12' }]);

    // The killed job was rerun by a survivor, as attempt 2, only after its lease ran out.
    const row = rows.find((r) => r.key === killed.key)!;
    expect(row.worker).not.toBe(killed.worker);
    expect(row.attempt).toBe(2);
    expect(rows.some((r) => r.worker === killed.worker)).toBe(false);
    const rerun = lines.find((l) => l.event === 'start' && l.key === killed.key && l.worker !== killed.worker)!;
    expect(rerun).toBeDefined();
    expect(rerun.at - killed.at).toBeGreaterThanOrEqual(leaseSeconds * 1000 - 250);

    // The survivors stop cleanly on SIGTERM.
    for (const [id, p] of procs) {
      if (id === killed.worker) continue;
      p.child.kill('SIGTERM');
      const { code } = await p.exit;
      expect(code, `worker ${id} stderr: ${p.stderr.join('')}`).toBe(0);
      expect(lines.some((l) => l.event === 'stopped' && l.worker === id)).toBe(true);
    }
  });
});
