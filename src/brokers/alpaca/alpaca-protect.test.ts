import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fcOptions } from '../../test-support/synthetic-bars.js';
import { type AlpacaStub, type AlpacaStubOptions, startAlpacaStub } from '../../test-support/alpaca-stub.js';
import type { ProtectiveRequest } from '../broker.js';
import { AlpacaBroker } from './alpaca-broker.js';
import { alpacaPrice, alpacaProtectiveLevels, roundToAlpacaTick } from './wire.js';

const KEY_ID = 'PKTESTKEY7788AA';
const SECRET = 'sk-test-SECRET-9911-zz';

let stub: AlpacaStub;
let sent: Record<string, unknown>[];

async function start(extra: Partial<AlpacaStubOptions> = {}) {
  stub = await startAlpacaStub({ keyId: KEY_ID, secretKey: SECRET, quotes: { AAPL: { bid: 187.19, ask: 187.23 } }, ...extra });
}
beforeEach(async () => {
  sent = [];
  await start();
});
afterEach(async () => {
  await stub.close();
});

/** The adapter against the stub, every POST body it sends kept in `sent`. */
const broker = () =>
  new AlpacaBroker({
    credentials: { keyId: KEY_ID, secretKey: SECRET },
    tradingBaseUrl: stub.baseUrl,
    dataBaseUrl: stub.baseUrl,
    timeoutMs: 300,
    backoffMs: () => 1,
    sleep: async () => {},
    fetch: async (url, init) => {
      if (init?.method === 'POST') sent.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      return globalThis.fetch(url, init);
    },
  });

/** The account holds 10 AAPL, bought IOC at the stub's ask 187.23. */
async function holding10(b: AlpacaBroker) {
  const r = await b.submit({ clientOrderId: 'k-entry', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.42 });
  expect(r.ok).toBe(true);
  expect((await b.positions())[0]?.qty).toBe(10);
  sent.length = 0;
}

const protection = (over: Partial<ProtectiveRequest> = {}): ProtectiveRequest => ({ clientOrderId: 'k-protect', symbol: 'AAPL', side: 'sell', qty: 10, stopPriceUsd: 180.125, targetPriceUsd: 195.3333, ...over });

