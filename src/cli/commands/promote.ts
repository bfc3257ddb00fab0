import { resolve } from 'node:path';
import type { Command } from 'commander';
import { appendAudit } from '../../audit/audit-log.js';
import { backtest } from '../../backtest/backtest.js';
import { dailyReturns, metricsToJson, TRADING_DAYS_PER_YEAR } from '../../backtest/metrics.js';
import { expandGrid, type Params } from '../../strategies/params.js';
import { getStrategy } from '../../strategies/registry.js';
import { makeFolds, runWalkForward, type WalkForwardResult } from '../../backtest/walk-forward.js';
import { RunStore } from '../../store/run-store.js';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import type { EvalResult, FitnessSettings } from '../../evolution/fitness.js';
import { genomeWalkForward } from '../../evolution/fitness.js';
import type { Genome } from '../../evolution/genome.js';
import { genomeStrategy } from '../../evolution/operators.js';
import { describeRule } from '../../evolution/rules/rule-spec.js';
import { DEFAULT_GATES, evaluateGates, failedGates, type GateThresholds } from '../../validation/gates.js';
import { reviewStrategy, DEFAULT_REVIEW } from '../../validation/roster.js';
import { scoreStrategy } from '../../validation/scoring.js';
import { deflatedSharpe, dsrTrialSet, type DeflatedSharpeResult, type TrialSharpe } from '../../validation/stats/deflated-sharpe.js';
import { probabilityOfBacktestOverfitting } from '../../validation/stats/pbo.js';
import { EvolveStore } from '../../store/evolve-store.js';
import { RegistryStore } from '../../store/registry-store.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Manifest } from '../manifest.js';
import { engineFromManifest, marketFromManifest } from '../manifest-replay.js';
import { numberFlag } from '../options.js';
import { logger, makeChalk, num, pct, table } from '../render.js';

interface PromoteFlags {
  review?: boolean;
  reviewDays: string;
  minSharpe: string;
  minPf: string;
  minTrades: string;
  minDsr: string;
  maxPbo: string;
  db: string;
  audit: string;
  cache?: string;
  dataDir?: string;
  json?: boolean;
}

export function registerPromote(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('promote [candidate]')
    .description("promotion gates over a candidate's out-of-sample record: RUN_ID (the best genome of a kobe evolve run), RUN_ID:FINGERPRINT (another), wf:RUN_ID[:STRATEGY] (a kobe wf run); or --review of the production roster")
    .option('--review', 'review every production, decaying and retired strategy on the latest window: keep, flag, decay, retire, re-enable')
    .option('--review-days <n>', 'sessions in the review window', '126')
    .option('--min-sharpe <x>', 'gate: out-of-sample Sharpe must exceed', String(DEFAULT_GATES.minOosSharpe))
    .option('--min-pf <x>', 'gate: profit factor must exceed', String(DEFAULT_GATES.minProfitFactor))
    .option('--min-trades <n>', 'gate: at least this many out-of-sample trades', String(DEFAULT_GATES.minTrades))
    .option('--min-dsr <p>', 'gate: Deflated Sharpe Ratio at least (probability)', String(DEFAULT_GATES.minDeflatedSharpe))
    .option('--max-pbo <p>', 'gate: Probability of Backtest Overfitting at most', String(DEFAULT_GATES.maxPbo))
    .option('--db <file>', 'SQLite store with the search and the registry', 'kobe.db')
    .option('--audit <file>', 'hash-chained audit log', 'audit/audit.jsonl')
    .option('--data-dir <dir>', "the data folder, when it moved since the search (its hash must match)")
    .option('--cache <dir>', 'binary bar cache folder')
    .option('--json', 'machine-readable result on stdout')
    .addHelpText('after', `\nExit codes: ${EXIT.ok} promoted (or --review done), ${EXIT.runtime} runtime failure, ${EXIT.usage} usage, config or input error (also a replay that does not reproduce the run), ${EXIT.rejected} a gate rejected the candidate.`)
    .action(async (candidate: string | undefined, flags: PromoteFlags) => {
      if (flags.review === true) setExit(await runReview(flags, io));
      else if (candidate === undefined) throw usageError('BAD_FLAG', 'name a candidate (RUN_ID or RUN_ID:FINGERPRINT) or pass --review', { flag: 'candidate' });
      else setExit(await runPromote(candidate, flags, io));
    });
}

