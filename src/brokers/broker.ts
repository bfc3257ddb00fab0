import type { OrderSide } from '../execution/limit-price.js';

/**
 * One small interface every broker sits behind (the paper broker, the Alpaca adapter): plain
 * data in and out, money as numbers in USD, quantities as whole shares, times as UTC ms.
 *
 * Idempotency is the broker's `client_order_id`: `submit` with an id the broker already holds
 * never places a second order. It answers the order that id already names (`duplicate: true`)
 * when the request matches it, and DUPLICATE_CLIENT_ORDER_ID when the same id was used for a
 * different order. Rejections are values (like the pre-trade denials); failures to reach the
 * broker at all (RATE_LIMITED, BROKER_UNAVAILABLE, BROKER_TIMEOUT) are thrown KobeErrors, after
 * which the order's fate is unknown until it is looked up by `orderByClientId`.
 */
export type { OrderSide };

/**
 * kobe sends two kinds of order. Entries and planned exits are IOC limit orders (`submit`):
 * marketable at a price it chose, never resting in the book. Protective exits (`protect`) rest at
 * the broker until they fill or are cancelled: a stop, a take-profit target, or both as one
 * one-cancels-other order.
 */
export interface OrderRequest {
  /** The idempotency key (the OMS derives it from date, strategy, symbol, side, intent). */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  /** Whole shares, > 0. */
  readonly qty: number;
  readonly limitPriceUsd: number;
}

/**
 * A protective exit of a held position, resting at the broker good-till-cancelled: a stop (sells
 * a long at the market once the price trades at or below `stopPriceUsd`), a take-profit target
 * (a limit order at `targetPriceUsd`), or both as one one-cancels-other order (the first to fill
 * cancels the other). It closes: `side` is the closing side, 'sell' protects a long.
 */
export interface ProtectiveRequest {
  /** The idempotency key, as for `OrderRequest`. */
  readonly clientOrderId: string;
  readonly symbol: string;
  /** The closing side: 'sell' protects a long, 'buy' a short. */
  readonly side: OrderSide;
  /** Whole shares, > 0: at most the position held. */
  readonly qty: number;
  /** The stop level, USD; null for a target alone. A broker may round it to its tick (each documents how). */
  readonly stopPriceUsd: number | null;
  /** The take-profit level, USD; null for a stop alone. */
  readonly targetPriceUsd: number | null;
}

/**
 * Where an order stands at the broker, in kobe's words (the OMS states after `new`):
 * submitted      accepted by the broker, not yet (fully) filled, still working;
 * partially_filled  some shares filled, the rest still working;
 * filled, cancelled, expired, rejected  final. An IOC order whose rest was cancelled after a
 * partial fill is `cancelled` with `filledQty > 0`.
 */
export type BrokerOrderStatus = 'submitted' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';

export const FINAL_ORDER_STATUSES: ReadonlySet<BrokerOrderStatus> = new Set(['filled', 'cancelled', 'expired', 'rejected']);

/** 'simple': one order; 'oco': a target and a stop of which the first to fill cancels the other. */
export type OrderClass = 'simple' | 'oco';

/** Which level of a protective order filled it. */
export type ExitReason = 'stop' | 'target';

export interface BrokerOrder {
  /** The broker's own id (cancel takes it). */
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  /** The limit of a limit order (an OCO's is its target); NaN for a stop order, which has none. */
  readonly limitPriceUsd: number;
  readonly orderClass: OrderClass;
  /** 'ioc' for kobe's marketable orders, 'gtc' for resting protective exits (the broker's word otherwise). */
  readonly timeInForce: string;
  /** A protective order's stop level as the broker holds it; null for any other order. */
  readonly stopPriceUsd: number | null;
  /** A protective order's take-profit level as the broker holds it; null for any other order. */
  readonly targetPriceUsd: number | null;
  /** Which level filled a protective order; null until it fills, and for any other order. */
  readonly exitReason: ExitReason | null;
  readonly status: BrokerOrderStatus;
  /** The broker's own status word, kept for reconciliation reports (`canceled`, `pending_new`...). */
  readonly brokerStatus: string;
  readonly filledQty: number;
  /** Average fill price; null while nothing filled. */
  readonly filledAvgPriceUsd: number | null;
  /** Commission charged on the fills (0 where the broker charges none). */
  readonly commissionUsd: number;
  readonly submittedAtMs: number;
  readonly updatedAtMs: number;
}

export type BrokerRejectCode = 'BROKER_REJECTED' | 'DUPLICATE_CLIENT_ORDER_ID';

