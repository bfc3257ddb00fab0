import { KobeError, usageError } from '../../core/errors.js';
import { redactSecrets, registerSecrets } from '../../core/redact.js';
import { bodySnippet, getWithRetry, type HttpOptions } from './http.js';
import { CSV_HEADER, type BarProvider, checkDateRange, csvNumber, csvVolume, noDataError } from './provider.js';

/**
 * Polygon.io daily aggregates (v2):
 *   GET {baseUrl}/v2/aggs/ticker/{TICKER}/range/1/day/{from}/{to}?adjusted=true&sort=asc&limit=50000&apiKey=KEY
 * Pages via `next_url` (the API key is appended; it is only ever sent to the base URL's origin).
 * 429 and 5xx are retried with backoff; 401/403 are usage errors about POLYGON_API_KEY.
 */
export const POLYGON_DEFAULT_BASE_URL = 'https://api.polygon.io';
const MAX_PAGES = 1000;

export interface PolygonOptions {
  readonly apiKey: string;
  /** Default https://api.polygon.io (env POLYGON_BASE_URL at the CLI edge). */
  readonly baseUrl?: string;
  readonly http?: HttpOptions;
}

/** One aggregate bar as Polygon sends it. */
export interface PolygonAgg {
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v?: number;
  readonly vw?: number;
  /** Start of the bar, ms since the epoch: midnight America/New_York for daily bars. */
  readonly t: number;
  readonly n?: number;
}

interface PolygonAggsResponse {
  readonly ticker?: string;
  readonly status?: string;
  readonly resultsCount?: number;
  readonly results?: readonly PolygonAgg[];
  readonly next_url?: string;
  readonly error?: string;
  readonly message?: string;
  readonly request_id?: string;
}

let newYorkDate: Intl.DateTimeFormat | null = null;

/**
 * The exchange date of a daily bar. Polygon stamps a day bar with midnight New York time,
 * i.e. 05:00 UTC in winter and 04:00 UTC in summer of the same date; formatting the instant in
 * America/New_York gives the session date in both cases (a plain UTC date would be right too,
 * but not for the minute or hour bars that share the format, so do it properly).
 */
export function polygonBarDate(tMs: number): string {
  newYorkDate ??= new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
  const parts = newYorkDate.formatToParts(new Date(tMs));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Polygon aggregates as generic CSV text (ascending, one row per date, duplicates dropped). */
export function polygonAggsToCsv(results: readonly PolygonAgg[]): string {
  let out = `${CSV_HEADER}\n`;
  let last = '';
  for (const bar of results) {
    const date = polygonBarDate(bar.t);
    if (date <= last) continue; // overlapping pages or out-of-order rows: first one wins
    last = date;
    out += `${date},${csvNumber(bar.o)},${csvNumber(bar.h)},${csvNumber(bar.l)},${csvNumber(bar.c)},${csvVolume(bar.v)}\n`;
  }
  return out;
}

function isAgg(x: unknown): x is PolygonAgg {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return ['o', 'h', 'l', 'c', 't'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k]));
}

export function createPolygonProvider(options: PolygonOptions): BarProvider {
  const apiKey = options.apiKey.trim();
  if (apiKey.length === 0) {
    throw usageError('MISSING_API_KEY', 'POLYGON_API_KEY is not set', {
      hint: 'put POLYGON_API_KEY=... in .env or the environment (keys: https://polygon.io/dashboard/keys)',
    });
  }
  // The key travels in the URL: every message that could repeat it is redacted.
  registerSecrets([apiKey]);
  const base = new URL(options.baseUrl ?? POLYGON_DEFAULT_BASE_URL);
  const basePath = base.pathname.replace(/\/+$/, '');

  const withKey = (url: URL): string => {
    url.searchParams.set('apiKey', apiKey);
    return url.toString();
  };

  async function getPage(url: URL, what: string): Promise<PolygonAggsResponse> {
    const res = await getWithRetry(withKey(url), what, options.http);
    let json: PolygonAggsResponse | null = null;
    try {
      json = JSON.parse(res.body) as PolygonAggsResponse;
    } catch {
      json = null;
    }
    const said = redactSecrets(json?.error ?? json?.message ?? bodySnippet(res.body), [apiKey]);
    if (res.status === 401 || res.status === 403) {
      throw usageError('PROVIDER_AUTH', `Polygon rejected the request (HTTP ${res.status}: ${said})`, {
        flag: 'POLYGON_API_KEY',
        hint:
          res.status === 401
            ? 'check POLYGON_API_KEY in .env or the environment (keys: https://polygon.io/dashboard/keys)'
            : 'the API key is valid but its plan does not cover this data; check POLYGON_API_KEY and the plan',
      });
    }
    if (res.status === 429) {
      throw new KobeError('RATE_LIMITED', `${what}: Polygon kept answering HTTP 429 (too many requests) after retries`, {
        kind: 'runtime',
        hint: 'the free plan allows 5 requests a minute; try again later or with fewer symbols',
      });
    }
    if (res.status !== 200 || json === null) {
      throw new KobeError('PROVIDER_ERROR', `${what}: Polygon answered HTTP ${res.status}: ${said}`, { kind: 'runtime' });
    }
    if (json.status === 'ERROR' || json.status === 'NOT_AUTHORIZED') {
      throw new KobeError('PROVIDER_ERROR', `${what}: Polygon status ${json.status}: ${said}`, { kind: 'runtime' });
    }
    return json;
  }

  return {
    name: 'polygon',
    async fetchDaily(symbol: string, fromIso: string, toIso: string): Promise<string> {
      checkDateRange(fromIso, toIso);
      const ticker = symbol.trim().toUpperCase();
      const what = `polygon ${ticker}`;
      let url: URL | null = new URL(
        `${basePath}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${fromIso}/${toIso}?adjusted=true&sort=asc&limit=50000`,
        base,
      );
      const seen = new Set<string>();
      const results: PolygonAgg[] = [];
      for (let page = 0; url !== null; page++) {
        if (page >= MAX_PAGES || seen.has(url.toString())) {
          throw new KobeError('PROVIDER_ERROR', `${what}: pagination did not end (${page} pages)`, { kind: 'runtime' });
        }
        seen.add(url.toString());
        const json = await getPage(url, what);
        for (const r of json.results ?? []) {
          if (!isAgg(r)) {
            throw new KobeError('BAD_RESPONSE', `${what}: a bar without numeric o/h/l/c/t: ${bodySnippet(JSON.stringify(r))}`, { kind: 'runtime' });
          }
          results.push(r);
        }
        url = null;
        if (typeof json.next_url === 'string' && json.next_url.length > 0) {
          const next = new URL(json.next_url, base);
          if (next.origin !== base.origin) {
            throw new KobeError('PROVIDER_ERROR', `${what}: next_url points to ${next.origin}, not ${base.origin}; not sending the API key there`, {
              kind: 'runtime',
            });
          }
          url = next;
        }
      }
      if (results.length === 0) {
        throw noDataError('Polygon', ticker, fromIso, toIso, 'check the ticker (Polygon uses e.g. BRK.B) and the date range');
      }
      results.sort((a, b) => a.t - b.t);
      return polygonAggsToCsv(results);
    },
  };
}
