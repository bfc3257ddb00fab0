import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CostModel, FillModel } from '../backtest/config.js';
import { commissionUsd } from '../execution/costs.js';
import { marketFillPrice, slippedPrice } from '../execution/fill-price.js';
import { marketableLimitPrice } from '../execution/limit-price.js';
import { dayOf, sessionCloseUtcMs, sessionOpenUtcMs } from '../core/exchange-calendar.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import type { Quote } from './broker.js';
import { calendarClock, PaperBroker, type PaperBrokerOptions } from './paper-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-paper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCounter = 0;
const newPath = () => join(dir, `paper-${++dbCounter}.db`);

const COSTS: CostModel = { commissionPerOrderUsd: 1.5, commissionPerShareUsd: 0.01, slippageBps: 12 };
// Tuesday 2024-01-16, 10:00 New York (15:00 UTC).
const NOW = Date.parse('2024-01-16T15:00:00Z');
/** The open of the next session, Wednesday 2024-01-17: the bar next-bar orders fill on. */
const BAR_OPEN = sessionOpenUtcMs(dayOf(2024, 1, 17));

function paper(extra: Partial<PaperBrokerOptions> = {}, quotes: Record<string, [number, number]> = { AAPL: [187.19, 187.23] }) {
  const book = new Map(Object.entries(quotes));
  const quoteOf = (symbol: string): Quote | null => {
    const q = book.get(symbol);
    return q === undefined ? null : { symbol, bidUsd: q[0], askUsd: q[1], bidSize: 1, askSize: 1, timestampMs: NOW };
  };
  const broker = new PaperBroker({ path: newPath(), now: () => NOW, costs: COSTS, fillOn: 'quote', quotes: quoteOf, startingCashUsd: 10_000, ...extra });
  return { broker, book };
}

