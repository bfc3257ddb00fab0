import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { backtest } from '../backtest/backtest.js';
import { dayToIso } from '../core/calendar.js';
import type { Genome } from '../evolution/genome.js';
import { genomeStrategy } from '../evolution/operators.js';
import { EvolveStore } from '../store/evolve-store.js';
import { RegistryStore } from '../store/registry-store.js';
import { DEFAULT_REVIEW, reviewStrategy } from '../validation/roster.js';
import type { AppContext } from './context.js';
import type { Manifest } from './manifest.js';
import { engineFromManifest, marketFromManifest } from './replay.js';

export interface ReviewOptions {
  readonly db: string;
  readonly audit: string;
  readonly cache?: string;
  readonly dataDir?: string;
  /** Sessions in the review window, ending at the latest data. */
  readonly reviewDays: number;
}

/**
 * Reviews every production, decaying and retired strategy on the latest window: keep, flag,
 * decay, retire or re-enable, each move recorded in the registry and the audit log.
 */
export async function reviewRoster(opts: ReviewOptions, ctx: AppContext): Promise<Record<string, unknown>[]> {
  const store = new EvolveStore(resolve(ctx.cwd, opts.db), { mustExist: true });
  const registry = new RegistryStore(resolve(ctx.cwd, opts.db), { mustExist: true });
  const auditPath = resolve(ctx.cwd, opts.audit);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const entry of registry.list(['production', 'decaying', 'retired'])) {
      const source = JSON.parse(entry.sourceJson) as { runId: string };
      const run = store.run(source.runId);
      if (run === null) continue;
      const manifest = JSON.parse(run.manifestJson) as Manifest;
      // The latest data there is: a review looks past the end of the search.
      const market = await marketFromManifest(manifest, { ...ctx, log: () => undefined }, { cache: opts.cache, dataDir: opts.dataDir, end: '9999-12-31', checkHash: false });
      const to = market.ctx.panel.calendar.length - 1;
      const from = Math.max(market.from, to - opts.reviewDays + 1);
      const genome = JSON.parse(entry.genomeJson) as Genome;
      const { strategy, params } = genomeStrategy(genome);
      const r = backtest(market.ctx, [{ strategy, params }], { ...engineFromManifest(manifest), recordDecisions: false }, from, to);
      const measures = { trades: r.metrics.trades, sharpe: r.metrics.sharpe.value, profitFactor: r.metrics.profitFactor.value };
      const outcome = reviewStrategy(entry.state, entry.consecutiveFailures, measures, DEFAULT_REVIEW);
      const now = ctx.now().toISOString();
      const windowStart = dayToIso(market.ctx.panel.calendar[from]);
      const windowEnd = dayToIso(market.ctx.panel.calendar[to]);
      registry.recordReview(entry.id, windowStart, windowEnd, measures, outcome, now);
      registry.transition(entry.id, outcome.next, outcome.reason, { measures, windowStart, windowEnd }, now, outcome.consecutiveFailures);
      appendAudit(auditPath, { kind: 'review', subject: entry.id, at: now, data: { from: entry.state, to: outcome.next, measures, outcome, windowStart, windowEnd } });
      if (outcome.next === 'retired' && entry.state !== 'retired') {
        const since = registry.failingSince(entry.id) ?? windowEnd;
        registry.writePostMortem(entry.id, since, outcome.failures.join('; '), { measures, reviews: outcome.consecutiveFailures }, now);
        appendAudit(auditPath, { kind: 'retirement', subject: entry.id, at: now, data: { decayedSince: since, whatDecayed: outcome.failures } });
      }
      rows.push({ id: entry.id, label: entry.label, from: entry.state, to: outcome.next, borderline: outcome.borderline, measures, reason: outcome.reason, window: `${windowStart}..${windowEnd}` });
    }
  } finally {
    store.close();
    registry.close();
  }
  return rows;
}
