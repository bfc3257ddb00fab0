import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAudit } from '../../audit/audit-log.js';
import { AlpacaBroker } from '../../brokers/alpaca/alpaca-broker.js';
import type { Broker, Quote } from '../../brokers/broker.js';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { dayOf, sessionOpenUtcMs } from '../../core/exchange-calendar.js';
import { KobeError } from '../../core/errors.js';
import { clientOrderId } from '../../execution/client-order-id.js';
import { closedTrades } from '../../risk/realized-trades.js';
import { OrderStore } from '../../store/order-store.js';
import { startAlpacaStub, type AlpacaStub } from '../../test-support/alpaca-stub.js';
import { plainContext } from '../context.js';
import { syncOrderFromBroker } from './broker-sync.js';
import { cancelProtection, protectPosition, type ProtectiveIntent } from './protect.js';
import { RiskStateStore } from './risk-state.js';
import { submitIntent, type OrderDeps, type OrderIntent } from './submit.js';

// Tuesday 2024-01-16, 10:00 New York.
const NOW = Date.parse('2024-01-16T15:00:00Z');
const ENTRY: OrderIntent = { tradingDate: '2024-01-16', strategy: 'ibs-rsi', symbol: 'XYZ', side: 'buy', intent: 'entry', shares: 3 };
const PROTECT: ProtectiveIntent = { tradingDate: '2024-01-16', strategy: 'ibs-rsi', symbol: 'XYZ', side: 'sell', intent: 'protect', shares: 3, stopPriceUsd: 19.4251, targetPriceUsd: 21.1049 };
const ID = clientOrderId(PROTECT);
const COSTS = { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 };

let dir: string;
let broker: PaperBroker;
let oms: OrderStore;
let risk: RiskStateStore;
const book = new Map<string, Quote>();
const ctx = () => plainContext(dir, {}, { now: () => new Date(NOW) });

function deps(over: Partial<OrderDeps> = {}): OrderDeps {
  return { broker, oms, risk, stateDir: join(dir, 'state'), auditFile: join(dir, 'audit', 'audit.jsonl'), marketFacts: () => ({ priceUsd: 20, adv20Usd: 50_000_000 }), marginAccount: false, ...over };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-protect-'));
  book.clear();
  book.set('XYZ', { symbol: 'XYZ', bidUsd: 20, askUsd: 20.02, bidSize: 100, askSize: 100, timestampMs: NOW });
  broker = new PaperBroker({ path: join(dir, 'paper.db'), now: () => NOW, costs: COSTS, fillOn: 'quote', quotes: (s) => book.get(s) ?? null, startingCashUsd: 10_000 });
  oms = new OrderStore(join(dir, 'kobe.db'), { now: () => new Date(NOW).toISOString() });
  risk = new RiskStateStore(join(dir, 'kobe.db'));
  // The position to protect: 3 XYZ bought through the order path at the ask, 20.02.
  expect((await submitIntent(ENTRY, ctx(), deps())).kind).toBe('submitted');
});
afterEach(() => {
  broker.close();
  oms.close();
  risk.close();
  rmSync(dir, { recursive: true, force: true });
});

