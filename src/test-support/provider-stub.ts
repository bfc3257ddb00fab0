import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Polygon.io, Stooq and Yahoo chart download APIs, for tests (node:http
 * on 127.0.0.1, an OS-assigned port; nothing touches the internet). It speaks the real formats:
 *
 * Polygon  GET /v2/aggs/ticker/{T}/range/1/day/{from}/{to}?adjusted=true&sort=asc&limit=..&apiKey=..
 *          JSON aggregates with `t` = midnight New York in ms, paginated by `next_url` every
 *          `pageSize` bars (the next page's `from` is the next bar's `t` plus a `cursor`, as the
 *          real API does); 401 for a missing or wrong key; 403 NOT_AUTHORIZED for `forbidden`
 *          symbols; 429 on the first request for `rateLimitOnce` symbols, on every request for
 *          `rateLimitAlways`; 503 once for `flakyOnce`; resultsCount 0 for unknown symbols.
 * Stooq    GET /q/d/l/?s={sym}.us&d1=YYYYMMDD&d2=YYYYMMDD&i=d
 *          CSV with CRLF line ends, the literal `No data` for unknown symbols, the daily hits
 *          limit text for `stooqHitsLimit` symbols; `rateLimitOnce` applies here too (429).
 * Yahoo    GET /v8/finance/chart/{SYM}?period1=<unix s>&period2=<unix s>&interval=1d&events=div,split
 *          chart JSON: bars stamped at the 09:30 New York open, in [period1, period2); `meta`
 *          with exchangeTimezoneName America/New_York, gmtoffset and the regular session of the
 *          last bar; quote arrays with nulls on `yahooNullDays`; adjclose = close, or scaled by
 *          `yahooDividend`'s factor before its ex-date. Unknown symbols: HTTP 404 with
 *          `chart.error {code: 'Not Found'}`; a range without bars: 200 with an empty result;
 *          `rateLimitOnce` / `rateLimitAlways` answer 429 `Too Many Requests` (text), as Yahoo does.
 *
 * `adjust(symbol, factor)` re-adjusts a symbol's whole history from then on in all three APIs
 * (prices times factor, volume divided by it), as a vendor does after a split.
 *
 * Known symbols get deterministic weekday bars from `stubBars`, so tests can compare files.
 */
export interface ProviderStubOptions {
  /** The valid Polygon key; default 'test-key'. */
  readonly apiKey?: string;
  /** Polygon bars per page; default 100. */
  readonly pageSize?: number;
  /** Symbols with data (upper case); default AAPL, MSFT, SPY, BRK.B. */
  readonly known?: readonly string[];
  readonly rateLimitOnce?: readonly string[];
  readonly rateLimitAlways?: readonly string[];
  readonly flakyOnce?: readonly string[];
  readonly forbidden?: readonly string[];
  readonly stooqHitsLimit?: readonly string[];
  /** Sent with 429 answers when set. */
  readonly retryAfterSeconds?: number;
  /** Delay before every answer, ms (to observe concurrency); default 0. */
  readonly delayMs?: number;
  /** Polygon symbols answered HTTP 500 on every request. */
  readonly serverErrorAlways?: readonly string[];
  /**
   * Error answers (4xx/5xx) repeat the full request URL, API key included, in their body, as
   * some real error pages and proxies do: for testing that no key reaches the user's screen.
   */
  readonly echoRequestUrl?: boolean;
  /** Dates whose Yahoo quote has null open/high/low/close/volume (a halted day). */
  readonly yahooNullDays?: readonly string[];
  /** A dividend for Yahoo's adjclose: bars before `exDate` get adjclose = close * factor. */
  readonly yahooDividend?: { readonly symbol: string; readonly exDate: string; readonly factor: number };
  /** Symbols whose Yahoo `meta` says the last bar's session is still trading. */
  readonly yahooLive?: readonly string[];
}

export interface StubRequest {
  readonly api: 'polygon' | 'stooq' | 'yahoo' | 'other';
  readonly symbol: string | null;
  readonly path: string;
  /** Query parameters, apiKey included (it is a test key). */
  readonly query: Readonly<Record<string, string>>;
  /** Path and query as requested. */
  readonly url: string;
  status: number;
}

export interface ProviderStub {
  readonly baseUrl: string;
  readonly requests: StubRequest[];
  /** Most requests in flight at once so far. */
  readonly maxInFlight: () => number;
  /** From now on every API serves `symbol` with prices times `factor` (volume divided by it). */
  adjust(symbol: string, factor: number): void;
  close(): Promise<void>;
}

