import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { marketableLimitPrice } from '../../execution/limit-price.js';
import { type AlpacaStub, startAlpacaStub } from '../../test-support/alpaca-stub.js';
import type { OrderRequest } from '../broker.js';
import { AlpacaBroker, type AlpacaBrokerOptions } from './alpaca-broker.js';
import { alpacaCredentialsFromEnv } from './credentials.js';

const KEY_ID = 'PKTESTKEY7788AA';
const SECRET = 'sk-test-SECRET-9911-zz';

let stub: AlpacaStub;
const sleeps: number[] = [];

beforeEach(async () => {
  sleeps.length = 0;
  stub = await startAlpacaStub({ keyId: KEY_ID, secretKey: SECRET, quotes: { AAPL: { bid: 187.19, ask: 187.23 }, MSFT: { bid: 370, ask: 370.4 } } });
});
afterEach(async () => {
  await stub.close();
});

const broker = (extra: Partial<AlpacaBrokerOptions> = {}) =>
  new AlpacaBroker({
    credentials: { keyId: KEY_ID, secretKey: SECRET },
    tradingBaseUrl: stub.baseUrl,
    dataBaseUrl: stub.baseUrl,
    timeoutMs: 300,
    backoffMs: (n) => 10 * n,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });

const buyAapl = (clientOrderId: string, qty = 10): OrderRequest => ({
  clientOrderId,
  symbol: 'AAPL',
  side: 'buy',
  qty,
  limitPriceUsd: marketableLimitPrice('buy', { bidUsd: 187.19, askUsd: 187.23 }),
});

async function thrown(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KobeError) return e;
    throw e;
  }
  throw new Error('expected a KobeError');
}

const submits = () => stub.requests.filter((r) => r.route === 'submit');