const journal = (): Record<string, unknown>[] =>
  readFileSync(join(dir, 'state', 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const decisions = () => readAudit(join(dir, 'audit', 'audit.jsonl')).map((a) => (a.data as { decision: string }).decision);

/** The broker's methods bound to it, counting protect calls, with `over` replacing some. */
function counting(b: PaperBroker, over: Partial<Broker> = {}) {
  const calls = { protect: 0 };
  const wrapped: Broker = {
    name: b.name,
    submit: (r) => b.submit(r),
    protect: (r) => (calls.protect++, b.protect(r)),
    cancel: (id) => b.cancel(id),
    orderByClientId: (id) => b.orderByClientId(id),
    openOrders: () => b.openOrders(),
    positions: () => b.positions(),
    account: () => b.account(),
    clock: () => b.clock(),
    latestQuote: (s) => b.latestQuote(s),
    ...over,
  };
  return { broker: wrapped, calls };
}

describe('protectPosition', () => {
  it('places a one-cancels-other exit at the broker with the exact levels, records it (OMS, audit, journal); the same intent again is the same order', async () => {
    const { broker: b, calls } = counting(broker);
    const r = await protectPosition(PROTECT, ctx(), deps({ broker: b }));
    expect(r).toMatchObject({ kind: 'submitted', rejection: null, killSwitchEngaged: false, broker: { orderClass: 'oco', stopPriceUsd: 19.4251, targetPriceUsd: 21.1049, status: 'submitted' } });
    expect(oms.get(ID)).toMatchObject({ state: 'submitted', orderType: 'oco', timeInForce: 'gtc', qty: 3, limitPrice: 21.1049, stopPrice: 19.4251, targetPrice: 21.1049, brokerOrderId: 'paper-2' });
    expect(oms.events(ID).map((e) => [e.kind, e.toState, e.source])).toEqual([
      ['create', 'new', 'local'],
      ['submit', 'submitted', 'broker'],
    ]);
    expect(decisions()).toEqual(['submitted', 'protected']);
    expect(journal().at(-1)).toMatchObject({ decision: 'protected', subject: ID, brokerStopPriceUsd: 19.4251, killSwitchEngaged: false });

    expect(await protectPosition({ ...PROTECT, shares: 2, stopPriceUsd: 19 }, ctx(), deps({ broker: b }))).toMatchObject({ kind: 'existing', order: { qty: 3, stopPrice: 19.4251 } });
    expect(calls.protect).toBe(1);
    expect((await broker.openOrders()).map((o) => o.clientOrderId)).toEqual([ID]);
  });

  it('heals a crash between the broker’s answer and the OMS write: the next call records the broker’s order and sends nothing', async () => {
    const crash = new Error('SIGKILL stand-in');
    await expect(
      protectPosition(PROTECT, ctx(), deps({
        afterBrokerSubmit: () => {
          throw crash;
        },
      })),
    ).rejects.toBe(crash);
    // The OMS row stayed new; the broker holds the order.
    expect(oms.get(ID)).toMatchObject({ state: 'new', brokerOrderId: null });
    const { broker: b, calls } = counting(broker);
    const r = await protectPosition(PROTECT, ctx(), deps({ broker: b }));
    expect(r).toMatchObject({ kind: 'healed', order: { state: 'submitted', brokerOrderId: 'paper-2' } });
    expect(calls.protect).toBe(0);
    expect(oms.events(ID).at(-1)).toMatchObject({ kind: 'submit', source: 'reconciliation' });
    expect(await protectPosition(PROTECT, ctx(), deps({ broker: b }))).toMatchObject({ kind: 'existing' });
  });

  it('heals an order the broker holds that the OMS never recorded, from the broker’s terms', async () => {
    await broker.protect({ clientOrderId: ID, symbol: 'XYZ', side: 'sell', qty: 3, stopPriceUsd: 19.5, targetPriceUsd: null });
    const r = await protectPosition(PROTECT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'healed', order: { orderType: 'stop', stopPrice: 19.5, targetPrice: null, limitPrice: null, state: 'submitted' } });
  });

  it('is not blocked by the kill switch nor a halted breaker (it only limits a held position’s loss); both are recorded', async () => {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'KILL_SWITCH'), '');
    risk.saveBreaker({ state: 'HALTED', trippedAt: NOW, reason: 'DAILY_LOSS_LIMIT test' }, null, new Date(NOW).toISOString());
    // New risk is blocked ...
    expect((await submitIntent({ ...ENTRY, intent: 'add' }, ctx(), deps())).kind).toBe('denied');
    // ... the protection of what is held is not.
    const r = await protectPosition(PROTECT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'submitted', killSwitchEngaged: true, order: { state: 'submitted' } });
    expect(journal().at(-1)).toMatchObject({ decision: 'protected', killSwitchEngaged: true });
  });

  it('denies more shares than are held (recorded, nothing sent) and a malformed exit (no OMS row)', async () => {
    const over = await protectPosition({ ...PROTECT, shares: 4 }, ctx(), deps());
    expect(over.kind === 'denied' && over.denials.map((x) => x.code)).toEqual(['PROTECTION_EXCEEDS_POSITION']);
    expect(oms.get(ID)).toMatchObject({ state: 'rejected', qty: 4 });
    expect(await broker.orderByClientId(ID)).toBeNull();
    const bad = await protectPosition({ ...PROTECT, intent: 'protect2', stopPriceUsd: null, targetPriceUsd: null }, ctx(), deps());
    expect(bad).toMatchObject({ kind: 'denied', order: null, denials: [{ code: 'BAD_ORDER' }] });
    const crossed = await protectPosition({ ...PROTECT, intent: 'protect3', stopPriceUsd: 22 }, ctx(), deps());
    expect(crossed.kind === 'denied' && crossed.denials.map((x) => x.code)).toEqual(['BAD_ORDER']);
    expect(journal().filter((l) => l.decision === 'denied')).toHaveLength(3);
  });

  it('a broker error is counted and rethrown; the row stays new and the next call looks it up before sending', async () => {
    const { broker: failing } = counting(broker, {
      protect: async () => {
        throw new KobeError('BROKER_UNAVAILABLE', 'broker down', { kind: 'runtime' });
      },
    });
    await expect(protectPosition(PROTECT, ctx(), deps({ broker: failing }))).rejects.toThrow(/broker down/);
    expect(risk.errorsToday(NOW)).toBe(1);
    expect(oms.get(ID)).toMatchObject({ state: 'new' });
    const r = await protectPosition(PROTECT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'submitted', order: { state: 'submitted' } });
  });

  it('its fill reaches the OMS with the level that hit it; the account fills (the breaker’s P&L) count the protective exit', async () => {
    await protectPosition(PROTECT, ctx(), deps());
    // The next session gaps down through the stop: filled at the open, 19.30.
    const day = dayOf(2024, 1, 17);
    const [filled] = broker.fillOnBar('XYZ', { open: 19.3, high: 19.6, low: 19.1, close: 19.2 }, sessionOpenUtcMs(day));
    expect(filled).toMatchObject({ status: 'filled', exitReason: 'stop', filledAvgPriceUsd: 19.3 });
    const row = syncOrderFromBroker(oms, ID, filled, 'broker', '2024-01-17T14:30:00.000Z');
    expect(row).toMatchObject({ state: 'filled', filledQty: 3, avgFillPrice: 19.3 });
    expect(oms.events(ID).at(-1)).toMatchObject({ kind: 'fill', detail: { exitReason: 'stop' } });
    // Synced twice, recorded once.
    syncOrderFromBroker(oms, ID, filled, 'reconciliation', '2024-01-17T15:00:00.000Z');
    expect(oms.fills(ID)).toHaveLength(1);
    const trades = closedTrades(oms.accountFills().map((f) => ({ symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, executedAtMs: Date.parse(f.executedAt) })));
    expect(trades).toHaveLength(1);
    expect(trades[0]!.pnlUsd).toBeCloseTo(3 * (19.3 - 20.02), 9);
  });
});

