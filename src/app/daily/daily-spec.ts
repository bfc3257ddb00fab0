import type { ScanLeg } from '../scan/scan-signals.js';
import type { MixSlot } from '../scan/rank.js';
import type { ScanGateThresholds } from '../../risk/scan-gates.js';
import type { MarketSpec } from '../market-spec.js';

/**
 * The steps of one trading day, in the order they run. The morning half reads the previous
 * session's close and sends orders; the end-of-day half needs the day's own bar.
 *
 *   refresh     fetch the universe's new bars (skipped in a replay: local data)
 *   verify      the data check of every run, over the universe
 *   scan        the scan of the previous session: signals, gates, Top-3, trade of the day
 *   exits       exits the engine would decide at that close: time exits, strategy exit signals
 *   submit      entries for the picks (trade of the day, or the Top-3)
 *   close-refresh  after the close: fetch the day's bar (skipped in a replay)
 *   fill        the paper broker meets the day's bar: orders fill, protective stops and targets trigger
 *   reconcile   the OMS against the broker: orders, fills, positions
 *   report      the end-of-day report: account, P&L, drift, anomalies, champion/challenger
 */
export const DAILY_STEPS = ['refresh', 'verify', 'scan', 'exits', 'submit', 'close-refresh', 'fill', 'reconcile', 'report'] as const;
export type DailyStep = (typeof DAILY_STEPS)[number];

export const MORNING_STEPS: ReadonlySet<DailyStep> = new Set(['refresh', 'verify', 'scan', 'exits', 'submit']);

export type SubmitMode = 'trade-of-day' | 'top3' | 'none';
export type ChallengerPolicy = 'champion-primary' | 'shadow-only';

export interface ChallengerSpec {
  readonly legs: readonly ScanLeg[];
  readonly policy: ChallengerPolicy;
  /** Salt of the arm assignment (champion-challenger.ts assignArm). */
  readonly salt: string;
}

export interface DailySpec {
  /** The trading day to run, YYYY-MM-DD: a replay on local data. Null: today (New York), live. */
  readonly date: string | null;
  /** Run only these steps (markers still apply unless `rerun`). Null: all. */
  readonly steps: readonly DailyStep[] | null;
  /** Run the chosen steps again even when marked done. */
  readonly rerun: boolean;
  readonly market: MarketSpec;
  readonly db: string;
  readonly stateDir: string;
  readonly logsDir: string;
  readonly reportsDir: string;
  readonly audit: string;
  /** paper (default) or alpaca. */
  readonly broker: string;
  readonly submit: SubmitMode;
  /** Strategies; null: the production roster, else ibs-rsi and turtle-soup defaults (as kobe scan). */
  readonly legs: readonly ScanLeg[] | null;
  readonly gates: ScanGateThresholds;
  readonly regimeSmaPeriod: number;
  readonly mix: readonly MixSlot[];
  readonly minConfidence: number;
  /** Cash of a new paper account. */
  readonly capitalUsd: number;
  /** Marketable limit buffer of the pipeline's IOC orders (fraction of the quote). */
  readonly limitBufferFrac: number;
  /** The order gates' limits for this account (the rest keep DEFAULT_ORDER_GATE_CONFIG). */
  readonly orderLimits: { readonly maxOrderUsd: number; readonly maxDailyUsd: number; readonly maxPositionFrac: number; readonly dailyLossLimitUsd: number; readonly maxConsecutiveLosses: number };
  /** Providers for refresh, in fallback order. */
  readonly providers: readonly string[];
  readonly challenger: ChallengerSpec | null;
  /** Rolling window of the drift monitor (trades). */
  readonly driftWindow: number;
  /**
   * TEST HOOKS, not flags: called right after the broker answered a submit (before the OMS
   * records it) and after each step's marker is written. The CLI wires them to a SIGKILL of its
   * own process so the tests can crash a real run at the worst moments.
   */
  readonly hooks?: { readonly afterBrokerSubmit?: () => void; readonly afterStep?: (step: DailyStep) => void };
}
