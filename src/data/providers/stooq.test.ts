import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { CSV_HEADER } from './provider.js';
import { createStooqProvider, normalizeStooqCsv, stooqSymbol } from './stooq.js';

let stub: ProviderStub;
const sleeps: number[] = [];
const fastHttp = { sleep: async (ms: number) => void sleeps.push(ms), backoffMs: () => 5 };

beforeAll(async () => {
  stub = await startProviderStub({ rateLimitOnce: ['MSFT'], stooqHitsLimit: ['SPY'], retryAfterSeconds: 2 });
});
afterAll(async () => {
  await stub.close();
});

const provider = () => createStooqProvider({ baseUrl: stub.baseUrl, http: fastHttp });

async function rejection(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected a rejection');
}

describe('stooqSymbol', () => {
  it('lower-cases, appends .us and maps share-class dots to dashes', () => {
    expect(stooqSymbol('AAPL')).toBe('aapl.us');
    expect(stooqSymbol(' brk.b ')).toBe('brk-b.us');
    expect(stooqSymbol('SPY.US')).toBe('spy.us');
    expect(stooqSymbol('^SPX')).toBe('^spx');
  });
});

describe('normalizeStooqCsv', () => {
  it('normalises CRLF, the header spelling and a missing volume column', () => {
    expect(normalizeStooqCsv('Date,Open,High,Low,Close,Volume\r\n2024-01-02,1,2,0.5,1.5,100\r\n', 'x')).toBe(
      `${CSV_HEADER}\n2024-01-02,1,2,0.5,1.5,100\n`,
    );
    expect(normalizeStooqCsv('\uFEFFdate,open,high,low,close\n2024-01-02,1,2,0.5,1.5', 'x')).toBe(`${CSV_HEADER}\n2024-01-02,1,2,0.5,1.5,0\n`);
  });

  it('rejects anything that is not the CSV', () => {
    expect(() => normalizeStooqCsv('<html>captcha</html>', 'stooq x')).toThrow(/expected a Date,Open,High,Low,Close,Volume CSV/);
  });
});

describe('createStooqProvider against the stub', () => {
  it('downloads daily bars with the documented query and normalises the CSV', async () => {
    const before = stub.requests.length;
    const csv = await provider().fetchDaily('AAPL', '2024-01-01', '2024-03-31');
    const bars = stubBars('AAPL', '2024-01-01', '2024-03-31');
    expect(csv).toBe(`${CSV_HEADER}\n${bars.map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`).join('\n')}\n`);
    const req = stub.requests[before];
    expect(req.path).toBe('/q/d/l/');
    expect(req.query).toEqual({ s: 'aapl.us', d1: '20240101', d2: '20240331', i: 'd' });
  });

  it("reports Stooq's `No data` for an unknown symbol as NO_DATA", async () => {
    const e = await rejection(provider().fetchDaily('QQQQQ', '2024-01-01', '2024-03-31'));
    expect(e.code).toBe('NO_DATA');
    expect(e.kind).toBe('runtime');
    expect(e.message).toContain('QQQQQ');
    expect(e.hint).toMatch(/unknown symbol/);
  });

  it('retries a 429, honouring Retry-After', async () => {
    sleeps.length = 0;
    const before = stub.requests.length;
    const csv = await provider().fetchDaily('MSFT', '2024-01-01', '2024-01-31');
    expect(csv.startsWith(CSV_HEADER)).toBe(true);
    expect(stub.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([2000]);
  });

  it('reports the daily hits limit as RATE_LIMITED', async () => {
    const e = await rejection(provider().fetchDaily('SPY', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('RATE_LIMITED');
  });

  it('reports another HTTP status as PROVIDER_ERROR', async () => {
    const p = createStooqProvider({ baseUrl: `${stub.baseUrl}/nowhere`, http: fastHttp });
    const e = await rejection(p.fetchDaily('AAPL', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('PROVIDER_ERROR');
    expect(e.message).toContain('404');
  });
});
