import type { AllocationEvent, TradeRecordColumns } from '../portfolio/sleeves.js';
import type { DenialCode } from '../risk/denials.js';
import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineConfig } from './config.js';
import type { TradeRecord } from './metrics.js';
import type { MarketPanel } from './panel.js';
import type { SignalBook } from './signal-book.js';

/** What the engine loop (`engine.ts`) takes and returns. */

/** One strategy with its parameters and precomputed signals, trading in the shared account. */
export interface EngineLeg {
  readonly strategy: Strategy;
  readonly params: Params;
  readonly book: SignalBook;
}

export interface EngineInput {
  readonly panel: MarketPanel;
  readonly legs: readonly EngineLeg[];
  readonly config: EngineConfig;
  /** Calendar index range traded, inclusive; bars before `from` only warm indicators up. */
  readonly from: number;
  readonly to: number;
  /** Per calendar index: 1 = index above its SMA (longs allowed), 0 = below; null = no filter. */
  readonly regime: Uint8Array | null;
  /**
   * Kelly sizing only: each leg's trade record, in leg order (`backtest` builds them: the
   * strategy run on its own, after its earlier out-of-sample trades). A rebalance reads the trades
   * closed by its close.
   */
  readonly kellyRecords?: readonly TradeRecordColumns[];
}

/** Why an entry signal did or did not become an order (and, for NO_FILL_BAR/INSUFFICIENT_CASH, a fill). */
export interface Decision {
  readonly day: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  readonly admitted: boolean;
  readonly code: DenialCode | null;
  readonly detail: string;
}

export interface Trade extends TradeRecord {
  readonly strategy: string;
  readonly entrySignalDay: number;
}

export interface EngineResult {
  /** Session days [from..to] and the account marked at each close. */
  readonly days: Int32Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  /** Sum of |shares x last close| over open positions at each close, USD (0 when flat). */
  readonly grossExposureUsd: Float64Array;
  /** grossExposureUsd / equity (0 when equity is not positive). */
  readonly exposureFrac: Float64Array;
  readonly openPositions: Int32Array;
  readonly trades: Trade[];
  readonly decisions: Decision[];
  readonly denials: Record<DenialCode, number>;
  readonly entrySignals: number;
  readonly exitSignals: number;
  readonly ordersFilled: number;
  readonly feesPaidUsd: number;
  readonly slippageUsd: number;
  readonly initialCapital: number;
  readonly finalEquity: number;
  /** Admitted orders that `limits.maxSymbolWeight` made smaller. */
  readonly sizeClamps: number;
  /** Every rebalance of the strategy sleeves under Kelly sizing; null in other sizing modes. */
  readonly allocation: readonly AllocationEvent[] | null;
}
