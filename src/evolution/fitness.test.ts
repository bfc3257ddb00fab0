import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel } from '../backtest/panel.js';
import { runWalkForward } from '../backtest/walk-forward.js';
import { allocateBars, type BarSeries } from '../core/bar-series.js';
import { memoryIo } from '../cli/io.js';
import { main } from '../cli/main.js';
import { defaultParams } from '../strategies/params.js';
import { getStrategy } from '../strategies/registry.js';
import { randomWalkBars } from '../test-support/synthetic-bars.js';
import { evaluateGenome, type FitnessSettings } from './fitness.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-fitness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function kobe(args: string[], cwd: string) {
  const io = memoryIo(cwd);
  const code = await main(args, io);
  expect(code, io.err()).toBe(0);
  return JSON.parse(io.out());
}

const csvRows = (text: string) => {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
};

/**
 * Fitness is documented as exactly what `kobe wf --no-tune` reports for the genome's parameters.
 * So a small `kobe evolve` run is checked against `kobe wf` run separately on its genomes: the
 * objectives must be recomputable from the wf run's per-split results and artifacts alone.
 */
describe('evolve fitness agrees with kobe wf for the same genome', () => {
  // --seed also picks the demo market, so both commands get the same one.
  const MARKET = ['--cap', '12', '--start', '2017-01-01', '--end', '2020-12-31', '--train-days', '252', '--test-days', '42', '--seed', '3'];

  it('consistency, drawdown and turnover from the wf output', async () => {
    const evolveDir = join(dir, 'evolve');
    const ev = await kobe(['evolve', '--strategy', 'ibs-rsi', ...MARKET, '--min-train-trades', '1', '--generations', '1', '--population', '4', '--workers', '1', '--json'], mkdirp(evolveDir));
    const pop = JSON.parse(readFileSync(join(evolveDir, 'wf_outputs', 'evolve', ev.runId, 'population_gen_00.json'), 'utf8')) as {
      genome: { params: Record<string, number> };
      status: string;
      objectives: { sharpe: number; consistency: number; maxDrawdown: number; turnover: number };
      splits: { returnFrac: number }[];
    }[];
    const ok = pop.filter((p) => p.status === 'ok');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    let zeroSplits = 0;
    for (const [k, g] of ok.slice(0, 2).entries()) {
      const wfDir = mkdirp(join(dir, `wf${k}`));
      const params = Object.entries(g.genome.params).map(([n, v]) => `${n}=${v}`).join(',');
      // evolve loads 756 sessions of history before the start; wf reproduces that with --history-bars.
      const wf = await kobe(['wf', '--strategy', 'ibs-rsi', '--params', params, '--no-tune', ...MARKET, '--history-bars', '756', '--json'], wfDir);
      const s = wf.strategies[0];
      const splitReturns = (s.splits as { metrics: { totalReturnFrac: number } }[]).map((x) => x.metrics.totalReturnFrac);
      zeroSplits += splitReturns.filter((r) => r === 0).length;
      expect(g.splits.length).toBe(splitReturns.length);
      expect(g.objectives.consistency).toBeCloseTo(splitReturns.filter((r) => r > 0).length / splitReturns.length, 12);
      expect(g.objectives.maxDrawdown).toBeCloseTo(s.outOfSample.metrics.maxDrawdownFrac ?? 0, 9);
      expect(g.objectives.sharpe).toBeCloseTo(s.outOfSample.metrics.sharpe ?? 0, 9);
      // Turnover: traded notional (entries and exits) per year over mean equity, from the CSVs.
      const trades = csvRows(readFileSync(join(wfDir, 'wf_outputs', 'latest', 'ibs-rsi', 'trade_list.csv'), 'utf8'));
      const curve = csvRows(readFileSync(join(wfDir, 'wf_outputs', 'latest', 'ibs-rsi', 'equity_curve.csv'), 'utf8'));
      const notional = trades.reduce((a, t) => a + Number(t.shares) * (Number(t.entry_price) + Number(t.exit_price)), 0);
      const meanEquity = curve.reduce((a, r) => a + Number(r.equity), 0) / curve.length;
      const turnover = notional / meanEquity / (curve.length / 252);
      expect(trades.length).toBeGreaterThan(0);
      expect(Math.abs(g.objectives.turnover - turnover) / turnover).toBeLessThan(1e-6);
    }
    // Short test windows leave some splits without a trade: the case consistency must not count.
    expect(zeroSplits).toBeGreaterThan(0);
  });
});

function mkdirp(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

/** A random walk for the first `walk` bars, then the last close repeated (nothing to trade). */
function walkThenFlat(symbol: string, walk: number, flat: number, seed: number): BarSeries {
  const w = randomWalkBars(symbol, walk, seed);
  const out = allocateBars(symbol, walk + flat);
  const last = w.close[walk - 1];
  for (let i = 0; i < walk + flat; i++) {
    const inWalk = i < walk;
    out.day[i] = inWalk ? w.day[i] : w.day[walk - 1] + (i - walk + 1);
    for (const k of ['open', 'high', 'low', 'close'] as const) out[k][i] = inWalk ? w[k][i] : last;
    out.volume[i] = inWalk ? w.volume[i] : 1e6;
  }
  return out;
}

describe('split consistency', () => {
  it('counts only splits with a positive return: a split without trades (return exactly 0) is not a success', () => {
    const series = [0, 1, 2].map((i) => walkThenFlat(`S${i}`, 420, 300, 11 + i));
    const panel = buildPanel(series, null);
    const settings: FitnessSettings = { from: 0, to: panel.calendar.length - 1, trainDays: 150, testDays: 60, config: { ...DEFAULT_ENGINE_CONFIG, regimeFilter: { enabled: false, smaPeriod: 200 }, recordDecisions: false }, minTrainTrades: 0, blowUpFrac: 0.99 };
    const strategy = getStrategy('sma-cross');
    const params = defaultParams(strategy.params);
    const r = evaluateGenome(new MarketContext(panel), { kind: 'params', strategy: 'sma-cross', params }, settings);
    expect(r.status, r.reason ?? '').toBe('ok');
    // The split returns, from the walk-forward's own test accounts.
    const wf = runWalkForward(new MarketContext(panel), { strategy, baseParams: params, tune: false, trainDays: 150, testDays: 60, from: settings.from, to: settings.to, config: settings.config, minTrainTrades: 0 });
    const returns = wf.folds.map((f) => f.test.engine.finalEquity / f.test.engine.initialCapital - 1);
    expect(returns.filter((x) => x === 0).length).toBeGreaterThan(0);
    expect(returns.filter((x) => x > 0).length).toBeGreaterThan(0);
    expect(r.objectives!.consistency).toBe(returns.filter((x) => x > 0).length / returns.length);
  });
});
