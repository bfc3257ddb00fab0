import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ProviderStub, startProviderStub } from '../../test-support/provider-stub.js';
import { memoryIo } from '../io.js';
import { main } from '../main.js';
import { runDataFetch } from './data-fetch.js';

/** A key that looks like a real one, so the test cannot pass by accident. */
const KEY = 'pk_Zq8Xv31LmN0wT7rS';
let stub: ProviderStub;
let cwd: string;
const deps = { http: { sleep: async () => undefined, backoffMs: () => 1 } };

beforeAll(async () => {
  stub = await startProviderStub({ apiKey: KEY, echoRequestUrl: true, serverErrorAlways: ['BOOM'], forbidden: ['VIP'] });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'kobe-secrets-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('no API key on screen or in --json', () => {
  for (const json of [false, true]) {
    it(`error bodies that echo the request URL are redacted (${json ? '--json' : 'text'})`, async () => {
      for (const symbols of [['AAPL', 'BOOM'], ['VIP']]) {
        const io = memoryIo(cwd, { POLYGON_API_KEY: KEY, POLYGON_BASE_URL: stub.baseUrl });
        const code = await runDataFetch({ provider: 'polygon', symbols, from: '2023-01-02', to: '2023-01-31', dataDir: 'data', json }, io, deps);
        expect(code).toBeGreaterThan(0);
        // The stub did echo the key: the error output carries the request, minus the key.
        const all = io.out() + io.err();
        expect(all).toContain('apiKey=');
        expect(all).not.toContain(KEY);
        expect(all).toContain('[REDACTED]');
      }
    });
  }

  it('a fallback chain records the failed provider without its key (text, --json)', async () => {
    for (const json of [false, true]) {
      const io = memoryIo(cwd, { POLYGON_API_KEY: KEY, POLYGON_BASE_URL: stub.baseUrl, STOOQ_BASE_URL: stub.baseUrl });
      // BOOM: polygon answers 500 echoing the URL with the key; stooq does not know it.
      const code = await runDataFetch({ provider: 'polygon,stooq', symbols: ['BOOM', 'AAPL'], from: '2023-01-02', to: '2023-01-31', dataDir: 'data', json }, io, deps);
      expect(code).toBe(1);
      const all = io.out() + io.err();
      expect(all).toContain('apiKey=[REDACTED]');
      expect(all).not.toContain(KEY);
      if (json) {
        const out = JSON.parse(io.out());
        expect(out.results[0].attempts.map((a: { provider: string }) => a.provider)).toEqual(['polygon', 'stooq']);
        expect(out.results[1]).toMatchObject({ ok: true, provider: 'polygon' });
      }
    }
  });

  it('main redacts known secret values and URL credentials from every error it prints', async () => {
    const secretDir = `/nonexistent/${KEY}/x?token=abc123def`;
    const io = memoryIo(cwd, { POLYGON_API_KEY: KEY });
    const code = await main(['data', 'verify', '--data-dir', secretDir, '--json'], io);
    expect(code).toBe(2);
    const all = io.out() + io.err();
    expect(all).toContain('NO_DATA_DIR');
    for (const secret of [KEY, 'abc123def']) expect(all).not.toContain(secret);
  });
});

describe('data fetch I/O failures', () => {
  it('a --data-dir that cannot be created is a coded error naming it, not a stack trace', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cwd, 'afile'), 'x');
    const io = memoryIo(cwd, { POLYGON_API_KEY: KEY, POLYGON_BASE_URL: stub.baseUrl });
    const code = await main(['data', 'fetch', '--provider', 'polygon', '--symbols', 'AAPL', '--from', '2023-01-02', '--to', '2023-01-31', '--data-dir', 'afile/sub'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('DATA_DIR_NOT_WRITABLE');
    expect(io.err()).toContain(join(cwd, 'afile/sub'));
    expect(io.err()).not.toContain('internal error');
  });
});
