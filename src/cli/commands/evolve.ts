import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { stableStringify } from '../../core/stable-json.js';
import { contextHash, type EvalContextSpec } from '../../evolution/eval-context.js';
import { inProcessEvaluator } from '../../evolution/evaluators/in-process.js';
import { threadPoolEvaluator } from '../../distributed/thread-pool.js';
import { runEvolution, type Evaluator, type GenerationSummary } from '../../evolution/evolve.js';
import type { FitnessSettings } from '../../evolution/fitness.js';
import type { Candidate, Scored } from '../../evolution/genetic-search.js';
import type { SearchSpace } from '../../evolution/operators.js';
import { describeRule } from '../../evolution/rules/rule-spec.js';
import { getStrategy, STRATEGY_NAMES } from '../../strategies/registry.js';
import { EvolveStore, runIsLive, type RunOwner } from '../../store/evolve-store.js';
import { makeFolds } from '../../backtest/walk-forward.js';
import { checkOutDir, removeStaleStaging, StagedRun } from '../../app/artifacts.js';
import { dataCheckLines } from '../data-check-lines.js';
import type { CliIo } from '../io.js';
import { makeManifest } from '../../app/manifest.js';
import { encodeEngineConfig } from '../../app/run-spec.js';
import { loadRunMarket } from '../../app/market.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { requireIndexForRegime } from '../../app/run-checks.js';
import { flagName } from '../param-flags.js';
import { addEngineOptions, addMarketOptions, engineConfigFromFlags, numberFlag, type EngineFlags } from '../options.js';
import { logger, makeChalk, num, pct, Progress } from '../render.js';
import { KOBE_VERSION } from '../../app/version.js';
import { EVOLVE_QUEUE, queueEvaluator } from '../../app/evolve-queue.js';

interface EvolveFlags extends MarketFlags, EngineFlags {
  strategy?: string;
  rules?: boolean;
  generations: string;
  population: string;
  elite: string;
  tournament: string;
  crossoverRate: string;
  mutationRate: string;
  workers: string;
  queue?: string;
  queueName: string;
  queueLease: string;
  resume?: boolean;
  trainDays: string;
  testDays: string;
  minTrainTrades: string;
  blowUpPct: string;
  outdir: string;
  db: string;
}

/** Indicator memory per evaluating thread: two threads and the loaded market stay under 1 GB. */
const MEMO_BUDGET_BYTES = 256 * 1024 * 1024;

