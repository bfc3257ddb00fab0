import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayToIso } from '../core/calendar.js';
import { generateDemoMarket } from '../demo/demo-market.js';
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
    // N counts the trials with a Sharpe; the pruned ones are reported apart, never as a 0.
    expect(j.deflatedSharpe.trialSet.tried).toBeGreaterThanOrEqual(8);
    expect(j.deflatedSharpe.trials).toBe(j.deflatedSharpe.trialSet.tried - j.deflatedSharpe.trialSet.excluded);
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

/** Runs kobe in folder `d`. */
async function kobeIn(d: string, args: string[]) {
  const io = memoryIo(d);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const EVOLVE_DEMO = ['evolve', '--strategy', 'ibs-rsi', '--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31', '--train-days', '252', '--test-days', '63', '--min-train-trades', '3', '--generations', '2', '--population', '8', '--workers', '1', '--json'];
/** Thresholds every candidate with a computed record passes. */
const LOOSE = { '--min-sharpe': '-100', '--min-pf': '0', '--min-trades': '0', '--min-dsr': '0', '--max-pbo': '1' };
const flags = (t: Record<string, string>): string[] => Object.entries(t).flat();

describe('kobe promote: what the verdict and its inputs are, exactly', () => {
  let d: string;
  let run: string;
  beforeAll(async () => {
    d = mkdtempSync(join(tmpdir(), 'kobe-promote-exact-'));
    const r = await kobeIn(d, EVOLVE_DEMO);
    expect(r.code, r.err).toBe(0);
    run = JSON.parse(r.out).runId;
  });
  afterAll(() => rmSync(d, { recursive: true, force: true }));
  const registryState = (id: string): string => {
    const db = new Database(join(d, 'kobe.db'), { readonly: true });
    try {
      return (db.prepare('SELECT state FROM registry WHERE id = ?').get(id) as { state: string }).state;
    } finally {
      db.close();
    }
  };

  it('the DSR takes N and V from the trials with a stored out-of-sample Sharpe, and says which were left out', async () => {
    const r = await kobeIn(d, ['promote', run, ...flags(LOOSE), '--min-trades', '100000', '--json']);
    expect(r.code, r.err).toBe(3);
    const j = JSON.parse(r.out);
    const db = new Database(join(d, 'kobe.db'), { readonly: true });
    const rows = db
      .prepare('SELECT e.status, e.result_json FROM trials t JOIN evolve_runs r ON r.run_id = t.run_id LEFT JOIN evaluations e ON e.context_hash = r.context_hash AND e.fingerprint = t.fingerprint WHERE t.run_id = ?')
      .all(run) as { status: string | null; result_json: string | null }[];
    db.close();
    const sharpes = rows
      .map((x) => (x.result_json === null ? null : (JSON.parse(x.result_json) as { oos: { sharpe: number | null } | null }).oos?.sharpe ?? null))
      .filter((x): x is number => x !== null)
      .map((x) => x / Math.sqrt(252));
    // this search pruned some genomes: the case the old inputs got wrong
    expect(rows.length).toBeGreaterThan(sharpes.length);
    const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
    const v = sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sharpes.length - 1);
    expect(j.deflatedSharpe.trials).toBe(sharpes.length);
    expect(j.deflatedSharpe.trialCount).toBe(sharpes.length);
    expect(j.deflatedSharpe.trialSharpeVariance).toBeCloseTo(v, 14);
    expect(j.deflatedSharpe.trialSet).toMatchObject({ tried: rows.length, excluded: rows.length - sharpes.length });
    expect(j.deflatedSharpe.trialSet.set).toMatch(/computed out-of-sample Sharpe/);
    const reasons = j.deflatedSharpe.trialSet.excludedBecause as Record<string, number>;
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(rows.length - sharpes.length);
    for (const why of Object.keys(reasons)) expect(why).toMatch(/pruned|undefined|not evaluated/);
    // PBO uses every split
    expect(j.pbo.splitsUsed).toBe(j.splits);
    expect(j.pbo.blockSizes.reduce((a: number, b: number) => a + b, 0)).toBe(j.splits);
    expect(j.pbo.blockCount).toBe(j.pbo.blockSizes.length);
  });

  it('fails exactly the one gate whose threshold the record misses (boundaries included), exit 3, state stays candidate', async () => {
    const probe = JSON.parse((await kobeIn(d, ['promote', run, ...flags(LOOSE), '--min-trades', '100000', '--json'])).out);
    const measured = (code: string): number => probe.gates.find((g: { code: string }) => g.code === code).measured;
    const trades = measured('TOO_FEW_TRADES');
    const sharpe = measured('OOS_SHARPE_TOO_LOW');
    const pf = measured('PROFIT_FACTOR_TOO_LOW');
    const dsr = measured('DEFLATED_SHARPE_TOO_LOW');
    const pbo = measured('BACKTEST_OVERFIT');
    expect([trades, sharpe, pf, dsr, pbo].every((x) => typeof x === 'number')).toBe(true);
    const cases: [string, Record<string, string>][] = [
      ['TOO_FEW_TRADES', { '--min-trades': String(trades + 1) }],
      ['OOS_SHARPE_TOO_LOW', { '--min-sharpe': String(sharpe) }], // must EXCEED: equal fails
      ['PROFIT_FACTOR_TOO_LOW', { '--min-pf': String(pf) }], // must EXCEED: equal fails
    ];
    // the seeded demo search leaves room on both sides of the DSR and PBO thresholds
    expect(dsr).toBeLessThan(1);
    expect(pbo).toBeGreaterThan(0);
    cases.push(['DEFLATED_SHARPE_TOO_LOW', { '--min-dsr': String(Math.min(1, dsr + 1e-9)) }], ['BACKTEST_OVERFIT', { '--max-pbo': String(Math.max(0, pbo - 1e-9)) }]);
    for (const [code, t] of cases) {
      const r = await kobeIn(d, ['promote', run, ...flags({ ...LOOSE, ...t }), '--json']);
      expect(r.code, `${code}: ${r.err}`).toBe(3);
      const j = JSON.parse(r.out);
      expect(j.verdict).toBe('rejected');
      expect(j.failed).toEqual([code]);
      expect(j.state).toBe('candidate');
      expect(registryState(j.candidate)).toBe('candidate');
    }
    // The text output names the gate, prints counts as integers and says the verdict.
    const text = await kobeIn(d, ['promote', run, ...flags({ ...LOOSE, '--min-trades': String(trades + 1) })]);
    expect(text.code).toBe(3);
    const tradesLine = text.out.split('\n').find((l) => l.includes('TOO_FEW_TRADES'))!;
    expect(tradesLine).toMatch(new RegExp(`\\b${trades}\\b`));
    expect(tradesLine).not.toMatch(/\d\.000/);
    expect(text.out.split('\n').find((l) => l.includes('SPLITS_MISSING'))).not.toMatch(/\d\.000/);
    expect(text.out).toMatch(/REJECTED: TOO_FEW_TRADES/);

    // Every threshold exactly at the measured value where the gate allows equality: promoted.
    const atBoundary = { ...LOOSE, '--min-trades': String(trades), '--min-dsr': String(dsr), '--max-pbo': String(pbo) };
    const ok = await kobeIn(d, ['promote', run, ...flags(atBoundary), '--json']);
    expect(ok.code, ok.err).toBe(0);
    const j = JSON.parse(ok.out);
    expect(j).toMatchObject({ verdict: 'promoted', state: 'production', failed: [] });
    expect(registryState(j.candidate)).toBe('production');
  });

  it('an empty genome prefix is a usage error that says the prefix is empty', async () => {
    const r = await kobeIn(d, ['promote', `${run}:`, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('EMPTY_GENOME_PREFIX');
    expect(r.err).toMatch(/prefix .* is empty/);
    expect(r.err).not.toMatch(/more than one/);
  });

  it('--help lists the exit codes, 3 (a gate rejected the candidate) among them', async () => {
    const r = await kobeIn(d, ['promote', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes:.*\b3 a gate rejected the candidate/s);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme.match(/Exit codes: [^\n]*(\n[^\n]+)*/)![0]).toMatch(/`3` a gate rejected the candidate/);
  });

  it('refuses a replay that does not reproduce the stored Sharpe (REPLAY_MISMATCH, exit 2) and records nothing', async () => {
    const e = mkdtempSync(join(tmpdir(), 'kobe-promote-mismatch-'));
    try {
      const evo = await kobeIn(e, EVOLVE_DEMO);
      const id = JSON.parse(evo.out).runId;
      const best = JSON.parse((await kobeIn(e, ['promote', id, ...flags(LOOSE), '--min-trades', '100000', '--json'])).out).candidate as string;
      const db = new Database(join(e, 'kobe.db'));
      const row = db.prepare('SELECT context_hash, result_json FROM evaluations WHERE fingerprint = ?').get(best) as { context_hash: string; result_json: string };
      const stored = JSON.parse(row.result_json);
      stored.oos.sharpe += 0.01;
      db.prepare('UPDATE evaluations SET result_json = ? WHERE context_hash = ? AND fingerprint = ?').run(JSON.stringify(stored), row.context_hash, best);
      const before = (db.prepare('SELECT count(*) AS n FROM registry_transitions').get() as { n: number }).n;
      db.close();
      const r = await kobeIn(e, ['promote', id, ...flags(LOOSE), '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out).error.code).toBe('REPLAY_MISMATCH');
      const after = new Database(join(e, 'kobe.db'), { readonly: true });
      expect((after.prepare('SELECT count(*) AS n FROM registry_transitions').get() as { n: number }).n).toBe(before);
      after.close();
    } finally {
      rmSync(e, { recursive: true, force: true });
    }
  });
});

describe('kobe promote on a data folder', () => {
  // The demo market written out as CSV files: real files, so the data hash and the bar cache apply.
  let d: string;
  beforeAll(() => {
    d = mkdtempSync(join(tmpdir(), 'kobe-promote-files-'));
    const demo = generateDemoMarket({ symbols: 8, years: 6, startIso: '2015-01-02' });
    mkdirSync(join(d, 'bars'));
    for (const x of demo.series) {
      const lines = ['Date,Open,High,Low,Close,Volume'];
      for (let i = 0; i < x.day.length; i++) lines.push(`${dayToIso(x.day[i])},${x.open[i]},${x.high[i]},${x.low[i]},${x.close[i]},${x.volume[i]}`);
      writeFileSync(join(d, 'bars', `${x.symbol}.csv`), `${lines.join('\n')}\n`);
    }
  });
  afterAll(() => rmSync(d, { recursive: true, force: true }));

  it('reads the bar cache with --cache, and refuses with DATA_CHANGED (exit 2) when a file changed after the run', async () => {
    const common = ['--data-dir', 'bars', '--index', 'DEMX', '--start', '2016-06-01', '--end', '2020-12-31'];
    const evo = await kobeIn(d, ['evolve', '--strategy', 'ibs-rsi', ...common, '--train-days', '252', '--test-days', '63', '--min-train-trades', '1', '--generations', '1', '--population', '6', '--workers', '1', '--json']);
    expect(evo.code, evo.err).toBe(0);
    const id = JSON.parse(evo.out).runId;
    const p = await kobeIn(d, ['promote', id, ...flags(LOOSE), '--cache', 'cache', '--json']);
    expect([0, 3], p.err).toContain(p.code);
    expect(readdirSync(join(d, 'cache')).length).toBeGreaterThan(0);
    // the data changes after the run: one bar of one file
    const f = join(d, 'bars', readdirSync(join(d, 'bars')).find((x) => x !== 'DEMX.csv')!);
    const lines = readFileSync(f, 'utf8').split('\n');
    const cells = lines[400].split(',');
    cells[4] = String(Number(cells[4]) * 1.01);
    lines[400] = cells.join(',');
    writeFileSync(f, lines.join('\n'));
    const r = await kobeIn(d, ['promote', id, ...flags(LOOSE), '--cache', 'cache', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('DATA_CHANGED');
  });
});
