import type { EngineConfig } from '../backtest/config.js';
import { inputError } from '../core/errors.js';
import type { AppContext } from './context.js';
import type { Manifest } from './manifest.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import { decodeMarketSpec, type MarketSpec } from './market-spec.js';
import { decodeEngineConfig } from './run-spec.js';

/** The engine configuration a run recorded in its manifest, decoded and checked. */
export function engineFromManifest(m: Manifest): EngineConfig {
  return decodeEngineConfig(m.engine);
}

/** Where a replay may differ from the recorded run: the data folder moved, a cache, a later end. */
export interface ReplayOverrides {
  readonly cache?: string;
  readonly dataDir?: string;
  readonly end?: string;
  readonly start?: string;
}

/** The market spec that loads the data a manifest recorded (its symbols exactly, its dates). */
export function marketSpecOfManifest(m: Manifest, o: ReplayOverrides = {}): MarketSpec {
  const d = m.data;
  return decodeMarketSpec({
    dataDir: d.kind === 'files' ? (o.dataDir ?? d.dataDir) : null,
    symbols: d.symbols,
    index: d.index,
    start: o.start ?? d.start,
    end: o.end ?? d.end,
    cache: o.cache ?? null,
    onBadData: d.badDataPolicy,
    adjust: d.adjust,
    corporateActions: d.corporateActionsFile,
    seed: d.demoSeed ?? m.seed,
    historyBars: d.historyBars,
  });
}

/**
 * Loads the market a recorded run used, from its manifest, and proves it is the same data: a
 * promotion or review judged on other bars than the search saw would be meaningless.
 * `end` overrides the last session (a review looks at the latest data).
 */
export async function marketFromManifest(m: Manifest, ctx: AppContext, opts: ReplayOverrides & { checkHash: boolean }): Promise<LoadedRun> {
  const run = await loadRunMarket(marketSpecOfManifest(m, opts), ctx);
  if (opts.checkHash && run.source.dataHash !== m.data.dataHash) {
    throw inputError('DATA_CHANGED', `the data no longer matches run ${m.runId} (hash ${run.source.dataHash.slice(0, 12)}, recorded ${m.data.dataHash.slice(0, 12)})`, {
      hint: `promote against the data the search ran on (${ctx.param('dataDir')}), or run the search again`,
    });
  }
  return run;
}
