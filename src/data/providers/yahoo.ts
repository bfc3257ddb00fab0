import { parseIsoDay } from '../../core/calendar.js';
import { KobeError } from '../../core/errors.js';
import { bodySnippet, getWithRetry, type HttpOptions } from './http.js';
import { CSV_HEADER, type BarProvider, checkDateRange, csvNumber, csvVolume, noDataError } from './provider.js';

/**
 * Yahoo Finance's chart endpoint (no API key):
 *   GET {baseUrl}/v8/finance/chart/{SYMBOL}?period1=<unix s>&period2=<unix s>&interval=1d&events=div,split
 * answers `{chart: {result: [{meta, timestamp[], indicators: {quote: [{open[], high[], low[],
 * close[], volume[]}], adjclose: [{adjclose[]}]}}], error: null}}`, or `{chart: {result: null,
 * error: {code: 'Not Found', description: 'No data found, symbol may be delisted'}}}` with HTTP 404
 * for an unknown symbol (400 `Bad Request` "Data doesn't exist for startDate = ..." for a range
 * before the listing), and HTTP 429 `Too Many Requests` when it throttles.
 *
 * Adjustment: the bars written are split- AND dividend-adjusted: Open/High/Low/Close are
 * multiplied by adjclose / close. That matches Stooq (whose downloads are adjusted for both, as
 * the bundled Stooq data shows) and what kobe's loader makes of Yahoo's own CSV export
 * (csv-format.ts, format `yahoo`), so a symbol served by Yahoo when Stooq failed continues the
 * same series. (Polygon's `adjusted=true` is split-only: see polygon.ts.) Volume is written as
 * Yahoo sends it, which is split-adjusted already. Prices are rounded to 6 decimals: the JSON
 * carries float32 noise beyond that (173.97000122070312).
 */
export const YAHOO_DEFAULT_BASE_URL = 'https://query1.finance.yahoo.com';

/**
 * Yahoo answers HTTP 429 to agents it does not recognise as a browser; a Mozilla-style
 * product token (still naming kobe) is what its own web pages send.
 */
const YAHOO_HEADERS = { 'user-agent': 'Mozilla/5.0 (compatible; kobe-research-toolkit)', accept: 'application/json' };

export interface YahooOptions {
  /** Default https://query1.finance.yahoo.com (env YAHOO_BASE_URL at the CLI edge). */
  readonly baseUrl?: string;
  readonly http?: HttpOptions;
}

type Series = readonly (number | null)[];

/** The parts of a chart answer this module reads (Yahoo sends many more). */
export interface YahooChartResult {
  readonly meta?: {
    readonly symbol?: string;
    readonly exchangeTimezoneName?: string;
    /** Seconds east of UTC, at the time of the request (not per bar). */
    readonly gmtoffset?: number;
    /** Unix seconds of the last trade. */
    readonly regularMarketTime?: number;
    readonly currentTradingPeriod?: { readonly regular?: { readonly start?: number; readonly end?: number } };
  };
  /** Unix seconds; for daily bars the session's open (09:30 New York for US listings). */
  readonly timestamp?: readonly number[];
  readonly indicators?: {
    readonly quote?: readonly { readonly open?: Series; readonly high?: Series; readonly low?: Series; readonly close?: Series; readonly volume?: Series }[];
    readonly adjclose?: readonly { readonly adjclose?: Series }[];
  };
}

export interface YahooChartResponse {
  readonly chart?: {
    readonly result?: readonly YahooChartResult[] | null;
    readonly error?: { readonly code?: string; readonly description?: string } | null;
  };
}

/**
 * Yahoo's name for a ticker: share-class dots become dashes (BRK.B -> BRK-B), as on its site;
 * indices (^GSPC) pass through.
 */
