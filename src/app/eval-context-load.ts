import { KobeError } from '../core/errors.js';
import { contextHash } from '../evolution/eval-context.js';
import { EvolveContext } from '../evolution/evolve-context.js';
import type { FitnessSettings } from '../evolution/fitness.js';
import type { EvalJobPayload } from './evolve-queue.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import { decodeMarketSpec } from './market-spec.js';
import type { AppContext } from './context.js';

/**
 * The market and fitness settings a queued evaluation is judged with, from the job's context
 * spec: the job's hash must match its spec, and this machine's data (`where.dataDir`, its copy
 * of the coordinator's folder) must hash to what the coordinator loaded.
 */
export async function loadEvalContext(payload: EvalJobPayload, where: { readonly dataDir?: string; readonly cache?: string }, ctx: AppContext): Promise<{ run: LoadedRun; settings: FitnessSettings }> {
    const { spec } = payload;
    if (contextHash(spec) !== payload.contextHash) throw new KobeError('BAD_JOB', 'job context does not match its hash');
    const m = spec.market;
    const market = decodeMarketSpec({
      dataDir: m.kind === 'files' ? (where.dataDir ?? m.dataDir) : null,
      symbols: m.symbols,
      index: m.index,
      start: m.start,
      end: m.end,
      cache: where.cache,
      onBadData: m.badDataPolicy,
      seed: m.demoSeed ?? 0,
      historyBars: m.historyBars,
    });
    const run = await loadRunMarket(market, ctx);
    if (run.source.dataHash !== m.dataHash) {
      throw new KobeError('DATA_MISMATCH', `this worker's data (hash ${run.source.dataHash.slice(0, 12)}) differs from the coordinator's (${m.dataHash.slice(0, 12)})`, {
        hint: `point ${ctx.param('dataDir')} at an identical copy of the data`,
      });
    }
    // Judged in an evolve context (one reused book, indicators per symbol), as `kobe evolve` judges it.
    const judged: LoadedRun = { ...run, ctx: EvolveContext.over(run.ctx) };
    const settings: FitnessSettings = { from: run.from, to: run.to, trainDays: spec.trainDays, testDays: spec.testDays, config: spec.engine, minTrainTrades: spec.minTrainTrades, blowUpFrac: spec.blowUpFrac };
    return { run: judged, settings };
}
