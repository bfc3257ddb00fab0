import { Worker } from 'node:worker_threads';
import type { MarketContext } from '../backtest/market-context.js';
import { KobeError } from '../core/errors.js';
import { shareBars } from '../core/shared-bars.js';
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
        const pending = [...items];
        let running = 0;
        let failed = false;
        const feed = (w: Worker) => {
          if (failed) return;
          if (pending.length === 0) {
            if (running === 0) resolve();
            return;
          }
          // Threads keep no indicators from one genome to the next (EvolveContext), so any thread
          // takes the next genome.
          const item = pending.shift()!;
          running++;
          w.once('message', (reply: Reply) => {
            running--;
            if (!reply.ok) {
              failed = true;
              reject(new KobeError('EVALUATION_FAILED', `evaluating genome ${reply.fingerprint.slice(0, 12)} failed: ${reply.message}`));
              return;
            }
            onResult(reply.result);
            feed(w);
          });
          w.postMessage(item);
        };
        workers.forEach((w) => feed(w));
        if (items.length === 0) resolve();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