export function yahooSymbol(symbol: string): string {
  const s = symbol.trim().toUpperCase();
  return s.startsWith('^') ? s : s.replace(/\./g, '-');
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat | null {
  if (!formatters.has(timeZone)) {
    let f: Intl.DateTimeFormat | null = null;
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      f = null; // an unknown zone name: fall back to gmtoffset
    }
    formatters.set(timeZone, f);
  }
  return formatters.get(timeZone) ?? null;
}

/**
 * The exchange date of a bar stamped `tSec`. The zone name is exact across DST; `gmtoffset` is
 * the offset at the time of the request, an hour off for bars on the other side of a DST change,
 * which cannot move a daily bar stamped at the session open (09:30) to another date.
 */
export function yahooBarDate(tSec: number, timeZone: string | undefined, gmtoffsetSec: number | undefined): string {
  const f = timeZone === undefined ? null : zoneFormatter(timeZone);
  if (f !== null) {
    const parts = f.formatToParts(new Date(tSec * 1000));
    const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')}`;
  }
  return new Date((tSec + (gmtoffsetSec ?? 0)) * 1000).toISOString().slice(0, 10);
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * adjclose / close per row. A row whose adjclose is missing takes the factor of the next row
 * that has one (factors only change on ex-dates, so a neighbour's is right but on an ex-date),
 * else of the previous one; no adjclose at all (some indices) means factor 1.
 */
function adjustmentFactors(close: Series, adjclose: Series | undefined, n: number): Float64Array {
  const f = new Float64Array(n).fill(Number.NaN);
  if (adjclose !== undefined) {
    for (let i = 0; i < n; i++) {
      const c = close[i];
      const a = adjclose[i];
      if (isNum(c) && isNum(a) && c > 0 && a > 0) f[i] = a / c;
    }
  }
  let next = Number.NaN;
  for (let i = n - 1; i >= 0; i--) {
    if (Number.isNaN(f[i])) f[i] = next;
    else next = f[i];
  }
  let prev = 1;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(f[i])) f[i] = prev;
    else prev = f[i];
  }
  return f;
}

/**
 * A chart result as generic CSV text: rows with a null open/high/low/close are skipped (Yahoo
 * sends them for halted days and for the day's placeholder before the open), as are rows
 * outside [fromIso, toIso] in exchange dates and the bar of a session still trading (when
 * `meta` says the last trade falls inside the regular session: its close would change). Two
 * rows of one date: the later one wins (Yahoo sometimes repeats the current day's bar).
 */
export function yahooChartToCsv(result: YahooChartResult, fromIso: string, toIso: string): string {
  const ts = result.timestamp ?? [];
  const quote = result.indicators?.quote?.[0] ?? {};
  const n = ts.length;
  const col = (s: Series | undefined): Series => s ?? new Array<null>(n).fill(null);
  const [open, high, low, close, volume] = [col(quote.open), col(quote.high), col(quote.low), col(quote.close), col(quote.volume)];
  const factor = adjustmentFactors(close, result.indicators?.adjclose?.[0]?.adjclose, n);
  const meta = result.meta ?? {};
  const tz = meta.exchangeTimezoneName;
  const regular = meta.currentTradingPeriod?.regular;
  const live =
    isNum(meta.regularMarketTime) && isNum(regular?.start) && isNum(regular?.end) && meta.regularMarketTime >= regular.start && meta.regularMarketTime < regular.end
      ? yahooBarDate(regular.start, tz, meta.gmtoffset)
      : null;

  const rows = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    const [o, h, l, c] = [open[i], high[i], low[i], close[i]];
    if (!isNum(t) || !isNum(o) || !isNum(h) || !isNum(l) || !isNum(c)) continue;
    const date = yahooBarDate(t, tz, meta.gmtoffset);
    if (date < fromIso || date > toIso || date === live) continue;
    const k = factor[i];
    rows.set(date, `${date},${csvNumber(round6(o * k))},${csvNumber(round6(h * k))},${csvNumber(round6(l * k))},${csvNumber(round6(c * k))},${csvVolume(volume[i])}`);
  }
  const dates = [...rows.keys()].sort();
  let out = `${CSV_HEADER}\n`;
  for (const d of dates) out += `${rows.get(d)}\n`;
  return out;
}

