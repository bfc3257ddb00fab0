import { sha256Hex, stableStringify } from '../core/stable-json.js';
import type { EngineConfig } from '../backtest/config.js';

/**
 * Everything an evaluation depends on, as plain data: enough for a worker on another machine to
 * rebuild the same market (and prove it via the data hash) and judge a genome the same way. Its
 * hash keys the evaluation store, so results are reused only under identical conditions.
 */
export interface EvalContextSpec {
  readonly kobeVersion: string;
  readonly market: {
    readonly kind: 'demo' | 'files';
    readonly dataDir: string | null;
    readonly demoSeed: number | null;
    readonly symbols: readonly string[];
    readonly index: string | null;
    readonly badDataPolicy: string;
    readonly dataHash: string;
    readonly historyBars: number | null;
    readonly start: string;
    readonly end: string;
  };
  readonly engine: EngineConfig;
  readonly trainDays: number;
  readonly testDays: number;
  readonly minTrainTrades: number;
  readonly blowUpFrac: number;
}

export function contextHash(spec: EvalContextSpec): string {
  // Position limits that are off are left out of the hash, as the manifest leaves them out of its
  // engine: evaluations stored and run ids given before the limits existed stay valid.
  const { limits, ...engine } = spec.engine;
  const off = limits.maxSymbolWeight === null && limits.maxCorrelation === null;
  return sha256Hex(stableStringify(off ? { ...spec, engine } : spec));
}
