import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
let runId: string;
async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-promote-'));
  const r = await kobe(['evolve', '--strategy', 'ibs-rsi', '--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31', '--train-days', '252', '--test-days', '63', '--min-train-trades', '3', '--generations', '2', '--population', '8', '--workers', '1', '--json']);
  expect(r.code, r.err).toBe(0);
  runId = JSON.parse(r.out).runId;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kobe promote', () => {
  it('rejects with exit 3, reporting every failed gate and the inputs of the DSR and PBO', async () => {
    const r = await kobe(['promote', runId, '--min-sharpe', '50', '--min-pf', '50', '--json']);
    expect(r.code, r.err).toBe(3);
    const j = JSON.parse(r.out);
    expect(j.verdict).toBe('rejected');
    expect(j.failed).toEqual(expect.arrayContaining(['OOS_SHARPE_TOO_LOW', 'PROFIT_FACTOR_TOO_LOW']));
    for (const g of j.gates) expect(g).toHaveProperty('measured');
    for (const k of ['perPeriodSharpe', 'nObs', 'skew', 'kurtosis', 'trials', 'trialSharpeVariance', 'expectedMaxSharpe']) expect(j.deflatedSharpe).toHaveProperty(k);
    expect(j.deflatedSharpe.trials).toBeGreaterThanOrEqual(8);
    expect(j.pbo).toHaveProperty('blocks');
    expect(j.state).toBe('candidate');
    expect(j.score.tags).toBeInstanceOf(Array);
  });

  it('promotes when every gate passes, records the transition and appends to the audit chain', async () => {
    const r = await kobe(['promote', runId, '--min-sharpe', '-10', '--min-pf', '0', '--min-trades', '1', '--min-dsr', '0', '--max-pbo', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.state).toBe('production');
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    const states = db.prepare('SELECT to_state, reason FROM registry_transitions WHERE id = ? ORDER BY seq').all(j.candidate) as { to_state: string; reason: string }[];
    db.close();
    expect(states.map((s) => s.to_state)).toEqual(['candidate', 'candidate', 'production']);
    expect(states[2].reason).toMatch(/every gate passed/);
    const v = await kobe(['audit', 'verify', '--json']);
    expect(v.code, v.err).toBe(0);
    expect(JSON.parse(v.out).records).toBeGreaterThanOrEqual(3);
  });

  it('reviews the roster: decays, then retires after two failing reviews with a post-mortem', async () => {
    // A two-session window cannot hold 20 trades: every review fails.
    const first = await kobe(['promote', '--review', '--review-days', '2', '--json']);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out).reviewed[0]).toMatchObject({ from: 'production', to: 'decaying' });
    const second = await kobe(['promote', '--review', '--review-days', '2', '--json']);
    expect(JSON.parse(second.out).reviewed[0]).toMatchObject({ from: 'decaying', to: 'retired' });
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    const pm = db.prepare('SELECT what_decayed, decayed_since FROM registry_post_mortems').all() as { what_decayed: string; decayed_since: string }[];
    db.close();
    expect(pm).toHaveLength(1);
    expect(pm[0].what_decayed).toMatch(/trades/);
    // A passing review (a long window, loose policy is not needed: the full span has trades) re-enables it only if it passes.
    const third = await kobe(['promote', '--review', '--review-days', '1000', '--json']);
    const row = JSON.parse(third.out).reviewed[0];
    expect(['production', 'retired']).toContain(row.to);
    if (row.to === 'production') expect(row.reason).toMatch(/re-enabled after a passing review/);
  });

  it('the audit chain names the first tampered line', async () => {
    const path = join(dir, 'audit', 'audit.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1].replace('"kind":"', '"kind":"x');
    writeFileSync(path, lines.join('\n'));
    const v = await kobe(['audit', 'verify']);
    expect(v.code).toBe(1);
    expect(v.out + v.err).toMatch(/audit\.jsonl:2: /);
  });

  it('refuses an unknown run or genome with exit 2', async () => {
    expect((await kobe(['promote', 'nope'])).code).toBe(2);
    expect((await kobe(['promote', `${runId}:ffffffffffff`])).code).toBe(2);
    expect((await kobe(['promote'])).code).toBe(2);
  });
});

describe('kobe promote of a kobe wf run', () => {
  it('replays the tuned walk-forward and judges it against its tuning grid as the trials', async () => {
    const wf = await kobe(['wf', '--strategy', 'ibs-rsi', '--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31', '--train-days', '252', '--test-days', '126', '--json']);
    expect(wf.code, wf.err).toBe(0);
    const id = JSON.parse(wf.out).runId;
    const r = await kobe(['promote', `wf:${id}:ibs-rsi`, '--json']);
    expect([0, 3]).toContain(r.code);
    const j = JSON.parse(r.out);
    expect(j.source).toEqual({ kind: 'wf', runId: id, strategy: 'ibs-rsi' });
    expect(j.deflatedSharpe.trials).toBe(9);
    expect(j.pbo.strategies).toBe(9);
    expect(j.splits).toBe(JSON.parse(wf.out).strategies[0].splits.length);
    expect((await kobe(['promote', `wf:${id}:turtle-soup`])).code).toBe(2);
  });
});

describe.runIf(sharedDataAvailable())('promotion on ../shared/data/us-equities-stooq', () => {
  it('judges an evolve candidate on real stocks and stress-tests a real simulation', async () => {
    const common = ['--data-dir', SHARED_STOOQ_DIR, '--cap', '40', '--start', '2014-01-01', '--end', '2017-11-10'];
    const evo = await kobe(['evolve', '--strategy', 'ibs-rsi', ...common, '--generations', '2', '--population', '6', '--workers', '1', '--min-train-trades', '2', '--json']);
    expect(evo.code, evo.err).toBe(0);
    const p = await kobe(['promote', JSON.parse(evo.out).runId, '--json']);
    expect([0, 3]).toContain(p.code);
    const j = JSON.parse(p.out);
    expect(j.synthetic).toBe(false);
    expect(j.deflatedSharpe.nObs).toBeGreaterThan(100);
    const sim = await kobe(['simulate', ...common, '--monte-carlo', '1000', '--stress', '--json']);
    expect(sim.code, sim.err).toBe(0);
    expect(JSON.parse(sim.out).stress.scenarios).toHaveLength(4);
  });
});
