import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plainContext } from '../app/context.js';
import { decodeMarketSpec } from '../app/market-spec.js';
import { runScan, type ScanSpec } from '../app/scan/run-scan.js';
import { DEFAULT_SCAN_GATES } from '../risk/scan-gates.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { reportDataOf, sectionOf } from '../test-support/report-html.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-scan-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const DEMO = ['scan', '--cap', '30'];
// A demo-market session with signals through every gate.
const SIGNALS = ['scan', '--cap', '40', '--date', '2023-03-07'];

describe('kobe scan on the demo market', () => {
  it('scans a replayed date, says the roster is empty, writes the logs once per date (a rerun replaces its rows)', async () => {
    const r = await kobe([...DEMO, '--date', '2020-03-16', '--json']);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.date).toBe('2020-03-16');
    expect(res.rosterNote).toContain('ibs-rsi and turtle-soup');
    expect(res.modelReason).toBe('uncalibrated');
    expect(res.tradeOfDay.pick).toBeNull();
    for (const s of res.signals) {
      expect(s.confidence).toMatchObject({ value: null, reason: 'uncalibrated' });
      expect(s.gates.map((g: { gate: string }) => g.gate)).toEqual(['price', 'liquidity', 'spread', 'earnings', 'regime']);
      expect(s.gates[2]).toMatchObject({ ok: null, code: 'SPREAD_NOT_EVALUATED' });
    }
    const picks = readFileSync(join(dir, 'logs', 'daily_picks.csv'), 'utf8');
    const trade = readFileSync(join(dir, 'logs', 'trade_of_day.csv'), 'utf8');
    expect(trade.split('\n').filter((l) => l.startsWith('2020-03-16,'))).toHaveLength(1);
    const again = await kobe([...DEMO, '--date', '2020-03-16', '--json']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'logs', 'daily_picks.csv'), 'utf8')).toBe(picks);
    expect(readFileSync(join(dir, 'logs', 'trade_of_day.csv'), 'utf8')).toBe(trade);
    await kobe([...DEMO, '--date', '2020-03-13']);
    const both = readFileSync(join(dir, 'logs', 'trade_of_day.csv'), 'utf8').trim().split('\n');
    expect(both.map((l) => l.slice(0, 10))).toEqual(['date,symbo', '2020-03-13', '2020-03-16']);
    const audit = readFileSync(join(dir, 'audit', 'audit.jsonl'), 'utf8').trim().split('\n');
    expect(audit).toHaveLength(3);
    expect(JSON.parse(audit[0]).data.inputsHash).toBe(res.inputsHash);
  });

  it('--report writes the morning page of the scan: its embedded data holds the Top-3, every signal and the gates the JSON has; a rerun writes the same bytes', async () => {
    const r = await kobe([...SIGNALS, '--json', '--report']);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.top.length).toBeGreaterThan(0);
    const file = join(dir, 'reports', 'scan', '2023-03-07.html');
    const data = reportDataOf(file);
    expect(data.kind).toBe('daily-morning');
    expect(data.caveats[0]).toMatch(/synthetic/);
    const top = sectionOf(data, 'table', 'Top-3');
    expect(top.rows.map((x) => [x.symbol, x.strategy, x.entry])).toEqual(res.top.map((p: { symbol: string; strategy: string; entry: number }) => [p.symbol, p.strategy, p.entry]));
    const every = sectionOf(data, 'table', 'Every signal');
    expect(every.rows.map((x) => x.symbol)).toEqual(res.signals.map((p: { symbol: string }) => p.symbol));
    for (const [k, p] of res.top.entries()) {
      const why = sectionOf(data, 'notes', `#${k + 1} ${p.symbol} (${p.strategy}): why`);
      expect(why.items[0]).toBe(`signal: ${p.reason}`);
      expect(why.items.filter((i) => i.startsWith('gate '))).toHaveLength(5);
    }
    expect(sectionOf(data, 'heading', 'Trade of the day: none').text).toBe(res.tradeOfDay.reason);
    const bytes = readFileSync(file, 'utf8');
    const own = join(dir, 'morning.html');
    expect((await kobe([...SIGNALS, '--report', own])).code).toBe(0);
    expect(readFileSync(own, 'utf8')).toBe(bytes);
    const both = await kobe([...SIGNALS, '--report', '--explain', res.signals[0]?.symbol ?? 'XFAB']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--report and --explain/);
  });

  it('with a trained model: confidence and a trade-of-the-day decision, but never from a model that learned from the replayed day or later', async () => {
    // A model trained through the end of the data has seen trades closing after 2020-09-01.
    const full = await kobe(['scan', 'train', '--cap', '30', '--json']);
    expect(full.code, full.err).toBe(0);
    const inside = JSON.parse((await kobe([...DEMO, '--date', '2020-09-01', '--json'])).out);
    expect(inside.modelReason).toMatch(/^the confidence model learned from trades that closed up to \d{4}-\d{2}-\d{2}, not before 2020-09-01$/);
    for (const s of inside.signals) expect(s.confidence.value).toBeNull();
    expect(inside.tradeOfDay.pick).toBeNull();
    // Trained only on what was known before the day, it scores the day's signals.
    const before = await kobe(['scan', 'train', '--cap', '30', '--end', '2020-06-30', '--force-activate', '--json']);
    expect(before.code, before.err).toBe(0);
    const after = JSON.parse((await kobe([...DEMO, '--date', '2020-09-01', '--json'])).out);
    expect(after.modelReason).toBeNull();
    expect(after.signals.length).toBeGreaterThan(0);
    for (const s of after.signals) {
      expect(s.confidence.value).toBeGreaterThan(0);
      expect(s.confidence.value).toBeLessThan(1);
    }
    const best = Math.max(...after.signals.filter((s: { admitted: boolean }) => s.admitted).map((s: { confidence: { value: number } }) => s.confidence.value));
    if (after.tradeOfDay.pick === null) expect(after.tradeOfDay.reason).toMatch(/below 0.6/);
    else expect(after.tradeOfDay.pick.confidence.value).toBe(best);
  });

  it('bad input exits 2 and writes nothing: a closed day, a malformed quotes or earnings file, a damaged model, an unknown explain symbol', async () => {
    const closed = await kobe([...DEMO, '--date', '2019-12-25']);
    expect(closed.code).toBe(2);
    expect(closed.err).toContain('Christmas');
    writeFileSync(join(dir, 'q.csv'), 'symbol,bid,ask\nAAA,10,9\n');
    const q = await kobe([...DEMO, '--date', '2020-03-16', '--quotes', 'q.csv']);
    expect(q.code).toBe(2);
    expect(q.err).toContain('q.csv:2');
    writeFileSync(join(dir, 'e.csv'), 'symbol,date\nAAA,2020-13-01\n');
    const e = await kobe([...DEMO, '--date', '2020-03-16', '--earnings', 'e.csv']);
    expect(e.code).toBe(2);
    expect(e.err).toContain('e.csv:2');
    mkdirSync(join(dir, 'state', 'models'), { recursive: true });
    writeFileSync(join(dir, 'state', 'models', 'active.json'), '{"format": ');
    const m = await kobe([...DEMO, '--date', '2020-03-16']);
    expect(m.code).toBe(2);
    expect(m.err).toContain('BAD_MODEL_FILE');
    rmSync(join(dir, 'state'), { recursive: true });
    const x = await kobe([...DEMO, '--date', '2020-03-16', '--explain', 'NOPE']);
    expect(x.code).toBe(2);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
    expect(existsSync(join(dir, 'kobe.db'))).toBe(false);
    expect(existsSync(join(dir, 'audit'))).toBe(false);
  });

  it('without --date, data that ends before the last completed session is stale: exit 1, nothing written', async () => {
    const r = await kobe([...DEMO]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/stale: it ends on \d{4}-\d{2}-\d{2}, the last completed NYSE session is/);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  });
});

