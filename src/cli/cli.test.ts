import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(dir, env);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const DEMO_SMALL = ['--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31'];

describe('help and usage', () => {
  it('lists the commands and explains flags with units and defaults', async () => {
    const top = await kobe(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['wf', 'simulate', 'data']) expect(top.out).toContain(c);
    const wf = await kobe(['wf', '--help']);
    expect(wf.code).toBe(0);
    expect(wf.out).toMatch(/--train-days <n>\s+sessions in each train window \(default: "252"\)/);
    expect(wf.out).toMatch(/--slippage-bps <bps>.*basis points/);
    // Every date flag says what happens without it.
    expect(wf.out.replace(/\s+/g, ' ')).toMatch(/--start <date> first session traded, YYYY-MM-DD \(default: the first session in the data/);
    expect(wf.out.replace(/\s+/g, ' ')).toMatch(/--end <date> last session traded, YYYY-MM-DD \(default: last bar in the data\)/);
  });

  it('exits 2 on an unknown command or flag', async () => {
    expect((await kobe(['nope'])).code).toBe(2);
    expect((await kobe(['wf', '--bogus'])).code).toBe(2);
    expect((await kobe([])).code).toBe(2);
  });
});

describe('kobe wf on the demo market', () => {
  it('writes per-split artifacts, a summary and a manifest, records the run, and says it is synthetic', async () => {
    const r = await kobe(['wf', ...DEMO_SMALL, '--train-days', '126', '--test-days', '63', '--json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.synthetic).toBe(true);
    expect(result.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(['ibs-rsi', 'turtle-soup']);
    // One folder per run, and `latest` pointing at it.
    const out = join(dir, 'wf_outputs', result.runId);
    expect(result.outDir).toBe(out);
    expect(readlinkSync(join(dir, 'wf_outputs', 'latest'))).toBe(result.runId);
    expect(readdirSync(join(dir, 'wf_outputs')).sort()).toEqual([result.runId, 'latest'].sort());
    for (const strategy of ['ibs-rsi', 'turtle-soup']) {
      const splits = readdirSync(join(out, strategy)).filter((n) => n.startsWith('split_'));
      expect(splits.length).toBe(result.strategies[0].splits.length);
      for (const f of ['trade_list.csv', 'equity_curve.csv', 'metrics.json']) expect(existsSync(join(out, strategy, 'split_00', f))).toBe(true);
      const summary = JSON.parse(readFileSync(join(out, strategy, 'summary.json'), 'utf8'));
      expect(summary.outOfSample.metrics).toHaveProperty('sharpe');
      expect(summary.synthetic).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.runId).toBe(result.runId);
    expect(manifest.data.synthetic).toBe(true);
    expect(manifest.data.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.engine.slippageBps).toBe(5);
    expect(readdirSync(join(dir, 'wf_outputs')).filter((n) => n.startsWith('.'))).toEqual([]);
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM wf_splits WHERE run_id = ?').get(result.runId) as { n: number }).n).toBeGreaterThan(0);
    db.close();
    const csv = readFileSync(join(out, 'ibs-rsi', 'split_00', 'trade_list.csv'), 'utf8').split('\n')[0];
    expect(csv).toBe('symbol,strategy,side,signal_date,entry_date,entry_price,exit_date,exit_price,shares,pnl,fees,exit_reason,bars_held,initial_risk_usd,gap_flags');
  });

  it('is reproducible: the same flags give the same run id and byte-identical artifacts', async () => {
    const args = ['wf', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--train-days', '126', '--test-days', '63'];
    expect((await kobe(args)).code).toBe(0);
    const first = readFileSync(join(dir, 'wf_outputs', 'latest', 'ibs-rsi', 'summary.json'), 'utf8');
    const trades = readFileSync(join(dir, 'wf_outputs', 'latest', 'ibs-rsi', 'trade_list.csv'), 'utf8');
    // A rerun (same run id) replaces its folder and leaves one.
    expect((await kobe(args)).code).toBe(0);
    expect(readdirSync(join(dir, 'wf_outputs')).sort()).toEqual([JSON.parse(first).runId, 'latest'].sort());
    expect(readFileSync(join(dir, 'wf_outputs', 'latest', 'ibs-rsi', 'summary.json'), 'utf8')).toBe(first);
    expect(readFileSync(join(dir, 'wf_outputs', 'latest', 'ibs-rsi', 'trade_list.csv'), 'utf8')).toBe(trades);
    const other = await kobe([...args, '--seed', '7', '--json']);
    expect(JSON.parse(other.out).runId).not.toBe(JSON.parse(first).runId);
  });

  it('prints a summary table without colour under NO_COLOR', async () => {
    const r = await kobe(['wf', '--strategy', 'turtle-soup', ...DEMO_SMALL, '--train-days', '126', '--test-days', '126']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('turtle-soup: ');
    expect(r.out).toContain('out of sample');
    expect(r.out).toContain('SYNTHETIC');
    expect(r.out).not.toMatch(/\u001b\[/);
  });

  it('prints each split table compactly: borders at top, under the header and at the bottom, one line per split', async () => {
    const r = await kobe(['wf', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--train-days', '126', '--test-days', '63', '--json']);
    const splits = JSON.parse(r.out).strategies[0].splits.length;
    expect(splits).toBeGreaterThan(5);
    const text = await kobe(['wf', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--train-days', '126', '--test-days', '63']);
    const lines = text.out.split('\n');
    const top = lines.findIndex((l) => l.startsWith('┌'));
    const bottom = lines.findIndex((l) => l.startsWith('└'));
    expect(bottom - top + 1).toBe(splits + 4);
    expect(lines.slice(top, bottom + 1).filter((l) => l.startsWith('├'))).toHaveLength(1);
  });
});

describe('kobe simulate', () => {
  it('explains its steps and gives metrics and the full trade list as JSON', async () => {
    const r = await kobe(['simulate', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.trades.length).toBe(j.metrics.trades);
    expect(j.trades.length).toBeGreaterThan(0);
    expect(Object.keys(j.trades[0]).sort()).toEqual(
      ['barsHeld', 'entryDate', 'entryPrice', 'exitDate', 'exitPrice', 'exitReason', 'fees', 'gapFlags', 'initialRiskUsd', 'pnl', 'shares', 'side', 'signalDate', 'strategy', 'symbol'].sort(),
    );
    for (const t of j.trades) expect(t.entryDate > t.signalDate).toBe(true);
    expect(j.denials).toHaveProperty('REGIME_FILTER');
    // The log went to stderr, so stdout is pure JSON; the steps are all there.
    for (const step of ['[1]', '[3]', '[4]', '[5]', '[6]', '[8]', '[9]']) expect(r.err).toContain(step);
    expect(r.err).toContain('regime filter');
  });

  it('prints a per-share commission to the half cent and labels its two betas', async () => {
    const r = await kobe(['simulate', '--strategy', 'ibs-rsi', ...DEMO_SMALL, '--stress']);
    expect(r.code, r.err).toBe(0);
    const text = r.out + r.err;
    expect(text).toContain('$1.00 per order + $0.005 per share');
    expect(text).toMatch(/portfolio beta -?\d/);
    expect(text).toMatch(/stress beta -?\d[\d.]* per unit of exposure/);
    expect(text).not.toMatch(/[^a-z]beta -?\d[\d.]*;/);
  });

  it('honours the cost, fill and sizing flags', async () => {
    const base = await kobe(['simulate', '--symbols', 'ZMTL,QORX', '--start', '2019-01-01', '--end', '2021-12-31', '--no-regime-filter', '--json', '--commission-per-order', '0', '--commission-per-share', '0', '--slippage-bps', '0']);
    const dear = await kobe(['simulate', '--symbols', 'ZMTL,QORX', '--start', '2019-01-01', '--end', '2021-12-31', '--no-regime-filter', '--json', '--commission-per-order', '5']);
    expect(base.code, base.err).toBe(0);
    expect(dear.code, dear.err).toBe(0);
    expect(JSON.parse(base.out).feesPaidUsd).toBe(0);
    expect(JSON.parse(dear.out).feesPaidUsd).toBeGreaterThan(0);
    const mid = await kobe(['simulate', '--symbols', 'ZMTL', '--fill', 'delay-midpoint:4', '--sizing', 'fixed-shares:10', '--no-regime-filter', '--json']);
    expect(mid.code, mid.err).toBe(0);
    for (const t of JSON.parse(mid.out).trades) expect(t.shares).toBe(10);
  });
});

describe('bad input: clear error, exit 2, nothing half-written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown strategy', ['wf', '--strategy', 'nope'], /--strategy: unknown strategy 'nope'/],
    ['start after end', ['wf', '--start', '2020-01-01', '--end', '2019-01-01'], /--start 2020-01-01 is after --end 2019-01-01/],
    ['bad date', ['simulate', '--start', '2020-13-01'], /--start: expected a date as YYYY-MM-DD/],
    ['unknown parameter', ['simulate', '--params', 'nope=1'], /no parameter 'nope'/],
    ['impossible parameter', ['simulate', '--params', 'rsiPeriod=0'], /rsiPeriod must be in \[2, 14\], was 0/],
    ['bad sizing', ['simulate', '--sizing', 'risk-pct:150'], /risk-pct is a percent/],
    ['risk sizing without a stop', ['simulate', '--strategy', 'sma-cross', '--sizing', 'risk-pct:1'], /needs a stop/],
    ['bad fill model', ['simulate', '--fill', 'delay-midpoint:0'], /at least 1 bar/],
    ['unknown demo symbol', ['simulate', '--symbols', 'AAPL'], /not in the demo market: AAPL/],
    ['negative capital', ['wf', '--capital', '-5'], /--capital: expected a number > 0/],
    ['train window longer than the span', ['wf', '--start', '2023-01-01', '--train-days', '500'], /fewer than one train window/],
    ['missing data dir', ['wf', '--data-dir', 'nowhere'], /--data-dir: no such folder/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const r = await kobe(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(existsSync(join(dir, 'wf_outputs'))).toBe(false);
  });

  function dataDir(files: Record<string, string>): string {
    const d = join(dir, 'bars');
    mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  }
  const good = (rows: number, start = 100) => {
    const lines = ['Date,Open,High,Low,Close,Volume'];
    for (let i = 0; i < rows; i++) {
      const d = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
      const p = start + Math.sin(i) * 5;
      lines.push(`${d},${p},${p + 1},${p - 1},${p + 0.5},1000`);
    }
    return `${lines.join('\n')}\n`;
  };

  it('a malformed CSV line names the file and the line, and writes nothing', async () => {
    const bad = good(300).split('\n');
    bad[7] = '2020-01-07,abc,1,1,1,1';
    const d = dataDir({ 'AAA.csv': bad.join('\n'), 'SPY.csv': good(300) });
    const r = await kobe(['wf', '--data-dir', d, '--symbols', 'AAA']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/AAA\.csv:8: /);
    expect(existsSync(join(dir, 'wf_outputs'))).toBe(false);
  });

  it('an empty file, wrong columns and an unknown symbol are each named', async () => {
    const d = dataDir({ 'EMP.csv': '', 'COL.csv': 'when,price\n2020-01-01,1\n', 'SPY.csv': good(300), 'OK.csv': good(300) });
    expect((await kobe(['simulate', '--data-dir', d, '--symbols', 'EMP'])).err).toMatch(/EMP\.csv.*empty/i);
    const col = await kobe(['simulate', '--data-dir', d, '--symbols', 'COL']);
    expect(col.code).toBe(2);
    expect(col.err).toMatch(/COL\.csv:1: .*header/i);
    const unknown = await kobe(['simulate', '--data-dir', d, '--symbols', 'OK,ZZZ']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no data file .* ZZZ/);
  });

  it('--on-bad-data fail stops on a bad bar and names it; mask trades without it, loudly', async () => {
    const rows = good(300).split('\n');
    const f = rows[50].split(',');
    rows[50] = [f[0], f[1], String(Number(f[3]) - 5), f[3], f[4], f[5]].join(',');
    const d = dataDir({ 'BAD.csv': rows.join('\n'), 'SPY.csv': good(300) });
    const fail = await kobe(['simulate', '--data-dir', d, '--symbols', 'BAD', '--on-bad-data', 'fail']);
    expect(fail.code).toBe(2);
    expect(fail.err).toMatch(/BAD\.csv:51: .*HIGH_BELOW_LOW|BAD\.csv:51: .*high/i);
    const mask = await kobe(['simulate', '--data-dir', d, '--symbols', 'BAD', '--no-regime-filter']);
    expect(mask.code, mask.err).toBe(0);
    expect(mask.out).toMatch(/MASKED 1 bars/);
    // mask handled the bad bar: reported, exit 0 (warn would leave it: exit 1).
    const verify = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'BAD']);
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/BAD\.csv:51 HIGH_BELOW_LOW/);
  });
});

describe.runIf(sharedDataAvailable())('real data: ../shared/data/us-equities-stooq', () => {
  const cache = () => join(dir, 'cache');
  it('kobe wf runs both strategies on 60 real stocks and writes its artifacts', async () => {
    const r = await kobe(['wf', '--data-dir', SHARED_STOOQ_DIR, '--cap', '60', '--start', '2015-01-01', '--end', '2017-11-10', '--cache', cache(), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.synthetic).toBe(false);
    expect(j.manifest.data.index).toBe('SPY');
    expect(j.strategies[0].splits.length).toBeGreaterThan(5);
    expect(j.dataCheck.notes.join(' ')).toMatch(/survivorship/);
  });

  it('kobe simulate trades AAPL and MSFT and reports against SPY', async () => {
    const r = await kobe(['simulate', '--data-dir', SHARED_STOOQ_DIR, '--symbols', 'AAPL,MSFT', '--start', '2010-01-01', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics.trades).toBeGreaterThan(10);
    expect(j.metrics.benchmarkReturnFrac).toBeGreaterThan(0.5);
  });

  it('kobe data verify finds the known bad ticks in the full universe', async () => {
    const r = await kobe(['data', 'verify', '--data-dir', SHARED_STOOQ_DIR, '--on-bad-data', 'warn', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.symbols.length).toBeGreaterThan(900);
    expect(j.errors).toBeGreaterThan(0);
  });
});

describe('kobe simulate risk analysis', () => {
  it('adds seeded Monte Carlo, stress scenarios, a shadow challenger and decision records', async () => {
    const args = ['simulate', ...DEMO_SMALL, '--monte-carlo', '2000', '--stress', '--max-dd', '15', '--challenger', 'ibs-rsi:rsiEntry=5', '--json'];
    const a = await kobe(args);
    expect(a.code, a.err).toBe(0);
    const j = JSON.parse(a.out);
    expect(j.monteCarlo.simulations).toBe(2000);
    for (const k of ['var95', 'cvar95', 'probabilityOfProfit', 'probabilityOfBreach', 'maxDrawdown', 'equityBands', 'survival']) expect(j.monteCarlo).toHaveProperty(k);
    expect(j.stress.scenarios.map((s: { name: string }) => s.name)).toEqual(['black-monday', 'covid-crash', 'volatility-doubled', 'flash-crash']);
    expect(j.shadow.champion.real).toBe(true);
    expect(j.shadow.challenger.real).toBe(false);
    expect(j.shadow.trades.length).toBe(j.shadow.challenger.trades);
    const d = j.decisions.find((x: { admit: boolean }) => !x.admit);
    expect(d).toMatchObject({ admit: false, hardBlocked: expect.any(Boolean), source: expect.any(String) });
    expect(d.reasons[0]).toMatch(/^[A-Z_]+: /);
    expect(j.decisions.some((x: { admit: boolean }) => x.admit)).toBe(true);
    // Seeded: the same flags give the same Monte Carlo.
    const b = await kobe(args);
    expect(JSON.parse(b.out).monteCarlo).toEqual(j.monteCarlo);
    const other = await kobe([...args.slice(0, -1), '--seed', '9', '--json']);
    expect(JSON.parse(other.out).monteCarlo.finalReturn).not.toEqual(j.monteCarlo.finalReturn);
  });

  it('refuses bad risk flags', async () => {
    expect((await kobe(['simulate', '--mc-method', 'nope'])).err).toMatch(/--mc-method/);
    expect((await kobe(['simulate', '--max-dd', '150'])).code).toBe(2);
    expect((await kobe(['simulate', '--challenger', 'nope'])).err).toMatch(/--challenger: unknown strategy/);
  });
});