const unixSeconds = (iso: string): number => parseIsoDay(iso) * 86_400;

export function createYahooProvider(options: YahooOptions = {}): BarProvider {
  const base = new URL(options.baseUrl ?? YAHOO_DEFAULT_BASE_URL);
  const basePath = base.pathname.replace(/\/+$/, '');
  return {
    name: 'yahoo',
    async fetchDaily(symbol: string, fromIso: string, toIso: string): Promise<string> {
      checkDateRange(fromIso, toIso);
      const ticker = symbol.trim().toUpperCase();
      const ySymbol = yahooSymbol(ticker);
      const what = `yahoo ${ySymbol}`;
      const url = new URL(`${basePath}/v8/finance/chart/${encodeURIComponent(ySymbol)}`, base);
      // A day of margin on both sides: period2 is exclusive, and a session opening before
      // midnight UTC (Asia-Pacific listings) is stamped the UTC day before its date. The rows
      // are cut to [fromIso, toIso] in exchange dates afterwards.
      url.searchParams.set('period1', String(unixSeconds(fromIso) - 86_400));
      url.searchParams.set('period2', String(unixSeconds(toIso) + 2 * 86_400));
      url.searchParams.set('interval', '1d');
      url.searchParams.set('events', 'div,split');
      const res = await getWithRetry(url.toString(), what, options.http, YAHOO_HEADERS);
      if (res.status === 429) {
        throw new KobeError('RATE_LIMITED', `${what}: Yahoo kept answering HTTP 429 (too many requests) after retries`, {
          kind: 'runtime',
          hint: 'Yahoo throttles bursts of requests; try again later, with fewer symbols or a lower concurrency',
        });
      }
      let json: YahooChartResponse | null = null;
      try {
        json = JSON.parse(res.body) as YahooChartResponse;
      } catch {
        json = null;
      }
      const error = json?.chart?.error;
      if (error !== undefined && error !== null) {
        const said = bodySnippet(`${error.code ?? 'error'}: ${error.description ?? ''}`);
        if (error.code === 'Not Found' || /doesn't exist|no data found/i.test(error.description ?? '')) {
          throw noDataError('Yahoo', ticker, fromIso, toIso, `Yahoo said '${said}' for '${ySymbol}' (unknown or delisted symbol, or a range before its listing)`);
        }
        throw new KobeError('PROVIDER_ERROR', `${what}: Yahoo answered HTTP ${res.status}: ${said}`, { kind: 'runtime' });
      }
      if (res.status !== 200) {
        throw new KobeError('PROVIDER_ERROR', `${what}: Yahoo answered HTTP ${res.status}: ${bodySnippet(res.body)}`, { kind: 'runtime' });
      }
      if (json === null || typeof json !== 'object' || json.chart === undefined) {
        throw new KobeError('BAD_RESPONSE', `${what}: expected chart JSON, got: ${bodySnippet(res.body)}`, { kind: 'runtime' });
      }
      const result = json.chart.result?.[0];
      if (result === undefined) {
        throw noDataError('Yahoo', ticker, fromIso, toIso, 'check the ticker and the date range');
      }
      if (result.timestamp !== undefined && !Array.isArray(result.timestamp)) {
        throw new KobeError('BAD_RESPONSE', `${what}: chart.result[0].timestamp is not an array`, { kind: 'runtime' });
      }
      const csv = yahooChartToCsv(result, fromIso, toIso);
      if (csv === `${CSV_HEADER}\n`) {
        throw noDataError('Yahoo', ticker, fromIso, toIso, 'check the date range (no complete bars in it)');
      }
      return csv;
    },
  };
}
