import { isAbsolute, join, relative } from 'node:path';
import { parseIsoDay } from '../core/calendar.js';
import { isKobeError, usageError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { createProviderChain, type HttpOptions, parseProviderNames, type SkippedProvider } from '../data/providers/index.js';
import { normalizeSymbol } from '../data/providers/provider.js';
import { type RefreshFailure, type RefreshMode, type RefreshResult, refreshSymbols, type RefreshStatus } from '../data/providers/refresh.js';
import { readUniverse } from '../data/universe.js';
import type { AppContext } from './context.js';

/**
 * Refreshing a data folder from the network: what `kobe data fetch` runs and `kobe daily` calls.
 * Flags are parsed by the caller; this resolves the spec against the context (relative paths
 * against ctx.cwd, the provider list and keys from ctx.env, "today" from ctx.now()), runs
 * refreshSymbols (data/providers/refresh.ts) over a fallback chain of providers and returns
 * one report value. Nothing is printed: progress goes to ctx.log, skipped providers to ctx.note.
 */

/** Providers tried, in order, when neither the spec nor KOBE_PROVIDERS names any. */
export const DEFAULT_PROVIDERS = ['stooq', 'yahoo'] as const;
/**
 * First day asked for a symbol that has no file yet under `since: 'last'` when the spec gives no
 * `fromIso`: far enough back for the backtests kobe runs, and every provider returns what it
 * has after an earlier start (Polygon's free plan: about two years).
 */
export const DEFAULT_NEW_SYMBOL_FROM = '2000-01-01';

export interface RefreshSpec {
  /** Relative to ctx.cwd unless absolute. */
  readonly dataDir: string;
  /** Exactly one of `symbols` and `universeFile`. */
  readonly symbols?: readonly string[];
  /** A universe CSV (data/universe.ts: a `symbol` column); relative to ctx.cwd unless absolute. */
  readonly universeFile?: string;
  /** Fallback order, e.g. ['polygon', 'stooq', 'yahoo'] or 'polygon,stooq'; default env KOBE_PROVIDERS, else DEFAULT_PROVIDERS. */
  readonly providers?: string | readonly string[];
  /** `last`: incremental from each file's last bar; a date: everything from that day, replacing the files. */
  readonly since: 'last' | string;
  /** Under `since: 'last'`, the first day for symbols without a file; default DEFAULT_NEW_SYMBOL_FROM. */
  readonly fromIso?: string;
  /** Last day; default today in New York (the exchange's date) by ctx.now(). */
  readonly toIso?: string;
  /** Symbols refreshed at once; default 4 (Polygon's free plan allows 5 requests a minute). */
  readonly concurrency?: number;
}

export interface RefreshDeps {
  /** Retry and sleep settings of every request (tests make them instant). */
  readonly http?: HttpOptions;
  /** Called once the symbols are known, before the first request (a progress bar). */
  readonly onStart?: (symbols: number) => void;
  /** Called as each symbol finishes. */
  readonly onResult?: (result: RefreshResult) => void;
}

export interface RefreshCounts {
  readonly new: number;
  readonly appended: number;
  readonly upToDate: number;
  readonly refetched: number;
  readonly replaced: number;
  readonly failed: number;
}

export interface RefreshReport {
  readonly dataDir: string;
  /** The chain as it started: the providers named that could be configured, in order. */
  readonly providers: readonly string[];
  /** Providers left out for the run (a missing or rejected key), with why; redacted. */
  readonly skippedProviders: readonly SkippedProvider[];
  readonly since: 'last' | string;
  /** The first day asked for: `since` when it is a date, else the one for new symbols. */
  readonly fromIso: string;
  readonly toIso: string;
  readonly symbols: number;
  readonly results: readonly RefreshResult[];
  readonly counts: RefreshCounts;
  /** The usage error that stopped the run (a rejected key with no other provider left), if any. */
  readonly fatal: RefreshFailure | null;
}

/** Today's date in New York, where the sessions kobe trades are dated. */
export function exchangeToday(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

function checkDate(value: string, name: string, ctx: AppContext): string {
  if (Number.isNaN(parseIsoDay(value))) {
    throw usageError('BAD_DATE', `expected a date as YYYY-MM-DD, got '${value}'`, { flag: ctx.param(name), value });
  }
  return value;
}

function resolveSymbols(spec: RefreshSpec, ctx: AppContext): string[] {
  const given = spec.symbols !== undefined;
  const file = spec.universeFile?.trim();
  if (given === (file !== undefined && file !== '')) {
    throw usageError('NO_SYMBOLS', given ? `give ${ctx.param('symbols')} or ${ctx.param('universe')}, not both` : 'no symbols given', {
      flag: ctx.param('symbols'),
      hint: `name the symbols (e.g. AAPL,MSFT) or a universe file (${ctx.param('universe')} data/universe/us-mega-caps.csv)`,
    });
  }
  const raw = given ? (spec.symbols ?? []).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s.length > 0) : readUniverse(isAbsolute(file!) ? file! : join(ctx.cwd, file!)).entries.map((e) => e.symbol);
  if (raw.length === 0) throw usageError('NO_SYMBOLS', 'no symbols given', { flag: ctx.param('symbols'), hint: 'e.g. AAPL,MSFT,SPY' });
  return [...new Set(raw.map(normalizeSymbol))];
}

const NOTE_ADJUSTMENT =
  'polygon writes split-adjusted prices, stooq and yahoo also adjust for dividends: a file continued by a different provider than the one that wrote it is usually refetched whole';

/** Runs the refresh the spec describes (see the module comment). */
export async function refreshData(spec: RefreshSpec, ctx: AppContext, deps: RefreshDeps = {}): Promise<RefreshReport> {
  if (spec.dataDir.trim() === '') throw usageError('BAD_FLAG', 'the data folder is empty', { flag: ctx.param('dataDir') });
  const dataDir = isAbsolute(spec.dataDir) ? spec.dataDir : join(ctx.cwd, spec.dataDir);
  const since = spec.since === 'last' ? 'last' : checkDate(spec.since, 'since', ctx);
  const toIso = spec.toIso === undefined ? exchangeToday(ctx.now()) : checkDate(spec.toIso, 'toIso', ctx);
  if (since !== 'last' && spec.fromIso !== undefined && spec.fromIso !== since) {
    throw usageError('BAD_FLAG', `${ctx.param('since')} ${since} and ${ctx.param('fromIso')} ${spec.fromIso} disagree: a date for ${ctx.param('since')} is the first day`, {
      flag: ctx.param('since'),
      value: since,
    });
  }
  const fromIso = since === 'last' ? checkDate(spec.fromIso ?? DEFAULT_NEW_SYMBOL_FROM, 'fromIso', ctx) : since;
  if (parseIsoDay(fromIso) > parseIsoDay(toIso)) {
    throw usageError('BAD_DATE_RANGE', `the range starts ${fromIso}, after its end ${toIso}`, { flag: ctx.param(since === 'last' ? 'fromIso' : 'since'), value: fromIso });
  }
  const concurrency = spec.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw usageError('BAD_FLAG', `concurrency must be a positive integer, was ${concurrency}`, { flag: ctx.param('concurrency'), value: concurrency });
  }
  const symbols = resolveSymbols(spec, ctx);

  const named = spec.providers ?? ctx.env.KOBE_PROVIDERS ?? [...DEFAULT_PROVIDERS];
  const names = parseProviderNames(named);
  let chain;
  try {
    chain = createProviderChain(names, ctx.env, deps.http, {
      onSkip: (s) => ctx.note(`provider ${s.provider} left out for the rest of the run: ${s.error} [${s.code}]`),
    });
  } catch (e) {
    // Errors name the parameter; the CLI shows --provider.
    if (isKobeError(e) && e.param === 'provider' && e.flag === undefined) {
      throw usageError(e.code, e.message, { flag: ctx.param('provider'), value: e.value, hint: e.hint });
    }
    throw e;
  }
  for (const s of chain.skipped) ctx.note(`provider ${s.provider} skipped: ${redactSecrets(s.error)} [${s.code}]`);
  if (chain.providers.includes('polygon') && chain.providers.some((p) => p !== 'polygon')) ctx.note(NOTE_ADJUSTMENT);

  const shown = relative(ctx.cwd, dataDir);
  const where = shown.startsWith('..') || isAbsolute(shown) || shown === '' ? dataDir : shown;
  const count = `${symbols.length} symbol${symbols.length === 1 ? '' : 's'}`;
  ctx.log(
    since === 'last'
      ? `refreshing ${count} from ${chain.name}, each from its last bar to ${toIso} (symbols without a file from ${fromIso}) -> ${where}`
      : `fetching ${count} from ${chain.name}, ${fromIso}..${toIso} -> ${where}`,
  );

  deps.onStart?.(symbols.length);
  const mode: RefreshMode = since === 'last' ? { kind: 'last', newFromIso: fromIso } : { kind: 'full', fromIso };
  const results = await refreshSymbols({ provider: chain, symbols, dataDir, mode, toIso, concurrency, onResult: deps.onResult });

  const by = (status: RefreshStatus) => results.filter((r) => r.ok && r.status === status).length;
  const failed = results.filter((r): r is RefreshFailure => !r.ok);
  return {
    dataDir,
    providers: chain.providers,
    skippedProviders: [...chain.skipped],
    since,
    fromIso,
    toIso,
    symbols: symbols.length,
    results,
    counts: { new: by('new'), appended: by('appended'), upToDate: by('up-to-date'), refetched: by('refetched'), replaced: by('replaced'), failed: failed.length },
    fatal: failed.find((r) => r.kind === 'usage') ?? null,
  };
}

/** A result's status as a person reads it: `appended 3`, `up to date`, ..., or the failure's code. */
export function describeRefreshStatus(r: RefreshResult): string {
  if (!r.ok) return r.code;
  switch (r.status) {
    case 'appended':
      return `appended ${r.appended}`;
    case 'up-to-date':
      return 'up to date';
    case 'refetched':
      return 'refetched (history changed)';
    default:
      return r.status;
  }
}
