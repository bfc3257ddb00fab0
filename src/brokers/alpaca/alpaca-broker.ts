import { KobeError, usageError } from '../../core/errors.js';
import { redactSecrets, registerSecrets } from '../../core/redact.js';
import { bodySnippet, defaultBackoffMs, retryAfterMs } from '../../data/providers/http.js';
import type { Account, Broker, BrokerOrder, CancelResult, MarketClock, OrderRequest, Position, ProtectiveRequest, Quote, SubmitResult } from '../broker.js';
import { duplicateResult } from '../broker.js';
import type { BrokerMode } from '../live-guard.js';
import { validateOrderRequest, validateProtectiveRequest } from '../order-request.js';
import type { AlpacaCredentials } from './credentials.js';
import { alpacaProtectiveLevels, list, ocoWithoutLegs, orderBody, parseAccount, parseClock, parseOrder, parsePosition, parseQuote, protectiveBody } from './wire.js';

/**
 * The Alpaca adapter: REST v2 behind the Broker interface.
 *
 * Retries, bounded by `maxAttempts` (requests in all, default 4):
 * - 429: wait what Retry-After says (capped at `maxRetryAfterMs`; the backoff when absent) and
 *   send again; RATE_LIMITED when the attempts run out.
 * - 5xx, time-outs (`timeoutMs`, an AbortController per request) and network errors: reads and
 *   cancels are sent again after a backoff; BROKER_UNAVAILABLE / BROKER_TIMEOUT when they run out.
 * - A submit whose answer was a 5xx or never came may have been accepted: before it is ever sent
 *   again, the order is looked up by its client_order_id, and if Alpaca holds it that order is the
 *   answer. A retry is never a second order. (A 429 was refused before order processing and is
 *   sent again as is; should it have landed anyway, Alpaca's own 422 for a reused client_order_id
 *   resolves to the order it holds.)
 * Protective exits (`protect`) go out GTC as an OCO, a stop or a limit order (`wire.ts`
 * `protectiveBody`), their levels first rounded inward to Alpaca's tick (`alpacaProtectiveLevels`),
 * with the same retry and idempotency rules as `submit`. An OCO answer that came without its stop
 * leg (the leg carries the stop's fill) is read again by its id with `nested=true`, and the open
 * orders are listed nested, so a leg is never taken for an order of its own.
 * Rejections (403 insufficient buying power, 422 unprocessable) are values: BROKER_REJECTED with
 * Alpaca's code and message; a reused client_order_id is the order it names (`duplicate: true`) or
 * DUPLICATE_CLIENT_ORDER_ID when it names a different order.
 *
 * Keys travel only in the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers and are registered with
 * core/redact.ts; every message built from an answer is redacted, so an error page that echoes
 * the request's headers cannot put a key on the screen.
 */
export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';
export const ALPACA_DATA_URL = 'https://data.alpaca.markets';

export interface AlpacaBrokerOptions {
  readonly credentials: AlpacaCredentials;
  /** paper (default) trades at the paper endpoint; live at the live one (guarded by liveTradingAllowed). */
  readonly mode?: BrokerMode;
  /** Overrides the trading endpoint the mode picks (a local stub in tests). */
  readonly tradingBaseUrl?: string;
  readonly dataBaseUrl?: string;
  /** Market-data feed for quotes (`iex` on the free plan, `sip`); Alpaca's default when unset. */
  readonly quoteFeed?: string;
  /** Per request, ms; default 10 s. */
  readonly timeoutMs?: number;
  /** Requests in all for one call (first try included); default 4. */
  readonly maxAttempts?: number;
  /** Delay before retry `attempt` (1-based) without a Retry-After; default 1 s, 2 s, 4 s ... */
  readonly backoffMs?: (attempt: number) => number;
  /** Longest Retry-After honoured, ms; default 60 s. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof globalThis.fetch;
}

type Outcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly headers: Headers }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network'; readonly message: string };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

/** Alpaca's `{"code": 40310000, "message": "..."}` error body, as far as it is one. */
function alpacaError(body: string): { code: number | null; message: string } {
  const j = parseJson(body) as { code?: unknown; message?: unknown } | null;
  if (j !== null && typeof j === 'object') {
    return { code: typeof j.code === 'number' ? j.code : null, message: typeof j.message === 'string' ? j.message : bodySnippet(body) };
  }
  return { code: null, message: bodySnippet(body) };
}

const DUPLICATE_MESSAGE = /client_order_id must be unique/i;

export class AlpacaBroker implements Broker {
  readonly name: string;
  private readonly tradingUrl: string;
  private readonly dataUrl: string;
  private readonly secrets: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => number;
  private readonly maxRetryAfter: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly doFetch: typeof globalThis.fetch;