function thresholds(f: PromoteFlags): GateThresholds {
  const prob = (raw: string, flag: string) => {
    const v = numberFlag(raw, flag, { min: 0 });
    if (v > 1) throw usageError('BAD_FLAG', `must be a probability in [0, 1], was ${v}`, { flag });
    return v;
  };
  return {
    minOosSharpe: numberFlag(f.minSharpe, '--min-sharpe'),
    minProfitFactor: numberFlag(f.minPf, '--min-pf', { min: 0 }),
    minTrades: numberFlag(f.minTrades, '--min-trades', { integer: true, min: 0 }),
    minDeflatedSharpe: prob(f.minDsr, '--min-dsr'),
    maxPbo: prob(f.maxPbo, '--max-pbo'),
  };
}

const genomeText = (g: Genome): string =>
  g.kind === 'rules' ? describeRule(g.rule) : `${g.strategy} ${Object.entries(g.params).map(([k, v]) => `${k}=${v}`).join(' ')}`;

function settingsFrom(m: Manifest, from: number, to: number): FitnessSettings {
  const r = m.run as { trainDays: number; testDays: number; minTrainTrades: number; blowUpFrac: number };
  return { from, to, trainDays: r.trainDays, testDays: r.testDays, config: { ...engineFromManifest(m), recordDecisions: false }, minTrainTrades: r.minTrainTrades, blowUpFrac: r.blowUpFrac };
}

/** What the gates judge, however the candidate was found. */
interface CandidateRecord {
  readonly id: string;
  readonly label: string;
  /** What a review re-runs. */
  readonly genome: Genome;
  readonly source: Record<string, unknown>;
  readonly synthetic: boolean;
  readonly wf: WalkForwardResult;
  readonly splitsExpected: number;
  /** Every configuration the selection chose among, with its per-period out-of-sample Sharpe or why it has none. */
  readonly trials: readonly TrialSharpe[];
  readonly pbo: PboOutcome;
}

interface PboOutcome {
  readonly pbo: number | null;
  readonly detail: string;
  readonly summary: Record<string, unknown>;
}

