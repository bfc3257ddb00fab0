import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBarsCsv } from '../parse-bars.js';
import { type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { chainProviders } from './chain.js';
import { createProviderFromEnv } from './from-env.js';
import { type BarProvider, CSV_HEADER } from './provider.js';
import { appendRowsToText, pricesAgree, type RefreshResult, refreshSymbols, weekdayAfter } from './refresh.js';
import { parseIsoDay } from '../../core/calendar.js';

let stub: ProviderStub;
let dir: string;
const http = { sleep: async () => undefined, backoffMs: () => 1, maxRetries: 1 };

beforeAll(async () => {
  stub = await startProviderStub({ known: ['AAPL', 'MSFT', 'SPY', 'BRK.B', 'KO', 'SPLIT'] });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kobe-refresh-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stooq = () => createProviderFromEnv('stooq', { STOOQ_BASE_URL: stub.baseUrl }, http);
const stooqRequests = () => stub.requests.filter((r) => r.api === 'stooq');
const rowsOf = (symbol: string, from: string, to: string) => stubBars(symbol, from, to).map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`);
const csvOf = (symbol: string, from: string, to: string) => `${CSV_HEADER}\n${rowsOf(symbol, from, to).join('\n')}\n`;
const last = (over: Partial<Parameters<typeof refreshSymbols>[0]> & { toIso: string }) =>
  refreshSymbols({ provider: stooq(), symbols: ['AAPL'], dataDir: dir, mode: { kind: 'last', newFromIso: '2024-01-02' }, ...over });
const ok = (r: RefreshResult) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.error}`);
  return r;
};

describe('refreshSymbols --since last', () => {
  it('fetches a symbol without a file from newFromIso, then appends only the new days: the file equals one full download', async () => {
    const [first] = await last({ toIso: '2024-01-31' });
    expect(ok(first)).toMatchObject({ status: 'new', appended: 0, file: join(dir, 'AAPL.csv'), firstIso: '2024-01-02', lastIso: '2024-01-31', provider: 'stooq' });
    const before = stooqRequests().length;
    const [second] = await last({ toIso: '2024-02-15' });
    const newDays = stubBars('AAPL', '2024-02-01', '2024-02-15').length;
    expect(ok(second)).toMatchObject({ status: 'appended', appended: newDays, bars: ok(first).bars + newDays, firstIso: '2024-01-02', lastIso: '2024-02-15' });
    // One request, from the last bar on (the overlap), not the whole history.
    const asked = stooqRequests().slice(before);
    expect(asked.map((r) => [r.query.d1, r.query.d2])).toEqual([['20240131', '20240215']]);
    expect(await readFile(join(dir, 'AAPL.csv'), 'utf8')).toBe(csvOf('AAPL', '2024-01-02', '2024-02-15'));
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
  });

  it('makes no request for a symbol that is up to date, or when only a weekend follows its last bar', async () => {
    await writeFile(join(dir, 'AAPL.csv'), csvOf('AAPL', '2024-01-02', '2024-01-26')); // ends on a Friday
    const before = stooqRequests().length;
    for (const toIso of ['2024-01-26', '2024-01-20', '2024-01-27', '2024-01-28']) {
      const [r] = await last({ toIso });
      expect(ok(r)).toMatchObject({ status: 'up-to-date', provider: null, appended: 0, lastIso: '2024-01-26', bars: stubBars('AAPL', '2024-01-02', '2024-01-26').length });
    }
    expect(stooqRequests().length).toBe(before);
    const [monday] = await last({ toIso: '2024-01-29' });
    expect(ok(monday)).toMatchObject({ status: 'appended', appended: 1, lastIso: '2024-01-29' });
    expect(stooqRequests().length).toBe(before + 1);
  });

  it('refetches the whole span when the overlapping bar changed (the vendor re-adjusted for a split)', async () => {
    await last({ symbols: ['SPLIT'], toIso: '2024-03-28' });
    stub.adjust('SPLIT', 0.5);
    try {
      const before = stooqRequests().length;
      const [r] = await last({ symbols: ['SPLIT'], toIso: '2024-04-05' });
      expect(ok(r)).toMatchObject({ status: 'refetched', firstIso: '2024-01-02', lastIso: '2024-04-05', provider: 'stooq' });
      expect(stooqRequests().slice(before).map((q) => [q.query.d1, q.query.d2])).toEqual([
        ['20240328', '20240405'],
        ['20240102', '20240405'],
      ]);
      const bars = parseBarsCsv(await readFile(join(dir, 'SPLIT.csv'), 'utf8'), { file: 'SPLIT.csv', symbol: 'SPLIT' });
      const raw = stubBars('SPLIT', '2024-01-02', '2024-04-05');
      expect(bars.close[0]).toBeCloseTo(raw[0].c * 0.5, 2);
      expect(bars.day.length).toBe(raw.length);
    } finally {
      stub.adjust('SPLIT', 2);
    }
  });

  it('appends to a Stooq .us.txt file in place: same name, same bytes before, its CRLF and OpenInt column', async () => {
    const old = `Date,Open,High,Low,Close,Volume,OpenInt\r\n${rowsOf('BRK.B', '2024-01-02', '2024-01-10').map((r) => `${r},0`).join('\r\n')}\r\n`;
    await writeFile(join(dir, 'brk-b.us.txt'), old);
    const [r] = await last({ symbols: ['brk.b'], toIso: '2024-01-12' });
    expect(ok(r)).toMatchObject({ status: 'appended', appended: 2, file: join(dir, 'brk-b.us.txt') });
    const text = await readFile(join(dir, 'brk-b.us.txt'), 'utf8');
    expect(text.startsWith(old)).toBe(true);
    expect(text.slice(old.length)).toBe(`${rowsOf('BRK.B', '2024-01-11', '2024-01-12').map((x) => `${x},0`).join('\r\n')}\r\n`);
    expect(await readdir(dir)).toEqual(['brk-b.us.txt']);
  });

  it('rewrites a file in another layout (a Yahoo export) in the Stooq layout, keeping the prices the loader read from it', async () => {
    const bars = stubBars('KO', '2024-01-02', '2024-01-10');
    // Adj Close = Close: the loader's adjustment is the identity, the overlap compares equal.
    const yahoo = `Date,Open,High,Low,Close,Adj Close,Volume\n${bars.map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.c},${b.v}`).join('\n')}\n`;
    await writeFile(join(dir, 'KO.csv'), yahoo);
    const [r] = await last({ symbols: ['KO'], toIso: '2024-01-12' });
    expect(ok(r)).toMatchObject({ status: 'appended', appended: 2 });
    expect(await readFile(join(dir, 'KO.csv'), 'utf8')).toBe(csvOf('KO', '2024-01-02', '2024-01-12'));
  });

  it('an empty file counts as no file', async () => {
    await writeFile(join(dir, 'MSFT.csv'), `${CSV_HEADER}\n`);
    const [r] = await last({ symbols: ['MSFT'], toIso: '2024-01-05' });
    expect(ok(r)).toMatchObject({ status: 'new', firstIso: '2024-01-02', lastIso: '2024-01-05' });
  });

  it('a file that cannot be parsed is that symbol\'s failure, untouched, and nothing is requested', async () => {
    const broken = `${CSV_HEADER}\n2024-01-02,1,2,x,1,5\n`;
    await writeFile(join(dir, 'AAPL.csv'), broken);
    const before = stooqRequests().length;
    const [r] = await last({ toIso: '2024-01-31' });
    expect(r).toMatchObject({ ok: false, code: 'BAD_NUMBER', file: join(dir, 'AAPL.csv') });
    expect(await readFile(join(dir, 'AAPL.csv'), 'utf8')).toBe(broken);
    expect(stooqRequests().length).toBe(before);
  });
});

describe('refreshSymbols never leaves a half-changed file', () => {
  it('a failing incremental download leaves the file byte-identical and reports the failure', async () => {
    const old = csvOf('AAPL', '2024-01-02', '2024-01-10');
    await writeFile(join(dir, 'AAPL.csv'), old);
    const down: BarProvider = { name: 'down', fetchDaily: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')) };
    const [r] = await last({ provider: down, toIso: '2024-01-31' });
    expect(r).toMatchObject({ ok: false, code: 'DOWNLOAD_FAILED', file: join(dir, 'AAPL.csv'), attempts: [{ provider: 'down', code: 'DOWNLOAD_FAILED' }] });
    expect(await readFile(join(dir, 'AAPL.csv'), 'utf8')).toBe(old);
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
  });

  it('a refetch that fails after the overlap disagreed leaves the file byte-identical', async () => {
    const old = csvOf('AAPL', '2024-01-02', '2024-01-10');
    await writeFile(join(dir, 'AAPL.csv'), old);
    let calls = 0;
    const flaky: BarProvider = {
      name: 'flaky',
      fetchDaily: async (symbol, fromIso, toIso) => {
        calls++;
        if (calls === 1) return csvOf(symbol, fromIso, toIso).replace(/,(\d+\.?\d*),/, ',999,'); // the overlap bar changed
        throw new Error('connection reset');
      },
    };
    const [r] = await last({ provider: chainProviders([flaky]), toIso: '2024-01-31' });
    expect(calls).toBe(2);
    expect(r).toMatchObject({ ok: false, error: 'connection reset' });
    expect(await readFile(join(dir, 'AAPL.csv'), 'utf8')).toBe(old);
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
  });

  it('a write that fails (the file is a folder) is that symbol\'s failure, with no temp file left', async () => {
    await mkdir(join(dir, 'AAPL.csv'));
    const [r] = await refreshSymbols({ provider: stooq(), symbols: ['AAPL'], dataDir: dir, mode: { kind: 'full', fromIso: '2024-01-02' }, toIso: '2024-01-05' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.attempts).toEqual([]); // the download worked; the write did not
    expect(await readdir(dir)).toEqual(['AAPL.csv']);
  });
});

describe('refreshSymbols mode full', () => {
  it('replaces an existing file at its own path and names new files <SYMBOL>.csv', async () => {
    await writeFile(join(dir, 'spy.us.txt'), 'Date,Open,High,Low,Close,Volume\n2010-01-04,1,1,1,1,1\n');
    const results = await refreshSymbols({ provider: stooq(), symbols: ['SPY', 'MSFT', 'NOSUCH'], dataDir: dir, mode: { kind: 'full', fromIso: '2024-01-02' }, toIso: '2024-01-05' });
    expect(results.map((r) => (r.ok ? r.status : r.code))).toEqual(['replaced', 'new', 'NO_DATA']);
    expect(await readFile(join(dir, 'spy.us.txt'), 'utf8')).toBe(csvOf('SPY', '2024-01-02', '2024-01-05'));
    expect((await readdir(dir)).sort()).toEqual(['MSFT.csv', 'spy.us.txt']);
  });
});

describe('helpers', () => {
  it('pricesAgree is relative to 1e-6', () => {
    expect(pricesAgree(100, 100.00009)).toBe(true);
    expect(pricesAgree(100, 100.0002)).toBe(false);
    expect(pricesAgree(0.5, 0.5)).toBe(true);
  });

  it('weekdayAfter sees only weekdays', () => {
    const d = parseIsoDay;
    expect(weekdayAfter(d('2024-01-26'), d('2024-01-28'))).toBe(false);
    expect(weekdayAfter(d('2024-01-26'), d('2024-01-29'))).toBe(true);
    expect(weekdayAfter(d('2024-01-26'), d('2024-01-26'))).toBe(false);
  });

  it('appendRowsToText adds a missing final line end first', () => {
    expect(appendRowsToText('Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1', 'date,open,high,low,close,volume', ['2024-01-03,2,2,2,2,2'])).toBe(
      'Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n2024-01-03,2,2,2,2,2\n',
    );
  });
});