describe('AlpacaBroker against the local Alpaca stub', () => {
  it('submits an IOC limit order in Alpaca wire format and reads back its fill by client order id', async () => {
    const b = broker();
    const r = await b.submit(buyAapl('k-2024-01-16-ibs-AAPL-buy-entry'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.duplicate).toBe(false);
    expect(r.order).toMatchObject({ symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.42, status: 'submitted', brokerStatus: 'accepted', filledQty: 0 });
    const sent = stub.orders.get('k-2024-01-16-ibs-AAPL-buy-entry');
    expect(sent).toMatchObject({ type: 'limit', time_in_force: 'ioc', limit_price: '187.42', qty: '10', side: 'buy' });

    const later = await b.orderByClientId('k-2024-01-16-ibs-AAPL-buy-entry');
    expect(later).toMatchObject({ status: 'filled', brokerStatus: 'filled', filledQty: 10, filledAvgPriceUsd: 187.23, id: r.order.id });
    expect(await b.orderByClientId('never-sent')).toBeNull();
    expect(await b.positions()).toEqual([{ symbol: 'AAPL', qty: 10, avgEntryPriceUsd: 187.23, marketValueUsd: 1872.1 }]);
    const account = await b.account();
    expect(account.cashUsd).toBe(100_000 - 1872.3);
    expect(account).toMatchObject({ patternDayTrader: false, dayTradeCount: 0, tradingBlocked: false });
  });

  it('an IOC buy limit below the ask is cancelled with nothing filled', async () => {
    const b = broker();
    const r = await b.submit({ ...buyAapl('k-low'), limitPriceUsd: 187 });
    expect(r.ok).toBe(true);
    expect(await b.orderByClientId('k-low')).toMatchObject({ status: 'cancelled', brokerStatus: 'canceled', filledQty: 0, filledAvgPriceUsd: null });
  });

  it('a partial fill: filled shares and the cancelled rest, or a partially filled order still working', async () => {
    const b = broker();
    stub.script('submit', { kind: 'partial', filledQty: 4 }, { kind: 'partial', filledQty: 3, rest: 'working' });
    await b.submit(buyAapl('k-part-ioc'));
    await b.submit(buyAapl('k-part-open'));
    expect(await b.orderByClientId('k-part-ioc')).toMatchObject({ status: 'cancelled', filledQty: 4, filledAvgPriceUsd: 187.42 });
    expect(await b.orderByClientId('k-part-open')).toMatchObject({ status: 'partially_filled', filledQty: 3 });
    const open = await b.openOrders();
    expect(open.map((o) => o.clientOrderId)).toEqual(['k-part-open']);
    expect(await b.cancel(open[0].id)).toEqual({ ok: true });
    expect(await b.orderByClientId('k-part-open')).toMatchObject({ status: 'cancelled', filledQty: 3 });
    expect(await b.cancel(open[0].id)).toMatchObject({ ok: false, code: 'NOT_CANCELABLE' });
    expect(await b.cancel('no-such-order')).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
  });

  it('403 insufficient buying power and 422 unprocessable are BROKER_REJECTED values with Alpaca code and message', async () => {
    const b = broker();
    const poor = await b.submit(buyAapl('k-too-big', 1000));
    expect(poor).toEqual({ ok: false, code: 'BROKER_REJECTED', detail: 'HTTP 403: insufficient buying power', httpStatus: 403, brokerCode: 40310000 });
    stub.script('submit', { kind: 'reject', status: 422, code: 42210000, message: 'asset "AAPL" cannot be traded' });
    const r = await b.submit(buyAapl('k-unprocessable'));
    expect(r).toMatchObject({ ok: false, code: 'BROKER_REJECTED', httpStatus: 422, brokerCode: 42210000 });
    expect(submits()).toHaveLength(2);
    expect(stub.orders.size).toBe(0);
  });

  it('a reused client order id: the same order comes back as a duplicate; a different order under it is DUPLICATE_CLIENT_ORDER_ID', async () => {
    const b = broker();
    const first = await b.submit(buyAapl('k-dup'));
    const again = await b.submit(buyAapl('k-dup'));
    expect(again.ok && again.duplicate).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.order.id).toBe(first.order.id);
    const other = await b.submit(buyAapl('k-dup', 3));
    expect(other).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', httpStatus: 422, brokerCode: 40010001 });
    expect(stub.orders.size).toBe(1);
  });

  it('429 with Retry-After: waits what the broker says and sends again; RATE_LIMITED once the bounded attempts run out', async () => {
    const b = broker();
    stub.script('submit', { kind: 'rate-limit', retryAfterSeconds: 2 });
    const r = await b.submit(buyAapl('k-429'));
    expect(r.ok).toBe(true);
    expect(sleeps).toEqual([2000]);
    expect(submits()).toHaveLength(2);
    expect(stub.requests.filter((q) => q.route === 'lookup')).toHaveLength(0);

    sleeps.length = 0;
    stub.script('account', ...Array.from({ length: 4 }, () => ({ kind: 'rate-limit' as const, retryAfterSeconds: 120 })));
    const e = await thrown(b.account());
    expect(e.code).toBe('RATE_LIMITED');
    // Four attempts, three waits, each Retry-After capped at maxRetryAfterMs (60 s).
    expect(sleeps).toEqual([60_000, 60_000, 60_000]);
  });

  it('5xx after the broker accepted: the retry finds the order by client id and does not resubmit', async () => {
    const b = broker();
    stub.script('submit', { kind: 'accept-then-server-error', status: 503 });
    const r = await b.submit(buyAapl('k-lost-answer'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.duplicate).toBe(false);
    expect(r.order).toMatchObject({ clientOrderId: 'k-lost-answer', status: 'filled' });
    expect(stub.submitRequests()).toBe(1);
    expect(stub.orders.size).toBe(1);
    expect(stub.requests.map((q) => `${q.route} ${q.status}`)).toEqual(['submit 503', 'lookup 200']);
  });

  it('5xx before the broker accepted: looks up first, finds nothing, then sends once more', async () => {
    const b = broker();
    stub.script('submit', { kind: 'server-error', status: 500 });
    const r = await b.submit(buyAapl('k-5xx'));
    expect(r.ok).toBe(true);
    expect(stub.requests.map((q) => `${q.route} ${q.status}`)).toEqual(['submit 500', 'lookup 404', 'submit 200']);
    expect(stub.orders.size).toBe(1);
  });

  it('a time-out after the broker accepted: the lookup finds the order, no second submit', async () => {
    const b = broker();
    stub.script('submit', { kind: 'accept-then-hang' });
    const r = await b.submit(buyAapl('k-timeout'));
    expect(r.ok && r.order.clientOrderId).toBe('k-timeout');
    expect(stub.submitRequests()).toBe(1);
    expect(stub.orders.size).toBe(1);
  });

  it('persistent 5xx and time-outs end in BROKER_UNAVAILABLE / BROKER_TIMEOUT after bounded attempts, never a second order', async () => {
    const b = broker({ maxAttempts: 3 });
    stub.script('submit', { kind: 'server-error', status: 503 }, { kind: 'server-error', status: 503 }, { kind: 'server-error', status: 503 });
    const e = await thrown(b.submit(buyAapl('k-down')));
    expect(e.code).toBe('BROKER_UNAVAILABLE');
    expect(e.message).toMatch(/look it up by its client order id/);
    expect(stub.submitRequests()).toBe(3);
    expect(stub.requests.filter((q) => q.route === 'lookup')).toHaveLength(2);
    expect(stub.orders.size).toBe(0);

    stub.script('clock', { kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const t = await thrown(b.clock());
    expect(t.code).toBe('BROKER_TIMEOUT');
    expect(t.kind).toBe('runtime');
  });

  it('a lookup that cannot reach the broker after a lost answer throws instead of resending', async () => {
    const b = broker({ maxAttempts: 2 });
    stub.script('submit', { kind: 'accept-then-server-error', status: 502 });
    stub.script('lookup', { kind: 'server-error', status: 503 }, { kind: 'server-error', status: 503 });
    const e = await thrown(b.submit(buyAapl('k-dark')));
    expect(e.code).toBe('BROKER_UNAVAILABLE');
    expect(stub.submitRequests()).toBe(1);
  });

  it('reads the clock and the latest quote in Alpaca formats; an unknown symbol is NO_QUOTE', async () => {
    const b = broker();
    expect(await b.clock()).toEqual({
      timestampMs: Date.parse('2024-01-16T15:00:00Z'),
      isOpen: true,
      nextOpenMs: Date.parse('2024-01-17T14:30:00Z'),
      nextCloseMs: Date.parse('2024-01-16T21:00:00Z'),
    });
    expect(await b.latestQuote('MSFT')).toEqual({ symbol: 'MSFT', bidUsd: 370, askUsd: 370.4, bidSize: 2, askSize: 3, timestampMs: Date.parse('2024-01-16T15:00:00.123Z') });
    expect((await thrown(b.latestQuote('ZZZZ'))).code).toBe('NO_QUOTE');
    // A 403 on a read is a refusal of that request (here a data plan), not bad keys.
    stub.script('quote', { kind: 'reject', status: 403, code: 40310000, message: 'subscription does not permit querying recent SIP data' });
    const e = await thrown(b.latestQuote('MSFT'));
    expect([e.code, e.message]).toEqual(['BROKER_REJECTED', 'latest quote of MSFT: HTTP 403: subscription does not permit querying recent SIP data']);
    expect((await thrown(new AlpacaBroker({ credentials: { keyId: KEY_ID, secretKey: 'not-the-secret-77' }, tradingBaseUrl: stub.baseUrl }).account())).code).toBe('BROKER_AUTH');
  });

  it('refuses a malformed order request before anything is sent', async () => {
    const b = broker();
    expect((await thrown(b.submit({ ...buyAapl('k-frac'), qty: 1.5 }))).code).toBe('BAD_ORDER_REQUEST');
    expect((await thrown(b.submit({ ...buyAapl('k-sub-cent'), limitPriceUsd: 187.415 }))).code).toBe('BAD_ORDER_REQUEST');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('Alpaca keys', () => {
  it('come only from the environment; missing ones are a usage error naming the variables, not values', () => {
    expect(alpacaCredentialsFromEnv({ APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET })).toEqual({ keyId: KEY_ID, secretKey: SECRET });
    try {
      alpacaCredentialsFromEnv({ APCA_API_KEY_ID: KEY_ID });
      expect.unreachable();
    } catch (e) {
      expect((e as KobeError).code).toBe('BROKER_CREDENTIALS_MISSING');
      expect((e as KobeError).kind).toBe('usage');
      expect((e as KobeError).message).toContain('APCA_API_SECRET_KEY');
      expect(JSON.stringify(e) + (e as KobeError).describe()).not.toContain(KEY_ID);
    }
  });

  it('never leak, even when the broker echoes the request headers and URL in its error bodies', async () => {
    await stub.close();
    stub = await startAlpacaStub({ keyId: KEY_ID, secretKey: SECRET, echoRequest: true, quotes: {} });
    const b = broker({ maxAttempts: 2 });
    const texts: string[] = [];
    const collect = (e: KobeError) => texts.push(e.message, e.describe(), JSON.stringify(e.toJSON()), JSON.stringify(e.value ?? null), String(e.hint));

    stub.script('submit', { kind: 'reject', status: 403, code: 40310000, message: 'insufficient buying power' });
    const rejected = await broker().submit(buyAapl('k-echo'));
    expect(rejected.ok).toBe(false);
    texts.push(JSON.stringify(rejected));
    expect(JSON.stringify(rejected)).toContain('insufficient buying power');

    stub.script('submit', { kind: 'server-error', status: 503 }, { kind: 'server-error', status: 500 });
    stub.script('lookup', { kind: 'server-error', status: 500 }, { kind: 'server-error', status: 500 });
    collect(await thrown(b.submit(buyAapl('k-echo-2'))));
    stub.script('account', { kind: 'server-error', status: 503 }, { kind: 'server-error', status: 503 });
    collect(await thrown(b.account()));
    collect(await thrown(b.latestQuote('AAPL')));
    collect(await thrown(new AlpacaBroker({ credentials: { keyId: KEY_ID, secretKey: 'wrong-secret-value-1' }, tradingBaseUrl: stub.baseUrl }).positions()));
    const all = texts.join('\n');
    // The stub really did echo the request (the headers' names reach the message), but no key value.
    expect(all).toMatch(/apca-api-secret-key/i);
    expect(all).not.toContain(KEY_ID);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('wrong-secret-value-1');
  });
});
