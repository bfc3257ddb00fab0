import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dayToIso } from '../core/calendar.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { randomWalkBars } from '../test-support/synthetic-bars.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/**
 * How the market flags resolve on a data folder: the index is optional unless something reads
 * it, the index and other non-stock rows of a universe are not traded unless asked, and every
 * silent adjustment (a cut --end, a left-out symbol) is said on stderr and recorded.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-market-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** A Stooq-format file (`<symbol>.us.txt`) of `n` random-walk bars. */
function stooqFile(symbol: string, n: number, seed: number): { text: string; lastIso: string } {
  const s = randomWalkBars(symbol, n, seed, 16_000);
  const lines = ['Date,Open,High,Low,Close,Volume,OpenInt'];
  for (let i = 0; i < n; i++) {
    lines.push(`${dayToIso(s.day[i])},${s.open[i].toFixed(4)},${s.high[i].toFixed(4)},${s.low[i].toFixed(4)},${s.close[i].toFixed(4)},${Math.round(s.volume[i])},0`);
  }
  return { text: `${lines.join('\n')}\n`, lastIso: dayToIso(s.day[n - 1]) };
}

function dataDir(symbols: readonly string[], universe?: string): string {
  const d = join(dir, 'bars');
  mkdirSync(d, { recursive: true });
  symbols.forEach((sym, k) => writeFileSync(join(d, `${sym.toLowerCase()}.us.txt`), stooqFile(sym, 700, 11 + k * 101).text));
  if (universe !== undefined) writeFileSync(join(d, 'universe.csv'), universe);
  return d;
}

describe('a data folder without an index file', () => {
  it('simulate --no-regime-filter trades from the symbol\'s own sessions and reports the benchmark as absent', async () => {
    const d = dataDir(['AAA']);
    const r = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.trades.length).toBeGreaterThan(0);
    expect(j.manifest.data.symbols).toEqual(['AAA']);
    expect(j.manifest.data.index).toBeNull();
    expect(j.benchmark).toBeNull();
    expect(j.benchmarkReason).toMatch(/SPY/);
    expect(j.benchmarkReason).toMatch(/spy\.us\.txt/);
    expect(j.metrics.benchmarkReturnFrac).toBeNull();
    // Every session of the symbol is on the calendar.
    expect(j.equityCurve).toHaveLength(700);
    for (const p of j.equityCurve) expect(p.benchmark).toBeNull();
    expect(r.err).toMatch(/benchmark: none/);
  });

  it('the text output says there is no benchmark and why', async () => {
    const d = dataDir(['AAA']);
    const r = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA', '--no-regime-filter']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/benchmark: none \(no data file for the index SPY/);
  });

  it('with the regime filter on it is the NO_INDEX usage error, naming --index', async () => {
    const d = dataDir(['AAA']);
    const r = await kobe(['simulate', '--data-dir', d]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--index: .*regime filter needs the index SPY/);
    expect(r.err).toContain('[NO_INDEX]');
    expect(r.err).not.toMatch(/calendar symbol/);
  });

  it('--index NOPE names the flag and the files looked for, not a calendar symbol', async () => {
    const d = dataDir(['AAA']);
    const r = await kobe(['simulate', '--data-dir', d, '--index', 'NOPE', '--no-regime-filter']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--index: no data file for the index NOPE/);
    expect(r.err).toContain('nope.us.txt');
    expect(r.err).not.toMatch(/calendar symbol/);
  });

  it('wf and data verify work on what is there', async () => {
    const d = dataDir(['AAA', 'BBB']);
    const wf = await kobe(['wf', '--data-dir', d, '--no-regime-filter', '--strategy', 'ibs-rsi', '--train-days', '252', '--test-days', '126', '--json']);
    expect(wf.code, wf.err).toBe(0);
    expect(JSON.parse(wf.out).strategies[0].splits.length).toBeGreaterThan(0);
    const verify = await kobe(['data', 'verify', '--data-dir', d, '--json']);
    expect(verify.code, verify.err).toBe(0);
    expect(JSON.parse(verify.out).symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['AAA', 'BBB']);
  });
});

