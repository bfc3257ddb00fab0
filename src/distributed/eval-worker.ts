import { parentPort, workerData } from 'node:worker_threads';
import { buildPanel } from '../backtest/panel.js';
import { viewSharedBars, type SharedBars } from '../core/shared-bars.js';
import { EvolveContext } from '../evolution/evolve-context.js';
import { evaluateGenome, type FitnessSettings } from '../evolution/fitness.js';
import type { Genome } from '../evolution/genome.js';

/** What a pool thread is started with: the market in shared memory and how to judge genomes. */
export interface PoolWorkerData {
  readonly bars: SharedBars;
  /** Position of the index in `bars`, or -1; the index is not traded. */
  readonly indexAt: number;
  readonly span: { readonly from: number; readonly to: number };
  readonly settings: FitnessSettings;
}

// The panel rebuilt here equals the main thread's (same series, same construction), and every
// evaluation is pure, so a genome scores the same on any thread.
const data = workerData as PoolWorkerData;
const all = viewSharedBars(data.bars);
const index = data.indexAt >= 0 ? all[data.indexAt] : null;
const ctx = new EvolveContext(buildPanel(all.filter((_, i) => i !== data.indexAt), index), data.span);

parentPort!.on('message', (msg: { fingerprint: string; genome: Genome }) => {
  try {
    parentPort!.postMessage({ ok: true, result: evaluateGenome(ctx, msg.genome, data.settings) });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ ok: false, fingerprint: msg.fingerprint, message: err.stack ?? err.message });
  }
});
