import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseIsoDay } from '../../core/calendar.js';
import { KobeError } from '../../core/errors.js';
import { parseBarsCsv } from '../parse-bars.js';
import { type ProviderStub, startProviderStub } from '../../test-support/provider-stub.js';
import { downloadSymbols, type DownloadResult } from './fetch-to-dir.js';
import { createProviderFromEnv } from './index.js';
import { type BarProvider, CSV_HEADER, normalizeSymbol } from './provider.js';

let stub: ProviderStub;
let dir: string;
const http = { sleep: async () => undefined, backoffMs: () => 1 };

beforeAll(async () => {
  stub = await startProviderStub({ rateLimitOnce: ['MSFT'], delayMs: 20 });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kobe-fetch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const polygon = () => createProviderFromEnv('polygon', { POLYGON_API_KEY: 'test-key', POLYGON_BASE_URL: stub.baseUrl }, http);
const stooq = () => createProviderFromEnv('stooq', { STOOQ_BASE_URL: stub.baseUrl }, http);

describe('downloadSymbols', () => {
  it('writes <SYMBOL>.csv per symbol and reports ok / error per symbol in input order', async () => {
    const results = await downloadSymbols({ provider: polygon(), symbols: ['aapl', 'ZZZZ', 'MSFT', 'AAPL'], fromIso: '2023-01-01', toIso: '2023-12-31', dataDir: join(dir, 'sub') });
    expect(results.map((r) => r.symbol)).toEqual(['AAPL', 'ZZZZ', 'MSFT']);
    const [aapl, zzzz, msft] = results;
    expect(aapl.ok && aapl.bars).toBe(260);
    expect(aapl.ok && aapl.firstIso).toBe('2023-01-02');
    expect(aapl.ok && aapl.lastIso).toBe('2023-12-29');
    expect(zzzz.ok).toBe(false);
    expect(!zzzz.ok && zzzz.code).toBe('NO_DATA');
    expect(msft.ok).toBe(true); // after one 429
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['AAPL.csv', 'MSFT.csv']);
    const text = await readFile(join(dir, 'sub', 'AAPL.csv'), 'utf8');
    expect(text.startsWith(`${CSV_HEADER}\n2023-01-02,`)).toBe(true);
  });

  it("writes files kobe's own CSV reader loads, from both providers", async () => {
    for (const provider of [polygon(), stooq()]) {
      const sub = join(dir, provider.name);
      const [r] = await downloadSymbols({ provider, symbols: ['SPY'], fromIso: '2024-01-01', toIso: '2024-06-30', dataDir: sub });
      expect(r.ok).toBe(true);
      const file = join(sub, 'SPY.csv');
      const bars = parseBarsCsv(await readFile(file, 'utf8'), { file, symbol: 'SPY' });
      expect(bars.format).toBe('stooq');
      expect(bars.day.length).toBe(r.ok ? r.bars : -1);
      expect(bars.day[0]).toBe(parseIsoDay('2024-01-01'));
      expect(bars.day[bars.day.length - 1]).toBe(parseIsoDay('2024-06-28'));
      expect(bars.volume[0]).toBeGreaterThan(0);
    }
  });

  it('works the same with the stooq provider', async () => {
    const results = await downloadSymbols({ provider: stooq(), symbols: ['SPY', 'NOSUCH'], fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir });
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(await readdir(dir)).toEqual(['SPY.csv']);
  });

  it('bounds concurrency', async () => {
    const slow = await startProviderStub({ delayMs: 25 });
    try {
      const provider = createProviderFromEnv('stooq', { STOOQ_BASE_URL: slow.baseUrl }, http);
      const symbols = ['AAPL', 'MSFT', 'SPY', 'BRK.B', 'X1', 'X2', 'X3', 'X4'];
      const results = await downloadSymbols({ provider, symbols, fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir, concurrency: 3 });
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false, false, false, false]);
      expect(slow.requests).toHaveLength(8);
      expect(slow.maxInFlight()).toBeLessThanOrEqual(3);
      expect(slow.maxInFlight()).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  it('stops after a rejected API key and skips the rest', async () => {
    const bad = createProviderFromEnv('polygon', { POLYGON_API_KEY: 'wrong', POLYGON_BASE_URL: stub.baseUrl }, http);
    const seen: DownloadResult[] = [];
    const results = await downloadSymbols({
      provider: bad,
      symbols: ['AAPL', 'MSFT', 'SPY', 'BRK.B'],
      fromIso: '2024-01-01',
      toIso: '2024-01-31',
      dataDir: dir,
      concurrency: 1,
      onResult: (r) => seen.push(r),
    });
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['PROVIDER_AUTH', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
    expect(seen).toHaveLength(4);
    expect(await readdir(dir)).toEqual([]);
  });

  it('never leaves a half-written file: a failing download keeps the previous file intact', async () => {
    await writeFile(join(dir, 'AAPL.csv'), 'previous contents\n');
    let calls = 0;
    const flaky: BarProvider = {
      name: 'flaky',
      fetchDaily: async () => {
        calls++;
        throw new Error('connection reset');
      },
    };
    const [r] = await downloadSymbols({ provider: flaky, symbols: ['AAPL'], fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir });
    expect(calls).toBe(1);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe('connection reset');
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
    expect(await readFile(join(dir, 'AAPL.csv'), 'utf8')).toBe('previous contents\n');
  });

  it('replaces files atomically and leaves no temp files behind', async () => {
    await writeFile(join(dir, 'AAPL.csv'), 'previous contents\n');
    const results = await downloadSymbols({ provider: polygon(), symbols: ['AAPL'], fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir });
    expect(results[0].ok).toBe(true);
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
    expect((await readFile(join(dir, 'AAPL.csv'), 'utf8')).startsWith(CSV_HEADER)).toBe(true);
  });

  it('reports a write failure per symbol and cleans up the temp file', async () => {
    // A directory where the file should go makes the rename fail.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'AAPL.csv'));
    const [r] = await downloadSymbols({ provider: polygon(), symbols: ['AAPL'], fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir });
    expect(r.ok).toBe(false);
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
  });

  it('rejects symbols that are not tickers before downloading anything', async () => {
    const before = stub.requests.length;
    await expect(downloadSymbols({ provider: polygon(), symbols: ['AAPL', '../etc/passwd'], fromIso: '2024-01-01', toIso: '2024-01-31', dataDir: dir })).rejects.toThrow(KobeError);
    expect(stub.requests.length).toBe(before);
  });
});

describe('normalizeSymbol and createProviderFromEnv', () => {
  it('normalises tickers and rejects junk', () => {
    expect(normalizeSymbol(' brk.b ')).toBe('BRK.B');
    expect(normalizeSymbol('^spx')).toBe('^SPX');
    for (const bad of ['', 'A B', 'a/b', '..', 'TOOLONGTICKERNAME1']) expect(() => normalizeSymbol(bad)).toThrow(KobeError);
  });

  it('needs POLYGON_API_KEY and valid base URLs', () => {
    expect(() => createProviderFromEnv('polygon', {})).toThrow(/POLYGON_API_KEY is not set/);
    expect(() => createProviderFromEnv('polygon', { POLYGON_API_KEY: '  ' })).toThrow(/POLYGON_API_KEY/);
    expect(() => createProviderFromEnv('stooq', { STOOQ_BASE_URL: 'ftp://x' })).toThrow(/STOOQ_BASE_URL/);
    expect(() => createProviderFromEnv('iex', {})).toThrow(/unknown provider/);
    expect(() => createProviderFromEnv('yahoo', { YAHOO_BASE_URL: 'file:///x' })).toThrow(/YAHOO_BASE_URL/);
    expect(createProviderFromEnv('yahoo', {}).name).toBe('yahoo');
    expect(createProviderFromEnv('polygon', { POLYGON_API_KEY: 'k' }).name).toBe('polygon');
    expect(createProviderFromEnv('stooq', {}).name).toBe('stooq');
  });
});
