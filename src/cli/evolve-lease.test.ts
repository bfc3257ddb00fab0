import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-evolve-lease-'));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const ARGS = ['evolve', '--strategy', 'ibs-rsi', '--cap', '12', '--start', '2017-01-01', '--end', '2020-12-31', '--train-days', '252', '--test-days', '126', '--min-train-trades', '3', '--generations', '1', '--population', '4', '--workers', '1'];

function setRun(runId: string, fields: Record<string, string | number | null>): void {
  const db = new Database(join(dir, 'kobe.db'));
  const cols = Object.keys(fields);
  db.prepare(`UPDATE evolve_runs SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE run_id = ?`).run(...cols.map((c) => fields[c]), runId);
  db.close();
}

describe('kobe evolve: resume, live runs and interrupted runs', () => {
  it('--resume with nothing to resume is an error naming the database, and starts nothing', async () => {
    const r = await kobe([...ARGS, '--resume']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/nothing to resume.*kobe\.db.*\[NOTHING_TO_RESUME\]/);
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM evolve_runs').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('tells a live run (its process holds the lease) from an interrupted one', async () => {
    const first = await kobe([...ARGS, '--json']);
    expect(first.code, first.err).toBe(0);
    const { runId } = JSON.parse(first.out);
    // A finished run cannot be resumed either.
    const done = await kobe([...ARGS, '--resume']);
    expect(done.code).toBe(2);
    expect(done.err).toMatch(/already finished.*\[NOTHING_TO_RESUME\]/);

    // Another live process holds the run, with a fresh heartbeat.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(holder);
    setRun(runId, { status: 'running', owner_pid: holder.pid!, owner_host: hostname(), heartbeat_at: new Date(Date.now() - 3000).toISOString() });
    for (const args of [ARGS, [...ARGS, '--resume']]) {
      const busy = await kobe(args);
      expect(busy.code, busy.err).toBe(2);
      expect(busy.err).toMatch(new RegExp(`run ${runId} is running \\(pid ${holder.pid} on ${hostname()}, heartbeat [0-9]+ s ago\\).*\\[RUN_IN_PROGRESS\\]`));
    }

    // The holder dies: the run is interrupted, and --resume continues it.
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const interrupted = await kobe(ARGS);
    expect(interrupted.code).toBe(2);
    expect(interrupted.err).toMatch(/interrupted.*\[RUN_INTERRUPTED\]/);
    const resumed = await kobe([...ARGS, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/\(resumed\)/);
  });

  it('prints the first test split as the start of the out-of-sample span', async () => {
    const r = await kobe(ARGS);
    expect(r.code, r.err).toBe(0);
    const wf = await kobe(['wf', '--strategy', 'ibs-rsi', '--cap', '12', '--start', '2017-01-01', '--end', '2020-12-31', '--train-days', '252', '--test-days', '126', '--history-bars', '756', '--json']);
    const firstTest = JSON.parse(wf.out).strategies[0].splits[0].testStart as string;
    expect(firstTest > '2017-12-01').toBe(true);
    expect(r.out).toContain(`walk-forward out of sample ${firstTest}..`);
  });

  it('a bad --outdir or --db is refused before the search, naming the path', async () => {
    writeFileSync(join(dir, 'taken'), 'a file\n');
    const out = await kobe([...ARGS, '--outdir', 'taken']);
    expect(out.code, out.err).toBe(2);
    expect(out.err).toMatch(/taken.*not a folder.*\[OUTDIR_NOT_A_FOLDER\]/);
    expect(out.out).not.toMatch(/^evolve run /m);
    const db = await kobe([...ARGS, '--db', 'taken']);
    expect(db.code, db.err).toBe(2);
    expect(db.err).toMatch(/taken is not a SQLite database.*\[DB_NOT_SQLITE\]/);
  });

  it('an unreachable --queue leaves no run behind in state running', async () => {
    const r = await kobe([...ARGS, '--queue', 'postgres://postgres@127.0.0.1:1/test']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/QUEUE_DB_UNREACHABLE/);
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    expect(db.prepare("SELECT run_id FROM evolve_runs WHERE status = 'running'").all()).toEqual([]);
    db.close();
  });
});
