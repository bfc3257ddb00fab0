import { KobeError } from '../../core/errors.js';
import { clipForError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';
import type { Account, BrokerOrder, BrokerOrderStatus, BrokerRejection, ExitReason, MarketClock, OrderRequest, Position, ProtectiveRequest, Quote } from '../broker.js';

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

/** One Alpaca order object as kobe reads it (the order, or one leg of an OCO). */
interface WireOrder {
  readonly type: string;
  readonly status: string;
  readonly limit: number | null;
  readonly stop: number | null;
  readonly filledQty: number;
  readonly filledAvg: number | null;
}

function wireOrder(o: Json, what: string): WireOrder {
  return {
    type: typeof o.type === 'string' ? o.type : typeof o.order_type === 'string' ? o.order_type : '',
    status: str(o, 'status', what),
    limit: numOrNull(o, 'limit_price', what),
    stop: numOrNull(o, 'stop_price', what),
    filledQty: num(o, 'filled_qty', what),
    filledAvg: numOrNull(o, 'filled_avg_price', what),
  };
}

const isStopType = (type: string): boolean => type === 'stop' || type === 'stop_limit';

/**
 * An Alpaca order in kobe's words. kobe places three kinds, and reads them back so:
 * - an IOC limit order (`submit`): simple, no levels;
 * - a protective stop (`type: stop`, GTC) or target (a GTC `limit` order): simple, with
 *   `stopPriceUsd` or `targetPriceUsd`. (Any GTC limit order reads as a target: kobe places no
 *   other kind.)
 * - a protective OCO (`order_class: oco`): Alpaca holds it as a take-profit limit order (the
 *   parent: its id, client order id and limit are the order's) with the stop as its one leg, in
 *   `legs` (the leg is `held` until the stop triggers). Whichever fills, the other is cancelled:
 *   when the stop fills, the parent reads `canceled`. So the order's fill, status and exit
 *   reason are read from the parent and its leg together: filled when either filled all shares,
 *   working while either works, else final as the parent says.
 * Orders of other classes (bracket, oto), which kobe never places, read as simple.
 */
export function parseOrder(body: unknown, what: string): BrokerOrder {
  const o = object(body, what);
  const side = str(o, 'side', what);
  if (side !== 'buy' && side !== 'sell') throw badResponse(what, `side ${side}`, o);
  const submitted = o.submitted_at ?? o.created_at;
  const qty = num(o, 'qty', what);
  const timeInForce = str(o, 'time_in_force', what);
  const parent = wireOrder(o, what);
  const oco = o.order_class === 'oco';
  const stopLeg = oco ? (list(o.legs ?? [], what).map((l) => wireOrder(l, what)).find((l) => isStopType(l.type)) ?? null) : null;

  let stopPriceUsd: number | null = null;
  let targetPriceUsd: number | null = null;
  let filledQty = parent.filledQty;
  let filledAvgPriceUsd = parent.filledAvg;
  let exitReason: ExitReason | null = null;
  let status = orderStatus(parent.status);
  let brokerStatus = parent.status;
  if (oco) {
    targetPriceUsd = parent.limit;
    stopPriceUsd = stopLeg?.stop ?? parent.stop;
    const legFilled = stopLeg?.filledQty ?? 0;
    filledQty = parent.filledQty + legFilled;
    filledAvgPriceUsd = filledQty > 0 ? ((parent.filledAvg ?? 0) * parent.filledQty + (stopLeg?.filledAvg ?? 0) * legFilled) / filledQty : null;
    exitReason = legFilled > 0 ? 'stop' : parent.filledQty > 0 ? 'target' : null;
    const working = [parent, ...(stopLeg === null ? [] : [stopLeg])].some((m) => ['submitted', 'partially_filled'].includes(orderStatus(m.status)));
    status = filledQty >= qty ? 'filled' : working ? (filledQty > 0 ? 'partially_filled' : 'submitted') : filledQty > 0 ? 'cancelled' : orderStatus(parent.status);
    brokerStatus = stopLeg === null ? parent.status : `${parent.status}; stop leg ${stopLeg.status}`;
  } else if (isStopType(parent.type)) {
    stopPriceUsd = parent.stop;
    exitReason = filledQty > 0 ? 'stop' : null;
  } else if (parent.type === 'limit' && timeInForce === 'gtc') {
    targetPriceUsd = parent.limit;
    exitReason = filledQty > 0 ? 'target' : null;
  }
  return {
    id: str(o, 'id', what),
    clientOrderId: str(o, 'client_order_id', what),
    symbol: str(o, 'symbol', what),
    side,
    qty,
    limitPriceUsd: parent.limit ?? Number.NaN,
    orderClass: oco ? 'oco' : 'simple',
    timeInForce,
    stopPriceUsd,
    targetPriceUsd,
    exitReason,
    status,
    brokerStatus,
    filledQty,
    filledAvgPriceUsd,
    // Alpaca charges no commission on US equities; regulatory fees arrive as account activities.
    commissionUsd: 0,
    submittedAtMs: timeMs({ t: submitted }, 't', what),
    updatedAtMs: timeMs({ t: o.updated_at ?? submitted }, 't', what),
  };
}

/** Whether an answer is an OCO order that came without its legs (its stop leg's fill unknown). */
export const ocoWithoutLegs = (body: unknown): boolean => {
  const o = body as Json | null;
  return o !== null && typeof o === 'object' && o.order_class === 'oco' && (!Array.isArray(o.legs) || o.legs.length === 0);
};

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

/**
 * A price on Alpaca's tick, rounded `up` or `down`: whole cents at $1 and above, four decimals
 * below (Alpaca refuses finer prices: "sub-penny increment does not fulfill minimum pricing
 * criteria"). The product is read at 12 significant digits first, so a level already on the tick
 * (49.87, whose x100 is 4986.999...) stays where it is.
 */
export function roundToAlpacaTick(usd: number, direction: 'up' | 'down'): number {
  const scale = usd >= 1 ? 100 : 10_000;
  const scaled = Number((usd * scale).toPrecision(12));
  return (direction === 'up' ? Math.ceil(scaled) : Math.floor(scaled)) / scale;
}

/** A price as Alpaca takes it: a decimal string on its tick. */
export const alpacaPrice = (usd: number): string => usd.toFixed(usd >= 1 ? 2 : 4);

/**
 * A protective request with its levels on Alpaca's tick, rounded INWARD, toward the position's
 * price: a long's stop up and its target down, a short's stop down and its target up. So every
 * bar that reaches a level the backtest set also reaches the level Alpaca holds: the position is
 * never kept past an exit the backtest took. The price of that is at most one tick per share on
 * the exit, and an exit on a bar that came within a tick of the backtest's level without reaching
 * it. A level that rounds to nothing, or levels that meet once rounded, are refused here.
 */
export function alpacaProtectiveLevels(request: ProtectiveRequest): { readonly ok: true; readonly request: ProtectiveRequest } | BrokerRejection {
  const long = request.side === 'sell';
  const stop = request.stopPriceUsd === null ? null : roundToAlpacaTick(request.stopPriceUsd, long ? 'up' : 'down');
  const target = request.targetPriceUsd === null ? null : roundToAlpacaTick(request.targetPriceUsd, long ? 'down' : 'up');
  const refuse = (detail: string): BrokerRejection => ({ ok: false, code: 'BROKER_REJECTED', detail, httpStatus: null, brokerCode: null });
  if ((stop !== null && !(stop > 0)) || (target !== null && !(target > 0))) return refuse(`a level rounds to zero on Alpaca's tick (stop ${request.stopPriceUsd}, target ${request.targetPriceUsd})`);
  if (stop !== null && target !== null && (long ? !(stop < target) : !(stop > target))) {
    return refuse(`stop ${request.stopPriceUsd} and target ${request.targetPriceUsd} meet once rounded to Alpaca's tick (${stop}, ${target}): nothing between them to protect`);
  }
  return { ok: true, request: { ...request, stopPriceUsd: stop, targetPriceUsd: target } };
}

/**
 * The body of a protective order (levels already on the tick, `alpacaProtectiveLevels`), GTC:
 * both levels: an OCO, `type: limit` with `take_profit.limit_price` and `stop_loss.stop_price`
 * (no stop-loss limit: the stop leg is a stop market order, like the backtest's stop);
 * a stop alone: a `type: stop` order; a target alone: a `type: limit` order.
 */
export function protectiveBody(request: ProtectiveRequest): Json {
  const base = { symbol: request.symbol, qty: String(request.qty), side: request.side, time_in_force: 'gtc', client_order_id: request.clientOrderId };
  const { stopPriceUsd: stop, targetPriceUsd: target } = request;
  if (stop !== null && target !== null) {
    return { ...base, type: 'limit', order_class: 'oco', take_profit: { limit_price: alpacaPrice(target) }, stop_loss: { stop_price: alpacaPrice(stop) } };
  }
  if (stop !== null) return { ...base, type: 'stop', stop_price: alpacaPrice(stop) };
  return { ...base, type: 'limit', limit_price: alpacaPrice(target!) };
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