  constructor(private readonly options: AlpacaBrokerOptions) {
    const mode = options.mode ?? 'paper';
    this.name = `alpaca-${mode}`;
    this.tradingUrl = (options.tradingBaseUrl ?? (mode === 'live' ? ALPACA_LIVE_URL : ALPACA_PAPER_URL)).replace(/\/+$/, '');
    this.dataUrl = (options.dataBaseUrl ?? ALPACA_DATA_URL).replace(/\/+$/, '');
    this.secrets = [options.credentials.keyId, options.credentials.secretKey];
    registerSecrets(this.secrets);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.backoff = options.backoffMs ?? defaultBackoffMs;
    this.maxRetryAfter = options.maxRetryAfterMs ?? 60_000;
    this.sleep = options.sleep ?? realSleep;
    this.doFetch = options.fetch ?? globalThis.fetch;
  }

  async submit(request: OrderRequest): Promise<SubmitResult> {
    validateOrderRequest(request);
    return this.place(request, `submit ${request.side} ${request.qty} ${request.symbol} (client order id ${request.clientOrderId})`, orderBody(request));
  }

  /**
   * Places a protective exit GTC. Its levels are rounded inward to Alpaca's tick first (see
   * `alpacaProtectiveLevels`); the order comes back with the levels Alpaca holds, and a second
   * call with the same client order id and levels (rounded the same way) is the same order.
   */
  async protect(request: ProtectiveRequest): Promise<SubmitResult> {
    validateProtectiveRequest(request);
    const levels = alpacaProtectiveLevels(request);
    if (!levels.ok) return levels;
    const r = levels.request;
    const what = `protect ${r.side} ${r.qty} ${r.symbol} stop ${r.stopPriceUsd ?? '-'} target ${r.targetPriceUsd ?? '-'} (client order id ${r.clientOrderId})`;
    return this.place(r, what, protectiveBody(r));
  }

  /** POST /v2/orders with the retry and idempotency rules of the module comment. */
  private async place(request: OrderRequest | ProtectiveRequest, what: string, wireBody: Record<string, unknown>): Promise<SubmitResult> {
    const body = JSON.stringify(wireBody);
    let last: Outcome | null = null;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        await this.sleep(this.waitMs(last, attempt - 1));
        if (last === null || last.kind !== 'response' || last.status !== 429) {
          // The last answer left the order's fate unknown: look before sending again.
          const found = await this.orderByClientId(request.clientOrderId);
          if (found !== null) {
            // Our own earlier send landed: that order is the answer (not a duplicate of someone else's).
            const r = duplicateResult(found, request);
            return r.ok ? { ...r, duplicate: false } : r;
          }
        }
      }
      last = await this.send('POST', `${this.tradingUrl}/v2/orders`, body);
      if (last.kind !== 'response') continue;
      const { status } = last;
      if (status === 200 || status === 201) return { ok: true, order: await this.withLegs(parseJson(last.body), what), duplicate: false };
      if (status === 429 || status >= 500) continue;
      if (status === 401) throw this.authError(what, last.body);
      const err = alpacaError(last.body);
      const message = this.clean(err.message);
      if (status === 422 && DUPLICATE_MESSAGE.test(err.message)) {
        const existing = await this.orderByClientId(request.clientOrderId);
        if (existing !== null) return duplicateResult(existing, request, status, err.code);
        return { ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', detail: `${message} (and no order found under ${request.clientOrderId})`, httpStatus: status, brokerCode: err.code };
      }
      return { ok: false, code: 'BROKER_REJECTED', detail: `HTTP ${status}: ${message}`, httpStatus: status, brokerCode: err.code };
    }
    throw this.exhausted(what, last, 'the order may or may not have reached Alpaca: look it up by its client order id before sending it again');
  }

