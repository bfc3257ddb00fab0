import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Alpaca's REST v2 trading API and its market-data latest-quote endpoint,
 * for tests (node:http on 127.0.0.1, an OS-assigned port; nothing touches the internet). It
 * speaks Alpaca's documented wire format: numbers as strings in orders, positions and the
 * account (`"qty": "10"`, `"filled_avg_price": "187.42"`), error bodies
 * `{"code": 40310000, "message": "insufficient buying power"}`, and the auth headers
 * APCA-API-KEY-ID / APCA-API-SECRET-KEY (401 `request is not authorized` without them).
 *
 *   POST   /v2/orders                                  submit (422 for a reused client_order_id)
 *   GET    /v2/orders:by_client_order_id?client_order_id=  lookup (404 when unknown)
 *   GET    /v2/orders?status=open                      working orders
 *   GET    /v2/orders/{id}
 *   DELETE /v2/orders/{id}                             204, 404, or 422 when already final
 *   GET    /v2/positions, /v2/account, /v2/clock
 *   GET    /v2/stocks/{symbol}/quotes/latest           (the data API; same server)
 *
 * Protective exits as Alpaca takes them, good till cancelled: an OCO (`order_class: oco`,
 * `type: limit`, `take_profit.limit_price`, `stop_loss.stop_price`) is held as the take-profit
 * limit order with its stop in `legs` (status `held`), a stop alone as a `type: stop` order, a
 * target alone as a GTC limit order. They rest (`new`) until a test says the market reached a
 * level (`fillProtective`): that member fills all shares and an OCO's other member is cancelled.
 * Prices finer than Alpaca's tick (whole cents at $1 and above, four decimals below) are refused
 * with its 422 "sub-penny increment"; a sell of shares held for other open sells is refused with
 * its 403 "insufficient qty available for order".
 *
 * Orders are kept in memory. By default a submitted IOC limit order is answered `accepted` (as
 * Alpaca does: it fills asynchronously) and then fills against the stub's quote for the symbol:
 * a buy at the ask when ask <= limit, a sell at the bid when bid >= limit, otherwise the IOC
 * order is `canceled` with nothing filled; without a quote it fills at its limit. Each route can
 * be scripted per test with a queue of actions (`script('submit', ...)`), consumed one per
 * request: accept, partially fill, reject with 403/422, 429 with Retry-After, 500/503 before or
 * after the order was recorded, or hang (never answer, for time-outs).
 */
export type StubRoute = 'submit' | 'lookup' | 'get' | 'open-orders' | 'cancel' | 'positions' | 'account' | 'clock' | 'quote';

export type StubAction =
  /** The default: record the order and fill it against the quote. */
  | { readonly kind: 'accept' }
  /** Record the order with `filledQty` filled at the limit; the rest is cancelled (IOC) or, with rest 'working', still open. */
  | { readonly kind: 'partial'; readonly filledQty: number; readonly rest?: 'canceled' | 'working' }
  /** Record the order and leave it working (nothing filled). */
  | { readonly kind: 'working' }
  /** An error answer in Alpaca's format; nothing is recorded. */
  | { readonly kind: 'reject'; readonly status: 403 | 422; readonly code: number; readonly message: string }
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds?: number }
  /** 500/503 (an HTML page for 503, like a load balancer) without recording anything. */
  | { readonly kind: 'server-error'; readonly status: 500 | 502 | 503 }
  /** The broker accepted and recorded the order, then the answer was lost in a 500/503. */
  | { readonly kind: 'accept-then-server-error'; readonly status: 500 | 502 | 503 }
  /** Never answer (the request is held until the stub closes). */
  | { readonly kind: 'hang' }
  /** Record the order, then never answer. */
  | { readonly kind: 'accept-then-hang' };

