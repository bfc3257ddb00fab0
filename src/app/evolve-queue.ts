import { openCoordinator } from '../distributed/pg-queue.js';
import { KobeError } from '../core/errors.js';
import type { EvalContextSpec } from '../evolution/eval-context.js';
import type { Evaluator } from '../evolution/evolve.js';
import type { EvalResult } from '../evolution/fitness.js';
import type { Genome } from '../evolution/genome.js';

/** The PostgreSQL queue `kobe evolve --queue` and `kobe worker` share unless told otherwise. */
export const EVOLVE_QUEUE = 'kobe-evolve';

/** What travels to a worker: the genome and everything needed to judge it the same way. */
export interface EvalJobPayload {
  readonly spec: EvalContextSpec;
  readonly contextHash: string;
  readonly fingerprint: string;
  readonly genome: Genome;
}

/**
 * Evaluations through PostgreSQL: each genome is a job keyed by (context hash, fingerprint), so
 * a restarted coordinator resubmits nothing that is queued or done, and any number of
 * `kobe worker` processes on any machines take jobs until none are left. A job whose worker dies
 * is retried by another when its lease runs out.
 */
export async function queueEvaluator(
  url: string,
  spec: EvalContextSpec,
  contextHash: string,
  opts: { queue: string; leaseSeconds: number; onError?: (e: Error) => void },
): Promise<Evaluator> {
  const coordinator = await openCoordinator(url, { queue: opts.queue, jobTimeoutSeconds: opts.leaseSeconds, onError: opts.onError });
  return {
    async evaluate(items, onResult) {
      if (items.length === 0) return;
      const keys = items.map((i) => `${contextHash}:${i.fingerprint}`);
      await coordinator.submit(items.map((i, k) => ({ key: keys[k], payload: { spec, contextHash, fingerprint: i.fingerprint, genome: i.genome } satisfies EvalJobPayload })));
      await coordinator.waitFor(keys, {
        onResult: (key, result) => {
          const r = result as EvalResult;
          if (`${contextHash}:${r.fingerprint}` !== key) {
            throw new KobeError('QUEUE_RESULT_MISMATCH', `the result stored for ${key} is for genome ${r.fingerprint}`);
          }
          onResult(r);
        },
      });
    },
    close: () => coordinator.close(),
  };
}
