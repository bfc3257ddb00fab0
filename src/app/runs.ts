import { resolve } from 'node:path';
import { usageError } from '../core/errors.js';
import { RunStore, type RunRow } from '../store/run-store.js';
import type { AppContext } from './context.js';
import type { Manifest } from './manifest.js';

/**
 * The run registry as listings: every recorded kobe wf, simulate, evolve and promote run, its
 * strategies, data span and key out-of-sample numbers, read from its manifest and summary.
 */

/** Key out-of-sample numbers of one strategy (wf) or of the whole portfolio (simulate). */
export interface KeyMetrics {
  readonly strategy: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly sharpe: number | null;
  readonly totalReturnFrac: number | null;
  readonly maxDrawdownFrac: number | null;
  readonly trades: number | null;
}

export interface RunListing {
  readonly runId: string;
  readonly command: string;
  readonly strategies: string[];
  readonly start: string;
  readonly end: string;
  readonly synthetic: boolean;
  readonly metrics: KeyMetrics[];
  readonly recordedAt: string;
}

type MetricsLike = { sharpe?: number | null; totalReturnFrac?: number | null; maxDrawdownFrac?: number | null; trades?: number | null };

const keyMetrics = (strategy: string, m: MetricsLike | undefined, start: string | null, end: string | null): KeyMetrics => ({
  strategy,
  start,
  end,
  sharpe: m?.sharpe ?? null,
  totalReturnFrac: m?.totalReturnFrac ?? null,
  maxDrawdownFrac: m?.maxDrawdownFrac ?? null,
  trades: m?.trades ?? null,
});

/** What a listing shows of a recorded run, read from its manifest and summary whatever command wrote it. */
export function describeRun(row: { runId: string; command: string; manifestJson: string; summaryJson: string; recordedAt: string }): RunListing {
  const manifest = JSON.parse(row.manifestJson) as Manifest;
  const summary = JSON.parse(row.summaryJson) as unknown;
  const run = manifest.run as { strategies?: { name: string }[]; space?: { kind: string; strategy?: string } };
  let declared = run.space !== undefined ? [run.space.kind === 'rules' ? 'free rules' : `${run.space.strategy} parameters`] : (run.strategies ?? []).map((s) => s.name);
  let metrics: KeyMetrics[];
  if (row.command === 'promote') {
    // promote: the candidate's verdict, judged on its replayed out-of-sample record.
    const p = summary as { candidate: string; verdict: string; genome: { kind: string; strategy?: string }; oos: MetricsLike };
    declared = [p.genome.kind === 'rules' ? 'free rule' : String(p.genome.strategy)];
    metrics = [keyMetrics(`${p.verdict} ${p.candidate.startsWith('wf-') ? p.candidate : p.candidate.slice(0, 12)}`, p.oos, null, null)];
  } else if (row.command === 'evolve') {
    // evolve: its best genome so far, judged on the walk-forward's out-of-sample record.
    const ev = summary as { status: string; best: { fingerprint: string; oos: (MetricsLike & { start?: string; end?: string }) | null } | null };
    const best = ev.best;
    metrics = [keyMetrics(best === null ? `no genome scored (${ev.status})` : `best ${best.fingerprint.slice(0, 12)} (${ev.status})`, best?.oos ?? undefined, null, null)];
  } else if (Array.isArray(summary)) {
    // wf: one summary per strategy, judged on its stitched out-of-sample test windows.
    metrics = (summary as { strategy: string; outOfSample?: { start: string; end: string; metrics: MetricsLike } }[]).map((s) =>
      keyMetrics(s.strategy, s.outOfSample?.metrics, s.outOfSample?.start ?? null, s.outOfSample?.end ?? null),
    );
  } else {
    // simulate: one portfolio over the whole span.
    metrics = [keyMetrics(declared.join('+'), summary as MetricsLike, manifest.data.start, manifest.data.end)];
  }
  return {
    runId: row.runId,
    command: row.command,
    strategies: declared,
    start: manifest.data.start,
    end: manifest.data.end,
    synthetic: manifest.data.synthetic,
    metrics,
    recordedAt: row.recordedAt,
  };
}

/** The newest `limit` recorded runs, newest first. */
export function listRecordedRuns(db: string, limit: number, ctx: AppContext): RunListing[] {
  const store = new RunStore(resolve(ctx.cwd, db), { mustExist: true });
  try {
    return store.listRuns(limit).map(describeRun);
  } finally {
    store.close();
  }
}

/** The one recorded run whose id starts with `prefix` (an unknown or ambiguous prefix is a usage error). */
export function findRecordedRun(prefix: string, db: string, ctx: AppContext): RunRow & { recordedAt: string } {
  const store = new RunStore(resolve(ctx.cwd, db), { mustExist: true });
  try {
    const ids = store.runIdsWithPrefix(prefix);
    if (ids.length === 0) throw usageError('UNKNOWN_RUN', `no run in ${db} starts with ${prefix}`, { flag: ctx.param('id'), value: prefix, hint: 'kobe runs lists them' });
    if (ids.length > 1) {
      throw usageError('AMBIGUOUS_RUN_ID', `${ids.length === 10 ? '10 or more' : ids.length} runs start with ${prefix}: ${ids.join(', ')}`, { flag: ctx.param('id'), value: prefix, hint: 'give more characters of the id' });
    }
    return store.getRun(ids[0])!;
  } finally {
    store.close();
  }
}
