import type { CostModel } from './config.js';

/** Commission for one order of `shares` shares. */
export const commissionUsd = (c: CostModel, shares: number): number =>
  shares > 0 ? c.commissionPerOrderUsd + c.commissionPerShareUsd * shares : 0;

/** The price actually paid (side +1 buys) or received (side -1 sells): always worse than `price`. */
export const slippedPrice = (c: CostModel, price: number, side: 1 | -1): number => price * (1 + (side * c.slippageBps) / 10_000);
