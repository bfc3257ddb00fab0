import type { CostModel } from '../backtest/config.js';
import { slippedPrice } from './fill-price.js';

/** Commission for one order of `shares` shares. */
export const commissionUsd = (c: CostModel, shares: number): number =>
  shares > 0 ? c.commissionPerOrderUsd + c.commissionPerShareUsd * shares : 0;

/** Whole shares `usd` buys at `pricePaid` a share (slippage already in it), after commission. */
export const sharesForCash = (c: CostModel, usd: number, pricePaid: number): number =>
  Math.floor(Math.max(0, usd - c.commissionPerOrderUsd) / (pricePaid + c.commissionPerShareUsd));

/**
 * Cash an entry order is expected to need, reserved when it is placed: `shares` at the slipped
 * reference price plus commission. Priced as a purchase for either side (a short reserves what
 * buying the shares would cost), which is conservative.
 */
export const estimatedCostUsd = (c: CostModel, shares: number, refPrice: number): number =>
  shares * slippedPrice(c, refPrice, 1) + commissionUsd(c, shares);
