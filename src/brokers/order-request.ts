import { inputError } from '../core/errors.js';
import type { OrderRequest, ProtectiveRequest } from './broker.js';

/** Alpaca's limit on client_order_id (48 characters); the paper broker holds the same rule so ids travel. */
export const MAX_CLIENT_ORDER_ID_CHARS = 48;

const bad = (param: string, message: string, value: unknown, hint?: string) => inputError('BAD_ORDER_REQUEST', message, { param, value, hint });

/** The fields every order names: its id, symbol, side and whole shares. */
function validateOrderIdentity(request: OrderRequest | ProtectiveRequest): void {
  const id = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ORDER_ID_CHARS || !/^[\x21-\x7e]+$/.test(id)) {
    throw bad('clientOrderId', `clientOrderId must be 1..${MAX_CLIENT_ORDER_ID_CHARS} printable characters without spaces, was '${String(id)}'`, id);
  }
  if (typeof request.symbol !== 'string' || !/^[A-Z][A-Z0-9.-]{0,9}$/.test(request.symbol)) {
    throw bad('symbol', `symbol must be an upper-case ticker, was '${String(request.symbol)}'`, request.symbol);
  }
  if (request.side !== 'buy' && request.side !== 'sell') throw bad('side', `side must be buy or sell, was '${String(request.side)}'`, request.side);
  if (!Number.isSafeInteger(request.qty) || request.qty <= 0) {
    throw bad('qty', `qty must be a positive whole number of shares, was ${request.qty}`, request.qty);
  }
}

/**
 * The one validation of an order request, shared by every broker before anything is sent or
 * stored: a bad request is a coded input error naming the parameter, never a broker round trip.
 */
export function validateOrderRequest(request: OrderRequest): OrderRequest {
  validateOrderIdentity(request);
  const limit = request.limitPriceUsd;
  if (!(Number.isFinite(limit) && limit > 0) || Math.round(limit * 100) / 100 !== limit) {
    throw bad('limitPriceUsd', `limitPriceUsd must be a positive price in whole cents, was ${limit}`, limit, 'price it with marketableLimitPrice');
  }
  return request;
}

/**
 * The one validation of a protective request: the order's identity as for `validateOrderRequest`,
 * at least one level, each a positive finite price, and with both, the stop on the losing side of
 * the target (below it when selling a long, above it when buying back a short). Levels are not
 * required in whole cents: the paper broker keeps them exact (to reproduce the backtest's), a
 * broker with a tick rounds them itself and says how.
 */
export function validateProtectiveRequest(request: ProtectiveRequest): ProtectiveRequest {
  validateOrderIdentity(request);
  const { stopPriceUsd: stop, targetPriceUsd: target } = request;
  if (stop === null && target === null) {
    throw bad('stopPriceUsd', 'stopPriceUsd and targetPriceUsd are both null: a protective order needs a stop, a target or both', null, 'give at least one level');
  }
  for (const [param, level] of [['stopPriceUsd', stop], ['targetPriceUsd', target]] as const) {
    if (level !== null && !(typeof level === 'number' && Number.isFinite(level) && level > 0)) {
      throw bad(param, `${param} must be a positive price or null, was ${String(level)}`, level);
    }
  }
  if (stop !== null && target !== null && (request.side === 'sell' ? !(stop < target) : !(stop > target))) {
    const where = request.side === 'sell' ? 'below' : 'above';
    throw bad('stopPriceUsd', `stopPriceUsd ${stop} must be ${where} targetPriceUsd ${target} for a ${request.side} that closes a ${request.side === 'sell' ? 'long' : 'short'}`, stop);
  }
  return request;
}
