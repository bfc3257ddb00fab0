import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { chainProviders, createProviderChain, ProviderChainError, type SkippedProvider } from './chain.js';
import { downloadSymbols } from './fetch-to-dir.js';
import { type BarProvider, CSV_HEADER } from './provider.js';

/** A key that looks like a real one, so a leak cannot pass by accident. */
const KEY = 'pk_Qw7Er9Ty2Ui4Op6As';
let stub: ProviderStub;
let dir: string;
const http = { sleep: async () => undefined, backoffMs: () => 1, maxRetries: 2 };

beforeAll(async () => {
  stub = await startProviderStub({ apiKey: KEY, rateLimitAlways: ['AAPL'], serverErrorAlways: ['MSFT'], echoRequestUrl: true, known: ['AAPL', 'MSFT', 'SPY', 'ONLYYAHOO'] });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kobe-chain-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = (over: Record<string, string> = {}) => ({ POLYGON_API_KEY: KEY, POLYGON_BASE_URL: stub.baseUrl, STOOQ_BASE_URL: stub.baseUrl, YAHOO_BASE_URL: stub.baseUrl, ...over });
const count = (api: string, symbol?: string) => stub.requests.filter((r) => r.api === api && (symbol === undefined || r.symbol?.toUpperCase().startsWith(symbol))).length;
const csvOf = (symbol: string, from: string, to: string) =>
  `${CSV_HEADER}\n${stubBars(symbol, from, to).map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`).join('\n')}\n`;

async function rejection(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected a rejection');
}

describe('createProviderChain', () => {
  it('moves on when polygon stays rate-limited after its retries: stooq serves, the attempt is recorded', async () => {
    const chain = createProviderChain(['polygon', 'stooq', 'yahoo'], env(), http);
    const before = { polygon: count('polygon', 'AAPL'), stooq: count('stooq', 'AAPL'), yahoo: count('yahoo', 'AAPL') };
    const got = await chain.fetchDailyTraced('AAPL', '2024-01-02', '2024-01-31');
    expect(got.provider).toBe('stooq');
    expect(got.csv).toBe(csvOf('AAPL', '2024-01-02', '2024-01-31'));
    expect(got.attempts).toEqual([{ provider: 'polygon', code: 'RATE_LIMITED', error: expect.stringContaining('429') }]);
    expect(count('polygon', 'AAPL') - before.polygon).toBe(3); // first try + 2 retries
    expect(count('stooq', 'AAPL') - before.stooq).toBe(1);
    expect(count('yahoo', 'AAPL') - before.yahoo).toBe(0);
  });

  it('a provider error body that repeats the URL and key reaches the attempts redacted', async () => {
    const chain = createProviderChain('polygon,yahoo', env(), http);
    const got = await chain.fetchDailyTraced('MSFT', '2024-01-02', '2024-01-31');
    expect(got.provider).toBe('yahoo');
    expect(got.attempts[0]).toMatchObject({ provider: 'polygon', code: 'PROVIDER_ERROR' });
    expect(JSON.stringify(got.attempts)).toContain('apiKey=[REDACTED]');
    expect(JSON.stringify(got.attempts)).not.toContain(KEY);
  });

  it('skips polygon for the whole run when POLYGON_API_KEY is missing, and says why', async () => {
    const before = count('polygon');
    const chain = createProviderChain(['polygon', 'stooq'], env({ POLYGON_API_KEY: '' }), http);
    expect(chain.providers).toEqual(['stooq']);
    expect(chain.name).toBe('stooq');
    expect(chain.skipped).toEqual([{ provider: 'polygon', code: 'MISSING_API_KEY', error: 'POLYGON_API_KEY is not set', hint: expect.stringContaining('.env') }]);
    const got = await chain.fetchDailyTraced('SPY', '2024-01-02', '2024-01-05');
    expect([got.provider, got.attempts]).toEqual(['stooq', []]);
    expect(count('polygon')).toBe(before);
  });

  it('throws the usage error when no named provider can be configured, and rejects unknown names at once', () => {
    expect(() => createProviderChain(['polygon'], {}, http)).toThrow(/POLYGON_API_KEY is not set/);
    const e = (() => {
      try {
        createProviderChain(['stooq', 'yahooo'], env(), http);
      } catch (x) {
        return x as KobeError;
      }
      return null;
    })();
    expect(e?.code).toBe('BAD_PROVIDER');
    expect(e?.kind).toBe('usage');
    expect(e?.param).toBe('provider');
    expect(() => createProviderChain(' , ', env(), http)).toThrow(/no provider/);
    expect(createProviderChain(' Stooq, YAHOO ,stooq', env(), http).providers).toEqual(['stooq', 'yahoo']);
  });

  it('leaves out a provider whose key is rejected (401) after the first symbol, and notes it once', async () => {
    const notes: SkippedProvider[] = [];
    const chain = createProviderChain(['polygon', 'stooq'], env({ POLYGON_API_KEY: 'wrong-key-123' }), http, { onSkip: (s) => notes.push(s) });
    const before = count('polygon');
    const results = await downloadSymbols({ provider: chain, symbols: ['SPY', 'MSFT', 'AAPL'], fromIso: '2024-01-02', toIso: '2024-01-05', dataDir: dir, concurrency: 1 });
    expect(results.map((r) => (r.ok ? r.provider : r.code))).toEqual(['stooq', 'stooq', 'stooq']);
    expect(count('polygon') - before).toBe(1);
    expect(notes.map((n) => [n.provider, n.code])).toEqual([['polygon', 'PROVIDER_AUTH']]);
    expect(chain.skipped.map((s) => s.provider)).toEqual(['polygon']);
    expect(results[0].ok && results[0].attempts.map((a) => a.code)).toEqual(['PROVIDER_AUTH']);
    expect(results[1].ok && results[1].attempts).toEqual([]);
    expect(JSON.stringify(results)).not.toContain('wrong-key-123');
  });

  it('a rejected key with no other provider left stops the run, as a single provider does', async () => {
    const chain = createProviderChain(['polygon'], env({ POLYGON_API_KEY: 'wrong-key-123' }), http);
    const results = await downloadSymbols({ provider: chain, symbols: ['SPY', 'MSFT', 'AAPL'], fromIso: '2024-01-02', toIso: '2024-01-05', dataDir: dir, concurrency: 1 });
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['PROVIDER_AUTH', 'SKIPPED', 'SKIPPED']);
    expect(!results[0].ok && results[0].kind).toBe('usage');
    expect(await readdir(dir)).toEqual([]);
  });

  it('when every provider fails, the error lists each attempt and keeps the last runtime code', async () => {
    const chain = createProviderChain(['stooq', 'yahoo'], env(), http);
    const e = await rejection(chain.fetchDailyTraced('NOSUCH', '2024-01-02', '2024-01-31'));
    expect(e).toBeInstanceOf(ProviderChainError);
    expect([e.code, e.kind]).toEqual(['NO_DATA', 'runtime']);
    expect((e as ProviderChainError).attempts.map((a) => [a.provider, a.code])).toEqual([
      ['stooq', 'NO_DATA'],
      ['yahoo', 'NO_DATA'],
    ]);
    expect(e.message).toMatch(/no provider served NOSUCH: stooq NO_DATA: .*; yahoo NO_DATA: /);
    // In a download the failure carries the attempts too.
    const [r] = await downloadSymbols({ provider: chain, symbols: ['NOSUCH'], fromIso: '2024-01-02', toIso: '2024-01-31', dataDir: dir });
    expect(!r.ok && r.attempts.map((a) => a.provider)).toEqual(['stooq', 'yahoo']);
  });

  it('a chain of one provider throws that provider\'s own error unchanged', async () => {
    const e = await rejection(createProviderChain(['stooq'], env(), http).fetchDaily('NOSUCH', '2024-01-02', '2024-01-31'));
    expect(e.code).toBe('NO_DATA');
    expect(e.message).toBe('Stooq returned no bars for NOSUCH between 2024-01-02 and 2024-01-31');
  });
});

describe('chainProviders', () => {
  it('treats a non-kobe error (a reset connection) as a runtime failure and moves on', async () => {
    const broken: BarProvider = { name: 'broken', fetchDaily: async () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) };
    const fine: BarProvider = { name: 'fine', fetchDaily: async () => `${CSV_HEADER}\n2024-01-02,1,1,1,1,1\n` };
    const got = await chainProviders([broken, fine]).fetchDailyTraced('X', '2024-01-02', '2024-01-02');
    expect(got).toEqual({ csv: `${CSV_HEADER}\n2024-01-02,1,1,1,1,1\n`, provider: 'fine', attempts: [{ provider: 'broken', code: 'ECONNRESET', error: 'socket hang up' }] });
  });

  it('checks the date range before asking anyone', async () => {
    let calls = 0;
    const p: BarProvider = { name: 'p', fetchDaily: async () => String(++calls) };
    await expect(chainProviders([p]).fetchDaily('X', '2024-02-01', '2024-01-01')).rejects.toThrow(/after its end/);
    expect(calls).toBe(0);
  });
});
