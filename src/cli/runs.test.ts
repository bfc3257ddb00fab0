import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
let wf: { runId: string; strategies: { strategy: string; outOfSample: { metrics: { sharpe: number | null; trades: number } } }[] };
let sim: { runId: string; metrics: { sharpe: number | null; totalReturnFrac: number | null; maxDrawdownFrac: number | null; trades: number } };

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const SMALL = ['--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-runs-'));
  const w = await kobe(['wf', ...SMALL, '--train-days', '126', '--test-days', '126', '--json']);
  expect(w.code, w.err).toBe(0);
  wf = JSON.parse(w.out);
  const s = await kobe(['simulate', '--strategy', 'ibs-rsi', ...SMALL, '--json']);
  expect(s.code, s.err).toBe(0);
  sim = JSON.parse(s.out);
  // Recorded in the same millisecond or not, the simulate run must sort first: make the clock explicit.
  const db = new Database(join(dir, 'kobe.db'));
  db.prepare('UPDATE runs SET recorded_at = ? WHERE run_id = ?').run('2026-01-01T00:00:00.000Z', wf.runId);
  db.prepare('UPDATE runs SET recorded_at = ? WHERE run_id = ?').run('2026-01-02T00:00:00.000Z', sim.runId);
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kobe runs', () => {
  it('lists the registry newest first with strategies, dates and key metrics', async () => {
    const r = await kobe(['runs', '--json']);
    expect(r.code, r.err).toBe(0);
    const { runs } = JSON.parse(r.out);
    expect(runs.map((x: { runId: string }) => x.runId)).toEqual([sim.runId, wf.runId]);
    expect(runs[0]).toMatchObject({ command: 'simulate', strategies: ['ibs-rsi'], start: expect.stringMatching(/^2019-01/), end: expect.stringMatching(/^2021-12/), recordedAt: '2026-01-02T00:00:00.000Z' });
    expect(runs[0].metrics).toEqual([
      { strategy: 'ibs-rsi', start: runs[0].start, end: runs[0].end, sharpe: sim.metrics.sharpe, totalReturnFrac: sim.metrics.totalReturnFrac, maxDrawdownFrac: sim.metrics.maxDrawdownFrac, trades: sim.metrics.trades },
    ]);
    expect(runs[1].command).toBe('wf');
    expect(runs[1].strategies).toEqual(['ibs-rsi', 'turtle-soup']);
    expect(runs[1].metrics.map((m: { strategy: string; sharpe: number | null; trades: number }) => [m.strategy, m.sharpe, m.trades])).toEqual(
      wf.strategies.map((s) => [s.strategy, s.outOfSample.metrics.sharpe, s.outOfSample.metrics.trades]),
    );
  });

  it('--limit keeps the newest; the table has one line per run and strategy', async () => {
    const one = JSON.parse((await kobe(['runs', '--limit', '1', '--json'])).out);
    expect(one.runs.map((x: { runId: string }) => x.runId)).toEqual([sim.runId]);
    const text = await kobe(['runs']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(sim.runId);
    expect(text.out).toContain(wf.runId);
    expect(text.out.indexOf(sim.runId)).toBeLessThan(text.out.indexOf(wf.runId));
    expect(text.out).toMatch(/turtle-soup/);
    expect((await kobe(['runs', '--limit', '0'])).code).toBe(2);
  });

  it('show accepts a unique prefix and prints the manifest and summary', async () => {
    const r = await kobe(['runs', 'show', wf.runId.slice(0, 6), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.manifest.runId).toBe(wf.runId);
    expect(j.summary.map((s: { strategy: string }) => s.strategy)).toEqual(['ibs-rsi', 'turtle-soup']);
    const text = await kobe(['runs', 'show', sim.runId]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(`run ${sim.runId}: kobe simulate of ibs-rsi`);
    expect(text.out).toContain('manifest:');
    expect(text.out).toContain(`"runId": "${sim.runId}"`);
  });

  it('an empty, unknown or ambiguous id is a usage error', async () => {
    const empty = await kobe(['runs', 'show', '']);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/\[BAD_RUN_ID\]/);
    const unknown = await kobe(['runs', 'show', 'zzzz']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no run .* starts with zzzz \[UNKNOWN_RUN\]/);
    // Hex ids: every run starts with one of 16 characters, so the empty-ish prefix of a real
    // pair is found by looking for a shared first character, and otherwise made with a third run.
    const ids = [wf.runId, sim.runId];
    let shared = ids[0][0] === ids[1][0] ? ids[0][0] : null;
    if (shared === null) {
      const db = new Database(join(dir, 'kobe.db'));
      db.prepare("INSERT INTO runs (run_id, command, recorded_at, manifest_json, summary_json) SELECT ? || substr(run_id, 2), command, recorded_at, manifest_json, summary_json FROM runs WHERE run_id = ?").run(ids[1][0], ids[0]);
      db.close();
      shared = ids[1][0];
    }
    const amb = await kobe(['runs', 'show', shared]);
    expect(amb.code).toBe(2);
    expect(amb.err).toMatch(/runs start with .*\[AMBIGUOUS_RUN_ID\]/);
  });

  it('lists kobe evolve runs from the same database, with the best genome and its out-of-sample numbers', async () => {
    const e = await kobe(['evolve', '--strategy', 'ibs-rsi', ...SMALL, '--train-days', '126', '--test-days', '126', '--min-train-trades', '1', '--generations', '1', '--population', '4', '--workers', '1', '--json']);
    expect(e.code, e.err).toBe(0);
    const ev = JSON.parse(e.out);
    const { runs } = JSON.parse((await kobe(['runs', '--json'])).out);
    const listed = runs.find((x: { runId: string }) => x.runId === ev.runId);
    expect(listed).toMatchObject({ command: 'evolve', strategies: ['ibs-rsi parameters'] });
    expect(listed.metrics[0].strategy).toBe(`best ${ev.best.fingerprint.slice(0, 12)} (done)`);
    expect(listed.metrics[0].sharpe).toBe(ev.best.objectives.sharpe);
    expect(listed.metrics[0].trades).toBe(ev.best.trades);
    const shown = await kobe(['runs', 'show', ev.runId.slice(0, 8)]);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`kobe evolve of ibs-rsi parameters`);
  });

  it('refuses a database that does not exist', async () => {
    const r = await kobe(['runs', '--db', 'nope.db']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[DB_MISSING\]/);
    const show = await kobe(['runs', 'show', wf.runId, '--db', 'nope.db']);
    expect(show.code).toBe(2);
    expect(show.err).toMatch(/nope\.db.*\[DB_MISSING\]/);
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
  });
});
