import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { dayToIso } from '../core/calendar.js';
import { usageError } from '../core/errors.js';
import { stableStringify } from '../core/stable-json.js';
import type { EngineConfig } from '../backtest/config.js';
import { makeFolds } from '../backtest/walk-forward.js';
import { threadPoolEvaluator } from '../distributed/thread-pool.js';
import { contextHash, type EvalContextSpec } from '../evolution/eval-context.js';
import { EvolveContext } from '../evolution/evolve-context.js';
import { inProcessEvaluator } from '../distributed/in-process-evaluator.js';
import { runEvolution, type Evaluator, type EvolutionResult, type GenerationSummary } from '../evolution/evolve.js';
import type { FitnessSettings } from '../evolution/fitness.js';
import type { Candidate, Scored } from '../evolution/genetic-search.js';
import { describeRule } from '../evolution/rules/rule-spec.js';
import { EvolveStore, runIsLive, type RunOwner } from '../store/evolve-store.js';
import { checkOutDir, removeStaleStaging, StagedRun } from './artifacts.js';
import type { AppContext } from './context.js';
import { queueEvaluator } from './evolve-queue.js';
import { makeManifest, type Manifest } from './manifest.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import type { MarketSpec } from './market-spec.js';
import { requireIndexForRegime } from './run-checks.js';
import { encodeEngineConfig, encodeEvolveSpec, type EvolveSpec } from './run-spec.js';
import { KOBE_VERSION } from './version.js';

/** A `kobe evolve` run: the market, the engine, the search, where evaluations run and what it writes. */
export interface EvolveJobSpec {
  readonly market: MarketSpec;
  readonly config: EngineConfig;
  readonly evolve: EvolveSpec;
  /** Evaluation threads on this machine (results do not depend on it). */
  readonly workers: number;
  /** Evaluate through a PostgreSQL queue served by `kobe worker` processes instead. */
  readonly queue: { readonly url: string; readonly name: string; readonly leaseSeconds: number } | null;
  /** Continue an interrupted run (finished evaluations are reused). */
  readonly resume: boolean;
  /** Artifact folder (the run goes to `<outDir>/evolve/<runId>/`) and the SQLite store, relative to cwd. */
  readonly outDir: string;
  readonly db: string;
}

export interface EvolveJobHooks {
  readonly loaded?: (run: LoadedRun) => void;
  readonly generationStarted?: (generation: number, candidates: number) => void;
  readonly progress?: (done: number) => void;
  readonly generationDone?: (summary: GenerationSummary) => void;
}

export interface EvolveJobResult {
  readonly manifest: Manifest;
  readonly run: LoadedRun;
  readonly result: EvolutionResult;
  /** What summary.json holds (plus the wall time in seconds). */
  readonly summary: Record<string, unknown>;
  readonly best: Scored | null;
  readonly lineage: ReturnType<typeof lineageOf>;
  readonly trials: number;
  readonly evaluations: number;
  readonly ms: number;
  readonly runDir: string;
}

/**
 * A seeded genetic search judged out of sample by walk-forward: claims the run in the store
 * (one live owner, a heartbeat lease; an interrupted run resumes), evaluates in this thread,
 * worker threads or a PostgreSQL queue, and publishes the artifacts when done.
 */
