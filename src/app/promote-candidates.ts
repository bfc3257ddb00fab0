import { resolve } from 'node:path';
import { metricsToJson, TRADING_DAYS_PER_YEAR } from '../backtest/metrics.js';
import { makeFolds, runWalkForward, type WalkForwardResult } from '../backtest/walk-forward.js';
import { usageError } from '../core/errors.js';
import type { EvalResult, FitnessSettings } from '../evolution/fitness.js';
import { genomeWalkForward } from '../evolution/fitness.js';
import type { Genome } from '../evolution/genome.js';
import { describeRule } from '../evolution/rules/rule-spec.js';
import { EvolveStore } from '../store/evolve-store.js';
import { RunStore } from '../store/run-store.js';
import { expandGrid } from '../strategies/params.js';
import { getStrategy } from '../strategies/registry.js';
import { deflatedSharpe, type DeflatedSharpeResult, type TrialSharpe } from '../validation/stats/deflated-sharpe.js';
import { logitCounts, probabilityOfBacktestOverfitting, type LogitCount } from '../validation/stats/pbo.js';
import type { AppContext } from './context.js';
import type { Manifest } from './manifest.js';
import { engineFromManifest, marketFromManifest } from './replay.js';
import { decodeEvolveSpec, decodeWfRunSpec } from './run-spec.js';

/**
 * What `promote` judges, assembled from a recorded run: the candidate's out-of-sample record
 * replayed from the run's manifest (and checked against what the run stored), the trials the
 * selection chose among (for the Deflated Sharpe Ratio) and their per-split returns (for PBO).
 */

/** Where the recorded runs are: the database, and where the data is now. */
export interface CandidateSource {
  readonly db: string;
  readonly cache?: string;
  readonly dataDir?: string;
}

/**
 * A candidate by reference: RUN_ID or RUN_ID:FINGERPRINT (a kobe evolve run's best or named
 * genome) or wf:RUN_ID[:STRATEGY] (a kobe wf run's tuned walk-forward).
 */
export function assembleCandidate(candidate: string, where: CandidateSource, ctx: AppContext): Promise<CandidateRecord> {
  return candidate.startsWith('wf:') ? wfCandidate(candidate.slice(3), where, ctx) : evolveCandidate(candidate, where, ctx);
}

/** The per-period (daily) Sharpe of an annualised one, by the metrics' own annualisation. */
const perPeriodSharpe = (annualSharpe: number): number => annualSharpe / Math.sqrt(TRADING_DAYS_PER_YEAR);

export const genomeText = (g: Genome): string =>
  g.kind === 'rules' ? describeRule(g.rule) : `${g.strategy} ${Object.entries(g.params).map(([k, v]) => `${k}=${v}`).join(' ')}`;

function settingsFrom(m: Manifest, from: number, to: number): FitnessSettings {
  const r = decodeEvolveSpec(m.run);
  return { from, to, trainDays: r.trainDays, testDays: r.testDays, config: { ...engineFromManifest(m), recordDecisions: false }, minTrainTrades: r.minTrainTrades, blowUpFrac: r.blowUpFrac };
}

/** What the gates judge, however the candidate was found. */
export interface CandidateRecord {
  readonly id: string;
  readonly label: string;
  /** What a review re-runs. */
  readonly genome: Genome;
  readonly source: Record<string, unknown>;
  /** The manifest of the run the candidate came from: promote's own run is made from it. */
  readonly manifest: Manifest;
  readonly synthetic: boolean;
  readonly wf: WalkForwardResult;
  readonly splitsExpected: number;
  /** Every configuration the selection chose among, with its per-period out-of-sample Sharpe or why it has none. */
  readonly trials: readonly TrialSharpe[];
  readonly pbo: PboOutcome;
}

export interface PboOutcome {
  readonly pbo: number | null;
  readonly detail: string;
  readonly summary: Record<string, unknown>;
  /** The logit of every CSCV combination, as counts per distinct value (empty when PBO is null). */
  readonly logits: readonly LogitCount[];
}

