import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { memoryIo } from '../io.js';
import { main } from '../main.js';
import { type DataFetchOptions, runDataFetch } from './data-fetch.js';

let stub: ProviderStub;
let cwd: string;
const deps = { http: { sleep: async () => undefined, backoffMs: () => 1 } };

beforeAll(async () => {
  stub = await startProviderStub({ rateLimitOnce: ['MSFT'], pageSize: 50 });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'kobe-data-fetch-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const polygonEnv = () => ({ POLYGON_API_KEY: 'test-key', POLYGON_BASE_URL: stub.baseUrl });
const base = (over: Partial<DataFetchOptions> = {}): DataFetchOptions => ({
  provider: 'polygon',
  symbols: ['AAPL', 'MSFT'],
  from: '2023-01-01',
  to: '2023-06-30',
  dataDir: 'data',
  json: false,
  ...over,
});

describe('runDataFetch', () => {
  it('downloads from polygon (pagination, one 429) into --data-dir and exits 0', async () => {
    const io = memoryIo(cwd, polygonEnv());
    const code = await runDataFetch(base(), io, deps);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect((await readdir(join(cwd, 'data'))).sort()).toEqual(['AAPL.csv', 'MSFT.csv']);
    const text = await readFile(join(cwd, 'data', 'AAPL.csv'), 'utf8');
    const bars = stubBars('AAPL', '2023-01-01', '2023-06-30');
    expect(text.trim().split('\n')).toHaveLength(bars.length + 1);
    expect(io.out()).toContain('fetching 2 symbols from polygon, 2023-01-01..2023-06-30');
    expect(io.out()).toContain('2 downloaded, 0 failed');
    expect(io.out()).toContain(join('data', 'AAPL.csv'));
  });

  it('prints one JSON document with per-symbol results and exits 1 when some fail', async () => {
    const io = memoryIo(cwd, polygonEnv());
    const code = await runDataFetch(base({ symbols: ['AAPL,ZZZZ'], json: true }), io, deps);
    expect(code).toBe(1);
    const out = JSON.parse(io.out());
    expect(out.ok).toBe(false);
    expect(out.provider).toBe('polygon');
    expect(out.downloaded).toBe(1);
    expect(out.failed).toBe(1);
    expect(out.results[0]).toMatchObject({ symbol: 'AAPL', ok: true, bars: stubBars('AAPL', '2023-01-01', '2023-06-30').length, first: '2023-01-02', last: '2023-06-30' });
    expect(out.results[1]).toMatchObject({ symbol: 'ZZZZ', ok: false, code: 'NO_DATA' });
    expect(io.err()).toContain('ZZZZ');
    expect(await readdir(join(cwd, 'data'))).toEqual(['AAPL.csv']);
  });

  it('downloads from stooq and reports its `No data` as a failure', async () => {
    const io = memoryIo(cwd, { STOOQ_BASE_URL: stub.baseUrl });
    const code = await runDataFetch(base({ provider: 'stooq', symbols: ['spy', 'nosuch'], dataDir: join(cwd, 'abs') }), io, deps);
    expect(code).toBe(1);
    expect(await readdir(join(cwd, 'abs'))).toEqual(['SPY.csv']);
    expect(io.out()).toContain('NO_DATA');
    expect(io.out()).toContain('1 downloaded, 1 failed');
    expect(io.err()).toMatch(/warning: NOSUCH: .*no bars/);
  });

  it('exits 2 without POLYGON_API_KEY, naming the variable, and downloads nothing', async () => {
    const before = stub.requests.length;
    const io = memoryIo(cwd, { POLYGON_BASE_URL: stub.baseUrl });
    expect(await runDataFetch(base(), io, deps)).toBe(2);
    expect(io.err()).toContain('POLYGON_API_KEY is not set');
    expect(io.err()).toContain('.env');
    expect(stub.requests.length).toBe(before);

    const jsonIo = memoryIo(cwd, {});
    expect(await runDataFetch(base({ json: true }), jsonIo, deps)).toBe(2);
    expect(JSON.parse(jsonIo.out())).toMatchObject({ ok: false, error: { code: 'MISSING_API_KEY' } });
  });

  it('exits 2 when polygon rejects the key (401), without trying every symbol', async () => {
    const before = stub.requests.length;
    const io = memoryIo(cwd, { POLYGON_API_KEY: 'wrong', POLYGON_BASE_URL: stub.baseUrl });
    const code = await runDataFetch(base({ symbols: ['AAPL', 'MSFT', 'SPY', 'BRK.B', 'X1', 'X2', 'X3', 'X4', 'X5'], json: true }), io, deps);
    expect(code).toBe(2);
    expect(stub.requests.length - before).toBeLessThanOrEqual(4);
    const out = JSON.parse(io.out());
    expect(out.results[0]).toMatchObject({ ok: false, code: 'PROVIDER_AUTH' });
    expect(out.results.at(-1)).toMatchObject({ ok: false, code: 'SKIPPED' });
    expect(io.err()).toContain('POLYGON_API_KEY');
    expect(io.err()).not.toContain('wrong');
  });

  it('exits 2 on usage errors: bad dates, reversed range, no symbols, bad symbol', async () => {
    const cases: Partial<DataFetchOptions>[] = [
      { from: '2023-02-30' },
      { from: '2023-06-01', to: '2023-01-01' },
      { symbols: [' , '] },
      { symbols: ['AAPL', 'A/B'] },
      { concurrency: 0 },
    ];
    for (const over of cases) {
      const io = memoryIo(cwd, polygonEnv());
      expect(await runDataFetch(base(over), io, deps), JSON.stringify(over)).toBe(2);
      expect(io.err()).toMatch(/^error: /);
    }
  });
});

describe('runDataFetch: fallback, universe, --since last', () => {
  const env = () => ({ STOOQ_BASE_URL: stub.baseUrl, YAHOO_BASE_URL: stub.baseUrl, POLYGON_BASE_URL: stub.baseUrl });
  const at = (iso: string) => ({ ...deps, now: () => new Date(iso) });
  const stooqAndYahoo = () => stub.requests.filter((r) => r.api === 'stooq' || r.api === 'yahoo').length;

  it('refreshes a universe: new, then appended, then up to date without a request; --to defaults to today by the clock', async () => {
    await writeFile(join(cwd, 'u.csv'), 'symbol,name\nSPY,S&P 500\nBRK.B,Berkshire\n');
    const opts = { provider: undefined, symbols: undefined, universe: 'u.csv', since: 'last', from: '2024-01-02', to: undefined } as const;
    const first = memoryIo(cwd, env());
    expect(await runDataFetch(base(opts), first, at('2024-01-31T21:00:00Z'))).toBe(0);
    expect(first.out()).toContain('refreshing 2 symbols from stooq,yahoo, each from its last bar to 2024-01-31');
    expect(first.out()).toMatch(/SPY\s.*new\s.*2024-01-02\s.*2024-01-31\s.*stooq/);
    expect(first.out()).toContain('2 downloaded, 0 failed');

    const second = memoryIo(cwd, env());
    expect(await runDataFetch(base({ ...opts, json: true }), second, at('2024-02-02T21:00:00Z'))).toBe(0);
    const out = JSON.parse(second.out());
    expect(out).toMatchObject({ ok: true, since: 'last', to: '2024-02-02', downloaded: 2, upToDate: 0, counts: { appended: 2 } });
    expect(out.results[0]).toMatchObject({ symbol: 'SPY', status: 'appended', appended: 2, provider: 'stooq', attempts: [], last: '2024-02-02' });

    const before = stooqAndYahoo();
    const third = memoryIo(cwd, env());
    expect(await runDataFetch(base(opts), third, at('2024-02-03T15:00:00Z'))).toBe(0); // a Saturday
    expect(stooqAndYahoo()).toBe(before);
    expect(third.out()).toMatch(/SPY\s.*up to date/);
    expect(third.out()).toContain('0 downloaded, 2 up to date, 0 failed');
    const text = await readFile(join(cwd, 'data', 'SPY.csv'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(stubBars('SPY', '2024-01-02', '2024-02-02').length + 1);
  });

  it('a comma list is the fallback order: polygon without a key is skipped with a note, the run goes on', async () => {
    const io = memoryIo(cwd, env());
    const code = await runDataFetch(base({ provider: 'polygon,stooq', symbols: ['SPY'] }), io, deps);
    expect(code).toBe(0);
    expect(io.err()).toContain('note: provider polygon skipped: POLYGON_API_KEY is not set [MISSING_API_KEY]');
    expect(io.out()).toContain('fetching 1 symbol from stooq, 2023-01-01..2023-06-30');
  });

  it('exits 2 without --from unless --since last, and for an unreadable universe', async () => {
    const io = memoryIo(cwd, env());
    expect(await runDataFetch(base({ from: undefined }), io, deps)).toBe(2);
    expect(io.err()).toContain('--from');
    const io2 = memoryIo(cwd, env());
    expect(await runDataFetch(base({ symbols: undefined, universe: 'missing.csv' }), io2, deps)).toBe(2);
    expect(io2.err()).toContain('UNIVERSE_NOT_READABLE');
    const io3 = memoryIo(cwd, env());
    expect(await runDataFetch(base({ provider: 'stooq,nope' }), io3, deps)).toBe(2);
    expect(io3.err()).toMatch(/--provider: unknown provider 'nope'/);
  });

  it('kobe data fetch wires the flags: --universe, --since last, --provider list, --to', async () => {
    await writeFile(join(cwd, 'u.csv'), 'symbol\nMSFT\n');
    const args = ['data', 'fetch', '--universe', 'u.csv', '--since', 'last', '--from', '2024-01-02', '--to', '2024-01-12', '--provider', 'yahoo,stooq', '--data-dir', 'd', '--json'];
    const io = memoryIo(cwd, env());
    expect(await main(args, io)).toBe(0);
    const out = JSON.parse(io.out());
    expect(out.results[0]).toMatchObject({ symbol: 'MSFT', status: 'new', provider: 'yahoo', last: '2024-01-12' });
    const again = memoryIo(cwd, env());
    expect(await main(args, again)).toBe(0);
    expect(JSON.parse(again.out()).results[0]).toMatchObject({ status: 'up-to-date', provider: null });
  });
});
