import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { formatFillModel, formatSizing, type EngineConfig } from '../backtest/config.js';
import type { MarketSource } from './market-source.js';
import { KOBE_VERSION } from './version.js';

/**
 * What a run depends on, and nothing else: no timestamps, no host names. Same data, config and
 * seed give the same manifest, the same run id and byte-identical artifacts.
 */
export interface Manifest {
  readonly kobeVersion: string;
  readonly command: string;
  readonly seed: number;
  readonly data: MarketSource & { readonly start: string; readonly end: string };
  readonly engine: ReturnType<typeof engineConfigJson>;
  readonly run: Readonly<Record<string, unknown>>;
  readonly runId: string;
}

export function engineConfigJson(c: EngineConfig) {
  return {
    initialCapitalUsd: c.initialCapital,
    maxPositions: c.maxPositions,
    sizing: formatSizing(c.sizing),
    fill: formatFillModel(c.fill),
    commissionPerOrderUsd: c.costs.commissionPerOrderUsd,
    commissionPerShareUsd: c.costs.commissionPerShareUsd,
    slippageBps: c.costs.slippageBps,
    regimeFilter: c.regimeFilter.enabled,
    regimeSmaPeriod: c.regimeFilter.smaPeriod,
  };
}

export function makeManifest(parts: Omit<Manifest, 'runId' | 'kobeVersion'>): Manifest {
  const body = { kobeVersion: KOBE_VERSION, ...parts };
  const runId = sha256Hex(stableStringify(body)).slice(0, 16);
  return { ...body, runId };
}