/** RUN_ID or RUN_ID:FINGERPRINT of a kobe evolve run: the genome replayed from the run's manifest. */
async function evolveCandidate(candidate: string, where: CandidateSource, ctx: AppContext): Promise<CandidateRecord> {
  const [runId, fpPrefix] = candidate.split(':');
  if (fpPrefix === '') {
    throw usageError('EMPTY_GENOME_PREFIX', `the genome prefix after '${runId}:' is empty`, { flag: ctx.param('candidate'), value: candidate, hint: `name a genome as RUN_ID:FINGERPRINT_PREFIX, or give RUN_ID alone for the run's best genome` });
  }
  const store = new EvolveStore(resolve(ctx.cwd, where.db), { mustExist: true });
  try {
    const run = store.run(runId);
    if (run === null) throw usageError('UNKNOWN_RUN', `no kobe evolve run ${runId} in ${where.db}`, { flag: ctx.param('candidate'), value: candidate, hint: 'a kobe wf run is named wf:RUN_ID[:STRATEGY]' });
    const manifest = JSON.parse(run.manifestJson) as Manifest;
    const trials = store.trials(runId);
    const ok = trials.filter((t) => t.status === 'ok' && t.fitness !== null);
    let chosen = ok.slice().sort((a, b) => b.fitness! - a.fitness! || a.fingerprint.localeCompare(b.fingerprint))[0];
    if (fpPrefix !== undefined) {
      const matches = trials.filter((t) => t.fingerprint.startsWith(fpPrefix));
      if (matches.length !== 1) {
        throw usageError('UNKNOWN_GENOME', `${matches.length === 0 ? 'no' : 'more than one'} genome of run ${runId} starts with ${fpPrefix}`, { flag: ctx.param('candidate'), value: candidate });
      }
      chosen = matches[0];
    }
    if (chosen === undefined) throw usageError('NO_CANDIDATE', `run ${runId} has no genome that passed its pruning checks`, { flag: ctx.param('candidate') });
    const genome = store.genome(chosen.fingerprint)!;
    const stored = store.cached(run.contextHash, chosen.fingerprint);
    const market = await marketFromManifest(manifest, ctx, { cache: where.cache, dataDir: where.dataDir, checkHash: true });
    const settings = settingsFrom(manifest, market.from, market.to);
    const wf = genomeWalkForward(market.ctx, genome, settings);
    // The replay must reproduce the search's own result: same data, same code, same numbers.
    if (stored !== null && stored.oos !== null && stored.oos.sharpe !== metricsToJson(wf.metrics).sharpe) {
      throw usageError('REPLAY_MISMATCH', `re-evaluating ${chosen.fingerprint.slice(0, 12)} gave Sharpe ${wf.metrics.sharpe.value}, the search stored ${stored.oos.sharpe}`, {
        hint: 'the kobe version or data changed since the search; run it again',
      });
    }
    const evaluated = new Map(trials.map((t) => [t.fingerprint, store.cached(run.contextHash, t.fingerprint)]));
    const results = ok.map((t) => evaluated.get(t.fingerprint) ?? null).filter((r): r is EvalResult => r !== null && r.splits.length > 0);
    return {
      id: chosen.fingerprint,
      label: genomeText(genome),
      genome,
      source: { kind: 'evolve', runId, contextHash: run.contextHash },
      manifest,
      synthetic: manifest.data.synthetic,
      wf,
      splitsExpected: makeFolds(settings.from, settings.to, settings.trainDays, settings.testDays).length,
      trials: trials.map((t) => evolveTrialSharpe(evaluated.get(t.fingerprint) ?? null)),
      pbo: pboFromColumns(results.map((r) => Float64Array.from(r.splits, (x) => x.returnFrac))),
    };
  } finally {
    store.close();
  }
}

/**
 * wf:RUN_ID[:STRATEGY] of a kobe wf run: its tuned walk-forward, replayed. The selection chose
 * among the strategy's tuning grid, so the grid points are the trials: each is walked forward
 * with fixed parameters over the same folds for the DSR's trial variance and for PBO.
 */
