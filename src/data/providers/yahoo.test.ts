import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { parseBarsCsv } from '../parse-bars.js';
import { newYorkMidnightMs, type ProviderStub, startProviderStub, stubBars } from '../../test-support/provider-stub.js';
import { CSV_HEADER } from './provider.js';
import { createYahooProvider, type YahooChartResult, yahooBarDate, yahooChartToCsv, yahooSymbol } from './yahoo.js';

let stub: ProviderStub;
const sleeps: number[] = [];
const fastHttp = { sleep: async (ms: number) => void sleeps.push(ms), backoffMs: () => 5 };

beforeAll(async () => {
  stub = await startProviderStub({
    rateLimitOnce: ['MSFT'],
    rateLimitAlways: ['BUSY'],
    known: ['AAPL', 'MSFT', 'SPY', 'BRK.B', 'BUSY', 'LIVE', 'KO'],
    retryAfterSeconds: 3,
    yahooNullDays: ['2024-01-10'],
    yahooDividend: { symbol: 'KO', exDate: '2024-03-14', factor: 0.99 },
    yahooLive: ['LIVE'],
  });
});
afterAll(async () => {
  await stub.close();
});

const provider = () => createYahooProvider({ baseUrl: stub.baseUrl, http: fastHttp });

/** The stub's bars as CSV, without the stub's null day. */
function expectedCsv(symbol: string, fromIso: string, toIso: string, skip: readonly string[] = ['2024-01-10']): string {
  const rows = stubBars(symbol, fromIso, toIso).filter((b) => !skip.includes(b.date));
  return `${CSV_HEADER}\n${rows.map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`).join('\n')}\n`;
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

/** Seconds of 09:30 New York on a date (Yahoo's stamp of a US daily bar). */
const openSec = (iso: string): number => (newYorkMidnightMs(iso) + 9.5 * 3_600_000) / 1000;

describe('yahooSymbol and yahooBarDate', () => {
  it('writes share classes with a dash and keeps indices', () => {
    expect(yahooSymbol(' brk.b ')).toBe('BRK-B');
    expect(yahooSymbol('^gspc')).toBe('^GSPC');
    expect(yahooSymbol('AAPL')).toBe('AAPL');
  });

  it('turns session-open stamps into exchange dates, across DST, by zone name or by gmtoffset', () => {
    for (const iso of ['2023-03-10', '2023-03-13', '2023-11-03', '2023-11-06', '2024-02-29', '2019-12-31']) {
      expect(yahooBarDate(openSec(iso), 'America/New_York', -18_000)).toBe(iso);
      // gmtoffset is the offset at request time: an hour off across DST, still the same date.
      expect(yahooBarDate(openSec(iso), undefined, -14_400)).toBe(iso);
      expect(yahooBarDate(openSec(iso), 'Not/AZone', -18_000)).toBe(iso);
    }
    // An Asia-Pacific open before midnight UTC belongs to the next exchange date.
    const aucklandOpen = Date.UTC(2024, 0, 14, 21, 0) / 1000; // 10:00 NZDT on 2024-01-15
    expect(yahooBarDate(aucklandOpen, 'Pacific/Auckland', 46_800)).toBe('2024-01-15');
    expect(yahooBarDate(aucklandOpen, undefined, 46_800)).toBe('2024-01-15');
  });
});

describe('yahooChartToCsv', () => {
  const days = ['2024-03-11', '2024-03-12', '2024-03-13', '2024-03-14', '2024-03-15'];
  const base: YahooChartResult = {
    meta: { exchangeTimezoneName: 'America/New_York', gmtoffset: -14_400 },
    timestamp: days.map(openSec),
    indicators: {
      quote: [
        {
          open: [10, null, 12, 13, 14],
          high: [11, null, 13, 14, 15],
          low: [9, null, 11, 12, 13],
          close: [10.5, null, 12.5, 13.5, 14.5],
          volume: [100, null, 300, null, 500],
        },
      ],
      adjclose: [{ adjclose: [10.5 * 0.98, null, null, 13.5, 14.5] }],
    },
  };

  it('skips rows with null prices, writes volume 0 where it is null, and scales OHLC by adjclose / close', () => {
    const csv = yahooChartToCsv(base, '2024-03-01', '2024-03-31');
    expect(csv.split('\n')).toEqual([
      CSV_HEADER,
      '2024-03-11,9.8,10.78,8.82,10.29,100',
      // adjclose missing on a priced row: the next row's factor (1 here)
      '2024-03-13,12,13,11,12.5,300',
      '2024-03-14,13,14,12,13.5,0',
      '2024-03-15,14,15,13,14.5,500',
      '',
    ]);
    const bars = parseBarsCsv(csv, { file: 'x.csv', symbol: 'X' });
    expect(bars.close.length).toBe(4);
  });

  it('cuts to the asked range in exchange dates and drops a session that is still trading', () => {
    expect(yahooChartToCsv(base, '2024-03-13', '2024-03-14').trim().split('\n').slice(1).map((l) => l.slice(0, 10))).toEqual(['2024-03-13', '2024-03-14']);
    const start = openSec('2024-03-15');
    const live = { ...base, meta: { ...base.meta, regularMarketTime: start + 600, currentTradingPeriod: { regular: { start, end: start + 23_400 } } } };
    expect(yahooChartToCsv(live, '2024-03-01', '2024-03-31')).not.toContain('2024-03-15');
    const closed = { ...base, meta: { ...base.meta, regularMarketTime: start + 23_400, currentTradingPeriod: { regular: { start, end: start + 23_400 } } } };
    expect(yahooChartToCsv(closed, '2024-03-01', '2024-03-31')).toContain('2024-03-15');
  });

  it('keeps the later of two rows of one date, and factor 1 without any adjclose', () => {
    const dup: YahooChartResult = {
      meta: { exchangeTimezoneName: 'America/New_York' },
      timestamp: [openSec('2024-03-11'), openSec('2024-03-11') + 3600],
      indicators: { quote: [{ open: [1, 2], high: [1, 2], low: [1, 2], close: [1, 2], volume: [5, 6] }] },
    };
    expect(yahooChartToCsv(dup, '2024-03-11', '2024-03-11')).toBe(`${CSV_HEADER}\n2024-03-11,2,2,2,2,6\n`);
    expect(yahooChartToCsv({ meta: {}, indicators: { quote: [{}] } }, '2024-01-01', '2024-12-31')).toBe(`${CSV_HEADER}\n`);
  });
});

describe('createYahooProvider against the stub', () => {
  it('downloads the chart endpoint as generic CSV, the same bars the other providers write', async () => {
    const csv = await provider().fetchDaily('aapl', '2024-01-02', '2024-02-29');
    expect(csv).toBe(expectedCsv('AAPL', '2024-01-02', '2024-02-29'));
    const req = stub.requests.filter((r) => r.api === 'yahoo' && r.symbol === 'AAPL').at(-1)!;
    expect(req.path).toBe('/v8/finance/chart/AAPL');
    expect(req.query).toMatchObject({ interval: '1d', events: 'div,split' });
    expect(Number(req.query.period1)).toBeLessThanOrEqual(Date.UTC(2024, 0, 2) / 1000);
    expect(Number(req.query.period2)).toBeGreaterThan(openSec('2024-02-29'));
  });

  it('skips the null rows of a halted day and maps BRK.B to BRK-B', async () => {
    const csv = await provider().fetchDaily('BRK.B', '2024-01-08', '2024-01-12');
    expect(csv).toBe(expectedCsv('BRK.B', '2024-01-08', '2024-01-12'));
    expect(csv).not.toContain('2024-01-10');
    expect(csv).toContain('2024-01-11');
    expect(stub.requests.at(-1)!.path).toBe('/v8/finance/chart/BRK-B');
  });

  it('writes dividend-adjusted prices before the ex-date and leaves the bars after it as they are', async () => {
    const csv = await provider().fetchDaily('KO', '2024-03-12', '2024-03-15');
    const raw = stubBars('KO', '2024-03-12', '2024-03-15');
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(rows.map((r) => r[4])).toEqual(raw.map((b) => (b.date < '2024-03-14' ? Math.round(b.c * 0.99 * 1e6) / 1e6 : b.c)));
    expect(rows.map((r) => r[5])).toEqual(raw.map((b) => b.v));
  });

  it('drops the bar of a session that is still trading', async () => {
    const csv = await provider().fetchDaily('LIVE', '2024-01-02', '2024-01-05');
    expect(csv).toBe(expectedCsv('LIVE', '2024-01-02', '2024-01-04'));
  });

  it('reads the 404 Not Found error body as NO_DATA', async () => {
    const e = await rejection(provider().fetchDaily('ZZZZ', '2024-01-02', '2024-01-31'));
    expect(e.code).toBe('NO_DATA');
    expect(e.kind).toBe('runtime');
    expect(e.hint).toContain('No data found, symbol may be delisted');
    expect(stub.requests.at(-1)!.status).toBe(404);
  });

  it('a range without bars is NO_DATA', async () => {
    const e = await rejection(provider().fetchDaily('AAPL', '2024-01-06', '2024-01-07'));
    expect(e.code).toBe('NO_DATA');
  });

  it('waits out one 429 (honouring Retry-After) and then succeeds', async () => {
    sleeps.length = 0;
    const before = stub.requests.filter((r) => r.symbol === 'MSFT').length;
    const csv = await provider().fetchDaily('MSFT', '2024-01-02', '2024-01-31');
    expect(csv).toBe(expectedCsv('MSFT', '2024-01-02', '2024-01-31'));
    const mine = stub.requests.filter((r) => r.symbol === 'MSFT').slice(before);
    expect(mine.map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([3000]);
  });

  it('gives up after the retries with RATE_LIMITED (a runtime error, so a chain moves on)', async () => {
    const e = await rejection(createYahooProvider({ baseUrl: stub.baseUrl, http: { ...fastHttp, maxRetries: 2 } }).fetchDaily('BUSY', '2024-01-02', '2024-01-31'));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.kind).toBe('runtime');
  });

  it('maps other answers: 400 "Data doesn\'t exist" is NO_DATA, other errors PROVIDER_ERROR, junk BAD_RESPONSE', async () => {
    const answer = (status: number, body: string) =>
      createYahooProvider({ baseUrl: 'http://127.0.0.1:9', http: { ...fastHttp, maxRetries: 0, fetch: async () => new Response(body, { status }) } });
    const before = JSON.stringify({ chart: { result: null, error: { code: 'Bad Request', description: "Data doesn't exist for startDate = 1, endDate = 2" } } });
    expect((await rejection(answer(400, before).fetchDaily('AAPL', '1990-01-01', '1990-02-01'))).code).toBe('NO_DATA');
    const crumb = JSON.stringify({ chart: { result: null, error: { code: 'Unauthorized', description: 'Invalid Crumb' } } });
    const e = await rejection(answer(401, crumb).fetchDaily('AAPL', '2024-01-01', '2024-02-01'));
    expect([e.code, e.kind]).toEqual(['PROVIDER_ERROR', 'runtime']);
    expect(e.message).toContain('Invalid Crumb');
    expect((await rejection(answer(200, '<html>consent</html>').fetchDaily('AAPL', '2024-01-01', '2024-02-01'))).code).toBe('BAD_RESPONSE');
    expect((await rejection(answer(502, 'Bad Gateway').fetchDaily('AAPL', '2024-01-01', '2024-02-01'))).code).toBe('PROVIDER_ERROR');
  });

  it('rejects a bad date range before any request', async () => {
    const before = stub.requests.length;
    await expect(provider().fetchDaily('AAPL', '2024-02-01', '2024-01-01')).rejects.toThrow(/BAD_DATE_RANGE|after its end/);
    expect(stub.requests.length).toBe(before);
  });
});