describe('AlpacaBroker.protect in Alpaca wire format', () => {
  it('both levels: one OCO order, GTC, take_profit.limit_price and stop_loss.stop_price on the tick (stop up, target down); read back with its leg', async () => {
    const b = broker();
    await holding10(b);
    const r = await b.protect(protection());
    expect(sent).toEqual([
      {
        symbol: 'AAPL',
        qty: '10',
        side: 'sell',
        type: 'limit',
        time_in_force: 'gtc',
        order_class: 'oco',
        take_profit: { limit_price: '195.33' },
        stop_loss: { stop_price: '180.13' },
        client_order_id: 'k-protect',
      },
    ]);
    expect(r.ok && r.order).toMatchObject({ clientOrderId: 'k-protect', orderClass: 'oco', timeInForce: 'gtc', stopPriceUsd: 180.13, targetPriceUsd: 195.33, limitPriceUsd: 195.33, status: 'submitted', exitReason: null, filledQty: 0 });
    const held = stub.orders.get('k-protect');
    expect(held).toMatchObject({ order_class: 'oco', type: 'limit', limit_price: '195.33', status: 'new' });
    expect(held?.legs).toMatchObject([{ type: 'stop', stop_price: '180.13', status: 'held', side: 'sell', qty: '10' }]);
    // Listed once, nested: the leg is not an order of its own.
    expect((await b.openOrders()).map((o) => [o.clientOrderId, o.orderClass, o.stopPriceUsd, o.targetPriceUsd])).toEqual([['k-protect', 'oco', 180.13, 195.33]]);
  });

  it('a stop alone is a GTC stop order; a target alone a GTC limit order', async () => {
    const b = broker();
    await holding10(b);
    const stop = await b.protect(protection({ clientOrderId: 'k-stop', qty: 4, targetPriceUsd: null }));
    const target = await b.protect(protection({ clientOrderId: 'k-target', qty: 6, stopPriceUsd: null }));
    expect(sent.map((body) => [body.type, body.time_in_force, body.stop_price, body.limit_price, body.order_class])).toEqual([
      ['stop', 'gtc', '180.13', undefined, undefined],
      ['limit', 'gtc', undefined, '195.33', undefined],
    ]);
    expect(stop.ok && stop.order).toMatchObject({ orderClass: 'simple', stopPriceUsd: 180.13, targetPriceUsd: null, status: 'submitted' });
    expect(stop.ok && stop.order.limitPriceUsd).toBeNaN();
    expect(target.ok && target.order).toMatchObject({ orderClass: 'simple', stopPriceUsd: null, targetPriceUsd: 195.33, limitPriceUsd: 195.33 });
    stub.fillProtective('k-stop', 'stop', 179.9);
    expect(await b.orderByClientId('k-stop')).toMatchObject({ status: 'filled', exitReason: 'stop', filledQty: 4, filledAvgPriceUsd: 179.9 });
    stub.fillProtective('k-target', 'target');
    expect(await b.orderByClientId('k-target')).toMatchObject({ status: 'filled', exitReason: 'target', filledQty: 6, filledAvgPriceUsd: 195.33 });
    expect(await b.positions()).toEqual([]);
  });

  it('reads an OCO’s fill from its parent and its leg: the stop leg filled, the target cancelled; or the target filled, the stop cancelled', async () => {
    const b = broker();
    await holding10(b);
    await b.protect(protection());
    stub.fillProtective('k-protect', 'stop', 179.5);
    expect(await b.orderByClientId('k-protect')).toMatchObject({ status: 'filled', exitReason: 'stop', filledQty: 10, filledAvgPriceUsd: 179.5, brokerStatus: 'canceled; stop leg filled' });
    expect(await b.openOrders()).toEqual([]);

    await b.submit({ clientOrderId: 'k-entry-2', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.42 });
    await b.protect(protection({ clientOrderId: 'k-protect-2' }));
    stub.fillProtective('k-protect-2', 'target');
    expect(await b.orderByClientId('k-protect-2')).toMatchObject({ status: 'filled', exitReason: 'target', filledQty: 10, filledAvgPriceUsd: 195.33, brokerStatus: 'filled; stop leg canceled' });
  });

  it('an OCO answered without its legs is read again by its id, nested, so a filled stop leg is never read as a cancelled order', async () => {
    await stub.close();
    await start({ legsOnlyWhenNested: true });
    const b = broker();
    await holding10(b);
    const r = await b.protect(protection());
    expect(r.ok && r.order.stopPriceUsd).toBe(180.13);
    stub.fillProtective('k-protect', 'stop');
    expect(await b.orderByClientId('k-protect')).toMatchObject({ status: 'filled', exitReason: 'stop', filledQty: 10, filledAvgPriceUsd: 180.13 });
    expect(stub.requests.filter((q) => q.route === 'get').map((q) => q.url)).toEqual(expect.arrayContaining([expect.stringMatching(/\?nested=true$/)]));
  });

  it('is idempotent by client order id: the same protection again (levels equal once on the tick) is the same order; other levels are DUPLICATE_CLIENT_ORDER_ID', async () => {
    const b = broker();
    await holding10(b);
    const first = await b.protect(protection());
    const again = await b.protect(protection({ stopPriceUsd: 180.1201, targetPriceUsd: 195.339 }));
    expect(again.ok && again.duplicate).toBe(true);
    expect(again.ok && first.ok && again.order.id === first.order.id).toBe(true);
    expect(await b.protect(protection({ stopPriceUsd: 179 }))).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', httpStatus: 422 });
    expect(stub.orders.size).toBe(2);
  });

  it('an answer lost in a 5xx after Alpaca took the order: the retry finds it by client order id and sends nothing again', async () => {
    const b = broker();
    await holding10(b);
    stub.script('submit', { kind: 'accept-then-server-error', status: 503 });
    const r = await b.protect(protection());
    expect(r.ok && r.order).toMatchObject({ clientOrderId: 'k-protect', orderClass: 'oco', stopPriceUsd: 180.13 });
    expect(r.ok && r.duplicate).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('the shares it protects are held: an IOC sell of them is refused (403) until the protection is cancelled, which cancels its leg too', async () => {
    const b = broker();
    await holding10(b);
    const p = await b.protect(protection());
    const sell = await b.submit({ clientOrderId: 'k-sell', symbol: 'AAPL', side: 'sell', qty: 10, limitPriceUsd: 187 });
    expect(sell).toMatchObject({ ok: false, code: 'BROKER_REJECTED', httpStatus: 403, brokerCode: 40310000, detail: expect.stringMatching(/insufficient qty available for order \(requested: 10, available: 0\)/) });
    expect(await b.cancel(p.ok ? p.order.id : '')).toEqual({ ok: true });
    expect(await b.orderByClientId('k-protect')).toMatchObject({ status: 'cancelled', filledQty: 0, exitReason: null, brokerStatus: 'canceled; stop leg canceled' });
    expect((await b.submit({ clientOrderId: 'k-sell-2', symbol: 'AAPL', side: 'sell', qty: 10, limitPriceUsd: 187 })).ok).toBe(true);
  });

  it('levels that meet once on the tick are refused before anything is sent; the stub, like Alpaca, refuses sub-penny prices', async () => {
    const b = broker();
    expect(await b.protect(protection({ stopPriceUsd: 100.001, targetPriceUsd: 100.009 }))).toMatchObject({ ok: false, code: 'BROKER_REJECTED', httpStatus: null, detail: expect.stringMatching(/meet once rounded/) });
    expect(stub.requests).toHaveLength(0);
    const res = await fetch(`${stub.baseUrl}/v2/orders`, {
      method: 'POST',
      headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'AAPL', qty: '1', side: 'sell', type: 'stop', time_in_force: 'gtc', stop_price: '180.125' }),
    });
    expect([res.status, await res.json()]).toEqual([422, { code: 42210000, message: 'invalid stop_price 180.125. sub-penny increment does not fulfill minimum pricing criteria' }]);
  });
});

