import { inputError } from '../core/errors.js';
import type { OrderRequest } from './broker.js';

/** Alpaca's limit on client_order_id (48 characters); the paper broker holds the same rule so ids travel. */
export const MAX_CLIENT_ORDER_ID_CHARS = 48;

/**
 * The one validation of an order request, shared by every broker before anything is sent or
 * stored: a bad request is a coded input error naming the parameter, never a broker round trip.
 */
export function validateOrderRequest(request: OrderRequest): OrderRequest {
  const bad = (param: string, message: string, value: unknown, hint?: string) => inputError('BAD_ORDER_REQUEST', message, { param, value, hint });
  const id = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ORDER_ID_CHARS || !/^[\x21-\x7e]+$/.test(id)) {
    throw bad('clientOrderId', `clientOrderId must be 1..${MAX_CLIENT_ORDER_ID_CHARS} printable characters without spaces, was '${String(id)}'`, id);
  }
  if (typeof request.symbol !== 'string' || !/^[A-Z][A-Z0-9.]{0,9}$/.test(request.symbol)) {
    throw bad('symbol', `symbol must be an upper-case ticker, was '${String(request.symbol)}'`, request.symbol);
  }
  if (request.side !== 'buy' && request.side !== 'sell') throw bad('side', `side must be buy or sell, was '${String(request.side)}'`, request.side);
  if (!Number.isSafeInteger(request.qty) || request.qty <= 0) {
    throw bad('qty', `qty must be a positive whole number of shares, was ${request.qty}`, request.qty);
  }
  const limit = request.limitPriceUsd;
  if (!(Number.isFinite(limit) && limit > 0) || Math.round(limit * 100) / 100 !== limit) {
    throw bad('limitPriceUsd', `limitPriceUsd must be a positive price in whole cents, was ${limit}`, limit, 'price it with marketableLimitPrice');
  }
  return request;
}