describe('PaperBroker filling against a quote', () => {
  it('a buy fills at the ask within the limit, with the engine commission; a sell at the bid', async () => {
    const { broker } = paper();
    const limit = marketableLimitPrice('buy', { bidUsd: 187.19, askUsd: 187.23 });
    const r = await broker.submit({ clientOrderId: 'c-buy', symbol: 'AAPL', side: 'buy', qty: 20, limitPriceUsd: limit });
    expect(r.ok && r.order).toMatchObject({ id: 'paper-1', status: 'filled', filledQty: 20, filledAvgPriceUsd: 187.23, commissionUsd: commissionUsd(COSTS, 20), submittedAtMs: NOW });
    expect(await broker.positions()).toEqual([{ symbol: 'AAPL', qty: 20, avgEntryPriceUsd: 187.23, marketValueUsd: (20 * (187.19 + 187.23)) / 2 }]);
    const cashAfterBuy = 10_000 - 20 * 187.23 - commissionUsd(COSTS, 20);
    expect((await broker.account()).cashUsd).toBeCloseTo(cashAfterBuy, 9);

    const s = await broker.submit({ clientOrderId: 'c-sell', symbol: 'AAPL', side: 'sell', qty: 5, limitPriceUsd: marketableLimitPrice('sell', { bidUsd: 187.19, askUsd: 187.23 }) });
    expect(s.ok && s.order).toMatchObject({ status: 'filled', filledQty: 5, filledAvgPriceUsd: 187.19, commissionUsd: commissionUsd(COSTS, 5) });
    expect((await broker.account()).cashUsd).toBeCloseTo(cashAfterBuy + 5 * 187.19 - commissionUsd(COSTS, 5), 9);
    expect((await broker.positions())[0]).toMatchObject({ qty: 15, avgEntryPriceUsd: 187.23 });
    broker.close();
  });

  it('an IOC limit the quote does not meet is cancelled with nothing filled and no cash moved', async () => {
    const { broker } = paper();
    const r = await broker.submit({ clientOrderId: 'c-low', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.22 });
    expect(r.ok && r.order).toMatchObject({ status: 'cancelled', filledQty: 0, filledAvgPriceUsd: null, commissionUsd: 0 });
    expect(await broker.positions()).toEqual([]);
    expect((await broker.account()).cashUsd).toBe(10_000);
    expect(await broker.openOrders()).toEqual([]);
    broker.close();
  });

  it('rejects a buy beyond the cash, a sell beyond the shares held, and a symbol without a quote', async () => {
    const { broker } = paper();
    expect(await broker.submit({ clientOrderId: 'c-rich', symbol: 'AAPL', side: 'buy', qty: 60, limitPriceUsd: 187.42 })).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/insufficient buying power/) });
    expect(await broker.submit({ clientOrderId: 'c-short', symbol: 'AAPL', side: 'sell', qty: 1, limitPriceUsd: 187 })).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/insufficient qty/) });
    expect(await broker.submit({ clientOrderId: 'c-nq', symbol: 'MSFT', side: 'buy', qty: 1, limitPriceUsd: 300 })).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/no quote/) });
    // Rejected orders are not held: their ids stay free.
    expect(await broker.orderByClientId('c-rich')).toBeNull();
    broker.close();
  });

  it('is idempotent by client order id: a second submit returns the first order and moves nothing', async () => {
    const { broker, book } = paper();
    const req = { clientOrderId: 'c-once', symbol: 'AAPL', side: 'buy' as const, qty: 10, limitPriceUsd: 187.42 };
    const first = await broker.submit(req);
    book.set('AAPL', [150, 150.01]);
    const second = await broker.submit(req);
    expect(second).toEqual({ ok: true, order: first.ok ? first.order : null, duplicate: true });
    expect((await broker.positions())[0].qty).toBe(10);
    expect(await broker.submit({ ...req, qty: 11 })).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID' });
    broker.close();
  });

  it('two brokers on one database (two processes) make one order of one client order id', async () => {
    const path = newPath();
    const a = paper({ path }).broker;
    const b = paper({ path }).broker;
    const req = { clientOrderId: 'c-two', symbol: 'AAPL', side: 'buy' as const, qty: 3, limitPriceUsd: 187.42 };
    const [ra, rb] = await Promise.all([a.submit(req), b.submit(req)]);
    expect([ra.ok && ra.duplicate, rb.ok && rb.duplicate].sort()).toEqual([false, true]);
    expect((await a.positions())[0].qty).toBe(3);
    expect((await b.account()).cashUsd).toBeCloseTo(10_000 - 3 * 187.23 - commissionUsd(COSTS, 3), 9);
    a.close();
    b.close();
  });

  it('keeps orders, positions and cash across a reopen of its database', async () => {
    const path = newPath();
    const { broker } = paper({ path });
    await broker.submit({ clientOrderId: 'c-persist', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.42 });
    const before = { account: await broker.account(), positions: await broker.positions(), order: await broker.orderByClientId('c-persist') };
    broker.close();
    // A different starting cash on reopen changes nothing: the account exists.
    const { broker: again } = paper({ path, startingCashUsd: 1 });
    expect({ account: await again.account(), positions: await again.positions(), order: await again.orderByClientId('c-persist') }).toEqual(before);
    expect((await again.submit({ clientOrderId: 'c-persist', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 187.42 })).ok).toBe(true);
    expect((await again.positions())[0].qty).toBe(10);
    again.close();
  });
});