export interface BrokerRejection {
  readonly ok: false;
  readonly code: BrokerRejectCode;
  readonly detail: string;
  /** HTTP status of the broker's answer (null for the paper broker). */
  readonly httpStatus: number | null;
  /** The broker's own error code (Alpaca's 40310000), null when it sent none. */
  readonly brokerCode: number | null;
}

export type SubmitResult =
  | {
      readonly ok: true;
      readonly order: BrokerOrder;
      /** True when the client order id was already known: `order` is the earlier order, nothing new was placed. */
      readonly duplicate: boolean;
    }
  | BrokerRejection;

export type CancelResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'ORDER_NOT_FOUND' | 'NOT_CANCELABLE'; readonly detail: string };

export interface Position {
  readonly symbol: string;
  /** Whole shares; negative for a short. */
  readonly qty: number;
  readonly avgEntryPriceUsd: number;
  /** Marked value, null when the broker has no price for it. */
  readonly marketValueUsd: number | null;
}

export interface Account {
  readonly cashUsd: number;
  readonly equityUsd: number;
  readonly buyingPowerUsd: number;
  readonly patternDayTrader: boolean;
  /** Day trades in the last five sessions, as the broker counts them. */
  readonly dayTradeCount: number;
  readonly tradingBlocked: boolean;
}

/** The market clock (Alpaca's /v2/clock). */
export interface MarketClock {
  readonly timestampMs: number;
  readonly isOpen: boolean;
  readonly nextOpenMs: number;
  readonly nextCloseMs: number;
}

export interface Quote {
  readonly symbol: string;
  readonly bidUsd: number;
  readonly askUsd: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly timestampMs: number;
}

export interface Broker {
  /** 'paper' or 'alpaca-paper' / 'alpaca-live': shown in reports and reconciliation. */
  readonly name: string;
  submit(request: OrderRequest): Promise<SubmitResult>;
  /**
   * Places a protective exit (GTC, one-cancels-other when it has both levels), idempotent by
   * client order id like `submit`: a second call with the same id answers the order it names.
   */
  protect(request: ProtectiveRequest): Promise<SubmitResult>;
  cancel(orderId: string): Promise<CancelResult>;
  /** The order the broker holds under `clientOrderId`, or null when it holds none. */
  orderByClientId(clientOrderId: string): Promise<BrokerOrder | null>;
  openOrders(): Promise<BrokerOrder[]>;
  positions(): Promise<Position[]>;
  account(): Promise<Account>;
  clock(): Promise<MarketClock>;
  latestQuote(symbol: string): Promise<Quote>;
}

/** Whether the order is a protective exit (it has a stop or a target level). */
export const isProtective = (order: BrokerOrder): boolean => order.stopPriceUsd !== null || order.targetPriceUsd !== null;

/** Whether `order` is what `request` asks for (same symbol, side, shares and limit; an IOC order, not a protective one). */
export function sameOrder(order: BrokerOrder, request: OrderRequest): boolean {
  return !isProtective(order) && order.symbol === request.symbol && order.side === request.side && order.qty === request.qty && order.limitPriceUsd === request.limitPriceUsd;
}

/**
 * Whether `order` is the protective exit `request` asks for: same symbol, side, shares and
 * levels. The levels are compared as the broker holds them, so a broker that rounds levels passes
 * the request rounded the same way.
 */
export function sameProtection(order: BrokerOrder, request: ProtectiveRequest): boolean {
  return order.symbol === request.symbol && order.side === request.side && order.qty === request.qty && order.stopPriceUsd === request.stopPriceUsd && order.targetPriceUsd === request.targetPriceUsd;
}

const describeOrder = (o: BrokerOrder): string => {
  const terms = isProtective(o) ? [o.stopPriceUsd === null ? '' : `stop ${o.stopPriceUsd}`, o.targetPriceUsd === null ? '' : `target ${o.targetPriceUsd}`].filter((t) => t !== '').join(' ') : `limit ${o.limitPriceUsd}`;
  return `${o.side} ${o.qty} ${o.symbol} ${terms}, status ${o.status}`;
};

/** The answer to a second submit (or protect) of a client order id: the earlier order, or a conflict when the request differs. */
export function duplicateResult(existing: BrokerOrder, request: OrderRequest | ProtectiveRequest, httpStatus: number | null = null, brokerCode: number | null = null): SubmitResult {
  const same = 'limitPriceUsd' in request ? sameOrder(existing, request) : sameProtection(existing, request);
  if (same) return { ok: true, order: existing, duplicate: true };
  return {
    ok: false,
    code: 'DUPLICATE_CLIENT_ORDER_ID',
    detail: `client order id ${request.clientOrderId} already names a different order (${describeOrder(existing)})`,
    httpStatus,
    brokerCode,
  };
}
