import { hostname } from 'node:os';
import type { Command } from 'commander';
import { KobeError, usageError } from '../../core/errors.js';
import { runWorker } from '../../distributed/pg-queue.js';
import { evaluateGenome, type FitnessSettings } from '../../evolution/fitness.js';
import type { CliIo } from '../io.js';
import type { LoadedRun } from '../../app/market.js';
import { loadEvalContext } from '../../app/eval-context-load.js';
import { cliContext } from '../market-flags.js';
import { numberFlag } from '../options.js';
import { logger } from '../render.js';
import { EVOLVE_QUEUE, type EvalJobPayload } from '../../app/evolve-queue.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: string;
  dataDir?: string;
  cache?: string;
  idleExit?: string;
  dotenv: string;
}

export function registerWorker(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('worker')
    .description('evaluate `kobe evolve --queue` genomes from a PostgreSQL queue until stopped (Ctrl-C finishes the current job)')
    .requiredOption('--queue <url>', 'PostgreSQL URL, e.g. postgres://user@host:5432/db')
    .option('--queue-name <name>', 'queue name shared with the coordinator', EVOLVE_QUEUE)
    .option('--concurrency <n>', 'jobs evaluated at once by this process', '1')
    .option('--data-dir <dir>', "this machine's copy of the coordinator's data folder (the data hash must match)")
    .option('--cache <dir>', 'binary bar cache folder')
    .option('--idle-exit <seconds>', 'stop after this many seconds without a job (default: run until stopped)')
    .option('--dotenv <file>', 'environment file', '.env')
    .action(async (flags: WorkerFlags) => {
      setExit(await runKobeWorker(flags, io));
    });
}

async function runKobeWorker(flags: WorkerFlags, io: CliIo): Promise<number> {
  const log = logger(io, true);
  const concurrency = numberFlag(flags.concurrency, '--concurrency', { integer: true, positive: true });
  const idleMs = flags.idleExit === undefined ? null : numberFlag(flags.idleExit, '--idle-exit', { positive: true }) * 1000;
  const workerId = `${hostname()}:${process.pid}`;
  // One market at a time: a worker serves one search at a time in practice.
  let loaded: { hash: string; run: LoadedRun; settings: FitnessSettings } | null = null;
  const contextFor = async (payload: EvalJobPayload) => {
    if (loaded?.hash === payload.contextHash) return loaded;
    const { run, settings } = await loadEvalContext(payload, { dataDir: flags.dataDir, cache: flags.cache }, cliContext(io, () => undefined, { path: flags.dotenv, explicit: false }));
    loaded = { hash: payload.contextHash, run, settings };
    log(`worker ${workerId}: loaded ${run.ctx.panel.series.length} symbols for context ${payload.contextHash.slice(0, 12)}`);
    return loaded;
  };

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let idleTimer: NodeJS.Timeout | null = null;
  const armIdle = () => {
    if (idleMs === null) return;
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop.abort(), idleMs);
  };
  armIdle();
  let jobs = 0;
  log(`worker ${workerId}: waiting for jobs on queue ${flags.queueName}`);
  try {
    await runWorker(flags.queue, {
      queue: flags.queueName,
      workerId,
      concurrency,
      signal: stop.signal,
      handler: async (payload) => {
        if (idleTimer !== null) clearTimeout(idleTimer);
        const job = payload as EvalJobPayload;
        if (job?.spec === undefined || job.genome === undefined) throw usageError('BAD_JOB', 'not a kobe evolve job');
        const { run, settings } = await contextFor(job);
        const result = evaluateGenome(run.ctx, job.genome, settings);
        if (result.fingerprint !== job.fingerprint) throw new KobeError('FINGERPRINT_MISMATCH', `genome evaluates as ${result.fingerprint}, job says ${job.fingerprint}`);
        return result;
      },
      onJob: (key, ms) => {
        jobs++;
        log(`worker ${workerId}: ${key.split(':')[1]?.slice(0, 12)} in ${ms.toFixed(0)} ms`);
        armIdle();
      },
      onError: (e) => log(`worker ${workerId}: ${e.message}`),
    });
  } finally {
    if (idleTimer !== null) clearTimeout(idleTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log(`worker ${workerId}: stopped after ${jobs} jobs`);
  return 0;
}
