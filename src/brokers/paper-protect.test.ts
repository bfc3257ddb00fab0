import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG, type CostModel, type EngineConfig } from '../backtest/config.js';
import { runEngine } from '../backtest/engine.js';
import { buildPanel } from '../backtest/panel.js';
import { buildSignalBook } from '../backtest/signal-book.js';
import { dayOf, nextSession, sessionOpenUtcMs, sessionsBetween } from '../core/exchange-calendar.js';
import { KobeError } from '../core/errors.js';
import { commissionUsd } from '../execution/costs.js';
import { intrabarExit, slippedPrice, stopLevel, targetLevel, type IntrabarExit } from '../execution/fill-price.js';
import { ibsRsi } from '../strategies/ibs-rsi/ibs-rsi.js';
import { defaultParams } from '../strategies/params.js';
import { SIGNAL_LONG } from '../strategies/types.js';
import { fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import type { ProtectiveRequest, Quote } from './broker.js';
import { PaperBroker, type FillBar, type PaperBrokerOptions } from './paper-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-paper-protect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCounter = 0;
const newPath = () => join(dir, `paper-${++dbCounter}.db`);

const COSTS: CostModel = { commissionPerOrderUsd: 1.5, commissionPerShareUsd: 0.01, slippageBps: 12 };
// Wednesday 2024-01-17: the bar the protective orders meet; they were placed the evening before.
const BAR_DAY = dayOf(2024, 1, 17);
const BAR_OPEN = sessionOpenUtcMs(BAR_DAY);
const EVENING_BEFORE = Date.parse('2024-01-16T22:00:00Z');

/** A paper broker whose clock the test moves (`clock.now`), holding `held` shares of XYZ bought at 50.00 from a quote. */
async function holding(held: number, extra: Partial<PaperBrokerOptions> = {}) {
  const clock = { now: EVENING_BEFORE };
  const quote: Quote = { symbol: 'XYZ', bidUsd: 49.99, askUsd: 50, bidSize: 1, askSize: 1, timestampMs: 0 };
  const broker = new PaperBroker({ path: ':memory:', now: () => clock.now, costs: COSTS, fillOn: 'quote', quotes: (s) => (s === 'XYZ' ? quote : null), startingCashUsd: 1e7, ...extra });
  if (held > 0) {
    const r = await broker.submit({ clientOrderId: 'entry', symbol: 'XYZ', side: 'buy', qty: held, limitPriceUsd: 50 });
    expect(r.ok && r.order.status).toBe('filled');
  }
  return { broker, clock };
}

const protect = (over: Partial<ProtectiveRequest> = {}): ProtectiveRequest => ({ clientOrderId: 'prot-1', symbol: 'XYZ', side: 'sell', qty: 10, stopPriceUsd: 45.125, targetPriceUsd: 58.3333, ...over });

async function thrown(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KobeError) return e;
    throw e;
  }
  throw new Error('expected a KobeError');
}

