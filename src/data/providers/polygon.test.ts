import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { newYorkMidnightMs, type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { createPolygonProvider, polygonAggsToCsv, polygonBarDate } from './polygon.js';
import { CSV_HEADER } from './provider.js';

let stub: ProviderStub;
const sleeps: number[] = [];
const fastHttp = { sleep: async (ms: number) => void sleeps.push(ms), backoffMs: (attempt: number) => attempt * 10 };

beforeAll(async () => {
  stub = await startProviderStub({
    pageSize: 100,
    rateLimitOnce: ['MSFT'],
    rateLimitAlways: ['BUSY'],
    flakyOnce: ['SPY'],
    forbidden: ['NOPE'],
    known: ['AAPL', 'MSFT', 'SPY', 'BRK.B', 'BUSY', 'NOPE'],
  });
});
afterAll(async () => {
  await stub.close();
});

const provider = (apiKey = 'test-key') => createPolygonProvider({ apiKey, baseUrl: stub.baseUrl, http: fastHttp });

function expectedCsv(symbol: string, fromIso: string, toIso: string): string {
  return `${CSV_HEADER}\n${stubBars(symbol, fromIso, toIso).map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`).join('\n')}\n`;
}

async function rejection(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected a rejection');
}

describe('polygonBarDate', () => {
  it('maps midnight New York (04:00 or 05:00 UTC) to the same exchange date, across DST', () => {
    expect(polygonBarDate(Date.UTC(2023, 0, 3, 5))).toBe('2023-01-03'); // EST
    expect(polygonBarDate(Date.UTC(2023, 6, 3, 4))).toBe('2023-07-03'); // EDT
    expect(polygonBarDate(Date.UTC(2023, 2, 13, 4))).toBe('2023-03-13'); // first Monday of DST
    expect(polygonBarDate(Date.UTC(2023, 10, 6, 5))).toBe('2023-11-06'); // first Monday after DST
    // Not the UTC date of a late-evening New York timestamp.
    expect(polygonBarDate(Date.UTC(2023, 0, 4, 3))).toBe('2023-01-03');
    for (const iso of ['2020-03-09', '2020-03-06', '2020-11-02', '2020-10-30', '2024-02-29', '2019-12-31']) {
      expect(polygonBarDate(newYorkMidnightMs(iso))).toBe(iso);
    }
  });

  it('writes aggregates as generic CSV and drops duplicate dates', () => {
    const t = newYorkMidnightMs('2024-01-02');
    const csv = polygonAggsToCsv([
      { o: 10, h: 11, l: 9.5, c: 10.5, v: 1234567, t },
      { o: 10, h: 11, l: 9.5, c: 10.5, v: 1234567, t },
      { o: 10.5, h: 10.75, l: 10.01, c: 10.25, v: 7.5e6, t: newYorkMidnightMs('2024-01-03') },
      { o: 10.25, h: 10.5, l: 10, c: 10.125, t: newYorkMidnightMs('2024-01-04') },
    ]);
    expect(csv).toBe(
      `${CSV_HEADER}\n2024-01-02,10,11,9.5,10.5,1234567\n2024-01-03,10.5,10.75,10.01,10.25,7500000\n2024-01-04,10.25,10.5,10,10.125,0\n`,
    );
  });
});

describe('createPolygonProvider against the stub', () => {
  it('downloads one page of daily bars as CSV with the right request', async () => {
    const before = stub.requests.length;
    const csv = await provider().fetchDaily('aapl', '2024-01-01', '2024-02-15');
    expect(csv).toBe(expectedCsv('AAPL', '2024-01-01', '2024-02-15'));
    const reqs = stub.requests.slice(before);
    expect(reqs).toHaveLength(1);
    expect(reqs[0].path).toBe('/v2/aggs/ticker/AAPL/range/1/day/2024-01-01/2024-02-15');
    expect(reqs[0].query).toEqual({ adjusted: 'true', sort: 'asc', limit: '50000', apiKey: 'test-key' });
  });

  it('follows next_url across pages, appending the API key', async () => {
    const before = stub.requests.length;
    const csv = await provider().fetchDaily('AAPL', '2022-01-01', '2023-12-31');
    expect(csv).toBe(expectedCsv('AAPL', '2022-01-01', '2023-12-31'));
    const reqs = stub.requests.slice(before);
    expect(reqs.length).toBe(Math.ceil(stubBars('AAPL', '2022-01-01', '2023-12-31').length / 100));
    expect(reqs.length).toBeGreaterThan(4);
    for (const r of reqs.slice(1)) {
      expect(r.query.cursor).toBeTruthy();
      expect(r.query.apiKey).toBe('test-key');
      expect(r.status).toBe(200);
    }
  });

  it('retries a 429 with the injected backoff and then succeeds', async () => {
    sleeps.length = 0;
    const before = stub.requests.length;
    const csv = await provider().fetchDaily('MSFT', '2024-01-01', '2024-01-31');
    expect(csv).toBe(expectedCsv('MSFT', '2024-01-01', '2024-01-31'));
    expect(stub.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([10]);
  });

  it('retries a 503 once', async () => {
    const before = stub.requests.length;
    await provider().fetchDaily('SPY', '2024-01-01', '2024-01-31');
    expect(stub.requests.slice(before).map((r) => r.status)).toEqual([503, 200]);
  });

  it('gives up after bounded retries on a persistent 429', async () => {
    sleeps.length = 0;
    const before = stub.requests.length;
    const p = createPolygonProvider({ apiKey: 'test-key', baseUrl: stub.baseUrl, http: { ...fastHttp, maxRetries: 3 } });
    const e = await rejection(p.fetchDaily('BUSY', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.kind).toBe('runtime');
    expect(stub.requests.slice(before)).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 30]);
  });

  it('turns a 401 for a wrong key into a usage error about POLYGON_API_KEY', async () => {
    const e = await rejection(provider('wrong-key').fetchDaily('AAPL', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('PROVIDER_AUTH');
    expect(e.kind).toBe('usage');
    expect(e.message).toContain('401');
    expect(e.message).toContain('Unknown API Key');
    expect(e.describe()).toContain('POLYGON_API_KEY');
    expect(e.message).not.toContain('wrong-key');
  });

  it('turns a 403 NOT_AUTHORIZED into a usage error about the key and plan', async () => {
    const e = await rejection(provider().fetchDaily('NOPE', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('PROVIDER_AUTH');
    expect(e.kind).toBe('usage');
    expect(e.message).toContain('403');
    expect(e.hint).toMatch(/plan/);
  });

  it('reports an unknown ticker (no results) as NO_DATA', async () => {
    const e = await rejection(provider().fetchDaily('ZZZZ', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('NO_DATA');
    expect(e.message).toContain('ZZZZ');
    expect(e.message).toContain('2024-01-01');
  });

  it('handles share-class tickers with a dot', async () => {
    const csv = await provider().fetchDaily('BRK.B', '2024-01-01', '2024-01-10');
    expect(csv).toBe(expectedCsv('BRK.B', '2024-01-01', '2024-01-10'));
  });

  it('rejects an empty key and a bad date range before any request', async () => {
    expect(() => createPolygonProvider({ apiKey: ' ', baseUrl: stub.baseUrl })).toThrow(/POLYGON_API_KEY/);
    const before = stub.requests.length;
    const e = await rejection(provider().fetchDaily('AAPL', '2024-02-01', '2024-01-01'));
    expect(e.code).toBe('BAD_DATE_RANGE');
    expect(stub.requests.length).toBe(before);
  });

  it('reports a connection failure as NETWORK_ERROR after retries', async () => {
    const closed = await startProviderStub();
    const url = closed.baseUrl;
    await closed.close();
    sleeps.length = 0;
    const p = createPolygonProvider({ apiKey: 'k', baseUrl: url, http: { ...fastHttp, maxRetries: 2 } });
    const e = await rejection(p.fetchDaily('AAPL', '2024-01-01', '2024-01-31'));
    expect(e.code).toBe('NETWORK_ERROR');
    expect(sleeps).toEqual([10, 20]);
    expect(e.message).not.toContain('apiKey');
  });

  it('refuses to send the key to a next_url on another origin', async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          ticker: 'AAPL',
          status: 'OK',
          resultsCount: 1,
          results: [{ o: 1, h: 1, l: 1, c: 1, v: 1, t: newYorkMidnightMs('2024-01-02') }],
          next_url: 'https://evil.example/v2/aggs/ticker/AAPL/range/1/day/1/2/?cursor=x',
        }),
        { status: 200 },
      );
    const p = createPolygonProvider({ apiKey: 'k', baseUrl: 'https://api.polygon.io', http: { fetch: fakeFetch } });
    const e = await rejection(p.fetchDaily('AAPL', '2024-01-01', '2024-01-31'));
    expect(e.message).toMatch(/not sending the API key/);
  });
});
