import { parseIsoDay } from '../../core/calendar.js';
import { KobeError, usageError } from '../../core/errors.js';

/**
 * A source of daily bars on the network. Every provider returns the same CSV text, the
 * Stooq/generic format the loaders read: a `Date,Open,High,Low,Close,Volume` header, then one
 * row per session with an ISO date, ascending, `\n` line ends, a trailing newline.
 *
 * Errors are KobeErrors: kind 'usage' for problems the user must fix before any download can
 * work (a missing or rejected API key); kind 'runtime' for per-symbol failures (no data,
 * rate limit exhausted, network, unexpected response).
 */
export interface BarProvider {
  readonly name: string;
  fetchDaily(symbol: string, fromIso: string, toIso: string): Promise<string>;
  /**
   * The same download, saying which provider served it and what failed before it: a fallback
   * chain (chain.ts) implements it; a single provider need not (see fetchTraced).
   */
  fetchDailyTraced?(symbol: string, fromIso: string, toIso: string): Promise<FetchOutcome>;
}

/** One provider that was tried for a symbol and failed (its message already redacted). */
export interface ProviderAttempt {
  readonly provider: string;
  readonly code: string;
  readonly error: string;
}

export interface FetchOutcome {
  readonly csv: string;
  /** The provider whose bars `csv` holds. */
  readonly provider: string;
  /** Providers tried before it that failed, in the order tried. */
  readonly attempts: readonly ProviderAttempt[];
}

/** A download with its provenance, from any provider (a plain one served it alone, first try). */
export async function fetchTraced(provider: BarProvider, symbol: string, fromIso: string, toIso: string): Promise<FetchOutcome> {
  if (provider.fetchDailyTraced !== undefined) return provider.fetchDailyTraced(symbol, fromIso, toIso);
  return { csv: await provider.fetchDaily(symbol, fromIso, toIso), provider: provider.name, attempts: [] };
}

export const CSV_HEADER = 'Date,Open,High,Low,Close,Volume';

/** The checked date range of a request; a bad one is a usage error naming the parameter. */
export function checkDateRange(fromIso: string, toIso: string): { fromDay: number; toDay: number } {
  const fromDay = parseIsoDay(fromIso);
  if (Number.isNaN(fromDay)) {
    throw usageError('BAD_DATE', `expected a date as YYYY-MM-DD, got '${fromIso}'`, { param: 'fromIso', value: fromIso });
  }
  const toDay = parseIsoDay(toIso);
  if (Number.isNaN(toDay)) {
    throw usageError('BAD_DATE', `expected a date as YYYY-MM-DD, got '${toIso}'`, { param: 'toIso', value: toIso });
  }
  if (fromDay > toDay) {
    throw usageError('BAD_DATE_RANGE', `the range starts ${fromIso}, after its end ${toIso}`, { param: 'fromIso', value: fromIso });
  }
  return { fromDay, toDay };
}

/**
 * A ticker as typed by the user, normalised: trimmed, upper case. Letters, digits, '.', '-'
 * (share classes such as BRK.B or BRK-B) and a leading '^' (indices); at most 16 characters.
 * Anything else (a path separator, a space) is a usage error: the symbol becomes a file name.
 */
export function normalizeSymbol(raw: string): string {
  const s = raw.trim().toUpperCase();
  if (!/^\^?[A-Z0-9][A-Z0-9.-]{0,15}$/.test(s)) {
    throw usageError('BAD_SYMBOL', `not a ticker symbol: '${raw}'`, {
      value: raw,
      param: 'symbols',
      hint: 'use letters, digits, "." or "-", e.g. AAPL or BRK.B',
    });
  }
  return s;
}

/** Formats a price or volume for CSV: shortest round-trip decimal, empty for a missing value. */
export function csvNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '';
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? x.toFixed(0) : String(x);
}

/**
 * Volume for CSV. kobe's CSV reader needs a number in the Volume column, so a bar the provider
 * sends without volume (Stooq indices, a Polygon bar without `v`) is written with 0: "none
 * reported", which liquidity filters treat as illiquid, the conservative reading.
 */
export function csvVolume(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '0' : csvNumber(v);
}

/** Number of data rows and the first/last date of a CSV in the generic format. */
export function summarizeCsv(csv: string): { bars: number; firstIso: string | null; lastIso: string | null } {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const rows = lines.slice(1);
  if (rows.length === 0) return { bars: 0, firstIso: null, lastIso: null };
  return { bars: rows.length, firstIso: rows[0].split(',', 1)[0], lastIso: rows[rows.length - 1].split(',', 1)[0] };
}

export function noDataError(provider: string, symbol: string, fromIso: string, toIso: string, hint: string): KobeError {
  return new KobeError('NO_DATA', `${provider} returned no bars for ${symbol} between ${fromIso} and ${toIso}`, {
    kind: 'runtime',
    value: symbol,
    hint,
  });
}
