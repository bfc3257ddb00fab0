import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BarSeries } from '../core/bar-series.js';
import { inputError, isKobeError, usageError } from '../core/errors.js';
import { type CacheSource, type CachedBars, contentHashOf, lineSumOf, MarketCache, marketCachePath, writeMarketCache } from './cache.js';
import { applyCorporateActions, type CorporateAction, corporateActionsFingerprint, readCorporateActionsFile } from './corporate-actions.js';
import type { AdjustMode } from './csv-format.js';
import { createSymbolLocator } from './locate.js';
import { parseBarsBytes, type RawBars } from './parse-bars.js';
import { applyBadDataPolicy, type BadDataPolicy, badDataError, type SymbolDataReport } from './bad-data-policy.js';
import type { DataIssue } from './data-issue.js';
import { buildSessionCalendar } from './session-calendar.js';
import { timeOrder } from './time-order.js';
import { VerdictCache, verdictCachePath, writeVerdictCache } from './verdict-cache.js';
import { verifyBars } from './verify.js';

export type SymbolReport = SymbolDataReport;

/** The `format` of the report row of a file that could not be read or parsed. */
const UNREADABLE_FORMAT = 'unknown';

/** Whether a report row stands for a file that could not be read or parsed (see onUnreadable). */
export const isUnreadableRow = (r: SymbolReport): boolean => r.format === UNREADABLE_FORMAT && r.status === 'skipped';

export interface LoadMarketOptions {
  readonly dataDir: string;
  /** Symbols to load, in the order wanted (case-insensitive; repeats are loaded once). */
  readonly symbols: readonly string[];
  /** Binary cache folder (created when needed); no cache when absent. */
  readonly cacheDir?: string;
  readonly policy: BadDataPolicy;
  /**
   * Symbol whose dates are the session calendar for MISSING_SESSION (e.g. SPY). It is read
   * even when not in `symbols` (then only for the calendar). Without it the calendar is the
   * days on which at least half of the symbols trading at the time have a bar.
   */
  readonly calendarSymbol?: string;
  /**
   * A data file that cannot be read or parsed: `throw` its input error (default, except under
   * `skip-symbol`), or `report` it as that symbol's row (status skipped, the error as the
   * reason, listed in `unreadable`) and go on with the others, as `data verify` does.
   */
  readonly onUnreadable?: 'throw' | 'report';
  /**
   * `all` (default): Yahoo and AlphaVantage prices are scaled by the adjusted close (see
   * csv-format.ts); `none`: every file is read as written. Part of the cache key and, when
   * `none`, of the data hash.
   */
  readonly adjust?: AdjustMode;
  /**
   * Known corporate actions to back-adjust for (corporate-actions.ts): a file path or parsed
   * rows. Applied after parsing (and the cache), before the check; part of the data hash.
   */
  readonly corporateActions?: string | readonly CorporateAction[];
}

export interface LoadTimings {
  /** Reading files and parsing them or loading them from the cache. */
  readonly parseMs: number;
  /** Calendar, verification and the bad-data policy. */
  readonly verifyMs: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Cache files that could not be written (the load itself went on). */
  readonly cacheWriteFailures: number;
  /** Symbols whose data check was taken from the cache / run (0 and 0 without a cache). */
  readonly verdictHits: number;
  readonly verdictMisses: number;
}

export interface LoadedMarket {
  /** Clean series in `symbols` order; skipped and missing symbols left out. */
  readonly series: BarSeries[];
  /** Every issue found, by symbol in `symbols` order, then by line. */
  readonly issues: DataIssue[];
  /** One row per symbol whose file was found, in `symbols` order. */
  readonly perSymbol: SymbolReport[];
  /** Symbols without a data file: the caller decides whether that is an error. */
  readonly missingSymbols: string[];
  /** Symbols whose file could not be read or parsed (only without `onUnreadable: 'throw'`). */
  readonly unreadable: string[];
  /** The session calendar MISSING_SESSION was checked against. */
  readonly calendar: Int32Array;
  /**
   * sha256 over every loaded symbol's parsed content (and the missing symbols' names): the
   * same for a cold load and a cache hit, changed by any edit to the data.
   */
  readonly dataHash: string;
  readonly timings: LoadTimings;
}