export interface StubOrder {
  id: string;
  client_order_id: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  canceled_at: string | null;
  expired_at: string | null;
  failed_at: string | null;
  asset_id: string;
  symbol: string;
  asset_class: 'us_equity';
  notional: null;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  order_class: '' | 'oco';
  order_type: 'limit' | 'stop';
  type: 'limit' | 'stop';
  side: 'buy' | 'sell';
  time_in_force: string;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  extended_hours: boolean;
  /** An OCO's stop leg; null for a simple order (and for a leg). */
  legs: StubOrder[] | null;
}

export interface AlpacaStubOptions {
  readonly keyId?: string;
  readonly secretKey?: string;
  /** Quotes by symbol (bid, ask); a symbol without one has no quote (404 on the quote route). */
  readonly quotes?: Readonly<Record<string, { readonly bid: number; readonly ask: number }>>;
  readonly cashUsd?: number;
  /** The clock's answer; default a Monday in regular hours. */
  readonly clock?: { readonly timestamp: string; readonly is_open: boolean; readonly next_open: string; readonly next_close: string };
  /**
   * Error answers repeat the request's URL and every request header, credentials included, in
   * their body (as some proxies and debug pages do): to prove no key reaches a message.
   */
  readonly echoRequest?: boolean;
  /**
   * Answer an OCO without its legs except to GET /v2/orders/{id}?nested=true (the submit answer,
   * lookups by client order id and unnested lists), to prove the adapter reads the stop leg anyway.
   */
  readonly legsOnlyWhenNested?: boolean;
}

export interface AlpacaStubRequest {
  readonly method: string;
  readonly route: StubRoute | 'unknown';
  readonly url: string;
  status: number;
}

export interface AlpacaStub {
  readonly baseUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly requests: AlpacaStubRequest[];
  /** Orders by client order id, as the broker holds them. */
  readonly orders: Map<string, StubOrder>;
  /** POST /v2/orders requests received (whatever became of them). */
  submitRequests(): number;
  /** Queue actions for the next requests on `route`, one per request. */
  script(route: StubRoute, ...actions: StubAction[]): void;
  setQuote(symbol: string, bid: number, ask: number): void;
  /**
   * The market reached a level of the resting protective order `clientOrderId`: its stop (the
   * stop order, or the OCO's stop leg) or its target (the limit order, or the OCO's parent)
   * fills all shares at `priceUsd` (default the level itself); an OCO's other member is cancelled.
   */
  fillProtective(clientOrderId: string, level: 'stop' | 'target', priceUsd?: number): StubOrder;
  close(): Promise<void>;
}

const DEFAULT_KEY_ID = 'PKSTUBKEYID0001';
const DEFAULT_SECRET = 'stub-secret-key-0123456789';
const cents = (x: number): string => (Math.round(x * 100) / 100).toString();
const OPEN_STATUSES = new Set(['new', 'accepted', 'pending_new', 'partially_filled', 'held']);

/** The name of the first price field in `body` finer than Alpaca's tick, or null. */
function subPennyField(body: Record<string, unknown>): { field: string; value: string } | null {
  const fields: [string, unknown][] = [
    ['limit_price', body.limit_price],
    ['stop_price', body.stop_price],
    ['take_profit.limit_price', (body.take_profit as Record<string, unknown> | undefined)?.limit_price],
    ['stop_loss.stop_price', (body.stop_loss as Record<string, unknown> | undefined)?.stop_price],
  ];
  for (const [field, v] of fields) {
    if (v === undefined || v === null) continue;
    const text = String(v);
    const decimals = /\.(\d+)$/.exec(text)?.[1]?.replace(/0+$/, '').length ?? 0;
    if (decimals > (Number(text) >= 1 ? 2 : 4)) return { field, value: text };
  }
  return null;
}