describe('what a universe trades', () => {
  const UNIVERSE = 'symbol,type\nAAA,stock\nSPY,etf\nBBB,stock\nQQQ,etf\n';

  it('leaves the index out unless --trade-index, and says so', async () => {
    const d = dataDir(['AAA', 'SPY', 'BBB', 'QQQ'], UNIVERSE);
    const r = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.manifest.data.symbols).toEqual(['AAA', 'BBB', 'QQQ']);
    expect(j.manifest.data.index).toBe('SPY');
    expect(j.manifest.data.tradeIndex).toBe(false);
    expect(j.manifest.data.excluded).toEqual([{ symbol: 'SPY', reason: 'index' }]);
    expect(r.err).toContain('index SPY not traded (use --trade-index)');
    for (const t of j.trades) expect(t.symbol).not.toBe('SPY');
    expect(j.benchmark).toMatchObject({ symbol: 'SPY' });
    expect(j.benchmarkReason).toBeNull();

    const traded = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--trade-index', '--json']);
    expect(traded.code, traded.err).toBe(0);
    const t = JSON.parse(traded.out);
    expect(t.manifest.data.symbols).toEqual(['AAA', 'SPY', 'BBB', 'QQQ']);
    expect(t.manifest.data.tradeIndex).toBe(true);
    expect(t.manifest.data.excluded).toEqual([]);
    expect(traded.err).not.toContain('index SPY not traded');
  });

  it('--types keeps the listed types only, and says what it left out', async () => {
    const d = dataDir(['AAA', 'SPY', 'BBB', 'QQQ'], UNIVERSE);
    const r = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--types', 'stock', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.manifest.data.symbols).toEqual(['AAA', 'BBB']);
    expect(j.manifest.data.types).toEqual(['stock']);
    expect(j.manifest.data.excluded).toEqual([
      { symbol: 'SPY', reason: 'type etf' },
      { symbol: 'QQQ', reason: 'type etf' },
    ]);
    expect(r.err).toContain('--types stock: 2 etf symbols left out');
    // --cap counts traded symbols, after the filters.
    const capped = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--trade-index', '--types', 'etf,stock', '--cap', '2', '--json']);
    expect(capped.code, capped.err).toBe(0);
    expect(JSON.parse(capped.out).manifest.data.symbols).toEqual(['AAA', 'SPY']);
  });

  it('--types on a universe without a type column is a usage error naming the file', async () => {
    const d = dataDir(['AAA', 'SPY'], 'symbol\nAAA\nSPY\n');
    const r = await kobe(['simulate', '--data-dir', d, '--no-regime-filter', '--types', 'stock']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(d, 'universe.csv'));
    expect(r.err).toMatch(/no `?type`? column/);
    const symbols = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA', '--no-regime-filter', '--types', 'stock']);
    expect(symbols.code).toBe(2);
    expect(symbols.err).toMatch(/--types/);
  });
});

describe('--end after the last session', () => {
  it('is cut to the last session, said on stderr and in the JSON notes', async () => {
    const d = dataDir(['AAA', 'SPY']);
    const last = stooqFile('AAA', 700, 11).lastIso;
    const r = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA', '--no-regime-filter', '--end', '2099-12-31', '--json']);
    expect(r.code, r.err).toBe(0);
    const note = `--end 2099-12-31 is after the last session in the data (${last}): runs to ${last}`;
    expect(r.err).toContain(note);
    const j = JSON.parse(r.out);
    expect(j.dataCheck.notes).toContain(note);
    expect(j.manifest.data.end).toBe(last);
    const text = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA', '--no-regime-filter', '--end', '2099-12-31']);
    expect(text.err).toContain(note);
    // An --end inside the data is no note.
    const inside = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA', '--no-regime-filter', '--end', last, '--json']);
    expect(inside.err).not.toContain('is after the last session');
  });
});

describe('simulate --json equityCurve', () => {
  it('has one row per session with equity = cash + positions, exposure in USD and the benchmark', async () => {
    const d = dataDir(['AAA', 'BBB', 'SPY']);
    const r = await kobe(['simulate', '--data-dir', d, '--symbols', 'AAA,BBB', '--start', '2014-01-01', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const curve = j.equityCurve as { date: string; equity: number; cash: number; grossExposureUsd: number; benchmark: number | null }[];
    expect(curve[0].date).toBe(j.manifest.data.start);
    expect(curve[curve.length - 1].date).toBe(j.manifest.data.end);
    expect(Object.keys(curve[0]).sort()).toEqual(['benchmark', 'cash', 'date', 'equity', 'grossExposureUsd']);
    expect(curve[curve.length - 1].equity).toBeCloseTo(j.finalEquityUsd, 6);
    expect(curve.some((p) => p.grossExposureUsd > 0)).toBe(true);
    for (const p of curve) {
      // Long-only: the positions' market value is the gross exposure.
      expect(p.equity).toBeCloseTo(p.cash + p.grossExposureUsd, 6);
      expect(p.benchmark).not.toBeNull();
    }
    expect(curve[0].benchmark).toBeCloseTo(100_000, 6);
    expect(j.benchmark.symbol).toBe('SPY');
    expect(j.benchmark.returnFrac).toBeCloseTo(curve[curve.length - 1].benchmark! / curve[0].benchmark! - 1, 9);
  });
});

describe.runIf(sharedDataAvailable())('real data: the shared universe marks SPY, QQQ, IWM and DIA as etf', () => {
  it('--types etf trades the index ETFs but SPY, the index; the stocks are left out and counted', async () => {
    const r = await kobe(['simulate', '--data-dir', SHARED_STOOQ_DIR, '--types', 'etf', '--no-regime-filter', '--start', '2015-01-01', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.manifest.data.symbols).toEqual(['QQQ', 'IWM', 'DIA']);
    expect(j.manifest.data.index).toBe('SPY');
    expect(r.err).toMatch(/--types etf: \d{3} stock symbols left out/);
    expect(r.err).toContain('index SPY not traded (use --trade-index)');
    expect(j.benchmark.symbol).toBe('SPY');
    for (const t of j.trades) expect(['QQQ', 'IWM', 'DIA']).toContain(t.symbol);
  });
});

describe('--dotenv', () => {
  it('a .env that is a folder is a usage error naming the path, not a stack trace', async () => {
    mkdirSync(join(dir, 'envdir'));
    const r = await kobe(['simulate', '--cap', '3', '--dotenv', 'envdir', '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DOTENV_NOT_READABLE/);
    expect(r.err).toContain(join(dir, 'envdir'));
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  });
});
