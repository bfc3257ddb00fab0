import type { EngineConfig } from '../backtest/config.js';
import { inputError } from '../core/errors.js';
import type { CliIo } from './io.js';
import type { Manifest } from './manifest.js';
import { loadRunMarket, type LoadedRun } from './market-source.js';
import { engineConfigFromFlags } from './options.js';

/** The engine configuration a run recorded in its manifest. */
export function engineFromManifest(m: Manifest): EngineConfig {
  const e = m.engine;
  return engineConfigFromFlags({
    capital: String(e.initialCapitalUsd),
    maxPositions: String(e.maxPositions),
    sizing: e.sizing,
    fill: e.fill,
    commissionPerOrder: String(e.commissionPerOrderUsd),
    commissionPerShare: String(e.commissionPerShareUsd),
    slippageBps: String(e.slippageBps),
    regimeFilter: e.regimeFilter,
    regimeSma: String(e.regimeSmaPeriod),
  });
}

/**
 * Loads the market a recorded run used, from its manifest, and proves it is the same data: a
 * promotion or review judged on other bars than the search saw would be meaningless.
 * `end` overrides the last session (a review looks at the latest data).
 */
export async function marketFromManifest(
  m: Manifest,
  io: CliIo,
  log: (line: string) => void,
  opts: { cache?: string; dataDir?: string; end?: string; start?: string; checkHash: boolean },
): Promise<LoadedRun> {
  const d = m.data;
  const run = await loadRunMarket(
    {
      dataDir: d.kind === 'files' ? (opts.dataDir ?? d.dataDir ?? undefined) : undefined,
      symbols: d.symbols.join(','),
      index: d.index ?? undefined,
      start: opts.start ?? d.start,
      end: opts.end ?? d.end,
      cache: opts.cache,
      onBadData: d.badDataPolicy,
      adjust: d.adjust,
      corporateActions: d.corporateActionsFile ?? undefined,
      seed: String(d.demoSeed ?? m.seed),
      dotenv: '.env',
      historyBars: d.historyBars === null ? undefined : String(d.historyBars),
    },
    io,
    log,
    false,
  );
  if (opts.checkHash && run.source.dataHash !== d.dataHash) {
    throw inputError('DATA_CHANGED', `the data no longer matches run ${m.runId} (hash ${run.source.dataHash.slice(0, 12)}, recorded ${d.dataHash.slice(0, 12)})`, {
      hint: 'promote against the data the search ran on (--data-dir), or run the search again',
    });
  }
  return run;
}