export async function startAlpacaStub(options: AlpacaStubOptions = {}): Promise<AlpacaStub> {
  const keyId = options.keyId ?? DEFAULT_KEY_ID;
  const secretKey = options.secretKey ?? DEFAULT_SECRET;
  const quotes = new Map(Object.entries(options.quotes ?? {}));
  const orders = new Map<string, StubOrder>();
  const positions = new Map<string, { qty: number; avg: number }>();
  let cash = options.cashUsd ?? 100_000;
  const scripts = new Map<StubRoute, StubAction[]>();
  const requests: AlpacaStubRequest[] = [];
  const held: ServerResponse[] = [];
  let submits = 0;
  const clock = options.clock ?? { timestamp: '2024-01-16T10:00:00.000-05:00', is_open: true, next_open: '2024-01-17T09:30:00-05:00', next_close: '2024-01-16T16:00:00-05:00' };

  const next = (route: StubRoute): StubAction | null => scripts.get(route)?.shift() ?? null;

  const send = (req: IncomingMessage, res: ServerResponse, record: AlpacaStubRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    if (status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    let value = body;
    if (options.echoRequest === true && status >= 400 && typeof body === 'object' && body !== null) {
      value = { ...(body as Record<string, unknown>), message: `${(body as { message?: string }).message ?? ''} (request ${req.method} ${req.url} headers ${JSON.stringify(req.headers)})`, request: { url: req.url, headers: req.headers } };
    }
    if (typeof value === 'string') {
      const page = options.echoRequest === true ? `${value} ${req.url} ${JSON.stringify(req.headers)}` : value;
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end(page);
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const alpacaError = (code: number, message: string) => ({ code, message });
  const serverError = (req: IncomingMessage, res: ServerResponse, record: AlpacaStubRequest, status: number) =>
    status === 503
      ? send(req, res, record, 503, '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>')
      : send(req, res, record, status, alpacaError(50010000, 'internal server error'));

  const applyFill = (o: StubOrder, qty: number, price: number) => {
    const side = o.side === 'buy' ? 1 : -1;
    const p = positions.get(o.symbol) ?? { qty: 0, avg: 0 };
    const newQty = p.qty + side * qty;
    const avg = side === 1 && newQty !== 0 ? (p.qty * p.avg + qty * price) / newQty : newQty === 0 ? 0 : p.avg;
    if (newQty === 0) positions.delete(o.symbol);
    else positions.set(o.symbol, { qty: newQty, avg });
    cash -= side * qty * price;
    o.filled_qty = String(qty);
    o.filled_avg_price = cents(price);
  };

  const record = (body: Record<string, unknown>, action: StubAction): StubOrder => {
    const now = new Date().toISOString();
    const oco = body.order_class === 'oco';
    const takeProfit = body.take_profit as Record<string, unknown> | undefined;
    const stopLoss = body.stop_loss as Record<string, unknown> | undefined;
    const type = body.type === 'stop' ? 'stop' : 'limit';
    const o: StubOrder = {
      id: randomUUID(),
      client_order_id: String(body.client_order_id),
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      canceled_at: null,
      expired_at: null,
      failed_at: null,
      asset_id: randomUUID(),
      symbol: String(body.symbol),
      asset_class: 'us_equity',
      notional: null,
      qty: String(body.qty),
      filled_qty: '0',
      filled_avg_price: null,
      order_class: oco ? 'oco' : '',
      order_type: type,
      type,
      side: body.side as 'buy' | 'sell',
      time_in_force: String(body.time_in_force),
      limit_price: oco ? String(takeProfit?.limit_price) : type === 'stop' ? null : String(body.limit_price),
      stop_price: type === 'stop' ? String(body.stop_price) : null,
      status: 'accepted',
      extended_hours: false,
      legs: null,
    };
    orders.set(o.client_order_id, o);
    if (o.time_in_force === 'gtc') {
      // A protective exit rests until the test says the market reached it (fillProtective).
      o.status = 'new';
      if (oco) {
        o.legs = [{ ...o, id: randomUUID(), client_order_id: randomUUID(), order_type: 'stop', type: 'stop', limit_price: null, stop_price: String(stopLoss?.stop_price), status: 'held', legs: null }];
      }
      return o;
    }
    const qty = Number(o.qty);
    const limit = Number(o.limit_price);
    if (action.kind === 'working') {
      o.status = 'new';
    } else if (action.kind === 'partial') {
      applyFill(o, action.filledQty, limit);
      o.status = action.rest === 'working' ? 'partially_filled' : 'canceled';
      if (o.status === 'canceled') o.canceled_at = now;
    } else {
      const q = quotes.get(o.symbol);
      const price = q === undefined ? limit : o.side === 'buy' ? q.ask : q.bid;
      const fills = o.side === 'buy' ? price <= limit : price >= limit;
      if (fills) {
        applyFill(o, qty, price);
        o.status = 'filled';
        o.filled_at = now;
      } else {
        o.status = 'canceled';
        o.canceled_at = now;
      }
    }
    return o;
  };

  /** An order as an answer shows it: an OCO's legs left out when the stub answers legs only nested. */
  const view = (o: StubOrder, nested: boolean): StubOrder => (options.legsOnlyWhenNested === true && !nested ? { ...o, legs: null } : o);

  const fillProtective = (clientOrderId: string, level: 'stop' | 'target', priceUsd?: number): StubOrder => {
    const o = orders.get(clientOrderId);
    if (o === undefined || o.time_in_force !== 'gtc' || !OPEN_STATUSES.has(o.status)) throw new Error(`stub: no resting protective order ${clientOrderId}`);
    const leg = o.legs?.[0] ?? null;
    const member = level === 'stop' && leg !== null ? leg : o;
    if ((level === 'stop') !== (member.type === 'stop')) throw new Error(`stub: order ${clientOrderId} has no ${level}`);
    const now = new Date().toISOString();
    applyFill(member, Number(member.qty), priceUsd ?? Number(level === 'stop' ? member.stop_price : member.limit_price));
    Object.assign(member, { status: 'filled', filled_at: now, updated_at: now });
    // One cancels the other.
    const other = leg === null ? null : member === leg ? o : leg;
    if (other !== null) Object.assign(other, { status: 'canceled', canceled_at: now, updated_at: now });
    o.updated_at = now;
    return o;
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => resolve(text));
      req.on('error', reject);
    });

  const routeOf = (method: string, path: string): StubRoute | 'unknown' => {
    if (method === 'POST' && path === '/v2/orders') return 'submit';
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') return 'lookup';
    if (method === 'GET' && path === '/v2/orders') return 'open-orders';
    if (method === 'GET' && /^\/v2\/orders\/[^/]+$/.test(path)) return 'get';
    if (method === 'DELETE' && /^\/v2\/orders\/[^/]+$/.test(path)) return 'cancel';
    if (method === 'GET' && path === '/v2/positions') return 'positions';
    if (method === 'GET' && path === '/v2/account') return 'account';
    if (method === 'GET' && path === '/v2/clock') return 'clock';
    if (method === 'GET' && /^\/v2\/stocks\/[^/]+\/quotes\/latest$/.test(path)) return 'quote';
    return 'unknown';
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const route = routeOf(method, url.pathname);
    const rec: AlpacaStubRequest = { method, route, url: req.url ?? '/', status: 0 };
    requests.push(rec);
    const text = await readBody(req);
    if (req.headers['apca-api-key-id'] !== keyId || req.headers['apca-api-secret-key'] !== secretKey) {
      return send(req, res, rec, 401, alpacaError(40110000, 'request is not authorized'));
    }
    if (route === 'unknown') return send(req, res, rec, 404, alpacaError(40410000, 'resource not found'));
    if (route === 'submit') submits++;
    const action = next(route);
    if (action?.kind === 'hang') {
      held.push(res);
      return;
    }
    if (action?.kind === 'rate-limit') {
      const h: Record<string, string> = action.retryAfterSeconds === undefined ? {} : { 'retry-after': String(action.retryAfterSeconds) };
      return send(req, res, rec, 429, alpacaError(42910000, 'rate limit exceeded'), h);
    }
    if (action?.kind === 'server-error') return serverError(req, res, rec, action.status);
    if (action?.kind === 'reject') return send(req, res, rec, action.status, alpacaError(action.code, action.message));

    switch (route) {
      case 'submit': {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return send(req, res, rec, 400, alpacaError(40010000, 'request body format is invalid'));
        }
        for (const field of ['symbol', 'qty', 'side', 'type', 'time_in_force']) {
          if (body[field] === undefined) return send(req, res, rec, 422, alpacaError(40010000, `${field} is required`));
        }
        const oco = body.order_class === 'oco';
        if (oco && (body.type !== 'limit' || (body.take_profit as Record<string, unknown> | undefined)?.limit_price === undefined || (body.stop_loss as Record<string, unknown> | undefined)?.stop_price === undefined)) {
          return send(req, res, rec, 422, alpacaError(40010000, 'oco orders must be limit orders with take_profit.limit_price and stop_loss.stop_price'));
        }
        if (body.type === 'limit' && !oco && body.limit_price === undefined) return send(req, res, rec, 422, alpacaError(40010000, 'limit_price is required for limit orders'));
        if (body.type === 'stop' && body.stop_price === undefined) return send(req, res, rec, 422, alpacaError(40010000, 'stop_price is required for stop orders'));
        const fine = subPennyField(body);
        if (fine !== null) return send(req, res, rec, 422, alpacaError(42210000, `invalid ${fine.field} ${fine.value}. sub-penny increment does not fulfill minimum pricing criteria`));
        if (typeof body.client_order_id === 'string' && orders.has(body.client_order_id)) {
          return send(req, res, rec, 422, alpacaError(40010001, 'client_order_id must be unique'));
        }
        if (typeof body.client_order_id !== 'string') body.client_order_id = randomUUID();
        const qty = Number(body.qty);
        const limit = Number(body.limit_price);
        if (body.side === 'buy' && qty * limit > cash) {
          return send(req, res, rec, 403, { ...alpacaError(40310000, 'insufficient buying power'), buying_power: cents(cash), cost_basis: cents(qty * limit) });
        }
        const owned = positions.get(String(body.symbol))?.qty ?? 0;
        if (body.side === 'sell' && owned > 0) {
          // Shares held for open sells (a resting stop among them) are not available to another sell.
          const reserved = [...orders.values()].filter((x) => x.symbol === body.symbol && x.side === 'sell' && OPEN_STATUSES.has(x.status)).reduce((n, x) => n + Number(x.qty), 0);
          if (qty > owned - reserved) {
            return send(req, res, rec, 403, { ...alpacaError(40310000, `insufficient qty available for order (requested: ${qty}, available: ${owned - reserved})`), symbol: body.symbol, existing_qty: String(owned), held_for_orders: String(reserved) });
          }
        }
        const o = record(body, action ?? { kind: 'accept' });
        if (action?.kind === 'accept-then-server-error') return serverError(req, res, rec, action.status);
        if (action?.kind === 'accept-then-hang') {
          held.push(res);
          return;
        }
        // Alpaca answers before the order fills: the answer says accepted, a later GET shows the fill.
        return send(req, res, rec, 200, { ...view(o, false), status: 'accepted', filled_qty: '0', filled_avg_price: null, filled_at: null, canceled_at: null });
      }
      case 'lookup': {
        const id = url.searchParams.get('client_order_id') ?? '';
        const o = orders.get(id);
        return o === undefined ? send(req, res, rec, 404, alpacaError(40410000, `order not found for ${id}`)) : send(req, res, rec, 200, view(o, false));
      }
      case 'get': {
        const id = decodeURIComponent(url.pathname.split('/')[3]);
        const o = [...orders.values()].find((x) => x.id === id);
        return o === undefined ? send(req, res, rec, 404, alpacaError(40410000, 'order not found')) : send(req, res, rec, 200, view(o, url.searchParams.get('nested') === 'true'));
      }
      case 'open-orders': {
        const status = url.searchParams.get('status') ?? 'open';
        const nested = url.searchParams.get('nested') === 'true';
        const list = [...orders.values()].filter((o) => status === 'all' || (status === 'open' ? OPEN_STATUSES.has(o.status) : !OPEN_STATUSES.has(o.status)));
        return send(req, res, rec, 200, list.map((o) => view(o, nested)));
      }
      case 'cancel': {
        const id = decodeURIComponent(url.pathname.split('/')[3]);
        const o = [...orders.values()].find((x) => x.id === id);
        if (o === undefined) return send(req, res, rec, 404, alpacaError(40410000, 'order not found'));
        if (['filled', 'canceled', 'expired', 'rejected'].includes(o.status)) {
          return send(req, res, rec, 422, alpacaError(42210000, `order is already in "${o.status}" state`));
        }
        o.status = 'canceled';
        o.canceled_at = new Date().toISOString();
        o.updated_at = o.canceled_at;
        // Cancelling an OCO cancels its stop leg with it.
        for (const leg of o.legs ?? []) {
          if (OPEN_STATUSES.has(leg.status)) Object.assign(leg, { status: 'canceled', canceled_at: o.canceled_at, updated_at: o.canceled_at });
        }
        return send(req, res, rec, 204, null);
      }
      case 'positions': {
        const list = [...positions.entries()].map(([symbol, p]) => {
          const q = quotes.get(symbol);
          const mark = q === undefined ? p.avg : (q.bid + q.ask) / 2;
          return {
            asset_id: randomUUID(),
            symbol,
            exchange: 'NASDAQ',
            asset_class: 'us_equity',
            avg_entry_price: String(p.avg),
            qty: String(p.qty),
            qty_available: String(p.qty),
            side: p.qty > 0 ? 'long' : 'short',
            market_value: cents(p.qty * mark),
            cost_basis: cents(p.qty * p.avg),
            current_price: String(mark),
          };
        });
        return send(req, res, rec, 200, list);
      }
      case 'account': {
        let equity = cash;
        for (const [symbol, p] of positions) {
          const q = quotes.get(symbol);
          equity += p.qty * (q === undefined ? p.avg : (q.bid + q.ask) / 2);
        }
        return send(req, res, rec, 200, {
          id: 'stub-account',
          account_number: 'PA0000STUB',
          status: 'ACTIVE',
          currency: 'USD',
          cash: cents(cash),
          buying_power: cents(cash),
          equity: cents(equity),
          portfolio_value: cents(equity),
          pattern_day_trader: false,
          daytrade_count: 0,
          trading_blocked: false,
          account_blocked: false,
        });
      }
      case 'clock':
        return send(req, res, rec, 200, clock);
      case 'quote': {
        const symbol = decodeURIComponent(url.pathname.split('/')[3]);
        const q = quotes.get(symbol);
        if (q === undefined) return send(req, res, rec, 404, alpacaError(40410000, `no quote found for ${symbol}`));
        return send(req, res, rec, 200, {
          symbol,
          quote: { t: '2024-01-16T15:00:00.123456789Z', ax: 'Q', ap: q.ask, as: 3, bx: 'V', bp: q.bid, bs: 2, c: ['R'], z: 'C' },
        });
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 50010000, message: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    keyId,
    secretKey,
    requests,
    orders,
    submitRequests: () => submits,
    script: (route, ...actions) => scripts.set(route, [...(scripts.get(route) ?? []), ...actions]),
    setQuote: (symbol, bid, ask) => void quotes.set(symbol, { bid, ask }),
    fillProtective,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
