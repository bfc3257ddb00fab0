import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportDataOf, sectionsOf } from '../test-support/report-html.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/** `kobe report` and `--report` on the demo market: the page holds the run's own numbers. */
let dir: string;
let wf: { runId: string; outDir: string; report: string; strategies: { strategy: string; outOfSample: { metrics: Record<string, number | null> }; splits: unknown[] }[] };

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const SMALL = ['--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-report-'));
  const w = await kobe(['wf', ...SMALL, '--train-days', '126', '--test-days', '126', '--report', '--json']);
  expect(w.code, w.err).toBe(0);
  wf = JSON.parse(w.out);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wf --report and kobe report of a wf run', () => {
  it('writes report.html into the run folder, self-contained, with the run manifest and each strategy out of sample', () => {
    expect(wf.report).toBe(join(wf.outDir, 'report.html'));
    const html = readFileSync(wf.report, 'utf8');
    // Offline: no script or stylesheet is fetched from anywhere.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('uPlot');
    const data = reportDataOf(html);
    expect(data.kind).toBe('wf');
    expect(data.manifest?.runId).toBe(wf.runId);
    expect(data.manifest?.synthetic).toBe(true);
    expect(data.caveats.join(' ')).toContain('synthetic');
    for (const s of wf.strategies) {
      const tiles = sectionsOf(data, 'tiles').find((t) => t.title.startsWith(`${s.strategy}:`))!;
      const byLabel = new Map(tiles.tiles.map((t) => [t.label, t.value]));
      expect(byLabel.get('Sharpe')).toBe(s.outOfSample.metrics.sharpe);
      expect(byLabel.get('Trades')).toBe(s.outOfSample.metrics.trades);
      expect(byLabel.get('Max drawdown')).toBe(s.outOfSample.metrics.maxDrawdownFrac);
      const splits = sectionsOf(data, 'table').find((t) => t.title.startsWith(`${s.strategy}: splits`))!;
      expect(splits.rows.length).toBe(s.splits.length);
      // The equity chart is the stitched curve of equity_curve.csv, value for value.
      const csv = readFileSync(join(wf.outDir, s.strategy, 'equity_curve.csv'), 'utf8').trim().split('\n').slice(1);
      const eq = sectionsOf(data, 'timeseries').find((t) => t.title.startsWith(`${s.strategy}: equity`))!;
      expect(eq.dates).toEqual(csv.map((l) => l.split(',')[0]));
      expect(eq.series[0].values).toEqual(csv.map((l) => Number(l.split(',')[1])));
      expect(eq.series[1].label).toContain('benchmark');
      // Every trade of trade_list.csv is in the P&L histogram.
      const trades = readFileSync(join(wf.outDir, s.strategy, 'trade_list.csv'), 'utf8').trim().split('\n').length - 1;
      const pnl = sectionsOf(data, 'histogram').find((h) => h.title.startsWith(`${s.strategy}: trade P&L`))!;
      expect(pnl.counts.reduce((a, b) => a + b, 0)).toBe(trades);
      expect(sectionsOf(data, 'heatmap').some((h) => h.title.startsWith(`${s.strategy}: monthly`))).toBe(true);
    }
    expect(JSON.stringify(data)).not.toMatch(/NaN|Infinity/);
  });

  it('kobe report ID (a prefix) rewrites the same bytes', async () => {
    const before = readFileSync(wf.report);
    rmSync(wf.report);
    const r = await kobe(['report', wf.runId.slice(0, 8), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ runId: wf.runId, command: 'wf', file: wf.report });
    expect(readFileSync(wf.report).equals(before)).toBe(true);
  });

  it('an unknown run is a usage error (exit 2); a damaged artifact names its file and line and writes no report', async () => {
    const unknown = await kobe(['report', 'ffffffffffff']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no run in kobe.db starts with ffffffffffff');

    const strategy = wf.strategies[0].strategy;
    const csvFile = join(wf.outDir, strategy, 'equity_curve.csv');
    const good = readFileSync(csvFile, 'utf8');
    const lines = good.split('\n');
    lines[3] = lines[3].replace(/,[^,]*,/, ',oops,');
    writeFileSync(csvFile, lines.join('\n'));
    rmSync(wf.report);
    try {
      const r = await kobe(['report', wf.runId]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${csvFile}:4`);
      expect(r.err).toContain('equity is not a number');
      expect(existsSync(wf.report)).toBe(false);
    } finally {
      writeFileSync(csvFile, good);
    }
  });
});

describe('simulate --report and kobe report of a simulation', () => {
  it('draws the Monte Carlo fan and distributions, and the replayed report is byte-identical', async () => {
    const s = await kobe(['simulate', '--strategy', 'ibs-rsi', ...SMALL, '--monte-carlo', '200', '--stress', '--report', '--json']);
    expect(s.code, s.err).toBe(0);
    const sim = JSON.parse(s.out) as { runId: string; report: string; metrics: Record<string, number | null>; trades: unknown[]; monteCarlo: { var95: { value: number } } };
    expect(sim.report).toBe(join(dir, 'wf_outputs', 'simulate', sim.runId, 'report.html'));
    const data = reportDataOf(sim.report);
    expect(data.kind).toBe('simulate');
    const fan = sectionsOf(data, 'lines').find((l) => l.title.startsWith('Monte Carlo fan'))!;
    expect(fan.series.map((x) => x.label)).toEqual(['p5', 'p25', 'p50', 'p75', 'p95']);
    expect(fan.bands).toEqual([[0, 4], [1, 3]]);
    const dd = sectionsOf(data, 'histogram').find((h) => h.title.startsWith('Max drawdown across'))!;
    expect(dd.counts.reduce((a, b) => a + b, 0)).toBe(200);
    expect(dd.marker?.at).toBe(sim.metrics.maxDrawdownFrac);
    const risk = sectionsOf(data, 'tiles').find((t) => t.title === 'Monte Carlo risk')!;
    expect(risk.tiles.find((t) => t.label.startsWith('VaR'))?.value).toBe(sim.monteCarlo.var95.value);
    expect(sectionsOf(data, 'table').some((t) => t.title === 'Stress scenarios')).toBe(true);
    const pnl = sectionsOf(data, 'histogram').find((h) => h.title.includes('trade P&L'))!;
    expect(pnl.counts.reduce((a, b) => a + b, 0)).toBe(sim.trades.length);

    const first = readFileSync(sim.report);
    rmSync(sim.report);
    const r = await kobe(['report', sim.runId, '--monte-carlo', '200']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(sim.report).equals(first)).toBe(true);
  });
});
