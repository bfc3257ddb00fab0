import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../distributed/pg-connect.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { PG_URL, skipWithoutPostgres } from '../test-support/postgres.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const { skip, unreachable } = await skipWithoutPostgres('distributed evolve', redactUrl);
const dir = mkdtempSync(join(tmpdir(), 'kobe-dist-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function resultsStored(queue: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const r = await client.query('SELECT count(*)::int AS n FROM kobe_queue.results WHERE queue = $1', [queue]);
    return r.rows[0].n as number;
  } catch {
    return 0;
  } finally {
    await client.end();
  }
}

const ARGS = ['evolve', '--rules', '--cap', '15', '--start', '2017-01-01', '--end', '2020-12-31', '--train-days', '252', '--test-days', '126', '--min-train-trades', '3', '--generations', '3', '--population', '10', '--seed', '21'];

describe.skipIf(skip)('kobe evolve over PostgreSQL with kobe worker processes', () => {
  it('PostgreSQL is reachable', () => {
    expect(unreachable, `PostgreSQL at ${redactUrl(PG_URL)} is unreachable but KOBE_REQUIRE_PG=1`).toBeNull();
  });

  it('one coordinator and three workers, one killed mid-run, give the local run’s outcome', async () => {
    requireFreshDist();
    const queue = `test-evolve-${randomBytes(5).toString('hex')}`;
    const workDirs = ['w0', 'w1', 'w2'].map((w) => {
      const d = join(dir, w);
      mkdirSync(d);
      return d;
    });
    for (const d of workDirs) {
      const child = spawn(process.execPath, [BIN, 'worker', '--queue', PG_URL, '--queue-name', queue, '--idle-exit', '20'], { cwd: d, stdio: 'ignore' });
      children.push(child);
    }
    const coordDir = join(dir, 'coordinator');
    mkdirSync(coordDir);
    const io = memoryIo(coordDir);
    const coordinator = main([...ARGS, '--queue', PG_URL, '--queue-name', queue, '--queue-lease', '4', '--json'], io);

    // Kill a worker as soon as results start landing: it is almost surely inside a job then.
    let killed = false;
    for (let waited = 0; waited < 60_000 && !killed; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      if ((await resultsStored(queue)) >= 2) {
        children[0].kill('SIGKILL');
        killed = true;
      }
    }
    expect(killed).toBe(true);
    const code = await coordinator;
    expect(code, io.err()).toBe(0);
    const remote = JSON.parse(io.out());

    const localDir = join(dir, 'local');
    mkdirSync(localDir);
    const localIo = memoryIo(localDir);
    expect(await main([...ARGS, '--workers', '1', '--json'], localIo), localIo.err()).toBe(0);
    const local = JSON.parse(localIo.out());

    expect(remote.runId).not.toBe(undefined);
    expect(remote.best).toEqual(local.best);
    expect(remote.pareto).toEqual(local.pareto);
    expect(remote.generations.map((g: { best: number; median: number }) => [g.best, g.median])).toEqual(
      local.generations.map((g: { best: number; median: number }) => [g.best, g.median]),
    );
    // Every evaluation landed in PostgreSQL, once.
    expect(await resultsStored(queue)).toBe(local.generations.reduce((a: number, g: { evaluations: number }) => a + g.evaluations, 0));
  });
});
