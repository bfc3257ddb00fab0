/**
 * Evolve figures: whole `kobe evolve` processes on the goal workload (full universe, full period,
 * a fresh seeded search) on 1 and 2 worker threads, and the in-process evaluation rates on the
 * same market.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel, calendarRange, type MarketPanel } from '../backtest/panel.js';
import { sliceBars } from '../core/bar-series.js';
import { lowerBound } from '../core/calendar.js';
import { createRng } from '../core/rng.js';
import { inProcessEvaluator } from '../distributed/in-process-evaluator.js';
import { threadPoolEvaluator } from '../distributed/thread-pool.js';
import { runEvolution, type EvolveHooks } from '../evolution/evolve.js';
import { EvolveContext } from '../evolution/evolve-context.js';
import type { FitnessSettings } from '../evolution/fitness.js';
import { fingerprint } from '../evolution/fingerprint.js';
import type { Genome } from '../evolution/genome.js';
import { defaultParams } from '../strategies/params.js';
import { STRATEGIES } from '../strategies/registry.js';

import type { MeasuredRuns } from './measured-runs.js';

type Report = (what: string, figure: string, target?: string) => void;


type Measure = (args: (run: number) => readonly string[], cwd: string, label: string, n?: number) => MeasuredRuns;

/** The fresh search the goal rows name: ibs-rsi parameters, 3 generations of 20, seed 42. */
const GENERATIONS = 3;
const POPULATION = 20;

/**
 * `kobe evolve` as a user runs it, in its own process, warm cache, once per worker count: each run
 * gets a fresh database, so every genome is evaluated (nothing reused from an earlier run).
 * Evaluations/s is the run's own count (its summary.json) over the whole process's wall time,
 * start-up and market load included; peak RSS is the process's, worker threads included (they
 * share its address space).
 */
export function benchEvolveProcess(
  o: { readonly dataDir: string; readonly cacheDir: string; readonly work: string; readonly symbols: number; readonly start: string; readonly end: string },
  measure: Measure,
  report: Report,
): void {
  for (const workers of [1, 2]) {
    const dir = join(o.work, `evolve-${workers}`);
    mkdirSync(dir, { recursive: true });
    const args = (run: number) => [
      'evolve', '--strategy', 'ibs-rsi', '--generations', String(GENERATIONS), '--population', String(POPULATION), '--seed', '42', '--workers', String(workers),
      '--data-dir', o.dataDir, '--start', o.start, '--end', o.end, '--cache', o.cacheDir, '--outdir', join(dir, 'out'), '--db', join(dir, `kobe-${run}.db`),
    ];
    const r = measure(args, dir, `evolve --workers ${workers}`, 1);
    const runs = readdirSync(join(dir, 'out', 'evolve'));
    if (runs.length !== 1) throw new Error(`expected one evolve run folder in ${join(dir, 'out', 'evolve')}, found ${runs.length}`);
    const { evaluations } = JSON.parse(readFileSync(join(dir, 'out', 'evolve', runs[0], 'summary.json'), 'utf8')) as { evaluations: number };
    const workload = `kobe evolve ibs-rsi, ${o.symbols} symbols, ${o.start}..${o.end}, fresh GA ${GENERATIONS}x${POPULATION} seed 42, ${workers} worker${workers > 1 ? 's' : ''}, own process, warm cache`;
    report(
      `${workload} (${evaluations} evaluations)`,
      `${(evaluations / (r.wallMs / 1000)).toFixed(2)} evaluations/s (${(r.wallMs / 1000).toFixed(1)} s wall incl. start-up and load, ${(r.cpuMs / 1000).toFixed(1)} s CPU)`,
      workers === 2 ? 'target >= 20/s' : '',
    );
    report(`kobe evolve peak RSS, ${workers} worker${workers > 1 ? 's' : ''} (whole process, threads included)`, `${r.maxRssMb.toFixed(0)} MB`, 'target <= 1024 MB');
  }
}

/**
 * Evaluations per second of full-universe walk-forward genomes of ibs-rsi, as `kobe evolve`
 * runs them (indicators from 756 bars before the span), on 1 thread and on a pool of 2:
 * a real seeded search (4 generations of 20), and genomes that differ only in thresholds and
 * exits. In the benchmark's own process.
 */
export async function benchEvolve(panel: MarketPanel, range: { from: number; to: number }, report: Report): Promise<void> {
  const trimmedSeries = panel.series.map((s) => sliceBars(s, Math.max(0, lowerBound(s.day, panel.calendar[range.from]) - 756), s.day.length));
  const trimmedIndex = panel.index === null ? null : sliceBars(panel.index, Math.max(0, lowerBound(panel.index.day, panel.calendar[range.from]) - 756), panel.index.day.length);
  const trimmed = buildPanel(trimmedSeries, trimmedIndex);
  const span = calendarRange(trimmed, panel.calendar[range.from], panel.calendar[range.to])!;
  const settings: FitnessSettings = { ...span, trainDays: 252, testDays: 63, config: { ...DEFAULT_ENGINE_CONFIG, recordDecisions: false }, minTrainTrades: 10, blowUpFrac: 0.3 };
  const base = defaultParams(STRATEGIES['ibs-rsi'].params);
  const rng = createRng(7);
  const thresholdGenomes = Array.from({ length: 40 }, () => {
    const genome: Genome = { kind: 'params', strategy: 'ibs-rsi', params: { ...base, rsiEntry: 2 + rng.int(20), ibsEntry: Number((0.05 + 0.4 * rng.next()).toFixed(2)), timeExitBars: 2 + rng.int(8), stopAtrMult: 1 + rng.int(4) } };
    return { genome, fingerprint: fingerprint(genome) };
  });
  for (const threads of [1, 2]) {
    const make = () => {
      const ctx = new MarketContext(trimmed, span);
      return threads === 1 ? inProcessEvaluator(EvolveContext.over(ctx), settings) : threadPoolEvaluator(ctx, settings, threads);
    };
    let evaluator = make();
    try {
      let n = 0;
      const t0 = performance.now();
      const hooks: EvolveHooks = { cached: () => null, saved: () => n++, trials: () => undefined, generationDone: () => undefined };
      await runEvolution({ space: { kind: 'params', strategy: 'ibs-rsi' }, ga: { population: 20, elite: 2, tournament: 3, crossoverRate: 0.8, mutationRate: 0.2, seed: 42 }, generations: 4, evaluator, hooks });
      report(`evolve ibs-rsi, seeded 4x20 search, ${threads} worker${threads > 1 ? 's' : ''} (${n} evals)`, `${(n / ((performance.now() - t0) / 1000)).toFixed(1)} evaluations/s`, threads === 2 ? 'target >= 20/s on 2 cores' : '');
    } finally {
      await evaluator.close();
    }
    evaluator = make();
    try {
      let n = 0;
      // Warm each thread (JIT, buffers) with one genome, then time the rest.
      await evaluator.evaluate(thresholdGenomes.slice(0, threads), () => undefined);
      const t0 = performance.now();
      await evaluator.evaluate(thresholdGenomes.slice(threads), () => n++);
      report(`evolve ibs-rsi, threshold/exit genomes, warm threads, ${threads} worker${threads > 1 ? 's' : ''}`, `${(n / ((performance.now() - t0) / 1000)).toFixed(1)} evaluations/s`, threads === 2 ? 'target >= 20/s on 2 cores' : '');
    } finally {
      await evaluator.close();
    }
  }
}

