import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

// VRX's 2010-09-28 open at 26.39 after a 63.25 close (Biovail/Valeant) is a LARGE_GAP: a trade
// held across it books the merger, not the rule, and every trade list must say so.
describe.runIf(sharedDataAvailable())('trades held across a LARGE_GAP are flagged in every trade list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kobe-gapflags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const market = ['--symbols', 'VRX', '--data-dir', SHARED_STOOQ_DIR, '--no-regime-filter', '--start', '2010-01-01', '--end', '2011-06-30'];

  it('simulate --json: gapFlags on the trade across 2010-09-28, none on the others', async () => {
    const io = memoryIo(dir);
    expect(await main(['simulate', '--strategy', 'ibs-rsi', ...market, '--json'], io), io.err()).toBe(0);
    const trades = JSON.parse(io.out()).trades as { entryDate: string; exitDate: string; gapFlags: { code: string; date: string }[] }[];
    const across = trades.filter((t) => t.entryDate < '2010-09-28' && t.exitDate >= '2010-09-28');
    expect(across).toHaveLength(1);
    expect(across[0].gapFlags.map((f) => `${f.code}:${f.date}`)).toEqual(['LARGE_GAP:2010-09-28']);
    for (const t of trades) if (!across.includes(t)) expect(t.gapFlags).toEqual([]);
    expect(io.err()).toMatch(/1 trade\(s\) held across a LARGE_GAP/);
  });

  it('wf trade_list.csv: a gap_flags column naming the gap', async () => {
    const io = memoryIo(dir);
    const code = await main(['wf', '--strategy', 'ibs-rsi', ...market, '--start', '2009-01-01', '--train-days', '126', '--test-days', '63', '--no-tune', '--outdir', join(dir, 'out'), '--db', join(dir, 'k.db'), '--json'], io);
    expect(code, io.err()).toBe(0);
    const csv = readFileSync(join(dir, 'out', 'latest', 'ibs-rsi', 'trade_list.csv'), 'utf8').trim().split('\n');
    const head = csv[0].split(',');
    const col = head.indexOf('gap_flags');
    expect(col).toBe(head.length - 1);
    const flagged = csv.slice(1).map((l) => l.split(',')).filter((r) => r[col] !== '');
    expect(flagged.length).toBeGreaterThan(0);
    for (const r of flagged) expect(r[col]).toMatch(/^(LARGE_GAP|SUSPECT_SPLIT):\d{4}-\d{2}-\d{2}(;(LARGE_GAP|SUSPECT_SPLIT):\d{4}-\d{2}-\d{2})*$/);
    expect(flagged.some((r) => r[col].includes('LARGE_GAP:2010-09-28'))).toBe(true);
    expect(JSON.parse(io.out()).strategies[0].outOfSample.tradesAcrossGaps).toBe(flagged.length);
  });
});
