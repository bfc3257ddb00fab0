import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dayToIso, isWeekend, parseIsoDay } from '../../core/calendar.js';
import { inputError, isKobeError } from '../../core/errors.js';
import { createSymbolLocator } from '../locate.js';
import { parseBarsCsv, type RawBars } from '../parse-bars.js';
import { type DownloadFailure, failureResult, skippedResult, writeFileAtomic } from './fetch-to-dir.js';
import { mapUntilFatal } from './pool.js';
import { type BarProvider, checkDateRange, CSV_HEADER, csvNumber, csvVolume, fetchTraced, type FetchOutcome, normalizeSymbol, type ProviderAttempt, summarizeCsv } from './provider.js';

/**
 * Brings the bar files of a data folder up to date, symbol by symbol.
 *
 * Mode `full` downloads [fromIso, toIso] and replaces the symbol's file (or writes a new
 * `<SYMBOL>.csv`). Mode `last` is incremental: for a symbol with a file it asks only for the
 * days from the file's last bar (inclusive) to toIso, and
 * - when the file's last bar is on or after toIso, or only weekend days follow it up to toIso,
 *   makes no request at all (`up-to-date`);
 * - when the provider's bar on that overlapping day agrees with the file's (open, high, low
 *   and close within OVERLAP_REL_TOL; volume is not compared, vendors revise the last day's
 *   volume without re-adjusting anything), appends the newer bars (`appended`, or
 *   `up-to-date` when there are none);
 * - when it disagrees, or the provider has no bar on that day, the provider has re-adjusted
 *   history (a split or dividend since the last run) or is not the one the file came from:
 *   the whole span from the file's first date is downloaded again and replaces the file
 *   (`refetched`);
 * a symbol without a file (or with an empty one) gets [newFromIso, toIso] (`new`).
 *
 * A file keeps its path (`aapl.us.txt` stays `aapl.us.txt`), so the loader keeps finding it. A
 * file in the Stooq layout (`Date,Open,High,Low,Close,Volume[,OpenInt]`) is appended to as
 * text, its bytes and line ends unchanged; a file in another layout (Yahoo or AlphaVantage
 * export, newest-first, generic column order) is rewritten in the Stooq layout with the prices
 * kobe's loader reads from it. Every write goes to a temp file renamed into place: a failed or
 * interrupted refresh leaves the previous file byte-identical.
 */
export const OVERLAP_REL_TOL = 1e-6;

export type RefreshMode = { readonly kind: 'full'; readonly fromIso: string } | { readonly kind: 'last'; readonly newFromIso: string };

export type RefreshStatus = 'new' | 'appended' | 'up-to-date' | 'refetched' | 'replaced';

export interface RefreshOk {
  readonly symbol: string;
  readonly ok: true;
  readonly status: RefreshStatus;
  readonly file: string;
  /** Bars added after the file's previous last bar (`appended` only; 0 otherwise). */
  readonly appended: number;
  /** Bars in the file now. */
  readonly bars: number;
  readonly firstIso: string | null;
  readonly lastIso: string | null;
  /** The provider that served the bars written; null when nothing was requested. */
  readonly provider: string | null;
  /** Providers tried before it that failed (redacted). */
  readonly attempts: readonly ProviderAttempt[];
}

export type RefreshFailure = DownloadFailure & {
  /** The symbol's file, left as it was; null when it has none. */
  readonly file: string | null;
};

export type RefreshResult = RefreshOk | RefreshFailure;

export interface RefreshOptions {
  readonly provider: BarProvider;
  readonly symbols: readonly string[];
  readonly dataDir: string;
  readonly mode: RefreshMode;
  readonly toIso: string;
  /** Parallel symbols; default 4. */
  readonly concurrency?: number;
  /** Called as each symbol finishes, in completion order. */
  readonly onResult?: (result: RefreshResult) => void;
}