export interface StubBar {
  readonly date: string;
  /** Midnight America/New_York as ms since the epoch (Polygon's `t` for a day bar). */
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

const MS_PER_DAY = 86_400_000;

/** The n-th Sunday (1-based) of a month, as a UTC day number. */
function nthSunday(year: number, month0: number, n: number): number {
  const first = Date.UTC(year, month0, 1) / MS_PER_DAY;
  const wd = (((first + 4) % 7) + 7) % 7;
  return first + ((7 - wd) % 7) + (n - 1) * 7;
}

/**
 * Midnight in New York of a date, in UTC ms, from the US DST rule since 2007 (second Sunday of
 * March to first Sunday of November; at midnight the clocks have not changed yet that day).
 * Deliberately independent of Intl so it cross-checks the provider's conversion.
 */
export function newYorkMidnightMs(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  const day = Date.UTC(y, m - 1, d) / MS_PER_DAY;
  const edt = day > nthSunday(y, 2, 2) && day <= nthSunday(y, 10, 1);
  return day * MS_PER_DAY + (edt ? 4 : 5) * 3_600_000;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Deterministic weekday bars of a known symbol in [fromIso, toIso]. */
export function stubBars(symbol: string, fromIso: string, toIso: string): StubBar[] {
  const from = Date.parse(`${fromIso}T00:00:00Z`) / MS_PER_DAY;
  const to = Date.parse(`${toIso}T00:00:00Z`) / MS_PER_DAY;
  const base = 20 + (hash(symbol) % 300);
  const out: StubBar[] = [];
  for (let day = from; day <= to; day++) {
    const wd = (((day + 4) % 7) + 7) % 7;
    if (wd === 0 || wd === 6) continue;
    const date = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    const c = round2(base * (1 + 0.2 * Math.sin(day / 17)));
    const o = round2(base * (1 + 0.2 * Math.sin((day - 0.5) / 17)));
    out.push({ date, t: newYorkMidnightMs(date), o, c, h: round2(Math.max(o, c) * 1.01), l: round2(Math.min(o, c) * 0.99), v: 1_000_000 + (day % 997) * 1000 });
  }
  return out;
}

const POLYGON_PATH = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/day\/([^/]+)\/([^/]+)$/;
const YAHOO_PATH = /^\/v8\/finance\/chart\/([^/]+)$/;

function isoFromParam(p: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(p)) return p;
  if (/^\d+$/.test(p)) {
    // A ms timestamp (next_url pages): the New York date of that instant (UTC-4 is close enough at midnight NY).
    return new Date(Number(p) - 4 * 3_600_000).toISOString().slice(0, 10);
  }
  return null;
}

export async function startProviderStub(options: ProviderStubOptions = {}): Promise<ProviderStub> {
  const apiKey = options.apiKey ?? 'test-key';
  const pageSize = options.pageSize ?? 100;
  const known = new Set((options.known ?? ['AAPL', 'MSFT', 'SPY', 'BRK.B']).map((s) => s.toUpperCase()));
  const upper = (xs: readonly string[] | undefined): Set<string> => new Set((xs ?? []).map((s) => s.toUpperCase()));
  const rateLimitOnce = upper(options.rateLimitOnce);
  const rateLimitAlways = upper(options.rateLimitAlways);
  const flakyOnce = upper(options.flakyOnce);
  const forbidden = upper(options.forbidden);
  const hitsLimit = upper(options.stooqHitsLimit);
  const serverErrorAlways = upper(options.serverErrorAlways);
  const nullDays = new Set(options.yahooNullDays ?? []);
  const yahooLive = upper(options.yahooLive);
  const scale = new Map<string, number>();
  const limitedOnce = new Set<string>();
  const flakedOnce = new Set<string>();
  const requests: StubRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let requestCounter = 0;
  let baseUrl = '';

  const send = (res: ServerResponse, record: StubRequest, status: number, body: string, type: string, extra: Record<string, string> = {}) => {
    record.status = status;
    if (options.echoRequestUrl && status >= 400) {
      const url = `${baseUrl}${record.url}`;
      if (type === 'application/json') {
        const j = JSON.parse(body) as Record<string, unknown>;
        for (const k of ['error', 'message']) if (typeof j[k] === 'string') j[k] = `${j[k]} (request: ${url})`;
        body = JSON.stringify({ ...j, request_url: url });
      } else body = `${body} while fetching ${url}`;
    }
    inFlight--;
    res.writeHead(status, { 'content-type': type, ...extra });
    res.end(body);
  };
  const json = (res: ServerResponse, record: StubRequest, status: number, value: unknown, extra: Record<string, string> = {}) =>
    send(res, record, status, JSON.stringify(value), 'application/json', extra);
  const requestId = () => `stub-${++requestCounter}`;
  const retryAfter = (): Record<string, string> =>
    options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(options.retryAfterSeconds) };

