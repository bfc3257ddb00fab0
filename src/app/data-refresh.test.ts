import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { type ProviderStub, startProviderStub, stubBars } from '../test-support/provider-stub.js';
import { plainContext } from './context.js';
import { DEFAULT_NEW_SYMBOL_FROM, describeRefreshStatus, exchangeToday, refreshData, type RefreshSpec } from './data-refresh.js';

const KEY = 'pk_Lm3Nb5Vc7Xz9Qa1Ws';
let stub: ProviderStub;
let cwd: string;
const http = { sleep: async () => undefined, backoffMs: () => 1, maxRetries: 1 };

beforeAll(async () => {
  stub = await startProviderStub({ apiKey: KEY, rateLimitAlways: ['AAPL'], echoRequestUrl: true });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'kobe-app-refresh-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** A context at a fixed instant (03:00 UTC on 2024-02-03 is still 2024-02-02 in New York). */
function context(env: Record<string, string | undefined> = {}, now = new Date('2024-02-03T03:00:00Z')) {
  const logs: string[] = [];
  const notes: string[] = [];
  const ctx = plainContext(cwd, { POLYGON_BASE_URL: stub.baseUrl, STOOQ_BASE_URL: stub.baseUrl, YAHOO_BASE_URL: stub.baseUrl, ...env }, {
    log: (l) => logs.push(l),
    note: (l) => notes.push(l),
    now: () => now,
  });
  return { ctx, logs, notes };
}
const spec = (over: Partial<RefreshSpec> = {}): RefreshSpec => ({ dataDir: 'data', symbols: ['SPY'], since: 'last', fromIso: '2024-01-02', ...over });

async function usage(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected a rejection');
}

describe('refreshData', () => {
  it('defaults: stooq then yahoo, up to today in New York by the context clock, data folder against ctx.cwd', async () => {
    const { ctx, logs, notes } = context();
    const before = stub.requests.length;
    const report = await refreshData(spec(), ctx, { http });
    expect(report.providers).toEqual(['stooq', 'yahoo']);
    expect(report.toIso).toBe('2024-02-02');
    expect(report.dataDir).toBe(join(cwd, 'data'));
    expect(report.results[0]).toMatchObject({ symbol: 'SPY', ok: true, status: 'new', provider: 'stooq', lastIso: '2024-02-02' });
    expect(stub.requests.slice(before).map((r) => r.api)).toEqual(['stooq']);
    expect(logs).toEqual([`refreshing 1 symbol from stooq,yahoo, each from its last bar to 2024-02-02 (symbols without a file from 2024-01-02) -> data`]);
    expect(notes).toEqual([]);
    expect(report.counts).toEqual({ new: 1, appended: 0, upToDate: 0, refetched: 0, replaced: 0, failed: 0 });

    // The next day: one bar appended. Again the same day: up to date, no request.
    const next = await refreshData(spec(), context({}, new Date('2024-02-05T22:00:00Z')).ctx, { http });
    expect(describeRefreshStatus(next.results[0])).toBe('appended 1');
    const quiet = stub.requests.length;
    const again = await refreshData(spec(), context({}, new Date('2024-02-05T23:00:00Z')).ctx, { http });
    expect(describeRefreshStatus(again.results[0])).toBe('up to date');
    expect(stub.requests.length).toBe(quiet);
  });

  it('reads the symbols of a universe file (relative to ctx.cwd) and the providers from KOBE_PROVIDERS', async () => {
    await writeFile(join(cwd, 'u.csv'), 'symbol,name\nMSFT,Microsoft\nBRK.B,Berkshire\n');
    const { ctx } = context({ KOBE_PROVIDERS: 'yahoo' });
    const report = await refreshData(spec({ symbols: undefined, universeFile: 'u.csv', since: '2024-01-02', fromIso: undefined, toIso: '2024-01-05' }), ctx, { http });
    expect(report.providers).toEqual(['yahoo']);
    expect(report.results.map((r) => [r.symbol, r.ok && r.status, r.ok && r.provider])).toEqual([
      ['MSFT', 'new', 'yahoo'],
      ['BRK.B', 'new', 'yahoo'],
    ]);
    expect((await readdir(join(cwd, 'data'))).sort()).toEqual(['BRK.B.csv', 'MSFT.csv']);
  });

  it('falls back from polygon (429 after its retries) to stooq, recording the attempt; notes the adjustment difference', async () => {
    const { ctx, notes } = context({ POLYGON_API_KEY: KEY });
    const report = await refreshData(spec({ symbols: ['AAPL'], providers: 'polygon,stooq' }), ctx, { http });
    const [r] = report.results;
    expect(r).toMatchObject({ ok: true, provider: 'stooq', attempts: [{ provider: 'polygon', code: 'RATE_LIMITED' }] });
    expect(notes.join('\n')).toMatch(/polygon writes split-adjusted prices/);
    expect(JSON.stringify(report)).not.toContain(KEY);
  });

  it('skips polygon without a key, with a note, and goes on with the others', async () => {
    const { ctx, notes } = context();
    const report = await refreshData(spec({ providers: ['polygon', 'yahoo'] }), ctx, { http });
    expect(report.providers).toEqual(['yahoo']);
    expect(report.skippedProviders).toMatchObject([{ provider: 'polygon', code: 'MISSING_API_KEY' }]);
    expect(notes[0]).toBe('provider polygon skipped: POLYGON_API_KEY is not set [MISSING_API_KEY]');
    expect(report.results[0]).toMatchObject({ ok: true, provider: 'yahoo' });
  });

  it('uses DEFAULT_NEW_SYMBOL_FROM for new symbols when no fromIso is given', async () => {
    const { ctx } = context();
    const report = await refreshData(spec({ fromIso: undefined, toIso: '2000-01-07' }), ctx, { http });
    expect(report.fromIso).toBe(DEFAULT_NEW_SYMBOL_FROM);
    expect(report.results[0]).toMatchObject({ ok: true, firstIso: '2000-01-03', lastIso: '2000-01-07' });
    expect(await readFile(join(cwd, 'data', 'SPY.csv'), 'utf8')).toContain(`${stubBars('SPY', '2000-01-03', '2000-01-03')[0].date},`);
  });

  it('rejects bad specs as usage errors naming the parameter, before any request', async () => {
    const before = stub.requests.length;
    const cases: [Partial<RefreshSpec>, string, string][] = [
      [{ symbols: undefined }, 'NO_SYMBOLS', 'symbols'],
      [{ universeFile: 'u.csv' }, 'NO_SYMBOLS', 'symbols'],
      [{ symbols: [' , '] }, 'NO_SYMBOLS', 'symbols'],
      [{ symbols: ['A/B'] }, 'BAD_SYMBOL', 'symbols'],
      [{ since: 'yesterday' }, 'BAD_DATE', 'since'],
      [{ toIso: '2024-02-30' }, 'BAD_DATE', 'toIso'],
      [{ fromIso: '2024-03-01', toIso: '2024-02-01' }, 'BAD_DATE_RANGE', 'fromIso'],
      [{ since: '2024-01-02', fromIso: '2023-01-02' }, 'BAD_FLAG', 'since'],
      [{ concurrency: 0 }, 'BAD_FLAG', 'concurrency'],
      [{ providers: 'stooq,iex' }, 'BAD_PROVIDER', 'provider'],
      [{ dataDir: ' ' }, 'BAD_FLAG', 'dataDir'],
    ];
    for (const [over, code, at] of cases) {
      const e = await usage(refreshData(spec(over), context().ctx, { http }));
      expect([e.code, e.kind, e.flag ?? e.param], JSON.stringify(over)).toEqual([code, 'usage', at]);
    }
    expect(stub.requests.length).toBe(before);
  });
});

describe('exchangeToday', () => {
  it('is the New York date', () => {
    expect(exchangeToday(new Date('2024-07-01T03:59:00Z'))).toBe('2024-06-30');
    expect(exchangeToday(new Date('2024-07-01T04:00:00Z'))).toBe('2024-07-01');
    expect(exchangeToday(new Date('2024-01-01T04:59:00Z'))).toBe('2023-12-31');
  });
});
