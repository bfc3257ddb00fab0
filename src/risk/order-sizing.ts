import { denial, type Denial } from './denials.js';
import { isReducingOrder, positionOf, type OrderGateCode, type OrderGateConfig, type OrderGateSnapshot, type OrderRequest } from './order-gates.js';
import { submittedNotionalUsd } from './trading-day.js';

/**
 * The order path's sizing: the engine sizes the order (`src/portfolio/sizing.ts`, `sizeOrder`),
 * then the size is clamped to the limits the gates enforce, or denied when no whole share fits,
 * and the result says which limits cut it. A clamped size passes the gates it was clamped to
 * (order and daily notional, share of ADV, position per symbol, free cash) by construction; the
 * other gates still run on it.
 */
export type SizeLimit = Extract<OrderGateCode, 'ORDER_NOTIONAL_LIMIT' | 'DAILY_NOTIONAL_LIMIT' | 'ORDER_ABOVE_ADV_FRACTION' | 'POSITION_LIMIT' | 'INSUFFICIENT_CASH'>;

export interface ClampedSize {
  /** Shares to order: at most the engine's, 0 when denied. */
  readonly shares: number;
  /** The engine's size, before the clamp. */
  readonly engineShares: number;
  /** The limits that cut the engine's size, in a fixed order (empty when the engine's size fits). */
  readonly clampedBy: readonly SizeLimit[];
  /** Why no order is left (the engine sized none, or the limits leave no whole share); null when `shares > 0`. */
  readonly denial: Denial<OrderGateCode> | null;
}

/** Most whole shares whose cost at `priceUsd` stays within `roomUsd` (never over it, whatever the rounding). */
function sharesWithin(roomUsd: number, priceUsd: number): number {
  if (!(roomUsd > 0)) return 0;
  let k = Math.floor(roomUsd / priceUsd);
  while (k > 0 && k * priceUsd > roomUsd) k--;
  return k;
}

/**
 * Clamps the engine's size `engineShares` for `order` (its `shares` are ignored: the size is
 * what is decided here) at its limit price. An order that only reduces a held position is not
 * clamped (the gates let it through, see `order-gates.ts`); a malformed price or unknown ADV
 * leaves no size.
 */
export function clampOrderSize(engineShares: number, order: Omit<OrderRequest, 'shares'>, snapshot: OrderGateSnapshot, config: OrderGateConfig): ClampedSize {
  const whole = Number.isFinite(engineShares) && engineShares > 0 ? Math.floor(engineShares) : 0;
  if (whole === 0) {
    return { shares: 0, engineShares, clampedBy: [], denial: denial<OrderGateCode>('ZERO_SHARES', `the engine's sizing gives no whole share (${String(engineShares)})`) };
  }
  const full: OrderRequest = { ...order, shares: whole };
  if (isReducingOrder(full, snapshot.account)) return { shares: whole, engineShares, clampedBy: [], denial: null };
  const price = order.limitPriceUsd;
  if (!(Number.isFinite(price) && price > 0)) {
    return { shares: 0, engineShares, clampedBy: [], denial: denial<OrderGateCode>('BAD_ORDER', `limitPriceUsd must be a finite price > 0, was ${String(price)}`) };
  }
  const { account, market } = snapshot;
  const held = positionOf(account, order.symbol).shares;
  // A buy adds to a long (or first covers a short); a sell adds to a short. Shares that close
  // the opposite position count as no exposure, the rest as new exposure.
  const sameSide = order.side === 'buy' ? Math.max(0, held) : Math.max(0, -held);
  const opposite = order.side === 'buy' ? Math.max(0, -held) : Math.max(0, held);
  const positionRoom = config.maxPositionFrac * account.equityUsd;
  const limits: Array<readonly [SizeLimit, number]> = [
    ['ORDER_NOTIONAL_LIMIT', sharesWithin(config.maxOrderNotionalUsd, price)],
    ['DAILY_NOTIONAL_LIMIT', sharesWithin(config.maxDailyNotionalUsd - submittedNotionalUsd(account.submittedNotional, snapshot.nowUtcMs), price)],
    ['ORDER_ABOVE_ADV_FRACTION', Number.isFinite(market.adv20Usd) ? sharesWithin(config.maxAdvFrac * market.adv20Usd, price) : 0],
    // The position after the order, |held + signed shares|, valued at the limit price.
    ['POSITION_LIMIT', positionMax(sameSide, opposite, positionRoom, price)],
  ];
  if (order.side === 'buy') limits.push(['INSUFFICIENT_CASH', sharesWithin(account.cashUsd, price)]);
  let shares = whole;
  const clampedBy: SizeLimit[] = [];
  for (const [limit, max] of limits) {
    if (max < whole) clampedBy.push(limit);
    if (max < shares) shares = max;
  }
  if (shares > 0) return { shares, engineShares, clampedBy, denial: null };
  return {
    shares: 0,
    engineShares,
    clampedBy,
    denial: denial<OrderGateCode>('SIZE_CLAMPED_TO_ZERO', `${clampedBy.join(', ')} leave no whole share of ${order.symbol} at ${price.toFixed(2)} (engine sized ${whole})`),
  };
}

/** Most shares such that the position after the order, |sameSide + shares - opposite| at `price`, stays within `roomUsd`. */
function positionMax(sameSide: number, opposite: number, roomUsd: number, price: number): number {
  if (!(roomUsd > 0)) return 0;
  // Past the opposite position, each share adds exposure; the first `opposite` shares reduce it.
  const roomShares = sharesWithin(roomUsd, price);
  if (sameSide > 0) return Math.max(0, roomShares - sameSide);
  return opposite + roomShares;
}
