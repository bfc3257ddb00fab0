import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { memoryIo } from '../io.js';
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