describe('PaperBroker protective exits: fills as the engine checks stops', () => {
  // Bars and levels that meet every branch of intrabarExit: gaps through either level, levels
  // inside the range (both inside: the stop wins), levels exactly at the open, high or low, and
  // levels the bar never reaches.
  const place = fc.oneof(fc.constantFrom('low', 'high', 'open', 'close'), fc.double({ min: -0.6, max: 1.6, noNaN: true }));
  const scenario = fc.record({
    low: fc.double({ min: 2, max: 300, noNaN: true }),
    rangeFrac: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
    openU: fc.double({ min: 0, max: 1, noNaN: true }),
    closeU: fc.double({ min: 0, max: 1, noNaN: true }),
    stop: fc.option(place, { nil: null }),
    target: fc.option(place, { nil: null }),
    placedBeforeOpen: fc.boolean(),
    qty: fc.integer({ min: 1, max: 400 }),
  });

  it('property: the order fills exactly when, where and why intrabarExit says, slipped and charged like the engine; else it stays open', async () => {
    const scratch: IntrabarExit = { price: Number.NaN, reason: null };
    await fc.assert(
      fc.asyncProperty(scenario, async (p) => {
        const high = p.low * (1 + p.rangeFrac);
        const bar: FillBar = { low: p.low, high, open: p.low + p.openU * (high - p.low), close: p.low + p.closeU * (high - p.low) };
        const at = (u: (typeof p)['stop']): number | null => (u === null ? null : typeof u === 'number' ? p.low + u * (high - p.low) : bar[u]);
        let stop = at(p.stop);
        let target = at(p.target);
        if (stop !== null && target !== null && stop > target) [stop, target] = [target, stop];
        fc.pre(stop !== null || target !== null);
        fc.pre(stop !== target);
        fc.pre((stop === null || stop > 0) && (target === null || target > 0));

        const { broker, clock } = await holding(p.qty);
        clock.now = p.placedBeforeOpen ? EVENING_BEFORE : BAR_OPEN;
        const placed = await broker.protect(protect({ qty: p.qty, stopPriceUsd: stop, targetPriceUsd: target }));
        expect(placed.ok && placed.order).toMatchObject({ status: 'submitted', stopPriceUsd: stop, targetPriceUsd: target, timeInForce: 'gtc', orderClass: stop !== null && target !== null ? 'oco' : 'simple' });
        const cashBefore = (await broker.account()).cashUsd;
        clock.now = BAR_OPEN + 3_600_000;

        const out = broker.fillOnBar('XYZ', bar, BAR_OPEN);
        intrabarExit(1, stop ?? Number.NaN, target ?? Number.NaN, bar.open, bar.high, bar.low, p.placedBeforeOpen, scratch);
        const order = await broker.orderByClientId('prot-1');
        if (scratch.reason === null) {
          expect(out).toEqual([]);
          expect(order).toMatchObject({ status: 'submitted', filledQty: 0, exitReason: null });
          expect((await broker.positions())[0]?.qty).toBe(p.qty);
          expect((await broker.account()).cashUsd).toBe(cashBefore);
        } else {
          const price = slippedPrice(COSTS, scratch.price, -1);
          expect(order).toMatchObject({ status: 'filled', filledQty: p.qty, filledAvgPriceUsd: price, exitReason: scratch.reason, commissionUsd: commissionUsd(COSTS, p.qty) });
          expect(out.map((o) => o.clientOrderId)).toEqual(['prot-1']);
          expect(await broker.positions()).toEqual([]);
          expect((await broker.account()).cashUsd).toBeCloseTo(cashBefore + p.qty * price - commissionUsd(COSTS, p.qty), 6);
        }
        broker.close();
      }),
      fcOptions(300),
    );
  });

  it('the entry-bar rule: placed before the open, a gap through the stop fills at the open; placed at the open, only the rest of the bar counts', async () => {
    // Gapped down through the stop 45.125 at 44, traded down to 43.5.
    const bar = { open: 44, high: 44.5, low: 43.5, close: 44.2 };
    const before = await holding(10);
    await before.broker.protect(protect());
    before.broker.fillOnBar('XYZ', bar, BAR_OPEN);
    expect(await before.broker.orderByClientId('prot-1')).toMatchObject({ status: 'filled', exitReason: 'stop', filledAvgPriceUsd: slippedPrice(COSTS, 44, -1) });

    const atOpen = await holding(10);
    atOpen.clock.now = BAR_OPEN;
    await atOpen.broker.protect(protect());
    atOpen.broker.fillOnBar('XYZ', bar, BAR_OPEN);
    // The open was the entry's fill: the stop is hit inside the bar, at the stop.
    expect(await atOpen.broker.orderByClientId('prot-1')).toMatchObject({ status: 'filled', exitReason: 'stop', filledAvgPriceUsd: slippedPrice(COSTS, 45.125, -1) });

    // A gap up through the target 52 at 53: at the open when placed before it; when placed at the
    // open, only the rest of the bar (which traded at or above 52) counts: at the target.
    const gapUp = { open: 53, high: 54, low: 52.5, close: 53.5 };
    const up = await holding(10);
    await up.broker.protect(protect({ targetPriceUsd: 52 }));
    up.broker.fillOnBar('XYZ', gapUp, BAR_OPEN);
    expect(await up.broker.orderByClientId('prot-1')).toMatchObject({ status: 'filled', exitReason: 'target', filledAvgPriceUsd: slippedPrice(COSTS, 53, -1) });
    const upAtOpen = await holding(10);
    upAtOpen.clock.now = BAR_OPEN;
    await upAtOpen.broker.protect(protect({ targetPriceUsd: 52 }));
    upAtOpen.broker.fillOnBar('XYZ', gapUp, BAR_OPEN);
    expect(await upAtOpen.broker.orderByClientId('prot-1')).toMatchObject({ status: 'filled', exitReason: 'target', filledAvgPriceUsd: slippedPrice(COSTS, 52, -1) });
    // One millisecond before the open is before it.
    const early = await holding(10);
    early.clock.now = BAR_OPEN - 1;
    await early.broker.protect(protect());
    early.broker.fillOnBar('XYZ', bar, BAR_OPEN);
    expect(await early.broker.orderByClientId('prot-1')).toMatchObject({ filledAvgPriceUsd: slippedPrice(COSTS, 44, -1) });
    for (const b of [before, atOpen, up, upAtOpen, early]) b.broker.close();
  });

  it('the daily pipeline on one bar: the entry fills at the open, its protection is placed at the open, the second call meets the rest of the bar; a third changes nothing', async () => {
    const clock = { now: EVENING_BEFORE };
    const broker = new PaperBroker({ path: newPath(), now: () => clock.now, costs: COSTS, fillOn: 'next-bar', quotes: () => null, startingCashUsd: 100_000 });
    await broker.submit({ clientOrderId: 'buy-1', symbol: 'XYZ', side: 'buy', qty: 20, limitPriceUsd: 52 });
    const bar = { open: 50, high: 51, low: 47, close: 48 };
    clock.now = BAR_OPEN;
    const [entry] = broker.fillOnBar('XYZ', bar, BAR_OPEN);
    const entryPrice = entry.filledAvgPriceUsd!;
    expect(entryPrice).toBe(slippedPrice(COSTS, 50, 1));
    const stop = stopLevel(1, entryPrice, 2.5);
    await broker.protect(protect({ qty: 20, stopPriceUsd: stop, targetPriceUsd: targetLevel(1, entryPrice, 5) }));
    const second = broker.fillOnBar('XYZ', bar, BAR_OPEN);
    expect(second).toMatchObject([{ clientOrderId: 'prot-1', status: 'filled', exitReason: 'stop', filledAvgPriceUsd: slippedPrice(COSTS, stop, -1) }]);
    const after = { account: await broker.account(), orders: await broker.openOrders() };
    expect(broker.fillOnBar('XYZ', bar, BAR_OPEN)).toEqual([]);
    expect({ account: await broker.account(), orders: await broker.openOrders() }).toEqual(after);
    expect(after.account.cashUsd).toBeCloseTo(100_000 - 20 * entryPrice - commissionUsd(COSTS, 20) + 20 * slippedPrice(COSTS, stop, -1) - commissionUsd(COSTS, 20), 6);
    broker.close();
  });

  it('a bar that misses the levels leaves the order open however often it is met; a later bar fills it', async () => {
    const { broker, clock } = await holding(10);
    await broker.protect(protect());
    const quiet = { open: 50, high: 52, low: 48, close: 51 };
    expect(broker.fillOnBar('XYZ', quiet, BAR_OPEN)).toEqual([]);
    expect(broker.fillOnBar('XYZ', quiet, BAR_OPEN)).toEqual([]);
    clock.now = sessionOpenUtcMs(nextSession(BAR_DAY)) + 60_000;
    const [o] = broker.fillOnBar('XYZ', { open: 57, high: 59, low: 56, close: 58 }, sessionOpenUtcMs(nextSession(BAR_DAY)));
    expect(o).toMatchObject({ status: 'filled', exitReason: 'target', filledAvgPriceUsd: slippedPrice(COSTS, 58.3333, -1) });
    broker.close();
  });

  it('IOC orders on the bar go first, sells before buys, so a sale funds the morning’s buy', async () => {
    const clock = { now: EVENING_BEFORE };
    const zero = { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 };
    const broker = new PaperBroker({ path: ':memory:', now: () => clock.now, costs: zero, fillOn: 'next-bar', quotes: () => null, startingCashUsd: 1_000 });
    await broker.submit({ clientOrderId: 'b0', symbol: 'XYZ', side: 'buy', qty: 10, limitPriceUsd: 60 });
    broker.fillOnBar('XYZ', { open: 50, high: 50, low: 50, close: 50 }, BAR_OPEN - 86_400_000);
    // The morning's buy was placed before the sale; the sale still goes first.
    await broker.submit({ clientOrderId: 'b1', symbol: 'XYZ', side: 'buy', qty: 8, limitPriceUsd: 60 });
    await broker.submit({ clientOrderId: 's1', symbol: 'XYZ', side: 'sell', qty: 10, limitPriceUsd: 40 });
    const out = broker.fillOnBar('XYZ', { open: 55, high: 56, low: 54, close: 55 }, BAR_OPEN);
    expect(out.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['s1', 'filled'],
      ['b1', 'filled'],
    ]);
    expect((await broker.account()).cashUsd).toBe(1_000 - 500 + 550 - 440);
    broker.close();
  });
});

