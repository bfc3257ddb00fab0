import type { EngineConfig } from '../backtest/config.js';
import { sharesForCash } from '../execution/costs.js';
import { slippedPrice } from '../execution/fill-price.js';

/** What sizing reads from the account's configuration. */
export type SizingConfig = Pick<EngineConfig, 'sizing' | 'costs' | 'maxPositions'>;

/**
 * Where an order is sized: shares for a new order, from the account's marked `equity` and
 * `freeCash` (cash not reserved by pending orders) at the signal's close, the reference price
 * `refPrice` (that close) and the order's stop distance `stopDist` (NaN without a stop).
 * The share price counts slippage and per-share commission, and the cash the order commission.
 */
export function sizeOrder(config: SizingConfig, equity: number, freeCash: number, refPrice: number, stopDist: number): number {
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
  }
}