describe('AlpacaBroker.protect keeps the keys out of every message', () => {
  it('even when the broker echoes the request headers in its error bodies', async () => {
    await stub.close();
    await start({ echoRequest: true });
    const b = new AlpacaBroker({ credentials: { keyId: KEY_ID, secretKey: SECRET }, tradingBaseUrl: stub.baseUrl, maxAttempts: 2, backoffMs: () => 1, sleep: async () => {} });
    stub.script('submit', { kind: 'reject', status: 422, code: 40310100, message: 'trade denied due to pattern day trading protection' });
    const rejected = await b.protect(protection());
    expect(rejected).toMatchObject({ ok: false, code: 'BROKER_REJECTED', httpStatus: 422, brokerCode: 40310100 });
    stub.script('submit', { kind: 'server-error', status: 500 }, { kind: 'server-error', status: 500 });
    stub.script('lookup', { kind: 'server-error', status: 500 }, { kind: 'server-error', status: 500 });
    let thrown: unknown;
    try {
      await b.protect(protection({ clientOrderId: 'k-protect-2' }));
    } catch (e) {
      thrown = e;
    }
    const all = `${JSON.stringify(rejected)}\n${String((thrown as Error).message)}\n${JSON.stringify(thrown)}`;
    expect(all).toMatch(/apca-api-secret-key/i);
    expect(all).not.toContain(KEY_ID);
    expect(all).not.toContain(SECRET);
  });
});

describe('Alpaca tick rounding of protective levels', () => {
  it('rounds inward: a long’s stop up and target down, a short’s stop down and target up; cents from $1, four decimals below; a level on the tick stays', () => {
    const long = alpacaProtectiveLevels(protection({ stopPriceUsd: 45.121, targetPriceUsd: 58.339 }));
    expect(long.ok && [long.request.stopPriceUsd, long.request.targetPriceUsd]).toEqual([45.13, 58.33]);
    const short = alpacaProtectiveLevels(protection({ side: 'buy', stopPriceUsd: 58.339, targetPriceUsd: 45.121 }));
    expect(short.ok && [short.request.stopPriceUsd, short.request.targetPriceUsd]).toEqual([58.33, 45.13]);
    const penny = alpacaProtectiveLevels(protection({ stopPriceUsd: 0.123456, targetPriceUsd: 0.98765 }));
    expect(penny.ok && [penny.request.stopPriceUsd, penny.request.targetPriceUsd]).toEqual([0.1235, 0.9876]);
    expect(penny.ok && alpacaPrice(penny.request.stopPriceUsd!)).toBe('0.1235');
    // 49.87 x 100 is 4986.999999999999 in binary: still 49.87 either way.
    expect([roundToAlpacaTick(49.87, 'up'), roundToAlpacaTick(49.87, 'down'), roundToAlpacaTick(1.005, 'up'), roundToAlpacaTick(0.99999, 'up')]).toEqual([49.87, 49.87, 1.01, 1]);
    expect(alpacaProtectiveLevels(protection({ stopPriceUsd: 0.00001, targetPriceUsd: null }))).toMatchObject({ ok: true });
    expect(alpacaProtectiveLevels(protection({ stopPriceUsd: null, targetPriceUsd: 0.00001 }))).toMatchObject({ ok: false, code: 'BROKER_REJECTED' });
  });

  it('property: every rounded level is on the tick, on the safe side of the exact one, within one tick of it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.0002, max: 5000, noNaN: true }), fc.boolean(), (x, up) => {
        const r = roundToAlpacaTick(x, up ? 'up' : 'down');
        const tick = r >= 1 || x >= 1 ? 0.01 : 0.0001;
        expect(up ? r >= x - 1e-9 : r <= x + 1e-9).toBe(true);
        expect(Math.abs(r - x)).toBeLessThan(tick + 1e-9);
        const text = alpacaPrice(r);
        expect(Number(text)).toBe(r);
      }),
      fcOptions(500),
    );
  });
});
