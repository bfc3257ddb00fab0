import { CHECK_PASSED, denial, type CheckResult, type Denial } from './denials.js';
import type { OrderGateCode } from './order-gates.js';

/**
 * The gates a protective exit meets before it is placed (`src/app/orders/protect.ts`).
 *
 * A protective exit (a stop, a take-profit target, or both one-cancels-other) only ever reduces a
 * position already held. The order gates (`order-gates.ts`) guard orders that can add risk, and
 * of them a protective exit meets only what says it is a well-formed exit of shares held:
 * - BAD_ORDER: whole shares > 0; at least one level; each a positive finite price; with both,
 *   the stop on the losing side of the target;
 * - PROTECTION_EXCEEDS_POSITION: at most the shares held on the side it closes (a long for a
 *   sell, a short for a buy): more would open a position the other way when it fills.
 * It deliberately does NOT meet:
 * - the kill switch and the circuit breaker: they stop new risk. A protective stop limits the
 *   loss of a position already open; refusing it would leave that position unprotected exactly
 *   when someone has pulled the switch or the breaker has tripped, and nobody may be watching;
 * - regular hours: a GTC order may be placed at any hour and works in the session;
 * - the size, notional, liquidity, spread, price, prohibited-list and cash limits: they limit
 *   what is added (the order gates pass reducing orders through them anyway);
 * - the pattern-day-trader rule: whether an exit is a day trade is known only when it fills, and
 *   refusing the stop at placement would leave the position without one. A broker that enforces
 *   the rule when the order is placed (Alpaca's PDT protection) answers with a rejection, which
 *   is recorded and reported like any other.
 * Pure: no I/O, no clock.
 */
export interface ProtectiveGateOrder {
  readonly symbol: string;
  /** The closing side: 'sell' protects a long. */
  readonly side: 'buy' | 'sell';
  readonly shares: number;
  readonly stopPriceUsd: number | null;
  readonly targetPriceUsd: number | null;
}

export interface ProtectiveGateReport {
  /** True only when every check passed. */
  readonly allowed: boolean;
  readonly denials: readonly Denial<OrderGateCode>[];
}

const price = (x: number | null): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** A well-formed protective exit: whole shares, at least one level, positive levels, the stop on the losing side. */
export function checkProtectiveShape(order: ProtectiveGateOrder): CheckResult<OrderGateCode> {
  if (order.side !== 'buy' && order.side !== 'sell') return denial('BAD_ORDER', `side must be buy or sell, was '${String(order.side)}'`);
  if (!(Number.isInteger(order.shares) && order.shares > 0)) return denial('BAD_ORDER', `shares must be a whole number > 0, was ${String(order.shares)}`);
  const { stopPriceUsd: stop, targetPriceUsd: target } = order;
  if (stop === null && target === null) return denial('BAD_ORDER', 'a protective exit needs a stop, a target or both; both were null');
  if (stop !== null && !price(stop)) return denial('BAD_ORDER', `stopPriceUsd must be a positive price or null, was ${String(stop)}`);
  if (target !== null && !price(target)) return denial('BAD_ORDER', `targetPriceUsd must be a positive price or null, was ${String(target)}`);
  if (stop !== null && target !== null && (order.side === 'sell' ? !(stop < target) : !(stop > target))) {
    return denial('BAD_ORDER', `the stop ${stop} must be ${order.side === 'sell' ? 'below' : 'above'} the target ${target} when the exit ${order.side === 'sell' ? 'sells a long' : 'buys back a short'}`);
  }
  return CHECK_PASSED;
}

/** At most the shares held on the side the exit closes; `heldShares` is signed (> 0 long). */
export function checkProtectsHeldShares(order: ProtectiveGateOrder, heldShares: number): CheckResult<OrderGateCode> {
  const closable = order.side === 'sell' ? Math.max(heldShares, 0) : Math.max(-heldShares, 0);
  if (order.shares <= closable) return CHECK_PASSED;
  const held = heldShares === 0 ? 'no position' : `${Math.abs(heldShares)} shares ${heldShares > 0 ? 'long' : 'short'}`;
  return denial('PROTECTION_EXCEEDS_POSITION', `a protective ${order.side} of ${order.shares} ${order.symbol} exceeds the position it would close (${held})`);
}

/** Runs every check (no short-circuit): the exit may be placed only when all pass. */
export function evaluateProtectiveGates(order: ProtectiveGateOrder, heldShares: number): ProtectiveGateReport {
  const denials = [checkProtectiveShape(order), checkProtectsHeldShares(order, heldShares)].flatMap((r) => (r.ok ? [] : [r]));
  return { allowed: denials.length === 0, denials };
}