interface Loaded extends CachedBars {
  readonly source: CacheSource;
  /** The bars as parsed or cached, before corporate actions (what the cache stores). */
  readonly parsed: RawBars;
}

/**
 * The market cache file's line region could not be read or is damaged while a verdict needed
 * it: the load starts over without reading the cache (and rewrites it).
 */
const LINES_UNAVAILABLE = Symbol('lines unavailable');

/** Cache bookkeeping of one loadMarket call. */
class CacheSession {
  hits = 0;
  misses = 0;
  writeFailures = 0;
  verdictHits = 0;
  verdictMisses = 0;
  /** A parsed file that the market cache file lacks: the file is rewritten. */
  dirty = false;
  market: MarketCache | null = null;
  private dirReady: boolean | null = null;
  private readonly pending: Promise<void>[] = [];

  constructor(
    readonly dir: string | undefined,
    /** False after LINES_UNAVAILABLE: every file is parsed again. */
    readonly readCache = true,
  ) {}

  /** Starts a write in the background (awaited by `settle`); a failure is counted, never thrown. */
  write(start: () => Promise<void>): void {
    if (this.dir === undefined) return;
    if (this.dirReady === null) {
      try {
        mkdirSync(this.dir, { recursive: true });
        this.dirReady = true;
      } catch {
        this.dirReady = false;
      }
    }
    if (!this.dirReady) {
      this.writeFailures++;
      return;
    }
    this.pending.push(
      start().catch(() => {
        this.writeFailures++;
      }),
    );
  }

  async settle(): Promise<void> {
    this.market?.close();
    await Promise.all(this.pending);
  }
}

/** An I/O failure on a data file as a coded error naming the path (never a bare fs error). */
function fileError(file: string, e: unknown) {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EISDIR' ? 'it is a folder' : code === 'ENOENT' ? 'it does not exist (a dangling link?)' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error)?.message ?? String(e);
  return inputError('DATA_FILE_NOT_READABLE', `cannot read the data file: ${why}`, {
    file,
    value: code ?? null,
    cause: e,
    hint: 'check that the path is a readable file',
  });
}

/** Reads one symbol's file, through the cache when there is one. */
function loadRaw(symbol: string, file: string, cache: CacheSession, adjust: AdjustMode): Loaded {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw fileError(file, e);
  }
  if (!st.isFile()) throw fileError(file, Object.assign(new Error('not a file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTFILE' }));
  const source: CacheSource = { path: resolve(file), size: st.size, mtimeMs: st.mtimeMs };
  if (cache.dir !== undefined) {
    const hit = cache.market?.lookup(source, symbol, file) ?? null;
    if (hit !== null) {
      cache.hits++;
      return { ...hit, source, parsed: hit.raw };
    }
    cache.misses++;
  }
  // Stat before reading: if the file changes in between, the entry is stale at once.
  let text: Uint8Array;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw fileError(file, e);
  }
  const parsed = parseBarsBytes(text, { file, symbol, adjust });
  cache.dirty = true;
  return { raw: parsed, parsed, contentHash: contentHashOf(parsed), lineSum: lineSumOf(parsed.line), source };
}

/**
 * The bars with their line numbers (a cache hit leaves them out until the check needs them).
 * Throws LINES_UNAVAILABLE when the cache cannot supply them.
 */
function withLines(x: Loaded, cache: CacheSession): RawBars {
  if (x.raw.line.length === x.raw.day.length) return x.raw;
  const line = cache.market?.lines(x.source.path) ?? null;
  if (line === null || line.length !== x.raw.day.length) throw LINES_UNAVAILABLE;
  return { ...x.raw, line };
}

/** Sorted distinct days of a RawBars (for calendars). */
function cleanDays(raw: RawBars): Int32Array {
  const t = timeOrder(raw.day);
  if (t.identity) return raw.day;
  const out = new Int32Array(t.order.length);
  for (let k = 0; k < out.length; k++) out[k] = raw.day[t.order[k]];
  return out;
}

