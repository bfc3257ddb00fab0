
import { dayToIso } from '../core/calendar.js';
import { isKobeError } from '../core/errors.js';
import { lastCompletedSession } from '../core/exchange-calendar.js';
import { createProviderFromEnv, downloadSymbols, type DownloadResult } from '../data/providers/index.js';
import type { AppContext } from './context.js';

export interface RefreshSpec {
  readonly dataDir: string;
  readonly symbols: readonly string[];
  /** Providers in fallback order. */
  readonly providers: readonly string[];
  /** 'last': from each file's history start; or an ISO date. */
  readonly since: 'last' | string;
  /** Last date wanted; null: the last completed NYSE session. */
  readonly to: string | null;
  readonly concurrency: number;
}

export interface RefreshReport {
  readonly results: readonly (DownloadResult & { readonly provider: string | null })[];
  readonly byProvider: Readonly<Record<string, number>>;
}

/**
 * Brings the universe's files up to the last completed session: each symbol from the first
 * provider that serves it (a provider that cannot be configured, e.g. without its API key, is
 * skipped), written atomically over the old file. Symbols a provider failed are tried with the
 * next one.
 */
export async function refreshData(spec: RefreshSpec, ctx: AppContext): Promise<RefreshReport> {
  const to = spec.to ?? dayToIso(lastCompletedSession(ctx.now().getTime()));
  const from = spec.since === 'last' ? '2000-01-01' : spec.since;
  let pending = [...spec.symbols];
  const results = new Map<string, DownloadResult & { provider: string | null }>();
  const byProvider: Record<string, number> = {};
  for (const name of spec.providers) {
    if (pending.length === 0) break;
    let provider;
    try {
      provider = createProviderFromEnv(name, ctx.env);
    } catch (e) {
      if (isKobeError(e)) {
        ctx.note(`provider ${name} skipped: ${e.message}`);
        continue;
      }
      throw e;
    }
    const got = await downloadSymbols({ provider, symbols: pending, fromIso: from, toIso: to, dataDir: spec.dataDir, concurrency: spec.concurrency });
    for (const r of got) {
      if (r.ok) byProvider[name] = (byProvider[name] ?? 0) + 1;
      results.set(r.symbol, { ...r, provider: r.ok ? name : null });
    }
    pending = got.filter((r) => !r.ok).map((r) => r.symbol);
  }
  return { results: spec.symbols.map((s) => results.get(s.toUpperCase()) ?? { symbol: s, ok: false, code: 'NO_PROVIDER', kind: 'runtime', error: `no provider could serve ${s}`, hint: null, provider: null }), byProvider };
}

