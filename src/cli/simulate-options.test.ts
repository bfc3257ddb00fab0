import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportDataOf, sectionsOf } from '../test-support/report-html.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-optsim-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[]) {
  const io = memoryIo(dir, {});
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const DEMO_SMALL = ['--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31'];

interface OptionTradeJson {
  side: 'long' | 'short';
  type: 'call' | 'put';
  strike: number;
  entrySpot: number;
  entryPremium: number;
  exitPremium: number;
  contracts: number;
  premiumPaidUsd: number;
  pnl: number;
  fees: number;
  volFrac: number;
  signalDelta: number;
  expiryDate: string;
  entryDate: string;
  exitDate: string;
  settledAtExpiry: boolean;
  greeksAtEntry: { price: number; delta: number; gamma: number; thetaPerDay: number; vegaPerPoint: number; rhoPerPoint: number };
  positionGreeksAtEntry: { deltaShares: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('kobe simulate --instrument option on the demo market', () => {
  it('replays the stock trades as synthetic options, says so, and records the settings in the manifest', async () => {
    // Turtle soup with its short side on and no trend filter trades both ways on the demo market.
    const both = ['--strategy', 'turtle-soup', '--params', 'allowShort=1,trendFilter=0', '--cap', '30', '--start', '2019-01-01', '--end', '2021-12-31'];
    const stock = await kobe(['simulate', ...both, '--json']);
    expect(stock.code, stock.err).toBe(0);
    const args = ['simulate', ...both, '--instrument', 'option', '--option-dte', '21', '--option-vol', 'close-close', '--json'];
    const r = await kobe(args);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const s = JSON.parse(stock.out);
    expect(s.options).toBeNull();
    expect(s.manifest.run.options).toBeUndefined();
    // Same stock run underneath, its own run id.
    expect(j.metrics).toEqual(s.metrics);
    expect(j.runId).not.toBe(s.runId);
    expect(j.manifest.run.instrument).toBe('option');
    expect(j.manifest.run.options).toEqual({ targetAbsDelta: 0.4, daysToExpiry: 21, volEstimator: 'close-close', volBars: 20, rateFrac: 0.02, dividendYieldFrac: 0, premiumRiskFrac: 0.02, commissionPerContractUsd: 0.65 });
    const o = j.options;
    expect(o.synthetic).toBe(true);
    expect(o.assumptions).toMatchObject({ rateFrac: 0.02, dividendYieldFrac: 0, volSource: 'close-close', volBars: 20, targetAbsDelta: 0.4, daysToExpiry: 21, premiumRiskPct: 2, commissionPerContractUsd: 0.65 });
    expect(o.assumptions.caveats).toEqual(expect.arrayContaining(['no volatility skew', 'no early exercise']));
    const trades: OptionTradeJson[] = o.trades;
    const skipped = Object.values(o.skipCounts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(trades.length + skipped).toBe(s.trades.length);
    expect(o.skips).toHaveLength(skipped);
    expect(o.metrics.trades).toBe(trades.length);
    expect(trades.length).toBeGreaterThan(5);
    // Calls for longs, puts for shorts.
    expect(new Set(trades.map((t) => t.type))).toEqual(new Set(['call', 'put']));
    for (const t of trades) {
      expect(t.type).toBe(t.side === 'long' ? 'call' : 'put');
      expect(Math.sign(t.greeksAtEntry.delta)).toBe(t.type === 'call' ? 1 : -1);
      expect(t.positionGreeksAtEntry.deltaShares).toBeCloseTo(t.greeksAtEntry.delta * t.contracts * 100, 6);
      expect(t.premiumPaidUsd).toBeCloseTo(t.entryPremium * t.contracts * 100, 6);
      expect(t.pnl).toBeCloseTo(t.contracts * 100 * (t.exitPremium - t.entryPremium) - t.fees, 6);
      expect(t.exitDate <= t.expiryDate).toBe(true);
    }
    const sumPnl = trades.reduce((a, t) => a + t.pnl, 0);
    expect(o.finalEquityUsd).toBeCloseTo(100_000 + sumPnl, 4);
    expect(o.equityCurve).toHaveLength(j.equityCurve.length);

    const text = await kobe(args.slice(0, -1));
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('SYNTHETIC option replay: Black-Scholes-Merton, no skew, no bid/ask, no early exercise; r=2.00%, q=0.00%, vol=close-close over 20 bars');
    expect(text.out).toMatch(/option \(synthetic\)/);
  });

  it('adds the synthetic option account to the report, and kobe report replays it byte for byte', async () => {
    const r = await kobe(['simulate', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--instrument', 'option', '--report', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const data = reportDataOf(j.report);
    const heading = sectionsOf(data, 'heading').find((h) => h.title === 'Options (SYNTHETIC)')!;
    expect(heading.text).toMatch(/^SYNTHETIC option replay: Black-Scholes-Merton, no skew, no bid\/ask, no early exercise; r=2\.00%, q=0\.00%, vol=yang-zhang over 20 bars/);
    const tiles = sectionsOf(data, 'tiles').find((t) => t.title === 'option replay (SYNTHETIC): metrics')!;
    expect(tiles.tiles.find((t) => t.label === 'Trades')?.value).toBe(j.options.trades.length);
    expect(tiles.tiles.find((t) => t.label === 'Total return')?.value).toBe(j.options.metrics.totalReturnFrac);
    const first = readFileSync(j.report);
    rmSync(j.report);
    const again = await kobe(['report', j.runId]);
    expect(again.code, again.err).toBe(0);
    expect(readFileSync(j.report).equals(first)).toBe(true);
  });

  it.each([
    [['--instrument', 'bond'], /--instrument: unknown instrument 'bond'/],
    [['--instrument', 'option', '--option-delta', '1.5'], /--option-delta.*targetAbsDelta must be in \(0, 1\), was 1\.5/],
    [['--instrument', 'option', '--option-delta', 'x'], /--option-delta: expected a number > 0, got 'x'/],
    [['--instrument', 'option', '--option-dte', '0'], /--option-dte: expected a whole number > 0, got '0'/],
    [['--instrument', 'option', '--option-dte', '2.5'], /--option-dte: expected a whole number/],
    [['--instrument', 'option', '--option-vol', 'garch'], /--option-vol: unknown volatility estimator 'garch'/],
    [['--instrument', 'option', '--option-vol-bars', '1'], /--option-vol-bars: expected a whole number >= 2/],
    [['--instrument', 'option', '--option-premium-pct', '150'], /--option-premium-pct: must be a percent in \(0, 100\]/],
    [['--instrument', 'option', '--option-commission', '-1'], /--option-commission: expected a number >= 0/],
    [['--option-delta', '0.3'], /--option-delta applies to option runs only/],
  ])('exits 2 naming the flag: %j', async (flags, message) => {
    const r = await kobe(['simulate', ...DEMO_SMALL, ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe.runIf(sharedDataAvailable())('kobe simulate --instrument option on real data', () => {
  it('prices sane premiums near the target delta', async () => {
    const r = await kobe(['simulate', '--strategy', 'ibs-rsi,turtle-soup', '--data-dir', SHARED_STOOQ_DIR, '--symbols', 'AAPL,MSFT,JPM,XOM,KO,INTC,CSCO,PFE', '--start', '2010-01-01', '--instrument', 'option', '--json']);
    expect(r.code, r.err).toBe(0);
    const o = JSON.parse(r.out).options;
    const trades: OptionTradeJson[] = o.trades;
    expect(trades.length).toBeGreaterThan(50);
    for (const t of trades) {
      expect(t.entryPremium).toBeGreaterThan(0);
      expect(t.entryPremium).toBeLessThan(t.entrySpot);
      expect(t.exitPremium).toBeGreaterThanOrEqual(0);
      expect(t.volFrac).toBeGreaterThan(0.03);
      expect(t.volFrac).toBeLessThan(2);
      // The grid is coarse ($1 below $25, $2.50 to $200): the nearest listed delta, not 0.4 exactly
      // (0.31 off at worst here: KO near $26 between the 25 and 27.50 strikes).
      expect(Math.abs(Math.abs(t.signalDelta) - 0.4)).toBeLessThan(0.35);
    }
    // Entry prices the contract at the next open, so delta moves with the gap; it centres on 0.4.
    expect(Math.abs(median(trades.map((t) => Math.abs(t.greeksAtEntry.delta))) - 0.4)).toBeLessThan(0.05);
    expect(Math.abs(median(trades.map((t) => Math.abs(t.signalDelta))) - 0.4)).toBeLessThan(0.03);
  });
});