  /** The order of an answer; an OCO that came without its legs is read again by its id, nested, so its stop leg's fill is known. */
  private async withLegs(body: unknown, what: string): Promise<BrokerOrder> {
    const order = parseOrder(body, what);
    if (!ocoWithoutLegs(body)) return order;
    const r = await this.call(what, 'GET', `${this.tradingUrl}/v2/orders/${encodeURIComponent(order.id)}?nested=true`);
    return parseOrder(parseJson(r.body), what);
  }

  async cancel(orderId: string): Promise<CancelResult> {
    const r = await this.call(`cancel order ${orderId}`, 'DELETE', `${this.tradingUrl}/v2/orders/${encodeURIComponent(orderId)}`, [404, 422]);
    if (r.status === 404) return { ok: false, code: 'ORDER_NOT_FOUND', detail: this.clean(alpacaError(r.body).message) };
    if (r.status === 422) return { ok: false, code: 'NOT_CANCELABLE', detail: this.clean(alpacaError(r.body).message) };
    return { ok: true };
  }

  async orderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    const what = `look up order ${clientOrderId}`;
    const r = await this.call(what, 'GET', `${this.tradingUrl}/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(clientOrderId)}`, [404]);
    return r.status === 404 ? null : this.withLegs(parseJson(r.body), what);
  }

  async openOrders(): Promise<BrokerOrder[]> {
    const what = 'list open orders';
    // Nested: an OCO's stop leg comes under its parent, not as an order of its own.
    const r = await this.call(what, 'GET', `${this.tradingUrl}/v2/orders?status=open&limit=500&direction=asc&nested=true`);
    return Promise.all(list(parseJson(r.body), what).map((o) => this.withLegs(o, what)));
  }

  async positions(): Promise<Position[]> {
    const what = 'list positions';
    const r = await this.call(what, 'GET', `${this.tradingUrl}/v2/positions`);
    return list(parseJson(r.body), what).map((p) => parsePosition(p, what));
  }

  async account(): Promise<Account> {
    const r = await this.call('read account', 'GET', `${this.tradingUrl}/v2/account`);
    return parseAccount(parseJson(r.body), 'read account');
  }

  async clock(): Promise<MarketClock> {
    const r = await this.call('read market clock', 'GET', `${this.tradingUrl}/v2/clock`);
    return parseClock(parseJson(r.body), 'read market clock');
  }

  async latestQuote(symbol: string): Promise<Quote> {
    const what = `latest quote of ${symbol}`;
    const feed = this.options.quoteFeed === undefined ? '' : `?feed=${encodeURIComponent(this.options.quoteFeed)}`;
    const r = await this.call(what, 'GET', `${this.dataUrl}/v2/stocks/${encodeURIComponent(symbol)}/quotes/latest${feed}`, [404]);
    if (r.status === 404) {
      throw new KobeError('NO_QUOTE', `${what}: Alpaca has no quote (${this.clean(alpacaError(r.body).message)})`, { kind: 'runtime', value: symbol, hint: 'check the symbol; no order is priced without a quote' });
    }
    return parseQuote(parseJson(r.body), symbol, what);
  }

  /**
   * One request that may safely be repeated (a read, a cancel), with the retry policy above.
   * Returns a 2xx answer or one of `expected`; any other answer is a coded error.
   */
  private async call(what: string, method: string, url: string, expected: readonly number[] = []): Promise<{ status: number; body: string }> {
    let last: Outcome | null = null;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.waitMs(last, attempt - 1));
      last = await this.send(method, url, null);
      if (last.kind !== 'response') continue;
      const { status, body } = last;
      if ((status >= 200 && status < 300) || expected.includes(status)) return { status, body };
      if (status === 429 || status >= 500) continue;
      if (status === 401) throw this.authError(what, body);
      throw new KobeError('BROKER_REJECTED', this.clean(`${what}: HTTP ${status}: ${alpacaError(body).message}`), { kind: 'runtime', value: status });
    }
    throw this.exhausted(what, last, null);
  }

  private waitMs(last: Outcome | null, retry: number): number {
    if (last?.kind === 'response' && last.status === 429) {
      const hinted = retryAfterMs(last.headers);
      if (hinted !== null) return Math.min(hinted, this.maxRetryAfter);
    }
    return this.backoff(retry);
  }

  private async send(method: string, url: string, body: string | null): Promise<Outcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await this.doFetch(url, {
        method,
        headers: {
          'APCA-API-KEY-ID': this.options.credentials.keyId,
          'APCA-API-SECRET-KEY': this.options.credentials.secretKey,
          accept: 'application/json',
          ...(body === null ? {} : { 'content-type': 'application/json' }),
        },
        body: body ?? undefined,
        signal: controller.signal,
      });
      return { kind: 'response', status: res.status, body: await res.text(), headers: res.headers };
    } catch (e) {
      if (controller.signal.aborted) return { kind: 'timeout' };
      const err = e as Error;
      return { kind: 'network', message: err.cause instanceof Error ? err.cause.message : err.message };
    } finally {
      clearTimeout(timer);
    }
  }

  private clean(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private authError(what: string, body: string): KobeError {
    return usageError('BROKER_AUTH', this.clean(`${what}: Alpaca refused the keys: ${alpacaError(body).message}`), {
      param: 'credentials',
      hint: `check APCA_API_KEY_ID and APCA_API_SECRET_KEY, and that they belong to the ${this.name === 'alpaca-live' ? 'live' : 'paper'} endpoint`,
    });
  }

  private exhausted(what: string, last: Outcome | null, unknownFate: string | null): KobeError {
    const tries = `after ${this.maxAttempts} attempt${this.maxAttempts === 1 ? '' : 's'}`;
    const fate = unknownFate === null ? '' : `; ${unknownFate}`;
    if (last?.kind === 'response' && last.status === 429) {
      return new KobeError('RATE_LIMITED', this.clean(`${what}: Alpaca is rate limiting requests (HTTP 429 ${tries})${fate}`), { kind: 'runtime', value: 429, hint: 'wait a minute and run again; fewer requests per minute' });
    }
    if (last?.kind === 'timeout') {
      return new KobeError('BROKER_TIMEOUT', this.clean(`${what}: no answer within ${this.timeoutMs} ms ${tries}${fate}`), { kind: 'runtime', value: this.timeoutMs, hint: 'Alpaca is slow or unreachable; run again later (a resubmit looks the order up first)' });
    }
    const detail = last?.kind === 'response' ? `HTTP ${last.status}: ${bodySnippet(last.body)}` : last?.kind === 'network' ? last.message : 'no answer';
    return new KobeError('BROKER_UNAVAILABLE', this.clean(`${what}: Alpaca unavailable ${tries} (${detail})${fate}`), {
      kind: 'runtime',
      value: last?.kind === 'response' ? last.status : null,
      hint: 'check https://status.alpaca.markets and the network; run again later (a resubmit looks the order up first)',
    });
  }
}
