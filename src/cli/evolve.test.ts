import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireFreshDist } from '../test-support/build-dist.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-evolve-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[], cwd = dir) {
  const io = memoryIo(cwd);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const SMALL = ['--cap', '15', '--start', '2017-01-01', '--end', '2020-12-31', '--train-days', '252', '--test-days', '126', '--min-train-trades', '3'];

describe('kobe evolve', () => {
  it('breeds parameter genomes on the demo market and writes its artifacts and store', async () => {
    const r = await kobe(['evolve', '--strategy', 'ibs-rsi', ...SMALL, '--generations', '3', '--population', '8', '--workers', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.generations).toHaveLength(3);
    expect(j.trials).toBeGreaterThanOrEqual(8);
    expect(j.best.fitness).toBeTypeOf('number');
    expect(j.pareto.length).toBeGreaterThan(0);
    const runDir = join(dir, 'wf_outputs', 'evolve', j.runId);
    for (const f of ['manifest.json', 'summary.json', 'pareto.json', 'lineage_best.json', 'population_gen_00.json', 'population_gen_02.json']) {
      expect(existsSync(join(runDir, f)), f).toBe(true);
    }
    const lineage = JSON.parse(readFileSync(join(runDir, 'lineage_best.json'), 'utf8'));
    expect(lineage[0].fingerprint).toBe(j.best.fingerprint);
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM trials WHERE run_id = ?').get(j.runId) as { n: number }).n).toBe(j.trials);
    expect((db.prepare("SELECT status FROM evolve_runs WHERE run_id = ?").get(j.runId) as { status: string }).status).toBe('done');
    db.close();
  });

  it('refuses contradictory or impossible settings with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['evolve'], /--strategy NAME .* or --rules/],
      [['evolve', '--strategy', 'ibs-rsi', '--rules'], /--strategy NAME .* or --rules/],
      [['evolve', '--strategy', 'nope'], /unknown strategy 'nope'/],
      [['evolve', '--rules', '--population', '4', '--elite', '4'], /--elite \(4\) must be less than --population/],
      [['evolve', '--rules', '--mutation-rate', '1.5'], /probability/],
      [['evolve', '--rules', '--generations', '0'], /--generations/],
    ];
    for (const [args, msg] of cases) {
      const r = await kobe(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });

  it('resumes after kill -9 without losing or repeating an evaluation, ending where an uninterrupted run ends', async () => {
    const args = ['evolve', '--rules', ...SMALL, '--generations', '3', '--population', '10', '--workers', '1', '--seed', '5'];
    const killedDir = join(dir, 'killed');
    const cleanDir = join(dir, 'clean');
    for (const d of [killedDir, cleanDir]) rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(killedDir);
    mkdirSync(cleanDir);

    requireFreshDist();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: killedDir, stdio: 'ignore' });
    const dbPath = join(killedDir, 'kobe.db');
    let before = 0;
    for (let waited = 0; waited < 30_000; waited += 25) {
      await new Promise((r) => setTimeout(r, 25));
      if (!existsSync(dbPath)) continue;
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        before = (db.prepare('SELECT count(*) AS n FROM evaluations').get() as { n: number }).n;
        db.close();
      } catch {
        continue;
      }
      if (before >= 6) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(before).toBeGreaterThanOrEqual(6);
    const countNow = () => {
      const db = new Database(dbPath, { readonly: true });
      const n = (db.prepare('SELECT count(*) AS n FROM evaluations').get() as { n: number }).n;
      db.close();
      return n;
    };
    const atKill = countNow();

    const refused = await kobe(args, killedDir);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/interrupted.*--resume|--resume/);

    const resumed = await kobe([...args, '--resume', '--json'], killedDir);
    expect(resumed.code, resumed.err).toBe(0);
    const clean = await kobe([...args, '--json'], cleanDir);
    expect(clean.code, clean.err).toBe(0);
    const r = JSON.parse(resumed.out);
    const c = JSON.parse(clean.out);
    expect(r.runId).toBe(c.runId);
    const computedAfterResume = r.generations.reduce((a: number, g: { evaluations: number }) => a + g.evaluations, 0);
    const computedClean = c.generations.reduce((a: number, g: { evaluations: number }) => a + g.evaluations, 0);
    // Nothing lost, nothing twice: every result the killed run committed was reused, and the
    // resumed run computed exactly the rest.
    expect(atKill).toBeLessThan(computedClean);
    expect(computedAfterResume).toBe(computedClean - atKill);
    expect(countNow()).toBe(computedClean);
    const popDir = (d: string) => join(d, 'wf_outputs', 'evolve', r.runId);
    // Same search, same results; only the bookkeeping of what was computed versus reused differs.
    for (const f of readdirSync(popDir(cleanDir)).filter((n) => n !== 'summary.json')) {
      expect(readFileSync(join(popDir(killedDir), f), 'utf8'), f).toBe(readFileSync(join(popDir(cleanDir), f), 'utf8'));
    }
    expect(r.best).toEqual(c.best);
    expect(r.generations.map((g: { best: number }) => g.best)).toEqual(c.generations.map((g: { best: number }) => g.best));
  });
});

describe.runIf(sharedDataAvailable())('kobe evolve on ../shared/data/us-equities-stooq', () => {
  it('searches free rules over 40 real stocks on two threads', async () => {
    requireFreshDist();
    const r = await kobe(['evolve', '--rules', '--data-dir', SHARED_STOOQ_DIR, '--cap', '40', '--start', '2014-01-01', '--end', '2017-11-10', '--generations', '2', '--population', '8', '--workers', '2', '--min-train-trades', '3', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.synthetic).toBe(false);
    expect(j.manifest.data.historyBars).toBe(756);
    expect(j.generations).toHaveLength(2);
    expect(j.trials).toBeGreaterThanOrEqual(8);
  });
});
