import type { BarSeries } from '../core/bar-series.js';
import type { IndicatorMemo } from './indicator-memo.js';
import type { ParamSchema, Params } from './params.js';

/** What `decide` returns for a bar: nothing, open a position, or close this strategy's position. */
export const SIGNAL_NONE = 0;
export const SIGNAL_LONG = 1;
export const SIGNAL_SHORT = -1;
export const SIGNAL_EXIT = 2;
export type SignalCode = typeof SIGNAL_NONE | typeof SIGNAL_LONG | typeof SIGNAL_SHORT | typeof SIGNAL_EXIT;

/**
 * A strategy is a value (backtesting.py's init/next split): `prepare` computes indicator arrays
 * once per symbol, `decide` is a tiny pure rule for bar i that may read prepared arrays and bars
 * at indices <= i only. Strategies never size, fill or gate: stops, targets and time exits are
 * engine features, parameterised by the shared exit parameters every schema includes.
 */
export interface Strategy<Prep = unknown> {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly params: ParamSchema;
  /** The small grid `kobe wf` tunes over on each train window. */
  readonly tuneGrid: Readonly<Record<string, readonly number[]>>;
  /**
   * Parameters that only move the rule's thresholds, each with the direction that loosens it:
   * 'up' means raising the value never removes a bar from the bars that signal anything (any
   * code but none). Grid points that differ only in these are scanned once, at their loosest
   * point, and each point is decided on those candidate bars alone (scanSignalsGrid). A property
   * test holds every strategy to its claim; omit a parameter when in doubt.
   */
  readonly thresholds?: Readonly<Record<string, 'up' | 'down'>>;
  /** Bars of history needed before the first signal can be trusted. */
  warmupBars(p: Params): number;
  /** Cross-parameter checks (e.g. fast < slow); returns a problem or null. */
  validate?(p: Params): string | null;
  prepare(series: BarSeries, p: Params, memo: IndicatorMemo): Prep;
  decide(prep: Prep, i: number, p: Params): SignalCode;
  /**
   * Optional batch face of `decide` for bars [from, to): writes each bar's code into out[i - from].
   * It exists for speed (no call per bar) and must equal `decide` bar for bar; a property test
   * holds every strategy to that.
   */
  decideRange?(prep: Prep, p: Params, from: number, to: number, out: Int8Array): void;
  /** Strength of an entry signal at bar i: higher ranks first when slots are scarce. */
  score(prep: Prep, i: number): number;
  /** One line on why bar i signalled, for logs and trade lists. */
  reason(prep: Prep, i: number, p: Params): string;
  /**
   * The entry rule's conditions on bar i, each with the value the rule read and its threshold
   * (`kobe scan --explain`). Optional: a strategy without it is scanned and traded the same,
   * its picks only say less about why.
   */
  explain?(prep: Prep, i: number, p: Params): RuleCondition[];
  /**
   * The longest period of a recursive smoother (Wilder ATR/RSI, EMA) the rule or its exits read,
   * in bars. A scan computes indicators from a bounded history before its day; a recursive
   * smoother forgets its start only geometrically, so the history a scan needs grows with this
   * period (see app/scan/history.ts). Omitted: the scan assumes `warmupBars(p)`, which bounds
   * every period a rule's indicators can have.
   */
  smoothingPeriod?(p: Params): number;
}

/** One condition of an entry rule on one bar: `value op threshold`, and whether it held. */
export interface RuleCondition {
  /** What was read, e.g. `RSI(2)`, `close vs SMA(200)`. */
  readonly name: string;
  /** NaN-free: null when the value is not known yet (warm-up). */
  readonly value: number | null;
  readonly op: '<' | '<=' | '>' | '==';
  readonly threshold: number | null;
  readonly met: boolean;
}

/** A condition from a value and a threshold, null for NaN, `met` by the same comparison the rule makes. */
export function condition(name: string, value: number, op: RuleCondition['op'], threshold: number): RuleCondition {
  const met = op === '<' ? value < threshold : op === '<=' ? value <= threshold : op === '>' ? value > threshold : value === threshold;
  const known = (x: number) => (Number.isFinite(x) ? x : null);
  return { name, value: known(value), op, threshold: known(threshold), met };
}

/** A signal in the form users read: entry is the reference close of the signal bar. */
export interface Signal {
  readonly date: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short' | 'exit';
  readonly entry: number;
  readonly stop: number | null;
  readonly takeProfit: number | null;
  readonly score: number;
  readonly reason: string;
}
