import { Worker } from 'node:worker_threads';
import type { MarketContext } from '../backtest/market-context.js';
import { KobeError } from '../core/errors.js';
import { hash32 } from '../core/rng.js';
import { shareBars } from '../core/shared-bars.js';
import type { Genome } from '../evolution/genome.js';
import type { Evaluator } from '../evolution/evolve.js';
import type { EvalResult, FitnessSettings } from '../evolution/fitness.js';
import type { PoolWorkerData } from './eval-worker.js';

type Reply = { ok: true; result: EvalResult } | { ok: false; fingerprint: string; message: string };

/**
 * Worker threads need compiled JavaScript. Running from TypeScript sources (the test suite),
 * the pool uses dist/, which the suite's global setup has just built from the same sources.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/distributed/eval-worker.js', here) : new URL('./eval-worker.js', here);
}

/**
 * The thread a genome should go to: genomes whose whole-number genes (indicator periods, for
 * every strategy kobe has) agree share their indicator arrays, so sending them to the same
 * thread lets its memo answer instead of computing the same arrays twice. Only a preference:
 * an idle thread takes any work.
 */
function affinity(genome: Genome, threads: number): number {
  const key = genome.kind === 'params' ? Object.entries(genome.params).filter(([, v]) => Number.isInteger(v)).map(([k, v]) => `${k}=${v}`).join(',') : JSON.stringify(genome.rule.entry);
  return hash32(key) % threads;
}

/**
 * A pool of worker threads over one market in shared memory, each judging genomes in its own
 * EvolveContext. Work is handed out one genome at a time to whichever thread is free.
 */
export function threadPoolEvaluator(ctx: MarketContext, settings: FitnessSettings, threads: number): Evaluator {
  const { panel } = ctx;
  const series = panel.index === null ? [...panel.series] : [...panel.series, panel.index];
  const data: PoolWorkerData = { bars: shareBars(series), indexAt: panel.index === null ? -1 : series.length - 1, span: ctx.span, settings };
  let failCurrent: ((e: Error) => void) | null = null;
  const workers = Array.from({ length: threads }, () => {
    const w = new Worker(workerUrl(), { workerData: data });
    w.on('error', (e) => failCurrent?.(e));
    return w;
  });
  return {
    evaluate(items, onResult) {
      return new Promise<void>((resolve, reject) => {
        failCurrent = (e) => {
          failed = true;
          reject(e);
        };
        const pending = items.map((item) => ({ item, home: affinity(item.genome, workers.length) }));
        let running = 0;
        let failed = false;
        const feed = (w: Worker, index: number) => {
          if (failed) return;
          if (pending.length === 0) {
            if (running === 0) resolve();
            return;
          }
          // Prefer a genome whose indicators this thread has most likely computed already.
          let k = pending.findIndex((x) => x.home === index);
          if (k < 0) k = 0;
          const { item } = pending.splice(k, 1)[0];
          running++;
          w.once('message', (reply: Reply) => {
            running--;
            if (!reply.ok) {
              failed = true;
              reject(new KobeError('EVALUATION_FAILED', `evaluating genome ${reply.fingerprint.slice(0, 12)} failed: ${reply.message}`));
              return;
            }
            onResult(reply.result);
            feed(w, index);
          });
          w.postMessage(item);
        };
        workers.forEach((w, index) => feed(w, index));
        if (items.length === 0) resolve();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
