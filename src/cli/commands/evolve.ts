import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { EVOLVE_QUEUE } from '../../app/evolve-queue.js';
import { genomeText, runEvolveJob } from '../../app/evolve-run.js';
import { writeFolderReport } from '../../app/report/run-report.js';
import { decodeEvolveSpec } from '../../app/run-spec.js';
import type { GenerationSummary } from '../../evolution/evolve.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { dataCheckLines } from '../data-check-lines.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addEngineOptions, addMarketOptions, engineConfigFromFlags, numberFlag, type EngineFlags } from '../options.js';
import { flagName } from '../param-flags.js';
import { logger, makeChalk, num, pct, Progress } from '../render.js';

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
  report?: boolean;
}

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
    .option('--outdir <dir>', 'artifact folder (the run goes to <outdir>/evolve/<run id>/)', 'wf_outputs')
    .option('--report', 'also write report.html in the run folder (fitness by generation, Pareto front, lineage; as kobe report RUN_ID)');
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
  const evolve = decodeEvolveSpec(
    {
      space: (flags.strategy === undefined) === (flags.rules !== true) ? undefined : flags.rules ? { kind: 'rules' } : { kind: 'params', strategy: flags.strategy },
      generations: flags.generations,
      population: flags.population,
      elite: flags.elite,
      tournament: flags.tournament,
      crossoverRate: flags.crossoverRate,
      mutationRate: flags.mutationRate,
      seed: flags.seed,
      trainDays: flags.trainDays,
      testDays: flags.testDays,
      minTrainTrades: flags.minTrainTrades,
      blowUpPct: flags.blowUpPct,
    },
    flagName,
  );
  const workers = numberFlag(flags.workers, '--workers', { integer: true, positive: true });
  const config = engineConfigFromFlags(flags);
  // Three years of history before the start, so a new indicator costs a few years of bars, not
  // the whole archive. A Wilder average's memory of older bars decays as (1 - 1/n)^756: below
  // 1e-16 for n <= 20, 2e-7 at n = 50. `kobe wf --history-bars 756` reproduces a fitness exactly.
  const market = marketSpecFromFlags({ ...flags, historyBars: flags.historyBars ?? '756' });
  const queue = flags.queue === undefined ? null : { url: flags.queue, name: flags.queueName, leaseSeconds: numberFlag(flags.queueLease, '--queue-lease', { integer: true, positive: true }) };
  let progress: Progress | null = null;
  const job = await runEvolveJob(
    { market, config, evolve, workers, queue, resume: flags.resume === true, outDir: flags.outdir, db: flags.db },
    cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }),
    {
      loaded: (run) => {
        for (const line of dataCheckLines(run)) log(line);
      },
      generationStarted: (g, n) => {
        progress = new Progress(io, `generation ${g}`, n);
      },
      progress: (done) => progress?.tick(done),
      generationDone: (summary) => {
        progress?.end();
        if (!json) {
          if (summary.generation === 0) log(c.bold(GENERATION_HEADER));
          log(generationLine(summary));
        }
      },
    },
  );
  const { manifest, run, result, summary, best, lineage, trials, evaluations, ms, runDir } = job;
  const report = flags.report === true ? writeFolderReport('evolve', runDir) : null;
  {
    if (json) {
      io.stdout.write(`${JSON.stringify({ ...summary, outDir: runDir, manifest, ...(report === null ? {} : { report }) }, null, 2)}\n`);
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
    if (report !== null) log(`report: ${relative(io.cwd, report) || report}`);
    return 0;
  }
}

const COLUMNS = ['generation', 'best', 'median', 'diversity', 'evaluations', 'reused', 'pruned'];
const GENERATION_HEADER = COLUMNS.map((h) => h.padStart(11)).join(' ');

function generationLine(s: GenerationSummary): string {
  return [s.generation, num(s.best, 3), num(s.median, 3), num(s.diversity, 2), s.evaluations, s.reused, s.pruned].map((v) => String(v).padStart(11)).join(' ');
}