/** Whether two prices agree to `relTol` of the larger. */
export function pricesAgree(a: number, b: number, relTol = OVERLAP_REL_TOL): boolean {
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

/** Whether bar `i` of `a` and bar `j` of `b` have the same open, high, low and close. */
export function barsAgree(a: RawBars, i: number, b: RawBars, j: number, relTol = OVERLAP_REL_TOL): boolean {
  return (
    pricesAgree(a.open[i], b.open[j], relTol) &&
    pricesAgree(a.high[i], b.high[j], relTol) &&
    pricesAgree(a.low[i], b.low[j], relTol) &&
    pricesAgree(a.close[i], b.close[j], relTol)
  );
}

/** Whether a weekday falls in (afterDay, toDay]: only then can a new session exist. */
export function weekdayAfter(afterDay: number, toDay: number): boolean {
  for (let d = afterDay + 1; d <= toDay; d++) if (!isWeekend(d)) return true;
  return false;
}

const dataRows = (csv: string): string[] => csv.split('\n').slice(1).filter((l) => l.trim() !== '');

/** The bars of a file in the Stooq layout as text, `rows` (generic CSV rows) appended in its column layout and line ends. */
export function appendRowsToText(text: string, header: string, rows: readonly string[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const withOpenInt = header.split(',').length === 7;
  const body = text.endsWith('\n') ? text : `${text}${eol}`;
  return body + rows.map((r) => `${withOpenInt ? `${r},0` : r}${eol}`).join('');
}

/** Bars (as parsed, so as the loader reads them) in the generic layout, sorted by date. */
export function barsToCsv(bars: RawBars): string {
  const order = Array.from(bars.day.keys()).sort((x, y) => bars.day[x] - bars.day[y]);
  let out = `${CSV_HEADER}\n`;
  for (const i of order) {
    out += `${dayToIso(bars.day[i])},${csvNumber(bars.open[i])},${csvNumber(bars.high[i])},${csvNumber(bars.low[i])},${csvNumber(bars.close[i])},${csvVolume(bars.volume[i])}\n`;
  }
  return out;
}

interface Existing {
  readonly file: string;
  readonly text: string;
  /** Null when the file has no bars (empty or a header only). */
  readonly bars: RawBars | null;
  /** Index of the latest bar. */
  readonly last: number;
  readonly first: number;
}

async function readExisting(file: string, symbol: string): Promise<Existing> {
  const text = await readFile(file, 'utf8');
  let bars: RawBars;
  try {
    bars = parseBarsCsv(text, { file, symbol });
  } catch (e) {
    if (isKobeError(e) && (e.code === 'EMPTY_FILE' || e.code === 'NO_ROWS')) return { file, text, bars: null, last: -1, first: -1 };
    throw e;
  }
  let last = 0;
  let first = 0;
  for (let i = 1; i < bars.day.length; i++) {
    if (bars.day[i] > bars.day[last]) last = i;
    if (bars.day[i] < bars.day[first]) first = i;
  }
  return { file, text, bars, last, first };
}

function headerLine(text: string): string {
  const first = text.replace(/^\uFEFF/, '').split('\n').find((l) => l.trim() !== '') ?? '';
  return first.trim().replace(/\s+/g, '').toLowerCase();
}

const STOOQ_HEADERS = new Set(['date,open,high,low,close,volume', 'date,open,high,low,close,volume,openint']);

/** Refreshes every symbol (see the module comment); results in the order of `symbols` (upper case, duplicates dropped). */
export async function refreshSymbols(options: RefreshOptions): Promise<RefreshResult[]> {
  const { mode, toIso, provider, dataDir } = options;
  checkDateRange(mode.kind === 'full' ? mode.fromIso : mode.newFromIso, toIso);
  const toDay = parseIsoDay(toIso);
  const symbols = [...new Set(options.symbols.map(normalizeSymbol))];
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (e) {
    throw inputError('DATA_DIR_NOT_WRITABLE', `cannot create the data folder: ${(e as Error).message}`, {
      file: dataDir,
      cause: e,
      param: 'dataDir',
      hint: 'choose a data folder (dataDir) that is a folder, or can become one, you can write to',
    });
  }
  const locate = createSymbolLocator(dataDir);

  const replace = async (symbol: string, file: string, got: FetchOutcome, status: RefreshStatus): Promise<RefreshOk> => {
    await writeFileAtomic(file, got.csv);
    return { symbol, ok: true, status, file, appended: 0, ...summarizeCsv(got.csv), provider: got.provider, attempts: got.attempts };
  };

  const refreshOne = async (symbol: string): Promise<RefreshResult> => {
    const found = locate(symbol);
    const file = found ?? join(dataDir, `${symbol}.csv`);
    let served: FetchOutcome | null = null;
    const fetch = async (fromIso: string): Promise<FetchOutcome> => {
      served = null;
      const got = await fetchTraced(provider, symbol, fromIso, toIso);
      served = got;
      return got;
    };
    try {
      if (mode.kind === 'full') return await replace(symbol, file, await fetch(mode.fromIso), found === null ? 'new' : 'replaced');
      const existing = found === null ? null : await readExisting(found, symbol);
      if (existing === null || existing.bars === null) return await replace(symbol, file, await fetch(mode.newFromIso), 'new');

      const old = existing.bars;
      const lastDay = old.day[existing.last];
      const summary = { bars: old.day.length, firstIso: dayToIso(old.day[existing.first]), lastIso: dayToIso(lastDay) };
      if (lastDay >= toDay || !weekdayAfter(lastDay, toDay)) {
        return { symbol, ok: true, status: 'up-to-date', file, appended: 0, ...summary, provider: null, attempts: [] };
      }
      const got = await fetch(dayToIso(lastDay));
      const fresh = parseBarsCsv(got.csv, { file: `${got.provider} ${symbol}`, symbol });
      const overlap = fresh.day.indexOf(lastDay);
      if (overlap < 0 || !barsAgree(old, existing.last, fresh, overlap)) {
        return await replace(symbol, file, await fetch(summary.firstIso), 'refetched');
      }
      const rows = dataRows(got.csv).filter((r) => r.slice(0, 10) > summary.lastIso);
      if (rows.length === 0) {
        return { symbol, ok: true, status: 'up-to-date', file, appended: 0, ...summary, provider: got.provider, attempts: got.attempts };
      }
      const header = headerLine(existing.text);
      const inOrder = old.format === 'stooq' && !old.reversed && existing.last === old.day.length - 1;
      const text =
        inOrder && STOOQ_HEADERS.has(header)
          ? appendRowsToText(existing.text, header, rows)
          : `${barsToCsv(old)}${rows.join('\n')}\n`;
      await writeFileAtomic(file, text);
      return {
        symbol,
        ok: true,
        status: 'appended',
        file,
        appended: rows.length,
        bars: old.day.length + rows.length,
        firstIso: summary.firstIso,
        lastIso: rows[rows.length - 1].slice(0, 10),
        provider: got.provider,
        attempts: got.attempts,
      };
    } catch (e) {
      // A failure after a successful download (a bad answer, a write error) is no provider's failure.
      const got = served as FetchOutcome | null;
      const failure = failureResult(symbol, e, got === null && provider.fetchDailyTraced === undefined ? provider.name : null);
      return { ...failure, attempts: got === null ? failure.attempts : got.attempts, file: found };
    }
  };

  return mapUntilFatal<string, RefreshResult>(
    symbols,
    Math.max(1, Math.floor(options.concurrency ?? 4)),
    refreshOne,
    (r) => !r.ok && r.kind === 'usage',
    (symbol, fatal) => ({ ...skippedResult(symbol, fatal !== null && !fatal.ok ? fatal : null), file: locate(symbol) }),
    options.onResult,
  );
}