async function runPromote(candidate: string, flags: PromoteFlags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  const gatesAt = thresholds(flags);
  const registry = new RegistryStore(resolve(io.cwd, flags.db), { mustExist: true });
  try {
    const rec = candidate.startsWith('wf:') ? await wfCandidate(candidate.slice(3), flags, io, log) : await evolveCandidate(candidate, flags, io, log);
    const { wf } = rec;
    const m = wf.metrics;
    const trialSet = dsrTrialSet(rec.trials);
    const dsr = deflatedSharpeOverTrials(dailyReturns(wf.equity), trialSet.trialCount, trialSet.trialSharpeVariance);
    const pbo = rec.pbo;
    const gates = evaluateGates(
      {
        oosSharpe: m.sharpe.value,
        profitFactor: m.profitFactor.value,
        trades: m.trades,
        splitsEvaluated: wf.folds.length,
        splitsExpected: rec.splitsExpected,
        deflatedSharpe: dsr.dsr,
        pbo: pbo.pbo,
      },
      gatesAt,
    );
    const failed = failedGates(gates);
    const score = scoreStrategy({
      sharpe: m.sharpe.value,
      cagr: m.cagrFrac.value,
      profitFactor: m.profitFactor.value,
      maxDrawdown: m.maxDrawdownFrac.value,
      trades: m.trades,
      totalPnl: wf.trades.reduce((a, t) => a + t.pnl, 0),
    }, gatesAt.minTrades);

    const now = new Date().toISOString();
    const entry = registry.register(rec.id, rec.label, JSON.stringify(rec.genome), JSON.stringify(rec.source), now);
    const auditPath = resolve(io.cwd, flags.audit);
    const verdict = failed.length === 0 ? 'promoted' : 'rejected';
    appendAudit(auditPath, { kind: 'gate-result', subject: rec.id, at: now, data: { source: rec.source, verdict, gates, dsr, pbo: pbo.summary, score } });
    if (failed.length === 0 && entry.state !== 'production') {
      registry.transition(rec.id, 'production', 'promoted: every gate passed', { source: rec.source, score: score.score }, now, 0);
      appendAudit(auditPath, { kind: 'promotion', subject: rec.id, at: now, data: { from: entry.state, to: 'production', source: rec.source } });
    } else if (failed.length > 0) {
      registry.transition(rec.id, entry.state, `rejected: ${failed.map((g) => g.code).join(', ')}`, { gates: failed }, now);
    }

    const result = {
      candidate: rec.id,
      source: rec.source,
      genome: rec.genome,
      text: rec.label,
      verdict,
      state: registry.get(rec.id)!.state,
      gates,
      failed: failed.map((g) => g.code),
      deflatedSharpe: { ...dsr, trialCount: trialSet.trialCount, trialSet: { set: trialSet.set, tried: trialSet.trialsTried, excluded: trialSet.excluded, excludedBecause: trialSet.excludedBecause } },
      pbo: pbo.summary,
      score,
      oos: metricsToJson(m),
      splits: wf.folds.length,
      synthetic: rec.synthetic,
    };
    if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      log(`candidate ${rec.id}: ${rec.label}${rec.synthetic ? '  [SYNTHETIC DEMO DATA]' : ''}`);
      log(table(['gate', 'measured', 'threshold', 'result'], gates.map((g) => [g.code, g.measured === null ? 'n/a' : g.count ? String(g.measured) : num(g.measured, 3), `${g.comparison} ${g.threshold}`, g.ok ? c.green('pass') : c.red('FAIL')]), io));
      log(`deflated Sharpe ${num(dsr.dsr, 3)}${dsr.reason === undefined ? '' : ` (${dsr.reason})`} from per-period Sharpe ${num(dsr.perPeriodSharpe, 4)} over ${dsr.nObs} returns, skew ${num(dsr.skew, 2)}, kurtosis ${num(dsr.kurtosis, 2)}, ${trialSet.trialCount} trials with Sharpe variance ${num(dsr.trialSharpeVariance, 6)} (expected max ${num(dsr.expectedMaxSharpe, 4)})`);
      if (trialSet.excluded > 0) log(`  of ${trialSet.trialsTried} trials tried, ${trialSet.excluded} have no Sharpe and count in neither N nor V: ${Object.entries(trialSet.excludedBecause).map(([why, k]) => `${k} ${why}`).join('; ')}`);
      log(`probability of backtest overfitting ${num(pbo.pbo, 3)} (${pbo.detail})`);
      log(`score ${num(score.score, 3)}${score.tags.length ? ` [${score.tags.join(', ')}]` : ''}; out-of-sample return ${pct(m.totalReturnFrac.value)}, Sharpe ${num(m.sharpe.value)}, PF ${num(m.profitFactor.value)}, ${m.trades} trades`);
      log(failed.length === 0 ? c.green(`PROMOTED to production`) : c.red(`REJECTED: ${failed.map((g) => `${g.code} (${g.detail})`).join('; ')}`));
    }
    return failed.length === 0 ? EXIT.ok : EXIT.rejected;
  } finally {
    registry.close();
  }
}