describe('staleness with a fixed clock', () => {
  const spec = (date: string | null): ScanSpec => ({
    market: decodeMarketSpec({ cap: 10 }),
    date,
    legs: null,
    db: 'kobe.db',
    stateDir: 'state',
    logsDir: 'logs',
    audit: 'audit/audit.jsonl',
    quotes: null,
    earnings: null,
    gates: DEFAULT_SCAN_GATES,
    regimeSmaPeriod: 200,
    mix: [{ strategy: 'turtle-soup', count: 2 }, { strategy: 'ibs-rsi', count: 1 }],
    ensureTop3: true,
    minConfidence: 0.6,
    capitalUsd: 100_000,
    explain: null,
  });
  it('is fresh right after the data\'s last close, stale a session later', async () => {
    const probe = await runScan(spec(null), plainContext(dir, {}, { now: () => new Date('2030-01-02T00:00:00Z') }));
    expect(probe.kind).toBe('stale');
    const have = probe.kind === 'stale' ? probe.have : '';
    // 22:00 UTC is after the 16:00 New York close in either season.
    const fresh = await runScan(spec(null), plainContext(dir, {}, { now: () => new Date(`${have}T22:00:00Z`) }));
    expect(fresh.kind).toBe('scanned');
  });
});

describe.runIf(sharedDataAvailable())('kobe scan on real data', () => {
  it('explains a symbol: rule conditions with values and thresholds, gates, confidence, plan', async () => {
    const r = await kobe(['scan', '--data-dir', SHARED_STOOQ_DIR, '--cap', '100', '--date', '2017-11-10', '--explain', 'JPM', '--json']);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out);
    expect(r.err).toContain('why JPM on 2017-11-10');
    const ibs = res.explain.rules.find((x: { strategy: string }) => x.strategy === 'ibs-rsi');
    expect(ibs.signalled).toBe(true);
    expect(ibs.conditions.map((c: { name: string }) => c.name)).toEqual(['close vs SMA(200)', 'IBS', 'RSI(2)']);
    expect(ibs.conditions.every((c: { met: boolean }) => c.met)).toBe(true);
    const pick = res.explain.picks[0];
    expect(pick.plan.shares).toBeGreaterThan(0);
    expect(pick.timeExit).toEqual({ bars: 5, decidedOn: '2017-11-17', exitOn: '2017-11-20' });
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  });
});
