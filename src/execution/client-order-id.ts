import { parseIsoDay } from '../core/calendar.js';
import { inputError } from '../core/errors.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';

/**
 * The idempotency key of an order, sent to the broker as its `client_order_id`. It is derived
 * from what the order is for, never from a clock or a counter, so the same intent always gives
 * the same id: a retry, a rerun of the day's pipeline, or a second process racing the first all
 * name the same order, and the OMS store and the broker (which refuses a duplicate
 * `client_order_id`) each keep one.
 *
 *   kobe-20171110-AAPL-buy-entry-b4f9b342b059d99e
 *   │    │        │    │   │     └ first 16 hex of sha256 over all five fields (scheme v1)
 *   │    │        │    │   └ intent
 *   │    │        │    └ side
 *   │    │        └ symbol (upper case)
 *   │    └ trading date (the session the order is for, not the day it was computed)
 *   └ prefix: a kobe order, told apart from orders placed by hand
 *
 * The readable part is for people reading a broker's order list; the hash is what makes the id
 * unique (it covers the strategy too, which has no room in the readable part). At most 48
 * characters, Alpaca's limit for `client_order_id` (the brokers' `validateOrderRequest` holds the
 * same rule): the readable `symbol-side-intent` is cut to 17 characters when longer, the hash
 * still tells such ids apart.
 */
export interface OrderKey {
  /** The session the order is for, ISO `YYYY-MM-DD`. */
  readonly tradingDate: string;
  /** The strategy that wants the order (its registry name or a candidate id). */
  readonly strategy: string;
  /** Ticker; compared upper case, so `aapl` and `AAPL` are the same order. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Why the order exists: `entry`, `exit`, `stop`... lower case, digits, `-`, `_`, at most 16. */
  readonly intent: string;
}

export const CLIENT_ORDER_ID_PREFIX = 'kobe';
/** Alpaca's `client_order_id` limit (48 characters). */
export const CLIENT_ORDER_ID_MAX_CHARS = 48;
const HASH_HEX_CHARS = 16;
/** What is left for `symbol-side-intent` after `kobe-YYYYMMDD-` and `-<hash>`. */
const READABLE_MAX_CHARS = CLIENT_ORDER_ID_MAX_CHARS - 'kobe-YYYYMMDD-'.length - 1 - HASH_HEX_CHARS;
const STRATEGY_MAX_CHARS = 200;
const SYMBOL = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
const INTENT = /^[a-z][a-z0-9_-]{0,15}$/;
/** Bumped if the hashed fields ever change, so an old id can never equal a new one by accident. */
const SCHEME_VERSION = 1;

const PATTERN = /^kobe-\d{8}-[A-Za-z0-9._-]{1,17}-[0-9a-f]{16}$/;

/** The client order id of an order key (see the module comment); throws an input error naming a bad field. */
export function clientOrderId(key: OrderKey): string {
  const k = normaliseOrderKey(key);
  const hash = sha256Hex(stableStringify({ v: SCHEME_VERSION, tradingDate: k.tradingDate, strategy: k.strategy, symbol: k.symbol, side: k.side, intent: k.intent })).slice(0, HASH_HEX_CHARS);
  const readable = `${k.symbol}-${k.side}-${k.intent}`.slice(0, READABLE_MAX_CHARS);
  return `${CLIENT_ORDER_ID_PREFIX}-${k.tradingDate.replaceAll('-', '')}-${readable}-${hash}`;
}

/** Whether `id` has the shape of a kobe client order id (an order kobe placed, not one placed by hand). */
export const isKobeClientOrderId = (id: string): boolean => PATTERN.test(id);

/** The key's fields validated, the symbol upper-cased: what the id is computed from. */
export function normaliseOrderKey(key: OrderKey): OrderKey {
  if (typeof key.tradingDate !== 'string' || Number.isNaN(parseIsoDay(key.tradingDate))) {
    throw inputError('BAD_ORDER_KEY', `tradingDate must be a date as YYYY-MM-DD, was ${JSON.stringify(key.tradingDate)}`, { param: 'tradingDate', value: key.tradingDate });
  }
  if (typeof key.strategy !== 'string' || key.strategy.trim() === '' || key.strategy.length > STRATEGY_MAX_CHARS || /\p{Cc}/u.test(key.strategy)) {
    throw inputError('BAD_ORDER_KEY', `strategy must be a non-empty name of at most ${STRATEGY_MAX_CHARS} printable characters, was ${JSON.stringify(key.strategy)}`, {
      param: 'strategy',
      value: key.strategy,
    });
  }
  const symbol = typeof key.symbol === 'string' ? key.symbol.toUpperCase() : '';
  if (!SYMBOL.test(symbol)) {
    throw inputError('BAD_ORDER_KEY', `symbol must be a ticker (letters, digits, '.', '-', at most 16), was ${JSON.stringify(key.symbol)}`, { param: 'symbol', value: key.symbol });
  }
  if (key.side !== 'buy' && key.side !== 'sell') {
    throw inputError('BAD_ORDER_KEY', `side must be buy or sell, was ${JSON.stringify(key.side)}`, { param: 'side', value: key.side });
  }
  if (typeof key.intent !== 'string' || !INTENT.test(key.intent)) {
    throw inputError('BAD_ORDER_KEY', `intent must be lower case letters, digits, '-' or '_' (at most 16, e.g. entry), was ${JSON.stringify(key.intent)}`, {
      param: 'intent',
      value: key.intent,
      hint: 'use entry or exit',
    });
  }
  return { tradingDate: key.tradingDate, strategy: key.strategy, symbol, side: key.side, intent: key.intent };
}