describe('cancelProtection', () => {
  it('cancels the exit at the broker and in the OMS, freeing its shares for an IOC exit', async () => {
    await protectPosition(PROTECT, ctx(), deps());
    const exit = { ...ENTRY, side: 'sell' as const, intent: 'exit' };
    const blocked = await submitIntent(exit, ctx(), deps());
    expect(blocked).toMatchObject({ kind: 'submitted', rejection: { code: 'BROKER_REJECTED' } });
    const r = await cancelProtection(PROTECT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'cancelled', order: { state: 'cancelled' } });
    expect(await broker.orderByClientId(ID)).toMatchObject({ status: 'cancelled' });
    expect((await submitIntent({ ...exit, intent: 'exit2' }, ctx(), deps())).kind).toBe('submitted');
    expect(await broker.positions()).toEqual([]);
    expect(journal().find((l) => l.decision === 'protection-cancel')).toMatchObject({ outcome: 'cancelled', subject: ID });
    // Again: already final.
    expect(await cancelProtection(PROTECT, ctx(), deps())).toMatchObject({ kind: 'already-final' });
  });

  it('an exit that filled before the cancel comes back filled (do not sell again); one never placed is not found', async () => {
    await protectPosition(PROTECT, ctx(), deps());
    broker.fillOnBar('XYZ', { open: 21.5, high: 21.6, low: 21.2, close: 21.3 }, sessionOpenUtcMs(dayOf(2024, 1, 17)));
    const r = await cancelProtection(PROTECT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'filled', order: { state: 'filled', avgFillPrice: 21.5 } });
    expect(await cancelProtection({ ...PROTECT, intent: 'never' }, ctx(), deps())).toEqual({ kind: 'not-found', order: null });
  });

  it('a protection recorded but never sent (a crash before the broker call) is cancelled in the OMS alone', async () => {
    const { broker: failing } = counting(broker, {
      protect: async () => {
        throw new KobeError('BROKER_TIMEOUT', 'no answer', { kind: 'runtime' });
      },
    });
    await expect(protectPosition(PROTECT, ctx(), deps({ broker: failing }))).rejects.toThrow(/no answer/);
    expect(await cancelProtection(PROTECT, ctx(), deps())).toMatchObject({ kind: 'cancelled', order: { state: 'cancelled' } });
  });
});

describe('protectPosition with Alpaca (against the local stub)', () => {
  let stub: AlpacaStub;
  afterEach(async () => {
    await stub?.close();
  });

  it('places the OCO with levels rounded inward to the tick, keeps the exact levels in the OMS, and brings the stop leg’s fill into the OMS', async () => {
    stub = await startAlpacaStub({ quotes: { XYZ: { bid: 20, ask: 20.02 } } });
    const alpaca = new AlpacaBroker({ credentials: { keyId: stub.keyId, secretKey: stub.secretKey }, tradingBaseUrl: stub.baseUrl, dataBaseUrl: stub.baseUrl, sleep: async () => {} });
    const d = deps({ broker: alpaca });
    expect((await submitIntent({ ...ENTRY, intent: 'entry2' }, ctx(), d)).kind).toBe('submitted');
    const r = await protectPosition(PROTECT, ctx(), d);
    expect(r).toMatchObject({ kind: 'submitted', broker: { orderClass: 'oco', stopPriceUsd: 19.43, targetPriceUsd: 21.1 } });
    expect(oms.get(ID)).toMatchObject({ stopPrice: 19.4251, targetPrice: 21.1049, state: 'submitted' });
    expect(stub.orders.get(ID)?.legs?.[0]).toMatchObject({ stop_price: '19.43', status: 'held' });
    stub.fillProtective(ID, 'stop', 19.41);
    const filled = await alpaca.orderByClientId(ID);
    expect(syncOrderFromBroker(oms, ID, filled!, 'broker', new Date(NOW).toISOString())).toMatchObject({ state: 'filled', filledQty: 3, avgFillPrice: 19.41 });
    expect(oms.events(ID).at(-1)).toMatchObject({ kind: 'fill', detail: { exitReason: 'stop' } });
    expect(await cancelProtection(PROTECT, ctx(), d)).toMatchObject({ kind: 'filled' });
  });
});
