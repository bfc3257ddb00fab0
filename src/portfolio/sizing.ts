import type { EngineConfig } from '../backtest/config.js';
import { sharesForCash } from '../execution/costs.js';
import { slippedPrice } from '../execution/fill-price.js';

/** What sizing reads from the account's configuration. */
export type SizingConfig = Pick<EngineConfig, 'sizing' | 'costs' | 'maxPositions' | 'limits'>;

/**
 * Where an order is sized: shares for a new order, from the account's marked `equity` and
 * `freeCash` (cash not reserved by pending orders) at the signal's close, the reference price
 * `refPrice` (that close) and the order's stop distance `stopDist` (NaN without a stop).
 * Under Kelly sizing `strategyBudgetUsd` is what the order's strategy sleeve gives it (one slot,
 * no more than the sleeve has free: src/portfolio/sleeves.ts); other modes ignore it.
 * The share price counts slippage and per-share commission, and the cash the order commission.
 */
export function sizeOrder(config: SizingConfig, equity: number, freeCash: number, refPrice: number, stopDist: number, strategyBudgetUsd = Number.NaN): number {
  const s = config.sizing;
  const pricePaid = slippedPrice(config.costs, refPrice, 1);
  switch (s.mode) {
    case 'equal-weight':
      return sharesForCash(config.costs, Math.min(equity / config.maxPositions, freeCash), pricePaid);
    case 'all-in':
      return sharesForCash(config.costs, freeCash, pricePaid);
    case 'fixed-shares':
      return s.shares;
    case 'fixed-notional':
      return sharesForCash(config.costs, Math.min(s.usd, freeCash), pricePaid);
    case 'risk-pct':
      // Without a stop there is no risk distance: the config check refuses that combination.
      if (!(stopDist > 0)) return 0;
      return Math.min(Math.floor((equity * s.pct) / 100 / stopDist), sharesForCash(config.costs, freeCash, pricePaid));
    case 'kelly':
      // Only the engine keeps strategy sleeves; a caller without one has no budget to size from.
      if (!(strategyBudgetUsd >= 0)) throw new RangeError(`kelly sizing needs the order's strategy budget (a sleeve of the backtest engine), got ${strategyBudgetUsd}`);
      return sharesForCash(config.costs, Math.min(strategyBudgetUsd, freeCash), pricePaid);
  }
}

/**
 * The most shares `limits.maxSymbolWeight` allows at `refPrice` (Infinity without the limit): the
 * position's cost, slippage and commission included, stays within that fraction of `equity`.
 */
export function symbolWeightCapShares(config: SizingConfig, equity: number, refPrice: number): number {
  const w = config.limits.maxSymbolWeight;
  if (w === null) return Number.POSITIVE_INFINITY;
  return sharesForCash(config.costs, Math.max(0, w * equity), slippedPrice(config.costs, refPrice, 1));
}
