import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportDataOf, sectionsOf } from '../test-support/report-html.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/** Kelly sizing and the position limits from the command line, on the demo market. */
let dir: string;
async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}
const SMALL = ['--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-allocation-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SimJson {
  runId: string;
  report: string;
  denials: Record<string, number>;
  manifest: { engine: Record<string, unknown> };
  allocation: {
    limits: { maxSymbolWeight: number | null; ordersClampedToSymbolWeight: number; maxCorrelation: number | null; deniedForCorrelation: number };
    kelly: null | { settings: { fraction: number; maxStrategyWeight: number }; deniedForStrategyBudget: number; rebalances: { date: string; reason: string; strategies: { strategy: string; weight: number }[] }[] };
  };
  decisions: { admit: boolean; reasons: string[] }[];
}

describe('simulate with Kelly sleeves and position limits', () => {
  it('reports every rebalance within the caps, counts each limit like the denials, and records the settings in the manifest', async () => {
    const r = await kobe(['simulate', '--strategy', 'ibs-rsi,turtle-soup', ...SMALL, '--sizing', 'kelly:0.5', '--max-symbol-weight', '0.15', '--max-correlation', '0.5', '--json', '--report']);
    expect(r.code, r.err).toBe(0);
    const sim = JSON.parse(r.out) as SimJson;
    expect(sim.manifest.engine).toMatchObject({ sizing: 'kelly:0.5', maxSymbolWeight: 0.15, maxCorrelation: 0.5 });
    const k = sim.allocation.kelly!;
    expect(k.settings).toMatchObject({ fraction: 0.5, maxStrategyWeight: 0.25 });
    expect(k.rebalances.length).toBeGreaterThan(10);
    for (const rb of k.rebalances) {
      expect(rb.strategies.map((s) => s.strategy)).toEqual(['ibs-rsi', 'turtle-soup']);
      for (const s of rb.strategies) expect(s.weight).toBeLessThanOrEqual(0.25);
    }
    expect(sim.allocation.limits.deniedForCorrelation).toBe(sim.denials.CORRELATION_LIMIT);
    expect(sim.allocation.limits.deniedForCorrelation).toBeGreaterThan(0);
    expect(k.deniedForStrategyBudget).toBe(sim.denials.STRATEGY_BUDGET);
    expect(sim.decisions.filter((d) => d.reasons[0].startsWith('CORRELATION_LIMIT: daily-return correlation')).length).toBe(sim.denials.CORRELATION_LIMIT);
    expect(r.err).toMatch(/Kelly sleeves: 0\.5 x Kelly/);

    // The report draws the weights, and kobe report rebuilds the same page from the manifest.
    const data = reportDataOf(sim.report);
    const weights = sectionsOf(data, 'timeseries').find((t) => t.title.startsWith('Strategy weights'))!;
    expect(weights.dates).toEqual(k.rebalances.map((x) => x.date));
    expect(weights.series[1].values).toEqual(k.rebalances.map((x) => x.strategies[1].weight));
    const first = readFileSync(sim.report);
    rmSync(sim.report);
    const again = await kobe(['report', sim.runId]);
    expect(again.code, again.err).toBe(0);
    expect(readFileSync(sim.report).equals(first)).toBe(true);
  });

  it('keeps the run id and output of a run without them (the limits are off by default)', async () => {
    const plain = JSON.parse((await kobe(['simulate', '--strategy', 'ibs-rsi', ...SMALL, '--json'])).out) as SimJson;
    expect(Object.keys(plain.manifest.engine)).not.toContain('maxSymbolWeight');
    expect(plain.allocation).toEqual({ limits: { maxSymbolWeight: null, ordersClampedToSymbolWeight: 0, maxCorrelation: null, deniedForCorrelation: 0 }, kelly: null });
    expect(plain.denials.CORRELATION_LIMIT + plain.denials.STRATEGY_BUDGET).toBe(0);
  });

  it('refuses out-of-range values naming the flag, with exit 2', async () => {
    for (const [args, flag] of [
      [['--max-symbol-weight', '0'], '--max-symbol-weight'],
      [['--max-symbol-weight', '1.5'], '--max-symbol-weight'],
      [['--max-correlation', '-0.2'], '--max-correlation'],
      [['--sizing', 'kelly:2'], '--sizing'],
      [['--sizing', 'kelly:0.5:1'], '--sizing'],
    ] as const) {
      const r = await kobe(['simulate', ...SMALL, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(flag);
    }
  });
});

describe('wf with Kelly sleeves', () => {
  it('sizes each test window from the out-of-sample record and writes the allocation into the split artifacts', async () => {
    const r = await kobe(['wf', '--strategy', 'ibs-rsi', ...SMALL, '--train-days', '252', '--test-days', '126', '--no-tune', '--sizing', 'kelly', '--json']);
    expect(r.code, r.err).toBe(0);
    const wf = JSON.parse(r.out) as { outDir: string; strategies: { allocation: { kelly: { splits: { split: number; weight: number | null; trades: number | null }[] } } }[] };
    const splits = wf.strategies[0].allocation.kelly.splits;
    // The record grows split by split: each split's first rebalance knows at least the trades the one before knew.
    for (let i = 1; i < splits.length; i++) expect(splits[i].trades!).toBeGreaterThanOrEqual(splits[i - 1].trades!);
    expect(splits[0]).toMatchObject({ split: 0, weight: 0.25, trades: 0 });
    const splitDirs = readdirSync(join(wf.outDir, 'ibs-rsi')).filter((d) => d.startsWith('split_'));
    expect(splitDirs.length).toBe(splits.length);
    const m = JSON.parse(readFileSync(join(wf.outDir, 'ibs-rsi', splitDirs[1], 'metrics.json'), 'utf8')) as { allocation: { kelly: { rebalances: unknown[] } } };
    expect(m.allocation.kelly.rebalances.length).toBeGreaterThan(0);
    expect(existsSync(join(wf.outDir, 'ibs-rsi', 'summary.json'))).toBe(true);
  });
});