async function wfCandidate(ref: string, where: CandidateSource, ctx: AppContext): Promise<CandidateRecord> {
  const [runId, name] = ref.split(':');
  const runs = new RunStore(resolve(ctx.cwd, where.db), { mustExist: true });
  let row;
  try {
    row = runs.getRun(runId);
  } finally {
    runs.close();
  }
  if (row === undefined || row.command !== 'wf') throw usageError('UNKNOWN_RUN', `no kobe wf run ${runId} in ${where.db}`, { flag: ctx.param('candidate'), value: `wf:${ref}` });
  const manifest = JSON.parse(row.manifestJson) as Manifest;
  const r = decodeWfRunSpec(manifest.run);
  const entry = name === undefined ? r.strategies[0] : r.strategies.find((x) => x.name === name);
  if (entry === undefined) throw usageError('UNKNOWN_STRATEGY', `run ${runId} did not walk ${name} forward`, { flag: ctx.param('candidate'), hint: `it ran ${r.strategies.map((x) => x.name).join(', ')}` });
  const strategy = getStrategy(entry.name);
  const market = await marketFromManifest(manifest, ctx, { cache: where.cache, dataDir: where.dataDir, checkHash: true });
  const base = { strategy, trainDays: r.trainDays, testDays: r.testDays, from: market.from, to: market.to, config: { ...engineFromManifest(manifest), recordDecisions: false }, minTrainTrades: r.minTrainTrades };
  const wf = runWalkForward(market.ctx, { ...base, baseParams: entry.baseParams, tune: r.tune });
  const stored = (JSON.parse(row.summaryJson) as { strategy: string; outOfSample: { metrics: { sharpe: number | null } } }[]).find((x) => x.strategy === entry.name);
  if (stored !== undefined && stored.outOfSample.metrics.sharpe !== metricsToJson(wf.metrics).sharpe) {
    throw usageError('REPLAY_MISMATCH', `replaying run ${runId} gave Sharpe ${wf.metrics.sharpe.value}, the run stored ${stored.outOfSample.metrics.sharpe}`, { hint: 'the kobe version or data changed since the run' });
  }
  const grid = r.tune && entry.tuneGrid !== null ? expandGrid(entry.baseParams, entry.tuneGrid).filter((p) => (strategy.validate?.(p) ?? null) === null) : [entry.baseParams];
  const fixed = grid.map((p) => runWalkForward(market.ctx, { ...base, baseParams: p, tune: false }));
  const lastParams = wf.folds[wf.folds.length - 1].params;
  return {
    id: `wf-${runId}-${entry.name}`,
    label: `${entry.name} walked forward${r.tune ? ` with tuning over ${grid.length} grid points` : ''} (latest: ${Object.entries(lastParams).map(([k, v]) => `${k}=${v}`).join(' ')})`,
    genome: { kind: 'params', strategy: entry.name, params: lastParams },
    source: { kind: 'wf', runId, strategy: entry.name },
    manifest,
    synthetic: manifest.data.synthetic,
    wf,
    splitsExpected: makeFolds(market.from, market.to, r.trainDays, r.testDays).length,
    trials: fixed.map((w) => (w.metrics.sharpe.value === null ? { perPeriodSharpe: null, missingReason: NO_SHARPE_FLAT } : { perPeriodSharpe: perPeriodSharpe(w.metrics.sharpe.value) })),
    pbo: pboFromColumns(fixed.map((w) => Float64Array.from(w.folds, (f) => f.test.engine.finalEquity / f.test.engine.initialCapital - 1))),
  };
}

const NO_SHARPE_FLAT = 'Sharpe undefined: a flat out-of-sample record';

/**
 * A search trial for the DSR: the per-period Sharpe of its stored out-of-sample record (the
 * metrics' Sharpe, null when undefined: never the fitness objective, which uses 0 for that).
 */
function evolveTrialSharpe(r: EvalResult | null): TrialSharpe {
  if (r === null) return { perPeriodSharpe: null, missingReason: 'not evaluated: the search stopped before it' };
  if (r.status === 'pruned') {
    return { perPeriodSharpe: null, missingReason: r.splits.length === 0 ? 'pruned before its out-of-sample run (too few train signals)' : 'pruned after a test split blew up (no Sharpe stored)' };
  }
  const sr = r.oos?.sharpe ?? null;
  return sr === null ? { perPeriodSharpe: null, missingReason: NO_SHARPE_FLAT } : { perPeriodSharpe: perPeriodSharpe(sr) };
}

/** The DSR over N trials with Sharpe variance V; null with a reason when no trial has a Sharpe (N = 0). */
export function deflatedSharpeOverTrials(returns: Float64Array, trialCount: number, trialSharpeVariance: number): DeflatedSharpeResult {
  if (trialCount >= 1) return deflatedSharpe({ returns, trials: trialCount, trialSharpeVariance });
  return { ...deflatedSharpe({ returns, trials: 1, trialSharpeVariance: 0 }), dsr: null, reason: 'no trial has a computed out-of-sample Sharpe', trials: 0 };
}

/** CSCV over candidates' per-split returns: rows are the walk-forward test splits, columns candidates. */
function pboFromColumns(columns: readonly Float64Array[]): PboOutcome {
  const splits = columns.length ? Math.min(...columns.map((x) => x.length)) : 0;
  if (columns.length < 2 || splits < 4) {
    const detail = `needs at least 2 candidates and 4 splits, had ${columns.length} and ${splits}`;
    return { pbo: null, detail, summary: { pbo: null, reason: detail }, logits: [] };
  }
  // Default blocks: every split is used (blocks of floor/ceil size, see pbo.ts), never only the newest.
  const out = probabilityOfBacktestOverfitting({ columns: columns.map((x) => x.subarray(0, splits)) });
  const { lambdas: _lambdas, ...rest } = out;
  const summary = { ...rest, blockCount: out.blocks, blockSizes: out.blockSizes, splitsUsed: out.blockSizes.reduce((a, b) => a + b, 0) };
  const sizes = out.equalBlocks ? `${out.blockSizes[0]}` : `${Math.min(...out.blockSizes)}-${Math.max(...out.blockSizes)}`;
  const longest = Math.max(...columns.map((x) => x.length));
  const used = splits === longest ? `all ${splits} splits` : `the first ${splits} of ${longest} splits (the candidates' records differ in length)`;
  return { pbo: out.pbo, logits: logitCounts(out.lambdas), detail: `${out.combinations} combinations of ${out.blocks} blocks of ${sizes} splits, ${used} x ${columns.length} candidates`, summary };
}