export async function runEvolveJob(spec: EvolveJobSpec, ctx: AppContext, hooks: EvolveJobHooks = {}): Promise<EvolveJobResult> {
  const { workers, queue } = spec;
  const { market, config } = spec;
  const { space, ga, generations, trainDays, testDays, minTrainTrades, blowUpFrac } = spec.evolve;
  const run = await loadRunMarket(market, ctx);
  requireIndexForRegime(config, run.source.index, market.index, ctx.param);
  hooks.loaded?.(run);
  const { panel } = run.ctx;
  const start = dayToIso(panel.calendar[run.from]);
  const end = dayToIso(panel.calendar[run.to]);
  const settings: FitnessSettings = { from: run.from, to: run.to, trainDays, testDays, config: { ...config, recordDecisions: false }, minTrainTrades, blowUpFrac };
  const evalSpec: EvalContextSpec = {
    kobeVersion: KOBE_VERSION,
    market: {
      kind: run.source.kind,
      dataDir: run.source.dataDir,
      demoSeed: run.source.demoSeed,
      symbols: run.source.symbols,
      index: run.source.index,
      badDataPolicy: run.source.badDataPolicy,
      dataHash: run.source.dataHash,
      historyBars: run.source.historyBars,
      start,
      end,
    },
    engine: settings.config,
    trainDays,
    testDays,
    minTrainTrades,
    blowUpFrac,
  };
  const ctxHash = contextHash(evalSpec);
  const manifest = makeManifest({
    command: 'evolve',
    seed: ga.seed,
    data: { ...run.source, start, end },
    engine: encodeEngineConfig(config),
    run: { ...encodeEvolveSpec(spec.evolve), contextHash: ctxHash },
  });

  // What the run will write is checked before it searches: a bad output folder or database fails now.
  const outDir = resolve(ctx.cwd, spec.outDir, 'evolve');
  checkOutDir(outDir);
  const store = new EvolveStore(resolve(ctx.cwd, spec.db));
  const owner: RunOwner = { pid: process.pid, host: hostname() };
  let evaluator: Evaluator | null = null;
  let claimed = false;
  let finished = false;
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    // The evaluator first: an unreachable queue fails here, before the run is claimed, so it
    // leaves no run behind that looks interrupted.
    evaluator =
      queue !== null
        ? await queueEvaluator(queue.url, evalSpec, ctxHash, {
            queue: queue.name,
            leaseSeconds: queue.leaseSeconds,
            onError: (e) => ctx.log(`queue: ${e.message}`),
          })
        : workers > 1
          ? threadPoolEvaluator(run.ctx, settings, workers)
          : inProcessEvaluator(EvolveContext.over(run.ctx), settings);

    let resumed = false;
    store.claimRun(manifest.runId, ctxHash, stableStringify(manifest), ctx.now().toISOString(), owner, (existing) => {
      const db = spec.db;
      if (existing !== null && runIsLive(existing, ctx.now().getTime(), owner.host)) {
        const beat = existing.heartbeatAt === null ? 'no heartbeat yet' : `heartbeat ${Math.max(0, Math.round((ctx.now().getTime() - Date.parse(existing.heartbeatAt)) / 1000))} s ago`;
        throw usageError('RUN_IN_PROGRESS', `run ${manifest.runId} is running (pid ${existing.owner!.pid} on ${existing.owner!.host}, ${beat})`, {
          value: manifest.runId,
          hint: `wait for it to finish (it records into ${db}), or stop that process and rerun with ${ctx.param('resume')}`,
        });
      }
      const interrupted = existing?.status === 'running';
      if (interrupted && !spec.resume) {
        throw usageError('RUN_INTERRUPTED', `run ${manifest.runId} was interrupted before it finished`, { flag: ctx.param('resume'), hint: `rerun the same command with ${ctx.param('resume')} to continue it` });
      }
      if (!interrupted && spec.resume) {
        throw usageError(
          'NOTHING_TO_RESUME',
          existing === null ? `nothing to resume: ${db} has no run ${manifest.runId} (these flags, data and seed)` : `nothing to resume: run ${manifest.runId} in ${db} already finished`,
          {
            flag: ctx.param('resume'),
            value: db,
            hint: existing === null ? `drop ${ctx.param('resume')} to start the run, or give the settings and ${ctx.param('db')} of the run to resume` : `drop ${ctx.param('resume')} to run it again (finished evaluations are reused)`,
          },
        );
      }
      resumed = interrupted;
    });
    claimed = true;
    // The lease: a second kobe evolve tells this live run from an interrupted one by it.
    let lastBeat = ctx.now().getTime();
    const beat = () => {
      lastBeat = ctx.now().getTime();
      store.heartbeat(manifest.runId, owner, new Date(lastBeat).toISOString());
    };
    heartbeat = setInterval(beat, 10_000);
    heartbeat.unref();
    const mode = queue !== null ? `PostgreSQL queue` : workers > 1 ? `${workers} worker threads` : 'this thread';
    ctx.log(
      `evolve run ${manifest.runId}: ${space.kind === 'rules' ? 'free rules' : `${space.strategy} parameters`}, ${generations} generations of ${ga.population}, seed ${ga.seed}, evaluated on ${mode}${resumed ? ' (resumed)' : ''}`,
    );
    // Out of sample starts with the first test window: the first trainDays sessions only train.
    const folds = makeFolds(run.from, run.to, trainDays, testDays);
    const oosStart = folds.length > 0 ? dayToIso(panel.calendar[folds[0].testFrom]) : start;
    ctx.log(`fitness: walk-forward out of sample ${oosStart}..${end} (${folds.length} test splits), train ${trainDays} / test ${testDays} sessions, costs as configured`);

    const candidatesByFp = new Map<string, Candidate>();
    const generationOf = new Map<string, number>();
    const populations: { generation: number; scored: Scored[] }[] = [];
    const t0 = performance.now();
    const result = await runEvolution({
      space,
      ga,
      generations,
      evaluator,
      hooks: {
        cached: (fp) => store.cached(ctxHash, fp),
        saved: (genome, r) => {
          store.saveResult(ctxHash, genome, r);
          if (ctx.now().getTime() - lastBeat > 1000) beat();
        },
        trials: (g, cands) => {
          store.recordTrials(manifest.runId, g, cands);
          for (const cand of cands) {
            if (candidatesByFp.has(cand.fingerprint)) continue;
            candidatesByFp.set(cand.fingerprint, cand);
            generationOf.set(cand.fingerprint, g);
          }
          hooks.generationStarted?.(g, cands.length);
        },
        progress: (done) => hooks.progress?.(done),
        generationDone: (summary, scored) => {
          store.saveGeneration(manifest.runId, summary.generation, summary);
          populations.push({ generation: summary.generation, scored: [...scored] });
          hooks.generationDone?.(summary);
        },
      },
    });
    const ms = performance.now() - t0;
    store.finishRun(manifest.runId, ctx.now().toISOString());
    finished = true;
    const trials = store.trialCount(manifest.runId);
    const evaluations = result.generations.reduce((a, g) => a + g.evaluations, 0);

    removeStaleStaging(outDir);
    const stage = new StagedRun(outDir, manifest.runId);
    const best = result.best;
    const lineage = best === null ? [] : lineageOf(best.candidate.fingerprint, candidatesByFp, generationOf);
    const summary = {
      runId: manifest.runId,
      synthetic: run.source.synthetic,
      space,
      trials,
      evaluations,
      seconds: Number((ms / 1000).toFixed(3)),
      generations: result.generations,
      // The best genome with its out-of-sample metrics: what a report shows as its record.
      best: best === null ? null : { ...describeScored(best), oos: best.result.oos },
      pareto: result.pareto.map(describeScored),
    };
    try {
      stage.write('manifest.json', `${stableStringify(manifest, 2)}\n`);
      stage.write('summary.json', `${stableStringify({ ...summary, seconds: undefined }, 2)}\n`);
      stage.write('pareto.json', `${stableStringify(result.pareto.map(describeScored), 2)}\n`);
      stage.write('lineage_best.json', `${stableStringify(lineage, 2)}\n`);
      for (const p of populations) {
        stage.write(`population_gen_${String(p.generation).padStart(2, '0')}.json`, `${stableStringify(p.scored.map(describeScored), 2)}\n`);
      }
      stage.publish().confirm();
    } catch (e) {
      stage.abort();
      throw e;
    }

    return { manifest, run, result, summary, best, lineage, trials, evaluations, ms, runDir: stage.runDir };
  } finally {
    if (heartbeat !== null) clearInterval(heartbeat);
    // A run that stopped without finishing gives up its lease: it is interrupted, resumable.
    if (claimed && !finished) store.releaseRun(manifest.runId, owner);
    await evaluator?.close();
    store.close();
  }
}

