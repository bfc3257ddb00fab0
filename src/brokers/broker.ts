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

/** kobe only sends IOC limit orders: marketable at a price it chose, never resting in the book. */
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
 * Where an order stands at the broker, in kobe's words (the OMS states after `new`):
 * submitted      accepted by the broker, not yet (fully) filled, still working;
 * partially_filled  some shares filled, the rest still working;
 * filled, cancelled, expired, rejected  final. An IOC order whose rest was cancelled after a
 * partial fill is `cancelled` with `filledQty > 0`.
 */
export type BrokerOrderStatus = 'submitted' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';

export const FINAL_ORDER_STATUSES: ReadonlySet<BrokerOrderStatus> = new Set(['filled', 'cancelled', 'expired', 'rejected']);

export interface BrokerOrder {
  /** The broker's own id (cancel takes it). */
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly limitPriceUsd: number;
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
  cancel(orderId: string): Promise<CancelResult>;
  /** The order the broker holds under `clientOrderId`, or null when it holds none. */
  orderByClientId(clientOrderId: string): Promise<BrokerOrder | null>;
  openOrders(): Promise<BrokerOrder[]>;
  positions(): Promise<Position[]>;
  account(): Promise<Account>;
  clock(): Promise<MarketClock>;
  latestQuote(symbol: string): Promise<Quote>;
}

/** Whether `order` is what `request` asks for (same symbol, side, shares and limit). */
export function sameOrder(order: BrokerOrder, request: OrderRequest): boolean {
  return order.symbol === request.symbol && order.side === request.side && order.qty === request.qty && order.limitPriceUsd === request.limitPriceUsd;
}

/** The answer to a second submit of a client order id: the earlier order, or a conflict when the request differs. */
export function duplicateResult(existing: BrokerOrder, request: OrderRequest, httpStatus: number | null = null, brokerCode: number | null = null): SubmitResult {
  if (sameOrder(existing, request)) return { ok: true, order: existing, duplicate: true };
  return {
    ok: false,
    code: 'DUPLICATE_CLIENT_ORDER_ID',
    detail: `client order id ${request.clientOrderId} already names a different order (${existing.side} ${existing.qty} ${existing.symbol} limit ${existing.limitPriceUsd}, status ${existing.status})`,
    httpStatus,
    brokerCode,
  };
}