describe('PaperBroker filling on the next bar under the engine fill model', () => {
  const nextBar = (fill: FillModel, path = newPath()) => paper({ path, fillOn: 'next-bar', fill }).broker;

  it('waits for the bar, then fills at the fill model price with the engine slippage and commission', async () => {
    const broker = nextBar({ kind: 'next-open' });
    const r = await broker.submit({ clientOrderId: 'b-1', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 51 });
    expect(r.ok && r.order.status).toBe('submitted');
    expect((await broker.openOrders()).map((o) => o.clientOrderId)).toEqual(['b-1']);
    // Buying power already holds the limit cost back.
    expect((await broker.account()).buyingPowerUsd).toBeCloseTo(10_000 - 510 - commissionUsd(COSTS, 10), 9);
    const bar = { open: 50.4, high: 51, low: 49.9, close: 50.8 };
    const [filled] = broker.fillOnBar('AAPL', bar, BAR_OPEN);
    const price = slippedPrice(COSTS, marketFillPrice({ kind: 'next-open' }, bar.open, bar.close), 1);
    expect(filled).toMatchObject({ status: 'filled', filledQty: 10, filledAvgPriceUsd: price, commissionUsd: commissionUsd(COSTS, 10) });
    expect((await broker.account()).cashUsd).toBe(10_000 - (10 * price + commissionUsd(COSTS, 10)));
    expect(await broker.openOrders()).toEqual([]);
    broker.close();
  });

  it('the midpoint model fills at (open+close)/2 slipped; a slipped price beyond the limit cancels the IOC order', async () => {
    const broker = nextBar({ kind: 'delay-midpoint', delayBars: 1 });
    await broker.submit({ clientOrderId: 'b-mid', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 60 });
    // open 50, close 52: midpoint 51, slipped 51 x 1.0012 = 51.0612 > limit 51.05.
    await broker.submit({ clientOrderId: 'b-tight', symbol: 'AAPL', side: 'buy', qty: 1, limitPriceUsd: 51.05 });
    const out = broker.fillOnBar('AAPL', { open: 50, high: 53, low: 49, close: 52 }, BAR_OPEN);
    expect(out.map((o) => [o.clientOrderId, o.status, o.filledAvgPriceUsd])).toEqual([
      ['b-mid', 'filled', slippedPrice(COSTS, 51, 1)],
      ['b-tight', 'cancelled', null],
    ]);
    broker.close();
  });

  it('cancel: an open order is cancelled once; a final or unknown one is not', async () => {
    const broker = nextBar({ kind: 'next-open' });
    const r = await broker.submit({ clientOrderId: 'b-cancel', symbol: 'AAPL', side: 'buy', qty: 1, limitPriceUsd: 60 });
    const id = r.ok ? r.order.id : '';
    expect(await broker.cancel(id)).toEqual({ ok: true });
    expect(await broker.cancel(id)).toMatchObject({ ok: false, code: 'NOT_CANCELABLE' });
    expect(await broker.cancel('paper-999')).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
    expect(broker.fillOnBar('AAPL', { open: 50, high: 50, low: 50, close: 50 }, BAR_OPEN)).toEqual([]);
    broker.close();
  });

  it.runIf(sharedDataAvailable())('fills a real MSFT bar (Stooq) exactly as the engine functions price it', async () => {
    const rows = readFileSync(join(SHARED_STOOQ_DIR, 'msft.us.txt'), 'utf8').trim().split('\n');
    const row = rows.find((l) => l.startsWith('2017-11-10,'));
    expect(row).toBeDefined();
    const [, open, , , close] = (row ?? '').split(',').map(Number);
    const broker = nextBar({ kind: 'next-open' });
    const limit = marketableLimitPrice('buy', { bidUsd: close, askUsd: close });
    await broker.submit({ clientOrderId: 'real-msft', symbol: 'MSFT', side: 'buy', qty: 7, limitPriceUsd: limit });
    const [o] = broker.fillOnBar('MSFT', { open, high: open, low: open, close }, sessionOpenUtcMs(dayOf(2017, 11, 10)));
    const expected = slippedPrice(COSTS, open, 1);
    expect(o.status).toBe(expected <= limit ? 'filled' : 'cancelled');
    if (o.status === 'filled') expect(o.filledAvgPriceUsd).toBe(expected);
    broker.close();
  });
});

describe('calendarClock', () => {
  it('answers open/next open/next close from the NYSE calendar, across a holiday weekend', () => {
    const tue = dayOf(2024, 1, 16);
    expect(calendarClock(NOW)).toEqual({ timestampMs: NOW, isOpen: true, nextOpenMs: sessionOpenUtcMs(dayOf(2024, 1, 17)), nextCloseMs: sessionCloseUtcMs(tue) });
    // Friday 2024-01-12 after the close: Monday the 15th is Martin Luther King Day, next session Tuesday.
    const friEvening = Date.parse('2024-01-12T22:00:00Z');
    expect(calendarClock(friEvening)).toEqual({ timestampMs: friEvening, isOpen: false, nextOpenMs: sessionOpenUtcMs(tue), nextCloseMs: sessionCloseUtcMs(tue) });
    // Before the open on a session: the open is today's.
    const early = Date.parse('2024-01-16T13:00:00Z');
    expect(calendarClock(early)).toMatchObject({ isOpen: false, nextOpenMs: sessionOpenUtcMs(tue), nextCloseMs: sessionCloseUtcMs(tue) });
  });
});