/**
 * Loads, checks and cleans the bars of `symbols` from `dataDir` (files found as in locate.ts).
 *
 * Files are read synchronously one after the other: on page-cached data that measured as fast
 * as async reads in parallel (8 or 16 at a time), and parsing is CPU-bound anyway. With a
 * cache folder, a warm load reads one market cache file (cache.ts) and the check's verdicts
 * (verdict-cache.ts) instead; a stat per source file still decides which entries are valid
 * (about 10 to 20 ms for 904 files here: the price of noticing an edited file). A new or
 * changed cache file is written in the background (libuv's threads) while the check runs, and
 * is on disk when the promise settles. A file that cannot be read or parsed
 * throws its input error, except under `skip-symbol` or with `onUnreadable: 'report'`, where
 * the symbol is skipped and the error kept in its report row. Under `fail` every symbol is checked first, then the first
 * error-severity issue is thrown with the count of the others.
 */
export async function loadMarket(opts: LoadMarketOptions): Promise<LoadedMarket> {
  let cache = new CacheSession(opts.cacheDir);
  try {
    return loadAll(opts, cache);
  } catch (e) {
    if (e !== LINES_UNAVAILABLE) throw e;
    await cache.settle();
    cache = new CacheSession(opts.cacheDir, false);
    return loadAll(opts, cache);
  } finally {
    // Entries still being written finish before we return (or throw).
    await cache.settle();
  }
}

