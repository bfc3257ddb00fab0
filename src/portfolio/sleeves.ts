import { strategyWeights, type KellyAllocationSettings, type StrategyWeight } from './allocation.js';
import { pearson } from './correlation.js';
import { upperBound } from '../core/calendar.js';
import { kellyEstimate, tradeReturnFrac } from './kelly.js';

/** One rebalance of the strategy sleeves, as the engine result reports it. */
export interface AllocationEvent {
  /** Session day of the close the weights were set at (they size orders from that close on). */
  readonly day: number;
  readonly reason: 'schedule' | 'ceiling';
  /** Equity marked at that close, USD. */
  readonly equityUsd: number;
  /** One per leg, in leg order. */
  readonly legs: readonly (StrategyWeight & { readonly capitalUsd: number; readonly kellyFrac: number | null })[];
}

/** A strategy's trade record as the sleeves read it: return on cost and the day each trade closed. */
export interface TradeRecordColumns {
  readonly returnFrac: Float64Array;
  /** Ascending. */
  readonly exitDay: Int32Array;
}

/** Columns of a record from trades in any order, sorted by the day they closed. */
export function recordColumns(trades: readonly { readonly exitDay: number; readonly pnl: number; readonly entryPrice: number; readonly shares: number }[]): TradeRecordColumns {
  const sorted = [...trades].sort((a, b) => a.exitDay - b.exitDay);
  return { returnFrac: Float64Array.from(sorted, tradeReturnFrac), exitDay: Int32Array.from(sorted, (t) => t.exitDay) };
}

/**
 * The engine's per-strategy sleeves under Kelly sizing: each leg's capital (its weight of equity
 * at the last rebalance, plus the P&L of its trades closed since), the cost of its open and
 * ordered positions and its daily returns. Updated in place by the engine loop.
 *
 * Each leg's Kelly fraction is read from its trade record: the strategy's trades run on its own
 * (not the sleeve's trades, which stop when its weight is zero and would then never recover),
 * of which a rebalance at a close reads only those closed by that close: no look-ahead.
 */
export class Sleeves {
  readonly capitalUsd: Float64Array;
  /** Cost of each leg's open positions (entry price x shares + entry fees) and pending entries (their estimate). */
  readonly committedUsd: Float64Array;
  private readonly records: readonly TradeRecordColumns[];
  /** Daily sleeve returns per leg, by session of the run. */
  private readonly dailyReturn: Float64Array[];
  private readonly lastValue: Float64Array;
  readonly events: AllocationEvent[] = [];

  constructor(
    legs: number,
    sessions: number,
    private readonly maxPositions: number,
    readonly settings: KellyAllocationSettings,
    records: readonly TradeRecordColumns[],
  ) {
    this.capitalUsd = new Float64Array(legs);
    this.committedUsd = new Float64Array(legs);
    this.lastValue = new Float64Array(legs);
    this.records = records;
    this.dailyReturn = Array.from({ length: legs }, () => new Float64Array(sessions));
  }

  /**
   * USD a new order of `leg` may use when equity is `equityUsd`: an equal-weight position
   * (equity / max positions), no more than the sleeve has free. Kelly decides how much capital a
   * strategy gets, not how big its positions are: a small sleeve holds fewer positions, not
   * smaller ones that the per-order commission would eat. For the same reason a remainder under
   * half a position is no budget at all (0).
   */
  orderBudgetUsd(leg: number, equityUsd: number): number {
    const slot = equityUsd / this.maxPositions;
    const free = this.capitalUsd[leg] - this.committedUsd[leg];
    return free < slot / 2 ? 0 : Math.min(slot, free);
  }

  commit(leg: number, usd: number): void {
    this.committedUsd[leg] += usd;
  }

  /** A position of `leg` closed: its cost is released and its P&L stays in the sleeve. */
  closed(leg: number, costUsd: number, pnlUsd: number): void {
    this.committedUsd[leg] -= costUsd;
    this.capitalUsd[leg] += pnlUsd;
  }

  /**
   * Marks the sleeves at the close of run session `k`: `unrealizedUsd[leg]` is the open P&L of
   * the leg's positions. Records each sleeve's daily return and rebalances when the schedule says
   * so or a sleeve has drifted above the ceiling. Returns true when it rebalanced.
   */
  markAndRebalance(k: number, day: number, equityUsd: number, unrealizedUsd: Float64Array): boolean {
    const legs = this.capitalUsd.length;
    let overCeiling = false;
    for (let leg = 0; leg < legs; leg++) {
      const value = this.capitalUsd[leg] + unrealizedUsd[leg];
      const prev = this.lastValue[leg];
      this.dailyReturn[leg][k] = k > 0 && prev > 0 ? value / prev - 1 : 0;
      this.lastValue[leg] = value;
      if (equityUsd > 0 && value / equityUsd > this.settings.ceilingWeight) overCeiling = true;
    }
    const scheduled = k % this.settings.rebalanceSessions === 0;
    if (!scheduled && !overCeiling) return false;
    this.rebalance(k, day, equityUsd, unrealizedUsd, scheduled ? 'schedule' : 'ceiling');
    return true;
  }

  private rebalance(k: number, day: number, equityUsd: number, unrealizedUsd: Float64Array, reason: AllocationEvent['reason']): void {
    const s = this.settings;
    const estimates = this.records.map((r) => kellyEstimate(r.returnFrac.subarray(0, upperBound(r.exitDay, day))));
    const from = Math.max(1, k - s.correlationSessions + 1);
    const span = k - from + 1;
    const correlation = (i: number, j: number) =>
      span < s.correlationSessions ? Number.NaN : pearson(this.dailyReturn[i].subarray(from, k + 1), this.dailyReturn[j].subarray(from, k + 1), span);
    const weights = strategyWeights(estimates, correlation, s);
    const legs = weights.map((w, leg) => {
      // The sleeve's value (capital, which holds its positions' cost, plus their open P&L) becomes
      // its weight of equity; positions are not trimmed, so a sleeve above its new value has no
      // budget until they close.
      const valueUsd = w.weight * Math.max(0, equityUsd);
      this.capitalUsd[leg] = valueUsd - unrealizedUsd[leg];
      this.lastValue[leg] = valueUsd;
      return { ...w, capitalUsd: valueUsd, kellyFrac: Number.isNaN(estimates[leg].kellyFrac) ? null : estimates[leg].kellyFrac };
    });
    this.events.push({ day, reason, equityUsd, legs });
  }
}