/** RUN_ID or RUN_ID:FINGERPRINT of a kobe evolve run: the genome replayed from the run's manifest. */
async function evolveCandidate(candidate: string, flags: PromoteFlags, io: CliIo, log: (line: string) => void): Promise<CandidateRecord> {
  const [runId, fpPrefix] = candidate.split(':');
  if (fpPrefix === '') {
    throw usageError('EMPTY_GENOME_PREFIX', `the genome prefix after '${runId}:' is empty`, { flag: 'candidate', value: candidate, hint: `name a genome as RUN_ID:FINGERPRINT_PREFIX, or give RUN_ID alone for the run's best genome` });
  }
  const store = new EvolveStore(resolve(io.cwd, flags.db), { mustExist: true });
  try {
    const run = store.run(runId);
    if (run === null) throw usageError('UNKNOWN_RUN', `no kobe evolve run ${runId} in ${flags.db}`, { flag: 'candidate', value: candidate, hint: 'a kobe wf run is named wf:RUN_ID[:STRATEGY]' });
    const manifest = JSON.parse(run.manifestJson) as Manifest;
    const trials = store.trials(runId);
    const ok = trials.filter((t) => t.status === 'ok' && t.fitness !== null);
    let chosen = ok.slice().sort((a, b) => b.fitness! - a.fitness! || a.fingerprint.localeCompare(b.fingerprint))[0];
    if (fpPrefix !== undefined) {
      const matches = trials.filter((t) => t.fingerprint.startsWith(fpPrefix));
      if (matches.length !== 1) {
        throw usageError('UNKNOWN_GENOME', `${matches.length === 0 ? 'no' : 'more than one'} genome of run ${runId} starts with ${fpPrefix}`, { flag: 'candidate', value: candidate });
      }
      chosen = matches[0];
    }
    if (chosen === undefined) throw usageError('NO_CANDIDATE', `run ${runId} has no genome that passed its pruning checks`, { flag: 'candidate' });
    const genome = store.genome(chosen.fingerprint)!;
    const stored = store.cached(run.contextHash, chosen.fingerprint);
    const market = await marketFromManifest(manifest, io, log, { cache: flags.cache, dataDir: flags.dataDir, checkHash: true });
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
async function wfCandidate(ref: string, flags: PromoteFlags, io: CliIo, log: (line: string) => void): Promise<CandidateRecord> {
  const [runId, name] = ref.split(':');
  const runs = new RunStore(resolve(io.cwd, flags.db), { mustExist: true });
  let row;
  try {
    row = runs.getRun(runId);
  } finally {
    runs.close();
  }
  if (row === undefined || row.command !== 'wf') throw usageError('UNKNOWN_RUN', `no kobe wf run ${runId} in ${flags.db}`, { flag: 'candidate', value: `wf:${ref}` });
  const manifest = JSON.parse(row.manifestJson) as Manifest;
  const r = manifest.run as { strategies: { name: string; baseParams: Params; tuneGrid: Record<string, number[]> | null }[]; trainDays: number; testDays: number; tune: boolean; minTrainTrades: number };
  const entry = name === undefined ? r.strategies[0] : r.strategies.find((x) => x.name === name);
  if (entry === undefined) throw usageError('UNKNOWN_STRATEGY', `run ${runId} did not walk ${name} forward`, { flag: 'candidate', hint: `it ran ${r.strategies.map((x) => x.name).join(', ')}` });
  const strategy = getStrategy(entry.name);
  const market = await marketFromManifest(manifest, io, log, { cache: flags.cache, dataDir: flags.dataDir, checkHash: true });
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
    synthetic: manifest.data.synthetic,
    wf,
    splitsExpected: makeFolds(market.from, market.to, r.trainDays, r.testDays).length,
    trials: fixed.map((w) => (w.metrics.sharpe.value === null ? { perPeriodSharpe: null, missingReason: NO_SHARPE_FLAT } : { perPeriodSharpe: w.metrics.sharpe.value / Math.sqrt(TRADING_DAYS_PER_YEAR) })),
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
  return sr === null ? { perPeriodSharpe: null, missingReason: NO_SHARPE_FLAT } : { perPeriodSharpe: sr / Math.sqrt(TRADING_DAYS_PER_YEAR) };
}

/** The DSR over N trials with Sharpe variance V; null with a reason when no trial has a Sharpe (N = 0). */
function deflatedSharpeOverTrials(returns: Float64Array, trialCount: number, trialSharpeVariance: number): DeflatedSharpeResult {
  if (trialCount >= 1) return deflatedSharpe({ returns, trials: trialCount, trialSharpeVariance });
  return { ...deflatedSharpe({ returns, trials: 1, trialSharpeVariance: 0 }), dsr: null, reason: 'no trial has a computed out-of-sample Sharpe', trials: 0 };
}

/** CSCV over candidates' per-split returns: rows are the walk-forward test splits, columns candidates. */
function pboFromColumns(columns: readonly Float64Array[]): PboOutcome {
  const splits = columns.length ? Math.min(...columns.map((x) => x.length)) : 0;
  if (columns.length < 2 || splits < 4) {
    const detail = `needs at least 2 candidates and 4 splits, had ${columns.length} and ${splits}`;
    return { pbo: null, detail, summary: { pbo: null, reason: detail } };
  }
  // Default blocks: every split is used (blocks of floor/ceil size, see pbo.ts), never only the newest.
  const out = probabilityOfBacktestOverfitting({ columns: columns.map((x) => x.subarray(0, splits)) });
  const { lambdas: _lambdas, ...rest } = out;
  const summary = { ...rest, blockCount: out.blocks, blockSizes: out.blockSizes, splitsUsed: out.blockSizes.reduce((a, b) => a + b, 0) };
  const sizes = out.equalBlocks ? `${out.blockSizes[0]}` : `${Math.min(...out.blockSizes)}-${Math.max(...out.blockSizes)}`;
  const longest = Math.max(...columns.map((x) => x.length));
  const used = splits === longest ? `all ${splits} splits` : `the first ${splits} of ${longest} splits (the candidates' records differ in length)`;
  return { pbo: out.pbo, detail: `${out.combinations} combinations of ${out.blocks} blocks of ${sizes} splits, ${used} x ${columns.length} candidates`, summary };
}

async function runReview(flags: PromoteFlags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const reviewDays = numberFlag(flags.reviewDays, '--review-days', { integer: true, positive: true });
  const store = new EvolveStore(resolve(io.cwd, flags.db), { mustExist: true });
  const registry = new RegistryStore(resolve(io.cwd, flags.db), { mustExist: true });
  const auditPath = resolve(io.cwd, flags.audit);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const entry of registry.list(['production', 'decaying', 'retired'])) {
      const source = JSON.parse(entry.sourceJson) as { runId: string };
      const run = store.run(source.runId);
      if (run === null) continue;
      const manifest = JSON.parse(run.manifestJson) as Manifest;
      // The latest data there is: a review looks past the end of the search.
      const market = await marketFromManifest(manifest, io, () => undefined, { cache: flags.cache, dataDir: flags.dataDir, end: '9999-12-31', checkHash: false });
      const to = market.ctx.panel.calendar.length - 1;
      const from = Math.max(market.from, to - reviewDays + 1);
      const genome = JSON.parse(entry.genomeJson) as Genome;
      const { strategy, params } = genomeStrategy(genome);
      const r = backtest(market.ctx, [{ strategy, params }], { ...engineFromManifest(manifest), recordDecisions: false }, from, to);
      const measures = { trades: r.metrics.trades, sharpe: r.metrics.sharpe.value, profitFactor: r.metrics.profitFactor.value };
      const outcome = reviewStrategy(entry.state, entry.consecutiveFailures, measures, DEFAULT_REVIEW);
      const now = new Date().toISOString();
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
  if (json) io.stdout.write(`${JSON.stringify({ reviewed: rows }, null, 2)}\n`);
  else if (rows.length === 0) log('no strategy in production, decaying or retired to review');
  else {
    log(
      table(
        ['strategy', 'window', 'trades', 'Sharpe', 'PF', 'state', 'reason'],
        rows.map((r) => {
          const m = r.measures as { trades: number; sharpe: number | null; profitFactor: number | null };
          return [String(r.id).slice(0, 12), String(r.window), m.trades, num(m.sharpe), num(m.profitFactor), `${r.from} -> ${r.to}${r.borderline ? ' (borderline)' : ''}`, String(r.reason)];
        }),
        io,
      ),
    );
  }
  return 0;
}
