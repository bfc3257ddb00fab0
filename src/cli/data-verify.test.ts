import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { main } from './main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-verify-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(dir, env);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Calm weekday-agnostic daily bars (every calendar day) from 2020-01-01. */
function good(rows: number, start = 100): string {
  const lines = ['Date,Open,High,Low,Close,Volume'];
  for (let i = 0; i < rows; i++) {
    const d = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
    const p = start + Math.sin(i) * 5;
    lines.push(`${d},${p},${p + 1},${p - 1},${p + 0.5},1000`);
  }
  return `${lines.join('\n')}\n`;
}

/** GOOD, SPY, BAD (a high below the low on line 51) and BROKEN (not a number on line 3). */
function dataDir(): string {
  const d = join(dir, 'bars');
  mkdirSync(d, { recursive: true });
  const rows = good(300).split('\n');
  const f = rows[50].split(',');
  rows[50] = [f[0], f[1], String(Number(f[3]) - 5), f[3], f[4], f[5]].join(',');
  writeFileSync(join(d, 'BAD.csv'), rows.join('\n'));
  writeFileSync(join(d, 'GOOD.csv'), good(300, 50));
  writeFileSync(join(d, 'SPY.csv'), good(300, 300));
  writeFileSync(join(d, 'BROKEN.csv'), 'Date,Open,High,Low,Close,Volume\n2020-01-01,1,1,1,1,1\n2020-01-02,1,oops,1,1,1\n');
  return d;
}

describe('kobe data verify', () => {
  it('reports an unparseable file as that symbol\'s error and checks the others', async () => {
    const d = dataDir();
    const r = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'BROKEN,BAD,GOOD']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN\.csv:3/);
    expect(r.out).toMatch(/BAD\.csv:51 HIGH_BELOW_LOW/);
    const j = JSON.parse((await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'BROKEN,BAD,GOOD', '--json'])).out);
    expect(j.unreadable).toEqual(['BROKEN']);
    expect(j.symbols.map((s: { symbol: string; status: string }) => [s.symbol, s.status])).toEqual([
      ['BROKEN', 'skipped'],
      ['BAD', 'masked'],
      ['GOOD', 'ok'],
      ['SPY', 'ok'],
    ]);
  });

  it('exits 0 when the policy handled every error (mask, skip-symbol), 1 when errors remain (warn, fail)', async () => {
    const d = dataDir();
    const run = (policy: string) => kobe(['data', 'verify', '--data-dir', d, '--symbols', 'BAD,GOOD', '--on-bad-data', policy]);
    const mask = await run('mask');
    expect(mask.code, mask.out).toBe(0);
    expect(mask.out).toMatch(/BAD\.csv:51 HIGH_BELOW_LOW/);
    expect((await run('skip-symbol')).code).toBe(0);
    expect((await run('warn')).code).toBe(1);
    expect((await run('fail')).code).toBe(1);
    const clean = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'GOOD', '--on-bad-data', 'warn']);
    expect(clean.code).toBe(0);
  });

  it('--help lists only the flags data verify uses, with texts that fit it, and the exit codes', async () => {
    const h = await kobe(['data', 'verify', '--help']);
    expect(h.code).toBe(0);
    for (const gone of ['--seed', '--history-bars', '--start', '--end', 'regime filter', 'trade only']) expect(h.out).not.toContain(gone);
    for (const kept of ['--data-dir', '--universe', '--symbols', '--cache', '--on-bad-data', '--dotenv', '--json', '--cap', '--index']) expect(h.out).toContain(kept);
    expect(h.out).toMatch(/exit code/i);
    const fetch = await kobe(['data', 'fetch', '--help']);
    expect(fetch.out).toMatch(/--provider <list>.*KOBE_PROVIDERS.*stooq,yahoo/s);
    for (const kept of ['--universe', '--since', '--symbols', '--from', '--to']) expect(fetch.out).toContain(kept);
  });

  it('--adjust none is recorded in the manifest and changes the data hash; a bad mode is a usage error', async () => {
    const d = dataDir();
    const args = ['simulate', '--data-dir', d, '--symbols', 'GOOD', '--no-regime-filter', '--db', join(dir, 'k.db'), '--json'];
    const all = await kobe(args);
    expect(all.code, all.err).toBe(0);
    const none = await kobe([...args, '--adjust', 'none']);
    expect(none.code, none.err).toBe(0);
    const [a, n] = [JSON.parse(all.out).manifest.data, JSON.parse(none.out).manifest.data];
    expect([a.adjust, n.adjust]).toEqual(['all', 'none']);
    expect(n.dataHash).not.toBe(a.dataHash);
    const bad = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'GOOD', '--adjust', 'raw']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--adjust');
  });

  it('--corporate-actions back-adjusts a known split, so verify no longer reports it; a bad row names file:line', async () => {
    const d = dataDir();
    // SPLIT halves every price from 2020-03-01 on (an unadjusted 2:1 split), volume doubles.
    const rows = good(300, 1000)
      .trim()
      .split('\n')
      .map((line, k) => {
        if (k === 0 || line.slice(0, 10) < '2020-03-01') return line;
        const [date, o, h, l, c, v] = line.split(',');
        return [date, Number(o) / 2, Number(h) / 2, Number(l) / 2, Number(c) / 2, Number(v) * 2].join(',');
      });
    writeFileSync(join(d, 'SPLIT.csv'), `${rows.join('\n')}\n`);
    const before = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'SPLIT', '--on-bad-data', 'warn']);
    expect(before.out).toContain('SUSPECT_SPLIT');
    writeFileSync(join(dir, 'actions.csv'), 'symbol,date,kind,ratio\nSPLIT,2020-03-01,split,2\n');
    const after = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'SPLIT', '--on-bad-data', 'warn', '--corporate-actions', 'actions.csv']);
    expect(after.code, after.out).toBe(0);
    expect(after.out).not.toContain('SUSPECT_SPLIT');
    writeFileSync(join(dir, 'bad-actions.csv'), 'symbol,date,kind,ratio\nSPLIT,2020-03-01,spinoff,2\n');
    const bad = await kobe(['data', 'verify', '--data-dir', d, '--symbols', 'SPLIT', '--corporate-actions', 'bad-actions.csv']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad-actions.csv:2:');
  });
});