function loadAll(opts: LoadMarketOptions, cache: CacheSession): LoadedMarket {
  const { dataDir, policy } = opts;
  const adjust = opts.adjust ?? 'all';
  const actions = typeof opts.corporateActions === 'string' ? readCorporateActionsFile(opts.corporateActions) : (opts.corporateActions ?? []);
  const withActions = (x: Loaded): Loaded => (actions.length === 0 ? x : { ...x, raw: applyCorporateActions(x.raw, actions) });
  const report = (opts.onUnreadable ?? (policy === 'skip-symbol' ? 'report' : 'throw')) === 'report';
  let locate: (symbol: string) => string | null;
  try {
    locate = createSymbolLocator(dataDir);
  } catch (e) {
    throw inputError('DATA_DIR_NOT_READABLE', `cannot list the data directory: ${(e as Error).message}`, { file: dataDir, cause: e });
  }
  const t0 = performance.now();

  const symbols = [...new Set(opts.symbols.map((s) => s.trim().toUpperCase()))];
  const missingSymbols: string[] = [];
  const located: Array<{ symbol: string; file: string }> = [];
  for (const symbol of symbols) {
    const file = locate(symbol);
    if (file === null) missingSymbols.push(symbol);
    else located.push({ symbol, file });
  }
  const calendarSymbol = opts.calendarSymbol?.trim().toUpperCase();
  // The calendar symbol's file when it is read only for the calendar (part of the cache key).
  const calendarOnlyFile = calendarSymbol === undefined || located.some((x) => x.symbol === calendarSymbol) ? null : locate(calendarSymbol);
  const cachePath =
    cache.dir === undefined ? null : marketCachePath(cache.dir, [...located.map((x) => resolve(x.file)), ...(calendarOnlyFile === null ? [] : [resolve(calendarOnlyFile)])], adjust);
  if (cachePath !== null && cache.readCache) cache.market = MarketCache.open(cachePath, adjust);

  const loaded: Array<{ symbol: string; file: string; data: Loaded | null; parseError: string | null }> = [];
  for (const { symbol, file } of located) {
    try {
      loaded.push({ symbol, file, data: withActions(loadRaw(symbol, file, cache, adjust)), parseError: null });
    } catch (e) {
      if (!report || !isKobeError(e)) throw e;
      loaded.push({ symbol, file, data: null, parseError: e.describe() });
    }
  }

  let calendarRaw: RawBars | null = null;
  let calendarOnly: Loaded | null = null;
  if (calendarSymbol !== undefined) {
    calendarRaw = loaded.find((x) => x.symbol === calendarSymbol)?.data?.raw ?? null;
    if (calendarRaw === null) {
      const file = calendarOnlyFile ?? locate(calendarSymbol);
      if (file === null) {
        throw usageError('UNKNOWN_CALENDAR_SYMBOL', `no data file for the calendar symbol ${calendarSymbol} in ${dataDir}`, { value: calendarSymbol });
      }
      calendarOnly = loadRaw(calendarSymbol, file, cache, adjust);
      calendarRaw = calendarOnly.raw;
    }
  }
  if (cachePath !== null && (cache.dirty || cache.market === null)) {
    const entries = [...loaded.flatMap((x) => (x.data === null ? [] : [x.data])), ...(calendarOnly === null ? [] : [calendarOnly])];
    // Hits lend their line numbers from the old file; one that cannot is left out (a miss next time).
    const toWrite = entries.flatMap((x) => {
      try {
        return [{ source: x.source, raw: withLines({ ...x, raw: x.parsed }, cache), contentHash: x.contentHash }];
      } catch {
        return [];
      }
    });
    cache.write(() => writeMarketCache(cachePath, toWrite, adjust));
  }
  const t1 = performance.now();

  const calendar =
    calendarRaw !== null
      ? cleanDays(calendarRaw)
      : buildSessionCalendar(
          loaded.flatMap((x) => (x.data === null ? [] : [{ day: cleanDays(x.data.raw) }])),
          { minShare: 0.5 },
        );

  const verdictPath = cachePath === null ? null : verdictCachePath(cachePath, calendar, actions.length === 0 ? '' : corporateActionsFingerprint(actions));
  const verdicts = verdictPath === null || !cache.readCache ? null : VerdictCache.read(verdictPath);
  const issuesBySymbol = loaded.map((x) => {
    if (x.data === null) return [];
    const cached = verdicts?.get({ symbol: x.symbol, contentHash: x.data.contentHash, lineSum: x.data.lineSum }) ?? null;
    if (cached !== null) {
      cache.verdictHits++;
      return cached;
    }
    if (verdictPath !== null) cache.verdictMisses++;
    return verifyBars(withLines(x.data, cache), calendar);
  });
  if (verdictPath !== null && cache.verdictMisses > 0) {
    const rows = loaded.flatMap((x, k) => (x.data === null ? [] : [{ symbol: x.symbol, contentHash: x.data.contentHash, lineSum: x.data.lineSum, issues: issuesBySymbol[k] }]));
    cache.write(() => writeVerdictCache(verdictPath, rows));
  }
  const issues = issuesBySymbol.flat();
  if (policy === 'fail') {
    const withErrors = issuesBySymbol.filter((list) => list.some((i) => i.severity === 'error'));
    if (withErrors.length > 0) {
      const errs = withErrors[0].filter((i) => i.severity === 'error').sort((a, b) => a.line - b.line);
      const first = errs[0];
      let total = 0;
      for (const i of issues) if (i.severity === 'error') total += i.count;
      const file = loaded.find((x) => x.symbol === first.symbol)!.file;
      throw badDataError(first, file, total - first.count, withErrors.length - 1);
    }
  }

  const series: BarSeries[] = [];
  const perSymbol: SymbolReport[] = [];
  const hash = createHash('sha256');
  hash.update('kobe-data-v1\n');
  // Only a non-default reading joins the hash, so runs recorded before the option keep theirs.
  if (adjust !== 'all') hash.update(`adjust\t${adjust}\n`);
  if (actions.length > 0) hash.update(`corporate-actions\n${corporateActionsFingerprint(actions)}\n`);
  for (let k = 0; k < loaded.length; k++) {
    const x = loaded[k];
    if (x.data === null) {
      perSymbol.push({
        symbol: x.symbol,
        file: x.file,
        format: UNREADABLE_FORMAT,
        rawBars: 0,
        bars: 0,
        errors: 1,
        warnings: 0,
        masked: 0,
        status: 'skipped',
        reason: x.parseError,
      });
      hash.update(`${x.symbol}\tunreadable\n`);
      continue;
    }
    const result = applyBadDataPolicy(x.data.raw, issuesBySymbol[k], policy);
    if (result.series !== null) series.push(result.series);
    perSymbol.push(result.report);
    hash.update(`${x.symbol}\t${x.data.contentHash}\n`);
  }
  for (const symbol of missingSymbols) hash.update(`${symbol}\tmissing\n`);
  const t2 = performance.now();

  return {
    series,
    issues,
    perSymbol,
    missingSymbols,
    unreadable: loaded.filter((x) => x.data === null).map((x) => x.symbol),
    calendar,
    dataHash: hash.digest('hex'),
    timings: {
      parseMs: t1 - t0,
      verifyMs: t2 - t1,
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
      cacheWriteFailures: cache.writeFailures,
      verdictHits: cache.verdictHits,
      verdictMisses: cache.verdictMisses,
    },
  };
}