  /** stubBars as re-adjusted by `adjust`. */
  const bars = (ticker: string, fromIso: string, toIso: string): StubBar[] => {
    const f = scale.get(ticker);
    const raw = stubBars(ticker, fromIso, toIso);
    if (f === undefined) return raw;
    return raw.map((b) => ({ ...b, o: round2(b.o * f), h: round2(b.h * f), l: round2(b.l * f), c: round2(b.c * f), v: Math.round(b.v / f) }));
  };

  const handleYahoo = (res: ServerResponse, record: StubRequest, m: RegExpExecArray, url: URL) => {
    const ticker = decodeURIComponent(m[1]).toUpperCase().replace(/-/g, '.');
    if (rateLimitAlways.has(ticker) || (rateLimitOnce.has(ticker) && !limitedOnce.has(`yahoo:${ticker}`))) {
      limitedOnce.add(`yahoo:${ticker}`);
      return send(res, record, 429, 'Too Many Requests\r\n', 'text/html', retryAfter());
    }
    if (!known.has(ticker)) {
      return json(res, record, 404, { chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } } });
    }
    const p1 = Number(url.searchParams.get('period1'));
    const p2 = Number(url.searchParams.get('period2'));
    if (!Number.isInteger(p1) || !Number.isInteger(p2) || url.searchParams.get('interval') !== '1d') {
      return json(res, record, 400, { chart: { result: null, error: { code: 'Bad Request', description: 'Invalid input - interval and period are required' } } });
    }
    const isoOf = (sec: number) => new Date(sec * 1000).toISOString().slice(0, 10);
    const openSec = (b: StubBar) => (b.t + 9.5 * 3_600_000) / 1000;
    const inRange = bars(ticker, isoOf(p1 - 86_400), isoOf(p2 + 86_400)).filter((b) => openSec(b) >= p1 && openSec(b) < p2);
    const last = inRange.at(-1);
    const offsetSec = last === undefined ? -18_000 : -(newYorkMidnightMs(last.date) - Date.parse(`${last.date}T00:00:00Z`)) / 1000;
    const meta: Record<string, unknown> = {
      currency: 'USD',
      symbol: decodeURIComponent(m[1]).toUpperCase(),
      exchangeName: 'NMS',
      fullExchangeName: 'NasdaqGS',
      instrumentType: 'EQUITY',
      gmtoffset: offsetSec,
      timezone: offsetSec === -14_400 ? 'EDT' : 'EST',
      exchangeTimezoneName: 'America/New_York',
      priceHint: 2,
      dataGranularity: '1d',
      range: '',
    };
    if (last !== undefined) {
      const start = openSec(last);
      const end = start + 6.5 * 3600;
      meta.currentTradingPeriod = {
        pre: { timezone: meta.timezone, start: start - 5.5 * 3600, end: start, gmtoffset: offsetSec },
        regular: { timezone: meta.timezone, start, end, gmtoffset: offsetSec },
        post: { timezone: meta.timezone, start: end, end: end + 4 * 3600, gmtoffset: offsetSec },
      };
      meta.regularMarketTime = yahooLive.has(ticker) ? start + 3600 : end;
      meta.regularMarketPrice = last.c;
    }
    if (inRange.length === 0) {
      return json(res, record, 200, { chart: { result: [{ meta, indicators: { quote: [{}], adjclose: [{}] } }], error: null } });
    }
    const nul = (b: StubBar, x: number) => (nullDays.has(b.date) ? null : x);
    const div = options.yahooDividend;
    const adjFactor = (b: StubBar) => (div !== undefined && div.symbol.toUpperCase() === ticker && b.date < div.exDate ? div.factor : 1);
    const result = {
      meta,
      timestamp: inRange.map(openSec),
      events: {},
      indicators: {
        quote: [
          {
            open: inRange.map((b) => nul(b, b.o)),
            high: inRange.map((b) => nul(b, b.h)),
            low: inRange.map((b) => nul(b, b.l)),
            close: inRange.map((b) => nul(b, b.c)),
            volume: inRange.map((b) => nul(b, b.v)),
          },
        ],
        adjclose: [{ adjclose: inRange.map((b) => nul(b, b.c * adjFactor(b))) }],
      },
    };
    return json(res, record, 200, { chart: { result: [result], error: null } });
  };

  const handlePolygon = (res: ServerResponse, record: StubRequest, m: RegExpExecArray, url: URL) => {
    const ticker = decodeURIComponent(m[1]).toUpperCase();
    const key = url.searchParams.get('apiKey');
    if (key === null) {
      return json(res, record, 401, { status: 'ERROR', request_id: requestId(), error: 'API Key was not provided' });
    }
    if (key !== apiKey) {
      return json(res, record, 401, { status: 'ERROR', request_id: requestId(), error: 'Unknown API Key' });
    }
    if (rateLimitAlways.has(ticker) || (rateLimitOnce.has(ticker) && !limitedOnce.has(`polygon:${ticker}`))) {
      limitedOnce.add(`polygon:${ticker}`);
      return json(
        res,
        record,
        429,
        {
          status: 'ERROR',
          request_id: requestId(),
          error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
        },
        retryAfter(),
      );
    }
    if (serverErrorAlways.has(ticker)) {
      return json(res, record, 500, { status: 'ERROR', request_id: requestId(), error: 'Internal server error' });
    }
    if (flakyOnce.has(ticker) && !flakedOnce.has(`polygon:${ticker}`)) {
      flakedOnce.add(`polygon:${ticker}`);
      return send(res, record, 503, '<html><body>503 Service Temporarily Unavailable</body></html>', 'text/html');
    }
    if (forbidden.has(ticker)) {
      return json(res, record, 403, {
        status: 'NOT_AUTHORIZED',
        request_id: requestId(),
        message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing',
      });
    }
    const fromIso = isoFromParam(m[2]);
    const toIso = isoFromParam(m[3]);
    if (fromIso === null || toIso === null) {
      return json(res, record, 400, { status: 'ERROR', request_id: requestId(), error: 'Could not parse the date range' });
    }
    const limit = Math.min(pageSize, Number(url.searchParams.get('limit') ?? 50000));
    const all = known.has(ticker) ? bars(ticker, fromIso, toIso).filter((b) => /^\d+$/.test(m[2]) ? b.t >= Number(m[2]) : true) : [];
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = {
      ticker,
      queryCount: page.length,
      resultsCount: page.length,
      adjusted: url.searchParams.get('adjusted') !== 'false',
      status: 'OK',
      request_id: requestId(),
      count: page.length,
    };
    if (page.length > 0) {
      body.results = page.map((b) => ({ v: b.v, vw: round2((b.o + b.c + b.h + b.l) / 4), o: b.o, c: b.c, h: b.h, l: b.l, t: b.t, n: 1000 + (b.v % 500) }));
    }
    if (all.length > page.length) {
      const cursor = Buffer.from(`limit=${limit}&sort=asc&offset=${page.length}`).toString('base64url');
      body.next_url = `${baseUrl}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${all[page.length].t}/${toIso}?cursor=${cursor}`;
    }
    return json(res, record, 200, body);
  };

  const handleStooq = (res: ServerResponse, record: StubRequest, url: URL) => {
    const s = (url.searchParams.get('s') ?? '').toLowerCase();
    const d1 = url.searchParams.get('d1') ?? '';
    const d2 = url.searchParams.get('d2') ?? '';
    const ticker = s.replace(/\.us$/, '').replace(/-/g, '.').toUpperCase();
    if (rateLimitOnce.has(ticker) && !limitedOnce.has(`stooq:${ticker}`)) {
      limitedOnce.add(`stooq:${ticker}`);
      return send(res, record, 429, 'Too Many Requests', 'text/plain', retryAfter());
    }
    if (hitsLimit.has(ticker)) return send(res, record, 200, 'Exceeded the daily hits limit', 'text/plain');
    const iso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    if (!known.has(ticker) || !/^\d{8}$/.test(d1) || !/^\d{8}$/.test(d2) || url.searchParams.get('i') !== 'd') {
      return send(res, record, 200, 'No data', 'text/plain');
    }
    const found = bars(ticker, iso(d1), iso(d2));
    if (found.length === 0) return send(res, record, 200, 'No data', 'text/plain');
    const rows = found.map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`);
    return send(res, record, 200, `Date,Open,High,Low,Close,Volume\r\n${rows.join('\r\n')}\r\n`, 'text/csv');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const polygon = POLYGON_PATH.exec(url.pathname);
    const yahoo = YAHOO_PATH.exec(url.pathname);
    const api = polygon !== null ? 'polygon' : yahoo !== null ? 'yahoo' : url.pathname === '/q/d/l/' ? 'stooq' : 'other';
    const symbol =
      polygon !== null ? decodeURIComponent(polygon[1]).toUpperCase() : yahoo !== null ? decodeURIComponent(yahoo[1]).toUpperCase() : api === 'stooq' ? url.searchParams.get('s') : null;
    const record: StubRequest = { api, symbol, path: url.pathname, query: Object.fromEntries(url.searchParams), url: req.url ?? '/', status: 0 };
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = () => {
      if (req.method !== 'GET') return send(res, record, 405, 'Method Not Allowed', 'text/plain');
      if (polygon !== null) return handlePolygon(res, record, polygon, url);
      if (yahoo !== null) return handleYahoo(res, record, yahoo, url);
      if (api === 'stooq') return handleStooq(res, record, url);
      return send(res, record, 404, 'Not Found', 'text/plain');
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    requests,
    maxInFlight: () => maxInFlight,
    adjust: (symbol, factor) => void scale.set(symbol.toUpperCase(), factor * (scale.get(symbol.toUpperCase()) ?? 1)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
