import { KobeError } from '../../core/errors.js';
import { clipForError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';
import type { Account, BrokerOrder, BrokerOrderStatus, MarketClock, OrderRequest, Position, Quote } from '../broker.js';

/**
 * Alpaca's REST v2 JSON, read into the Broker types and written from them. Alpaca sends money
 * and quantities as decimal strings (`"qty": "10"`, `"filled_avg_price": "187.42"`), times as
 * RFC 3339 strings; a field that is missing or unreadable is BROKER_BAD_RESPONSE naming it,
 * never a NaN carried into the journal.
 */

type Json = Record<string, unknown>;

export function badResponse(what: string, detail: string, body: unknown): KobeError {
  return new KobeError('BROKER_BAD_RESPONSE', `${what}: unexpected answer from Alpaca: ${detail}`, {
    kind: 'runtime',
    value: redactSecrets(clipForError(JSON.stringify(body) ?? String(body), 200)),
    hint: 'the broker answered in a format kobe does not know; check the base URL points at Alpaca',
  });
}

const field = (o: Json, name: string, what: string): unknown => {
  if (!(name in o)) throw badResponse(what, `field ${name} missing`, o);
  return o[name];
};

function num(o: Json, name: string, what: string): number {
  const v = field(o, name, what);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw badResponse(what, `field ${name} is not a number: ${JSON.stringify(v)}`, o);
  return n;
}

function numOrNull(o: Json, name: string, what: string): number | null {
  return o[name] === null || o[name] === undefined ? null : num(o, name, what);
}

function str(o: Json, name: string, what: string): string {
  const v = field(o, name, what);
  if (typeof v !== 'string') throw badResponse(what, `field ${name} is not a string`, o);
  return v;
}

function timeMs(o: Json, name: string, what: string): number {
  const ms = Date.parse(str(o, name, what));
  if (Number.isNaN(ms)) throw badResponse(what, `field ${name} is not a time: ${JSON.stringify(o[name])}`, o);
  return ms;
}

function object(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badResponse(what, 'not a JSON object', v);
  return v as Json;
}

export function list(v: unknown, what: string): Json[] {
  if (!Array.isArray(v)) throw badResponse(what, 'not a JSON array', v);
  return v.map((x) => object(x, what));
}

/**
 * Alpaca's order statuses in kobe's words. Everything Alpaca may still fill is `submitted`
 * (new, accepted, pending_new, held, done_for_day, calculated, pending_cancel, ...): an unknown
 * word is treated as a working order, the conservative reading, and kept in `brokerStatus`.
 */
export function orderStatus(alpaca: string): BrokerOrderStatus {
  switch (alpaca) {
    case 'partially_filled':
      return 'partially_filled';
    case 'filled':
      return 'filled';
    case 'canceled':
    case 'replaced':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
    case 'suspended':
      return 'rejected';
    default:
      return 'submitted';
  }
}

export function parseOrder(body: unknown, what: string): BrokerOrder {
  const o = object(body, what);
  const side = str(o, 'side', what);
  if (side !== 'buy' && side !== 'sell') throw badResponse(what, `side ${side}`, o);
  const brokerStatus = str(o, 'status', what);
  const submitted = o.submitted_at ?? o.created_at;
  return {
    id: str(o, 'id', what),
    clientOrderId: str(o, 'client_order_id', what),
    symbol: str(o, 'symbol', what),
    side,
    qty: num(o, 'qty', what),
    limitPriceUsd: numOrNull(o, 'limit_price', what) ?? Number.NaN,
    status: orderStatus(brokerStatus),
    brokerStatus,
    filledQty: num(o, 'filled_qty', what),
    filledAvgPriceUsd: numOrNull(o, 'filled_avg_price', what),
    // Alpaca charges no commission on US equities; regulatory fees arrive as account activities.
    commissionUsd: 0,
    submittedAtMs: timeMs({ t: submitted }, 't', what),
    updatedAtMs: timeMs({ t: o.updated_at ?? submitted }, 't', what),
  };
}

export function orderBody(request: OrderRequest): Json {
  return {
    symbol: request.symbol,
    qty: String(request.qty),
    side: request.side,
    type: 'limit',
    time_in_force: 'ioc',
    limit_price: request.limitPriceUsd.toFixed(2),
    client_order_id: request.clientOrderId,
  };
}

export function parsePosition(body: Json, what: string): Position {
  const qty = num(body, 'qty', what);
  const side = body.side;
  return {
    symbol: str(body, 'symbol', what),
    // Alpaca's qty is already negative for a short; older answers sent a positive qty with side short.
    qty: side === 'short' && qty > 0 ? -qty : qty,
    avgEntryPriceUsd: num(body, 'avg_entry_price', what),
    marketValueUsd: numOrNull(body, 'market_value', what),
  };
}

export function parseAccount(body: unknown, what: string): Account {
  const o = object(body, what);
  return {
    cashUsd: num(o, 'cash', what),
    equityUsd: num(o, 'equity', what),
    buyingPowerUsd: num(o, 'buying_power', what),
    patternDayTrader: o.pattern_day_trader === true,
    dayTradeCount: num(o, 'daytrade_count', what),
    tradingBlocked: o.trading_blocked === true || o.account_blocked === true,
  };
}

export function parseClock(body: unknown, what: string): MarketClock {
  const o = object(body, what);
  const isOpen = field(o, 'is_open', what);
  if (typeof isOpen !== 'boolean') throw badResponse(what, 'is_open is not a boolean', o);
  return { timestampMs: timeMs(o, 'timestamp', what), isOpen, nextOpenMs: timeMs(o, 'next_open', what), nextCloseMs: timeMs(o, 'next_close', what) };
}

export function parseQuote(body: unknown, symbol: string, what: string): Quote {
  const o = object(body, what);
  const q = object(field(o, 'quote', what), what);
  return {
    symbol,
    bidUsd: num(q, 'bp', what),
    askUsd: num(q, 'ap', what),
    bidSize: num(q, 'bs', what),
    askSize: num(q, 'as', what),
    timestampMs: timeMs(q, 't', what),
  };
}
