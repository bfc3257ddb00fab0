import { KobeError } from '../../core/errors.js';
import { bodySnippet, getWithRetry, type HttpOptions } from './http.js';
import { CSV_HEADER, type BarProvider, checkDateRange, noDataError } from './provider.js';

/**
 * Stooq daily CSV download:
 *   GET {baseUrl}/q/d/l/?s={symbol}.us&d1=YYYYMMDD&d2=YYYYMMDD&i=d
 * answers `Date,Open,High,Low,Close,Volume` CSV, or the literal body `No data` for a symbol it
 * does not know (or a range without bars). No API key.
 */
export const STOOQ_DEFAULT_BASE_URL = 'https://stooq.com';

export interface StooqOptions {
  /** Default https://stooq.com (env STOOQ_BASE_URL at the CLI edge). */
  readonly baseUrl?: string;
  readonly http?: HttpOptions;
}

/**
 * Stooq's name for a US ticker: lower case with `.us`; share-class dots become dashes
 * (BRK.B -> brk-b.us). Names that already carry a market suffix (`.us`) or are indices (`^spx`)
 * pass through in lower case.
 */
export function stooqSymbol(symbol: string): string {
  const s = symbol.trim().toLowerCase();
  if (s.startsWith('^') || s.endsWith('.us')) return s;
  return `${s.replace(/\./g, '-')}.us`;
}

const compact = (iso: string): string => iso.replace(/-/g, '');

/**
 * Stooq's CSV normalised to the generic format (header spelled exactly, `\n`, trailing newline,
 * volume 0 where Stooq has none, e.g. for indices; see csvVolume).
 */
export function normalizeStooqCsv(body: string, what: string): string {
  const lines = body.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const expected = ['date', 'open', 'high', 'low', 'close'];
  if (!expected.every((name, i) => header[i] === name)) {
    throw new KobeError('BAD_RESPONSE', `${what}: expected a Date,Open,High,Low,Close,Volume CSV, got: ${bodySnippet(body)}`, {
      kind: 'runtime',
    });
  }
  const hasVolume = header[5] === 'volume';
  let out = `${CSV_HEADER}\n`;
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    const row = cells.slice(0, 5);
    const volume = hasVolume ? (cells[5] ?? '').trim() : '';
    row.push(volume === '' ? '0' : volume);
    out += `${row.join(',')}\n`;
  }
  return out;
}

export function createStooqProvider(options: StooqOptions = {}): BarProvider {
  const base = new URL(options.baseUrl ?? STOOQ_DEFAULT_BASE_URL);
  const basePath = base.pathname.replace(/\/+$/, '');
  return {
    name: 'stooq',
    async fetchDaily(symbol: string, fromIso: string, toIso: string): Promise<string> {
      checkDateRange(fromIso, toIso);
      const s = stooqSymbol(symbol);
      const what = `stooq ${s}`;
      const url = new URL(`${basePath}/q/d/l/`, base);
      url.searchParams.set('s', s);
      url.searchParams.set('d1', compact(fromIso));
      url.searchParams.set('d2', compact(toIso));
      url.searchParams.set('i', 'd');
      const res = await getWithRetry(url.toString(), what, options.http);
      const body = res.body.trim();
      if (res.status === 429 || /exceeded the daily hits limit/i.test(body)) {
        throw new KobeError('RATE_LIMITED', `${what}: Stooq refused the request (daily hits limit or HTTP 429)`, {
          kind: 'runtime',
          hint: 'Stooq limits downloads per day; try again tomorrow or use the polygon provider',
        });
      }
      if (res.status !== 200) {
        throw new KobeError('PROVIDER_ERROR', `${what}: Stooq answered HTTP ${res.status}: ${bodySnippet(res.body)}`, { kind: 'runtime' });
      }
      if (/^no data$/i.test(body)) {
        throw noDataError('Stooq', symbol.trim().toUpperCase(), fromIso, toIso, `Stooq does not know '${s}' (unknown symbol?) or has no bars in that range`);
      }
      const csv = normalizeStooqCsv(res.body, what);
      if (csv === `${CSV_HEADER}\n`) {
        throw noDataError('Stooq', symbol.trim().toUpperCase(), fromIso, toIso, 'check the date range');
      }
      return csv;
    },
  };
}