describe('PaperBroker protective exits: shares, idempotency, cancellation', () => {
  it('holds the shares it protects: an IOC sell of them is rejected until the protection is cancelled', async () => {
    const { broker } = await holding(10);
    const r = await broker.protect(protect({ qty: 6 }));
    expect(r.ok).toBe(true);
    const sell = (id: string, qty: number) => broker.submit({ clientOrderId: id, symbol: 'XYZ', side: 'sell', qty, limitPriceUsd: 49.9 });
    expect(await sell('s-5', 5)).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/6 held by open protective orders: cancel them first/) });
    // The 4 shares not protected can be sold.
    expect(await sell('s-4', 4)).toMatchObject({ ok: true, order: { status: 'filled', filledQty: 4 } });
    // Nothing left to protect beyond the 6.
    expect(await broker.protect(protect({ clientOrderId: 'prot-2', qty: 1 }))).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/insufficient qty/) });
    expect(await broker.cancel(r.ok ? r.order.id : '')).toEqual({ ok: true });
    expect(await sell('s-6', 6)).toMatchObject({ ok: true, order: { status: 'filled' } });
    // Protective sells hold no cash back.
    const again = await holding(10);
    const power = (await again.broker.account()).buyingPowerUsd;
    await again.broker.protect(protect());
    expect((await again.broker.account()).buyingPowerUsd).toBe(power);
    broker.close();
    again.broker.close();
  });

  it('is idempotent by client order id; other terms under the id are DUPLICATE_CLIENT_ORDER_ID; a protective buy has no short to protect', async () => {
    const { broker } = await holding(10);
    const first = await broker.protect(protect());
    const second = await broker.protect(protect());
    expect(second).toEqual({ ok: true, order: first.ok ? first.order : null, duplicate: true });
    expect(await broker.protect(protect({ stopPriceUsd: 45.13 }))).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', detail: expect.stringMatching(/stop 45\.125 target 58\.3333/) });
    // An IOC order under the id of a protective one is a different order too.
    expect(await broker.submit({ clientOrderId: 'prot-1', symbol: 'XYZ', side: 'sell', qty: 10, limitPriceUsd: 58.33 })).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID' });
    expect(await broker.protect(protect({ clientOrderId: 'prot-buy', side: 'buy', stopPriceUsd: 60, targetPriceUsd: 40 }))).toMatchObject({ ok: false, code: 'BROKER_REJECTED', detail: expect.stringMatching(/holds no shorts/) });
    expect((await broker.openOrders()).map((o) => o.clientOrderId)).toEqual(['prot-1']);
    broker.close();
  });

  it('a stop alone and a target alone; an OCO that filled at its stop never fills at its target', async () => {
    const { broker, clock } = await holding(10);
    await broker.protect(protect({ clientOrderId: 'stop-only', qty: 4, targetPriceUsd: null }));
    await broker.protect(protect({ clientOrderId: 'target-only', qty: 6, stopPriceUsd: null }));
    expect(await broker.orderByClientId('stop-only')).toMatchObject({ orderClass: 'simple', stopPriceUsd: 45.125, targetPriceUsd: null, limitPriceUsd: Number.NaN });
    expect(await broker.orderByClientId('target-only')).toMatchObject({ orderClass: 'simple', stopPriceUsd: null, targetPriceUsd: 58.3333, limitPriceUsd: 58.3333 });
    broker.fillOnBar('XYZ', { open: 50, high: 59, low: 49, close: 58 }, BAR_OPEN);
    expect(await broker.orderByClientId('target-only')).toMatchObject({ status: 'filled', exitReason: 'target' });
    expect(await broker.orderByClientId('stop-only')).toMatchObject({ status: 'submitted' });
    expect((await broker.positions())[0].qty).toBe(4);

    const oco = await holding(10);
    await oco.broker.protect(protect());
    oco.broker.fillOnBar('XYZ', { open: 50, high: 50, low: 45, close: 46 }, BAR_OPEN);
    oco.clock.now = clock.now + 86_400_000;
    await oco.broker.submit({ clientOrderId: 'rebuy', symbol: 'XYZ', side: 'buy', qty: 10, limitPriceUsd: 50 });
    expect(oco.broker.fillOnBar('XYZ', { open: 59, high: 60, low: 58, close: 59 }, sessionOpenUtcMs(nextSession(BAR_DAY)))).toEqual([]);
    expect(await oco.broker.orderByClientId('prot-1')).toMatchObject({ status: 'filled', exitReason: 'stop', filledQty: 10 });
    broker.close();
    oco.broker.close();
  });

  it('a position that goes flat leaves no protective order on its symbol', async () => {
    // Two tranches: a stop for 4 and an OCO for 6. The bar takes the first, then the second; the position is flat.
    const { broker } = await holding(10);
    await broker.protect(protect({ clientOrderId: 'tranche-1', qty: 4, stopPriceUsd: 48, targetPriceUsd: null }));
    await broker.protect(protect({ clientOrderId: 'tranche-2', qty: 6 }));
    broker.fillOnBar('XYZ', { open: 49, high: 49, low: 44, close: 45 }, BAR_OPEN);
    expect(await broker.positions()).toEqual([]);
    expect(await broker.openOrders()).toEqual([]);

    // A position closed outside these orders (its row edited away by hand): the protection is cancelled, never a short sale.
    const path = newPath();
    const other = await holding(10, { path });
    await other.broker.protect(protect());
    const db = new Database(path);
    db.prepare(`DELETE FROM paper_positions WHERE symbol = 'XYZ'`).run();
    db.close();
    const out = other.broker.fillOnBar('XYZ', { open: 40, high: 40, low: 40, close: 40 }, BAR_OPEN);
    expect(out).toMatchObject([{ clientOrderId: 'prot-1', status: 'cancelled', filledQty: 0 }]);
    expect(await other.broker.positions()).toEqual([]);
    broker.close();
    other.broker.close();
  });

  it('refuses a malformed protective request with an input error naming the parameter', async () => {
    const { broker } = await holding(10);
    for (const [bad, param] of [
      [{ stopPriceUsd: null, targetPriceUsd: null }, 'stopPriceUsd'],
      [{ stopPriceUsd: 60 }, 'stopPriceUsd'],
      [{ targetPriceUsd: -1 }, 'targetPriceUsd'],
      [{ stopPriceUsd: Number.NaN }, 'stopPriceUsd'],
      [{ qty: 2.5 }, 'qty'],
      [{ clientOrderId: 'has space' }, 'clientOrderId'],
    ] as const) {
      const e = await thrown(broker.protect(protect(bad as Partial<ProtectiveRequest>)));
      expect([e.code, e.param, e.kind]).toEqual(['BAD_ORDER_REQUEST', param, 'input']);
    }
    expect(() => broker.fillOnBar('XYZ', { open: 1, high: 1, low: 1, close: 1 }, Number.NaN)).toThrow(/barOpenMs/);
    broker.close();
  });

  it('migrates a paper_orders table of an older kobe in place: its orders read back as simple IOC orders, protection works', async () => {
    const path = newPath();
    const db = new Database(path);
    db.exec(`
      CREATE TABLE paper_account (id INTEGER PRIMARY KEY CHECK (id = 1), cash_usd REAL NOT NULL, starting_cash_usd REAL NOT NULL, created_at_ms INTEGER NOT NULL);
      INSERT INTO paper_account VALUES (1, 9499, 10000, 0);
      CREATE TABLE paper_orders (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, client_order_id TEXT NOT NULL UNIQUE, symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')), qty INTEGER NOT NULL CHECK (qty > 0), limit_price_usd REAL NOT NULL,
        status TEXT NOT NULL, filled_qty INTEGER NOT NULL DEFAULT 0, filled_avg_price_usd REAL, commission_usd REAL NOT NULL DEFAULT 0,
        submitted_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL);
      CREATE INDEX paper_orders_open ON paper_orders (status, symbol);
      INSERT INTO paper_orders (client_order_id, symbol, side, qty, limit_price_usd, status, filled_qty, filled_avg_price_usd, commission_usd, submitted_at_ms, updated_at_ms)
        VALUES ('old-buy', 'XYZ', 'buy', 10, 50.1, 'filled', 10, 50, 1, 5, 6);
      CREATE TABLE paper_positions (symbol TEXT PRIMARY KEY, qty INTEGER NOT NULL, avg_entry_price_usd REAL NOT NULL);
      INSERT INTO paper_positions VALUES ('XYZ', 10, 50);
    `);
    db.close();
    const broker = new PaperBroker({ path, now: () => EVENING_BEFORE, costs: COSTS, fillOn: 'next-bar', quotes: () => null });
    expect(await broker.orderByClientId('old-buy')).toMatchObject({ id: 'paper-1', status: 'filled', limitPriceUsd: 50.1, orderClass: 'simple', timeInForce: 'ioc', stopPriceUsd: null, targetPriceUsd: null, exitReason: null, filledAvgPriceUsd: 50 });
    const r = await broker.protect(protect());
    expect(r.ok && r.order).toMatchObject({ id: 'paper-2', status: 'submitted' });
    expect((await broker.account()).cashUsd).toBe(9499);
    broker.close();
    // Reopening a migrated file changes nothing.
    const again = new PaperBroker({ path, now: () => EVENING_BEFORE, costs: COSTS, fillOn: 'next-bar', quotes: () => null });
    expect((await again.openOrders()).map((o) => o.clientOrderId)).toEqual(['prot-1']);
    again.close();
    const check = new Database(path, { readonly: true });
    expect((check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'paper_orders' AND name = 'paper_orders_open'`).all() as unknown[]).length).toBe(1);
    check.close();
  });
});

describe('PaperBroker protective exits against the backtest engine', () => {
  it('replaying the engine’s entries day by day (entry at the open, protection placed at the open, the rest of the bar, the following bars) gives its exits to the cent', async () => {
    const COSTS_ENGINE: CostModel = { commissionPerOrderUsd: 1, commissionPerShareUsd: 0.005, slippageBps: 5 };
    const n = 400;
    const series = randomWalkBars('XYZ', n, 7, 16_000, 40);
    // On the NYSE calendar, so each bar has a session open.
    const sessions = sessionsBetween(dayOf(2021, 1, 4), dayOf(2023, 12, 29));
    for (let i = 0; i < n; i++) series.day[i] = sessions[i]!;
    const panel = buildPanel([series], null);
    const entries = Array.from({ length: 60 }, (_, k) => 5 + 6 * k);
    const book = buildSignalBook(panel, [
      {
        bar: Int32Array.from(entries),
        code: Int8Array.from(entries.map(() => SIGNAL_LONG)),
        score: new Float64Array(entries.length),
        stopDist: new Float64Array(entries.length).fill(0.9),
        targetDist: new Float64Array(entries.length).fill(1.7),
      },
    ]);
    const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, initialCapital: 1e6, maxPositions: 5, sizing: { mode: 'fixed-shares', shares: 25 }, costs: COSTS_ENGINE, regimeFilter: { enabled: false, smaPeriod: 200 } };
    const result = runEngine({ panel, legs: [{ strategy: ibsRsi, params: { ...defaultParams(ibsRsi.params), timeExitBars: 0 }, book }], config, from: 0, to: n - 1, regime: null });
    const protectedExits = result.trades.filter((t) => t.exitReason === 'stop' || t.exitReason === 'target');
    expect(protectedExits.length).toBeGreaterThan(20);
    expect(new Set(protectedExits.map((t) => t.exitReason))).toEqual(new Set(['stop', 'target']));

    const clock = { now: 0 };
    const broker = new PaperBroker({ path: ':memory:', now: () => clock.now, costs: COSTS_ENGINE, fill: config.fill, fillOn: 'next-bar', quotes: () => null, startingCashUsd: 1e6 });
    const barOf = (i: number): FillBar => ({ open: series.open[i]!, high: series.high[i]!, low: series.low[i]!, close: series.close[i]! });
    const indexOf = (day: number) => series.day.indexOf(day);
    for (const [k, t] of result.trades.entries()) {
      const signalBar = indexOf(t.entrySignalDay);
      clock.now = sessionOpenUtcMs(series.day[signalBar]!) + 7 * 3_600_000;
      await broker.submit({ clientOrderId: `in-${k}`, symbol: 'XYZ', side: 'buy', qty: t.shares, limitPriceUsd: Math.ceil(series.close[signalBar]! * 150) / 100 });
      const entryBar = signalBar + 1;
      const open = sessionOpenUtcMs(series.day[entryBar]!);
      clock.now = open;
      const [entry] = broker.fillOnBar('XYZ', barOf(entryBar), open);
      expect(entry.filledAvgPriceUsd).toBe(t.entryPrice);
      await broker.protect({ clientOrderId: `out-${k}`, symbol: 'XYZ', side: 'sell', qty: t.shares, stopPriceUsd: stopLevel(1, t.entryPrice, 0.9), targetPriceUsd: targetLevel(1, t.entryPrice, 1.7) });
      let exitBar = entryBar;
      let exit = broker.fillOnBar('XYZ', barOf(entryBar), open);
      while (exit.length === 0 && exitBar + 1 < n) {
        exitBar++;
        clock.now = sessionOpenUtcMs(series.day[exitBar]!) + 60_000;
        exit = broker.fillOnBar('XYZ', barOf(exitBar), sessionOpenUtcMs(series.day[exitBar]!));
      }
      if (t.exitReason === 'window_end') {
        expect(exit).toEqual([]);
        continue;
      }
      expect(exit).toHaveLength(1);
      expect([series.day[exitBar], exit[0]!.exitReason, exit[0]!.filledAvgPriceUsd]).toEqual([t.exitDay, t.exitReason, t.exitPrice]);
      expect(exit[0]!.commissionUsd).toBe(commissionUsd(COSTS_ENGINE, t.shares));
    }
    broker.close();
  });
});