export function registerEvolve(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('evolve')
    .description('strategy factory: a seeded genetic search over strategy parameters or free rules, judged out of sample by walk-forward')
    .option('--strategy <name>', `tune the parameters of one strategy (${STRATEGY_NAMES.join(' | ')})`)
    .option('--rules', 'free rule search: entry conditions from indicator primitives, a trend filter and an exit block')
    .option('--generations <n>', 'generations to run', '4')
    .option('--population <n>', 'genomes per generation', '20')
    .option('--elite <n>', 'best genomes carried unchanged into the next generation', '2')
    .option('--tournament <n>', 'tournament size for parent selection', '3')
    .option('--crossover-rate <p>', 'probability a child is bred from two parents (else one, mutated)', '0.8')
    .option('--mutation-rate <p>', 'per-gene mutation probability for parameter genomes (one gene always mutates)', '0.2')
    .option('--workers <n>', 'evaluation threads on this machine (results do not depend on it)', String(availableParallelism()))
    .option('--queue <url>', 'send evaluations through PostgreSQL to `kobe worker --queue URL` processes instead (postgres://...)')
    .option('--queue-name <name>', 'queue name shared with the workers', EVOLVE_QUEUE)
    .option('--queue-lease <seconds>', 'a queued evaluation not finished this long after a worker took it is given to another worker (its worker is presumed dead)', '300')
    .option('--resume', 'continue an interrupted run with the same flags (finished evaluations are reused)')
    .option('--train-days <n>', 'sessions in each walk-forward train window', '252')
    .option('--test-days <n>', 'sessions in each out-of-sample test window', '63')
    .option('--min-train-trades <n>', 'prune a genome whose median train window has fewer signals than this', '10')
    .option('--blow-up-pct <p>', 'prune a genome that loses more than this % of equity in any test split', '30')
    .option('--outdir <dir>', 'artifact folder (the run goes to <outdir>/evolve/<run id>/)', 'wf_outputs');
  addMarketOptions(cmd);
  addEngineOptions(cmd);
  cmd.action(async (flags: EvolveFlags, command: Command) => {
    setExit(await runEvolve(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
}

async function runEvolve(flags: EvolveFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  if ((flags.strategy === undefined) === (flags.rules !== true)) {
    throw usageError('BAD_FLAG', 'choose what to breed: --strategy NAME (parameters) or --rules (free rules)', { flag: '--strategy' });
  }
  const space: SearchSpace = flags.rules ? { kind: 'rules' } : { kind: 'params', strategy: getStrategy(flags.strategy!).name };
  const generations = numberFlag(flags.generations, '--generations', { integer: true, positive: true });
  const population = numberFlag(flags.population, '--population', { integer: true, min: 2 });
  const elite = numberFlag(flags.elite, '--elite', { integer: true, min: 0 });
  if (elite >= population) throw usageError('BAD_FLAG', `--elite (${elite}) must be less than --population (${population})`, { flag: '--elite' });
  const ga = {
    population,
    elite,
    tournament: numberFlag(flags.tournament, '--tournament', { integer: true, positive: true }),
    crossoverRate: probability(flags.crossoverRate, '--crossover-rate'),
    mutationRate: probability(flags.mutationRate, '--mutation-rate'),
    seed: numberFlag(flags.seed, '--seed', { integer: true, min: 0 }),
  };
  const workers = numberFlag(flags.workers, '--workers', { integer: true, positive: true });
  const trainDays = numberFlag(flags.trainDays, '--train-days', { integer: true, positive: true });
  const testDays = numberFlag(flags.testDays, '--test-days', { integer: true, positive: true });
  const minTrainTrades = numberFlag(flags.minTrainTrades, '--min-train-trades', { integer: true, min: 0 });
  const blowUpFrac = numberFlag(flags.blowUpPct, '--blow-up-pct', { positive: true }) / 100;
  const config = engineConfigFromFlags(flags);

  // Three years of history before the start, so a new indicator costs a few years of bars, not
  // the whole archive. A Wilder average's memory of older bars decays as (1 - 1/n)^756: below
  // 1e-16 for n <= 20, 2e-7 at n = 50. `kobe wf --history-bars 756` reproduces a fitness exactly.
  const market = marketSpecFromFlags({ ...flags, historyBars: flags.historyBars ?? '756' });
  const run = await loadRunMarket(market, cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }));
  requireIndexForRegime(config, run.source.index, market.index, flagName);
  for (const line of dataCheckLines(run)) log(line);
  const { panel } = run.ctx;
  const start = dayToIso(panel.calendar[run.from]);
  const end = dayToIso(panel.calendar[run.to]);
  const settings: FitnessSettings = { from: run.from, to: run.to, trainDays, testDays, config: { ...config, recordDecisions: false }, minTrainTrades, blowUpFrac };
  const spec: EvalContextSpec = {
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
  const ctxHash = contextHash(spec);
  const manifest = makeManifest({
    command: 'evolve',
    seed: ga.seed,
    data: { ...run.source, start, end },
    engine: encodeEngineConfig(config),
    run: { space, ga, generations, trainDays, testDays, minTrainTrades, blowUpFrac, contextHash: ctxHash },
  });

  // What the run will write is checked before it searches: a bad --outdir or --db fails now.
  checkOutDir(resolve(io.cwd, flags.outdir, 'evolve'));
  const store = new EvolveStore(resolve(io.cwd, flags.db));
  const owner: RunOwner = { pid: process.pid, host: hostname() };
  let evaluator: Evaluator | null = null;
  let claimed = false;
  let finished = false;
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    // The evaluator first: an unreachable queue fails here, before the run is claimed, so it
    // leaves no run behind that looks interrupted.
    evaluator =
      flags.queue !== undefined
        ? await queueEvaluator(flags.queue, spec, ctxHash, {
            queue: flags.queueName,
            leaseSeconds: numberFlag(flags.queueLease, '--queue-lease', { integer: true, positive: true }),
            onError: (e) => log(`queue: ${e.message}`),
          })
        : workers > 1
          ? threadPoolEvaluator(run.ctx, settings, workers, MEMO_BUDGET_BYTES)
          : inProcessEvaluator(run.ctx, settings);

    let resumed = false;
    store.claimRun(manifest.runId, ctxHash, stableStringify(manifest), new Date().toISOString(), owner, (existing) => {
      const db = flags.db;
      if (existing !== null && runIsLive(existing, Date.now(), owner.host)) {
        const beat = existing.heartbeatAt === null ? 'no heartbeat yet' : `heartbeat ${Math.max(0, Math.round((Date.now() - Date.parse(existing.heartbeatAt)) / 1000))} s ago`;
        throw usageError('RUN_IN_PROGRESS', `run ${manifest.runId} is running (pid ${existing.owner!.pid} on ${existing.owner!.host}, ${beat})`, {
          value: manifest.runId,
          hint: `wait for it to finish (it records into ${db}), or stop that process and rerun with --resume`,
        });
      }
      const interrupted = existing?.status === 'running';
      if (interrupted && flags.resume !== true) {
        throw usageError('RUN_INTERRUPTED', `run ${manifest.runId} was interrupted before it finished`, { flag: '--resume', hint: 'rerun the same command with --resume to continue it' });
      }
      if (!interrupted && flags.resume === true) {
        throw usageError(
          'NOTHING_TO_RESUME',
          existing === null ? `nothing to resume: ${db} has no run ${manifest.runId} (these flags, data and seed)` : `nothing to resume: run ${manifest.runId} in ${db} already finished`,
          { flag: '--resume', value: db, hint: existing === null ? 'drop --resume to start the run, or give the flags and --db of the run to resume' : 'drop --resume to run it again (finished evaluations are reused)' },
        );
      }
      resumed = interrupted;
    });
    claimed = true;
    // The lease: a second kobe evolve tells this live run from an interrupted one by it.
    let lastBeat = Date.now();
    const beat = () => {
      lastBeat = Date.now();
      store.heartbeat(manifest.runId, owner, new Date(lastBeat).toISOString());
    };
    heartbeat = setInterval(beat, 10_000);
    heartbeat.unref();
    const mode = flags.queue !== undefined ? `PostgreSQL queue` : workers > 1 ? `${workers} worker threads` : 'this thread';
    log(
      `evolve run ${manifest.runId}: ${space.kind === 'rules' ? 'free rules' : `${space.strategy} parameters`}, ${generations} generations of ${population}, seed ${ga.seed}, evaluated on ${mode}${resumed ? ' (resumed)' : ''}`,
    );
    // Out of sample starts with the first test window: the first trainDays sessions only train.
    const folds = makeFolds(run.from, run.to, trainDays, testDays);
    const oosStart = folds.length > 0 ? dayToIso(panel.calendar[folds[0].testFrom]) : start;
    log(`fitness: walk-forward out of sample ${oosStart}..${end} (${folds.length} test splits), train ${trainDays} / test ${testDays} sessions, costs as configured`);

    const candidatesByFp = new Map<string, Candidate>();
    const generationOf = new Map<string, number>();
    const populations: { generation: number; scored: Scored[] }[] = [];
    let progress: Progress | null = null;
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
          if (Date.now() - lastBeat > 1000) beat();
        },
        trials: (g, cands) => {
          store.recordTrials(manifest.runId, g, cands);
          for (const cand of cands) {
            if (candidatesByFp.has(cand.fingerprint)) continue;
            candidatesByFp.set(cand.fingerprint, cand);
            generationOf.set(cand.fingerprint, g);
          }
          progress = new Progress(io, `generation ${g}`, cands.length);
        },
        progress: (done) => progress?.tick(done),
        generationDone: (summary, scored) => {
          progress?.end();
          store.saveGeneration(manifest.runId, summary.generation, summary);
          populations.push({ generation: summary.generation, scored: [...scored] });
          if (!json) {
            if (summary.generation === 0) log(c.bold(GENERATION_HEADER));
            log(generationLine(summary));
          }
        },
      },
    });
    const ms = performance.now() - t0;
    store.finishRun(manifest.runId, new Date().toISOString());
    finished = true;
    const trials = store.trialCount(manifest.runId);
    const evaluations = result.generations.reduce((a, g) => a + g.evaluations, 0);

    const outDir = resolve(io.cwd, flags.outdir, 'evolve');
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
      best: best === null ? null : describeScored(best),
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

    if (json) {
      io.stdout.write(`${JSON.stringify({ ...summary, outDir: join(outDir, manifest.runId), manifest }, null, 2)}\n`);
      return 0;
    }
    log('');
    log(`${evaluations} evaluations (${trials} trials in this search) in ${(ms / 1000).toFixed(1)} s${run.source.synthetic ? '  [SYNTHETIC DEMO DATA]' : ''}`);
    if (best !== null) {
      const o = best.result.objectives!;
      log(c.bold(`best ${best.candidate.fingerprint.slice(0, 12)}: fitness ${num(best.result.fitness, 3)} (Sharpe ${num(o.sharpe)}, ${pct(o.consistency, 0)} of splits positive, max DD ${pct(o.maxDrawdown)}, turnover ${num(o.turnover, 1)}x/yr, ${best.result.trades} trades)`));
      log(`  ${genomeText(best)}`);
      log(`  lineage: ${lineage.map((l) => `${l.fingerprint.slice(0, 8)} (${l.operator}, gen ${l.generation})`).join(' <- ')}`);
    } else {
      log(c.yellow('no genome survived the pruning checks'));
    }
    log(`Pareto front (Sharpe, consistency, drawdown, turnover): ${result.pareto.length} genomes`);
    log(`artifacts: ${join(flags.outdir, 'evolve', manifest.runId)}/ (manifest, summary, pareto, lineage_best, population_gen_NN); store ${flags.db}`);
    return 0;
  } finally {
    if (heartbeat !== null) clearInterval(heartbeat);
    // A run that stopped without finishing gives up its lease: it is interrupted, resumable.
    if (claimed && !finished) store.releaseRun(manifest.runId, owner);
    await evaluator?.close();
    store.close();
  }
}

function probability(raw: string, flag: string): number {
  const v = numberFlag(raw, flag, { min: 0 });
  if (v > 1) throw usageError('BAD_FLAG', `must be a probability in [0, 1], was ${v}`, { flag, value: raw });
  return v;
}

const COLUMNS = ['generation', 'best', 'median', 'diversity', 'evaluations', 'reused', 'pruned'];
const GENERATION_HEADER = COLUMNS.map((h) => h.padStart(11)).join(' ');

function generationLine(s: GenerationSummary): string {
  return [s.generation, num(s.best, 3), num(s.median, 3), num(s.diversity, 2), s.evaluations, s.reused, s.pruned].map((v) => String(v).padStart(11)).join(' ');
}

function genomeText(s: Scored): string {
  const g = s.candidate.genome;
  return g.kind === 'rules' ? describeRule(g.rule) : `${g.strategy} ${Object.entries(g.params).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

function describeScored(s: Scored) {
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
function lineageOf(fp: string, byFp: ReadonlyMap<string, Candidate>, generationOf: ReadonlyMap<string, number>) {
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