export function genomeText(s: Scored): string {
  const g = s.candidate.genome;
  return g.kind === 'rules' ? describeRule(g.rule) : `${g.strategy} ${Object.entries(g.params).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

export function describeScored(s: Scored) {
  return {
    fingerprint: s.candidate.fingerprint,
    operator: s.candidate.operator,
    parents: s.candidate.parents,
    genome: s.candidate.genome,
    text: genomeText(s),
    status: s.result.status,
    reason: s.result.reason,
    fitness: s.result.fitness,
    objectives: s.result.objectives,
    sqn: s.result.sqn,
    trades: s.result.trades,
    splits: s.result.splits,
  };
}

/** The best genome's ancestry within this run, newest first: each genome with how it was bred. */
export function lineageOf(fp: string, byFp: ReadonlyMap<string, Candidate>, generationOf: ReadonlyMap<string, number>) {
  const out: { fingerprint: string; operator: string; generation: number; parents: readonly string[] }[] = [];
  const seen = new Set<string>();
  let frontier = [fp];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const f of frontier) {
      const cand = byFp.get(f);
      if (seen.has(f) || cand === undefined) continue;
      seen.add(f);
      out.push({ fingerprint: f, operator: cand.operator, generation: generationOf.get(f) ?? 0, parents: cand.parents });
      next.push(...cand.parents);
    }
    frontier = next;
  }
  return out;
}
