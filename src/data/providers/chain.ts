import { type ErrorKind, isKobeError, KobeError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';
import { createProviderFromEnv, PROVIDER_NAMES } from './from-env.js';
import type { HttpOptions } from './http.js';
import { type BarProvider, checkDateRange, type FetchOutcome, type ProviderAttempt } from './provider.js';

/**
 * A fallback chain of providers: each symbol is asked of the providers in order until one
 * serves it. What moves a symbol on to the next provider, and what does not:
 *
 * - a runtime failure (NO_DATA, RATE_LIMITED after the retries, NETWORK_ERROR, PROVIDER_ERROR,
 *   BAD_RESPONSE, any non-kobe error): that symbol tries the next provider;
 * - a usage error (a missing POLYGON_API_KEY at construction, a rejected key at fetch time):
 *   that provider is left out for the rest of the run, because every other symbol would fail
 *   the same way. It is fatal only when no provider is left: then the usage error is thrown,
 *   and downloadSymbols / refreshSymbols stop the run as they do for a single provider.
 *
 * A chain of one provider behaves exactly like that provider (same errors, same codes).
 */
export interface SkippedProvider {
  readonly provider: string;
  readonly code: string;
  /** Redacted. */
  readonly error: string;
  readonly hint: string | null;
}

export interface ProviderChain extends BarProvider {
  /** The providers the chain started with (after the ones skipped at construction). */
  readonly providers: readonly string[];
  /** Providers left out for the run, at construction or since (the list grows). */
  readonly skipped: readonly SkippedProvider[];
  fetchDailyTraced(symbol: string, fromIso: string, toIso: string): Promise<FetchOutcome>;
}

export interface ChainOptions {
  /** Providers already left out (createProviderChain passes the ones it could not build). */
  readonly skipped?: readonly SkippedProvider[];
  /** Called once per provider left out while fetching (not for the ones passed in `skipped`). */
  readonly onSkip?: (skipped: SkippedProvider) => void;
}

/** A chain failure: the error of the last provider tried, plus every attempt (redacted). */
export class ProviderChainError extends KobeError {
  readonly attempts: readonly ProviderAttempt[];
  constructor(code: string, message: string, kind: ErrorKind, hint: string | undefined, attempts: readonly ProviderAttempt[], cause: unknown) {
    super(code, message, { kind, hint, cause });
    this.name = 'ProviderChainError';
    this.attempts = attempts;
  }
}

function asKobeError(e: unknown): KobeError {
  if (isKobeError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'DOWNLOAD_FAILED';
  return new KobeError(code, message, { kind: 'runtime', cause: e });
}

const skippedFrom = (provider: string, e: KobeError): SkippedProvider => ({
  provider,
  code: e.code,
  error: redactSecrets(e.message),
  hint: e.hint === undefined ? null : redactSecrets(e.hint),
});

/** A chain over providers already built (tests, and createProviderChain below). */
export function chainProviders(providers: readonly BarProvider[], options: ChainOptions = {}): ProviderChain {
  if (providers.length === 0) throw new Error('chainProviders needs at least one provider');
  const skipped: SkippedProvider[] = [...(options.skipped ?? [])];
  const disabled = new Set<string>();

  async function fetchDailyTraced(symbol: string, fromIso: string, toIso: string): Promise<FetchOutcome> {
    checkDateRange(fromIso, toIso);
    const attempts: ProviderAttempt[] = [];
    let last: KobeError | null = null;
    let lastRuntime: KobeError | null = null;
    for (const provider of providers) {
      if (disabled.has(provider.name)) continue;
      try {
        const csv = await provider.fetchDaily(symbol, fromIso, toIso);
        return { csv, provider: provider.name, attempts };
      } catch (raw) {
        const e = asKobeError(raw);
        attempts.push({ provider: provider.name, code: e.code, error: redactSecrets(e.message) });
        last = e;
        if (e.kind === 'runtime') lastRuntime = e;
        else if (!disabled.has(provider.name)) {
          disabled.add(provider.name);
          const s = skippedFrom(provider.name, e);
          skipped.push(s);
          options.onSkip?.(s);
        }
      }
    }
    const anyLeft = providers.some((p) => !disabled.has(p.name));
    // No provider left: the usage error that took out the last one stops the run.
    const shown = anyLeft ? (lastRuntime ?? last) : last;
    if (shown === null) {
      // Every provider had been left out before this symbol started.
      const s = skipped.at(-1);
      throw new KobeError(s?.code ?? 'NO_PROVIDER', `no provider left to ask for ${symbol}: ${skipped.map((x) => `${x.provider} ${x.code}`).join(', ')}`, {
        kind: 'usage',
        hint: s?.hint ?? undefined,
      });
    }
    if (attempts.length === 1) {
      throw new ProviderChainError(shown.code, shown.message, shown.kind, shown.hint, attempts, shown);
    }
    const tried = attempts.map((a) => `${a.provider} ${a.code}: ${a.error}`).join('; ');
    throw new ProviderChainError(shown.code, redactSecrets(`no provider served ${symbol}: ${tried}`), anyLeft ? 'runtime' : shown.kind, shown.hint, attempts, shown);
  }

  return {
    name: providers.map((p) => p.name).join(','),
    providers: providers.map((p) => p.name),
    skipped,
    fetchDailyTraced,
    async fetchDaily(symbol: string, fromIso: string, toIso: string): Promise<string> {
      return (await fetchDailyTraced(symbol, fromIso, toIso)).csv;
    },
  };
}

/** Provider names as typed: a comma list or several items, trimmed, lower case, de-duplicated. */
export function parseProviderNames(raw: string | readonly string[]): string[] {
  const items = (typeof raw === 'string' ? [raw] : raw).flatMap((s) => s.split(/[\s,]+/)).map((s) => s.trim().toLowerCase());
  return [...new Set(items.filter((s) => s.length > 0))];
}

/**
 * A chain of named providers configured from the environment (createProviderFromEnv). An unknown
 * name is a usage error at once (a typo must not be skipped quietly); a provider that cannot be
 * configured (no POLYGON_API_KEY, a bad base URL) is skipped with its reason in `skipped`,
 * unless no provider is left, when its error is thrown.
 */
export function createProviderChain(
  names: string | readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  http?: HttpOptions,
  options: Omit<ChainOptions, 'skipped'> = {},
): ProviderChain {
  const knownNames: readonly string[] = PROVIDER_NAMES;
  const list = parseProviderNames(names);
  if (list.length === 0) {
    throw new KobeError('NO_PROVIDER', 'no provider named', { kind: 'usage', param: 'provider', hint: `name one or more of: ${knownNames.join(', ')}` });
  }
  for (const name of list) {
    if (!knownNames.includes(name)) {
      throw new KobeError('BAD_PROVIDER', `unknown provider '${name}'`, { kind: 'usage', param: 'provider', value: name, hint: `use one or more of: ${knownNames.join(', ')}` });
    }
  }
  const built: BarProvider[] = [];
  const skipped: SkippedProvider[] = [];
  let firstError: KobeError | null = null;
  for (const name of list) {
    try {
      built.push(createProviderFromEnv(name, env, http));
    } catch (raw) {
      const e = asKobeError(raw);
      if (e.kind === 'runtime') throw e;
      firstError ??= e;
      skipped.push(skippedFrom(name, e));
    }
  }
  if (built.length === 0) throw firstError ?? new KobeError('NO_PROVIDER', 'no provider could be configured', { kind: 'usage', param: 'provider' });
  return chainProviders(built, { ...options, skipped });
}
