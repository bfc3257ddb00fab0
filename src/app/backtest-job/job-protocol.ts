import type { Genome } from '../../evolution/genome.js';
import type { MarketSpec } from '../market-spec.js';
import type { EngineConfigJson, WalkForwardSpec } from '../run-spec.js';
import type { StrategyRow } from './latest-doc.js';

/** What the job's thread starts with: plain data only (no functions cross a thread). */
export interface JobWorkerData {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly market: MarketSpec;
  readonly engine: EngineConfigJson;
  readonly legs: readonly { readonly name: string; readonly genome: Genome; readonly params: Readonly<Record<string, number>> }[];
  readonly tune: boolean;
  readonly windows: WalkForwardSpec;
  readonly outDir: string;
  readonly db: string;
  /** Test hook: hold between strategies until this file exists. */
  readonly holdFile: string | null;
}

/** What the thread reports, in order: logs, loaded, folds and strategies, then done or failed. */
export type JobMessage =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'loaded'; readonly window: { readonly start: string; readonly end: string }; readonly synthetic: boolean }
  | { readonly type: 'fold'; readonly strategy: string; readonly done: number; readonly total: number }
  | { readonly type: 'strategy'; readonly name: string; readonly row: StrategyRow }
  | { readonly type: 'done'; readonly runId: string }
  | { readonly type: 'failed'; readonly error: { readonly code: string; readonly message: string } };
