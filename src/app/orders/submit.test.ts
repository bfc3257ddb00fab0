import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAudit } from '../../audit/audit-log.js';
import type { Broker, Quote } from '../../brokers/broker.js';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { KobeError } from '../../core/errors.js';
import { clientOrderId } from '../../execution/client-order-id.js';
import { DEFAULT_ORDER_GATE_CONFIG } from '../../risk/order-gates.js';
import { OrderStore } from '../../store/order-store.js';
import { plainContext } from '../context.js';
import { RiskStateStore } from './risk-state.js';
import { submitIntent, type OrderDeps, type OrderIntent } from './submit.js';

// Tuesday 2024-01-16, 10:00 New York: inside regular hours.
const NOW = Date.parse('2024-01-16T15:00:00Z');
const INTENT: OrderIntent = { tradingDate: '2024-01-16', strategy: 'ibs-rsi', symbol: 'XYZ', side: 'buy', intent: 'entry', shares: 3 };
const ID = clientOrderId(INTENT);
const COSTS = { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 };

let dir: string;
let broker: PaperBroker;
let oms: OrderStore;
let risk: RiskStateStore;
const book = new Map<string, Quote>();
const ctx = () => plainContext(dir, {}, { now: () => new Date(NOW) });

function deps(over: Partial<OrderDeps> = {}): OrderDeps {
  return {
    broker,
    oms,
    risk,
    stateDir: join(dir, 'state'),
    auditFile: join(dir, 'audit', 'audit.jsonl'),
    marketFacts: () => ({ priceUsd: 20, adv20Usd: 50_000_000 }),
    marginAccount: false,
    ...over,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-submit-'));
  book.clear();
  book.set('XYZ', { symbol: 'XYZ', bidUsd: 20, askUsd: 20.02, bidSize: 100, askSize: 100, timestampMs: NOW });
  broker = new PaperBroker({ path: join(dir, 'paper.db'), now: () => NOW, costs: COSTS, fillOn: 'quote', quotes: (s) => book.get(s) ?? null, startingCashUsd: 10_000 });
  oms = new OrderStore(join(dir, 'kobe.db'), { now: () => new Date(NOW).toISOString() });
  risk = new RiskStateStore(join(dir, 'kobe.db'));
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

describe('submitIntent', () => {
  it('prices, gates, records and submits an allowed order; the same intent again is the same order', async () => {
    const r = await submitIntent(INTENT, ctx(), deps());
    expect(r.kind).toBe('submitted');
    const row = oms.get(ID)!;
    // ask 20.02 x 1.001 = 20.04 (to the cent); the paper broker fills at the ask.
    expect(row).toMatchObject({ state: 'filled', qty: 3, limitPrice: 20.04, filledQty: 3, avgFillPrice: 20.02, brokerOrderId: 'paper-1' });
    expect(oms.events(ID).map((e) => [e.kind, e.toState, e.source])).toEqual([
      ['create', 'new', 'local'],
      ['submit', 'submitted', 'broker'],
      ['fill', 'filled', 'broker'],
    ]);
    expect(readAudit(join(dir, 'audit', 'audit.jsonl')).map((a) => [a.kind, a.subject, (a.data as { decision: string }).decision])).toEqual([['order-decision', ID, 'submitted']]);

    const again = await submitIntent({ ...INTENT, shares: 2 }, ctx(), deps());
    expect(again).toMatchObject({ kind: 'existing', order: { clientOrderId: ID, qty: 3 } });
    expect((await broker.positions()).map((p) => p.qty)).toEqual([3]);
  });

  it('denies an order the gates refuse, records every denial (OMS event, audit, journal) and sends nothing', async () => {
    const r = await submitIntent({ ...INTENT, shares: 10 }, ctx(), deps({ marketFacts: () => ({ priceUsd: 20, adv20Usd: Number.NaN }) }));
    expect(r.kind).toBe('denied');
    const codes = r.kind === 'denied' ? r.denials.map((d) => d.code) : [];
    // Every check runs: an unknown ADV fails both liquidity checks that need it.
    expect(codes).toEqual(['ORDER_NOTIONAL_LIMIT', 'ADV_UNKNOWN', 'ADV_UNKNOWN']);
    expect(await broker.orderByClientId(ID)).toBeNull();
    const events = oms.events(ID);
    expect(events.at(-1)).toMatchObject({ kind: 'reject', toState: 'rejected', source: 'local' });
    expect((events.at(-1)!.detail.denials as { code: string }[]).map((d) => d.code)).toEqual(codes);
    expect(journal().at(-1)).toMatchObject({ decision: 'denied', subject: ID });
    expect((readAudit(join(dir, 'audit', 'audit.jsonl')).at(-1)!.data as { decision: string }).decision).toBe('denied');
  });

  it('the daily notional counts every order sent today, whatever its intent is called', async () => {
    const config = { ...DEFAULT_ORDER_GATE_CONFIG, maxDailyNotionalUsd: 100 };
    expect((await submitIntent({ ...INTENT, intent: 'add' }, ctx(), deps({ config }))).kind).toBe('submitted');
    // 60.12 already sent + 60.12 > 100.
    const second = await submitIntent({ ...INTENT, intent: 'add2' }, ctx(), deps({ config }));
    expect(second.kind === 'denied' && second.denials.map((d) => d.code)).toEqual(['DAILY_NOTIONAL_LIMIT']);
  });

  it('with clampToLimits, cuts the size to the limits and says which; without, the gates deny it', async () => {
    const denied = await submitIntent({ ...INTENT, shares: 10 }, ctx(), deps());
    expect(denied.kind === 'denied' && denied.denials.map((d) => d.code)).toEqual(['ORDER_NOTIONAL_LIMIT']);
    // 3 x 20.04 = 60.12 <= $75 < 4 x 20.04.
    const r = await submitIntent({ ...INTENT, intent: 'clamped', shares: 10, clampToLimits: true }, ctx(), deps());
    expect(r).toMatchObject({ kind: 'submitted', order: { qty: 3, state: 'filled' }, sizing: { requestedShares: 10, shares: 3, clampedBy: ['ORDER_NOTIONAL_LIMIT'] } });
    const none = await submitIntent({ ...INTENT, intent: 'tiny', shares: 10, clampToLimits: true }, ctx(), deps({ config: { ...DEFAULT_ORDER_GATE_CONFIG, maxOrderNotionalUsd: 10 } }));
    expect(none.kind === 'denied' && none.denials.map((d) => d.code)).toEqual(['SIZE_CLAMPED_TO_ZERO']);
  });

  it('denies every submission while the kill switch file is present', async () => {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'KILL_SWITCH'), '');
    const r = await submitIntent(INTENT, ctx(), deps());
    expect(r.kind === 'denied' && r.denials.map((d) => d.code)).toEqual(['KILL_SWITCH_ENGAGED']);
    expect(await broker.orderByClientId(ID)).toBeNull();
  });

  it('reads the kill switch again immediately before the broker call', async () => {
    const stateDir = join(dir, 'state');
    // The switch is engaged after the gates passed, while the order is being recorded.
    const racing = Object.create(oms) as OrderStore;
    racing.insertOrder = (order) => {
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(join(stateDir, 'KILL_SWITCH'), '');
      return oms.insertOrder(order);
    };
    const r = await submitIntent(INTENT, ctx(), deps({ oms: racing }));
    expect(r.kind === 'denied' && r.denials.map((d) => d.detail)).toEqual(['the kill switch was engaged just before the broker call']);
    expect(await broker.orderByClientId(ID)).toBeNull();
    expect(oms.get(ID)).toMatchObject({ state: 'rejected', brokerOrderId: null });
  });

  it('heals a crash between the broker answer and the OMS write: the order at the broker is recorded, never sent again', async () => {
    // The crash: the OMS row was written as new, the broker took the order, the process died.
    oms.insertOrder({ ...INTENT, qty: 3, orderType: 'limit', timeInForce: 'ioc', limitPrice: 20.04 });
    await broker.submit({ clientOrderId: ID, symbol: 'XYZ', side: 'buy', qty: 3, limitPriceUsd: 20.04 });
    let submits = 0;
    const counting = { ...bind(broker), submit: async (...a: Parameters<Broker['submit']>) => (submits++, broker.submit(...a)) };
    const r = await submitIntent(INTENT, ctx(), deps({ broker: counting }));
    expect(r.kind).toBe('healed');
    expect(submits).toBe(0);
    expect(oms.get(ID)).toMatchObject({ state: 'filled', filledQty: 3, avgFillPrice: 20.02, brokerOrderId: 'paper-1' });
    expect(oms.events(ID).slice(1).map((e) => e.source)).toEqual(['reconciliation', 'reconciliation']);
    // Healing twice records the fill once.
    expect(oms.fills(ID)).toHaveLength(1);
  });

  it('heals an order the broker holds that the OMS never recorded', async () => {
    await broker.submit({ clientOrderId: ID, symbol: 'XYZ', side: 'buy', qty: 3, limitPriceUsd: 20.04 });
    const r = await submitIntent(INTENT, ctx(), deps());
    expect(r).toMatchObject({ kind: 'healed', order: { state: 'filled', qty: 3, limitPrice: 20.04 } });
  });

  it('the breaker reads closed trades from the fills: four losing round trips in a row trip it (CONSECUTIVE_LOSSES)', async () => {
    const losingRoundTrip = async (k: number) => {
      book.set('XYZ', { symbol: 'XYZ', bidUsd: 20, askUsd: 20.02, bidSize: 100, askSize: 100, timestampMs: NOW });
      expect((await submitIntent({ ...INTENT, intent: `in${k}` }, ctx(), deps())).kind).toBe('submitted');
      book.set('XYZ', { symbol: 'XYZ', bidUsd: 19, askUsd: 19.02, bidSize: 100, askSize: 100, timestampMs: NOW });
      expect((await submitIntent({ ...INTENT, side: 'sell', intent: `out${k}` }, ctx(), deps())).kind).toBe('submitted');
    };
    for (let k = 0; k < 3; k++) await losingRoundTrip(k);
    expect(risk.breaker().state).toBe('ACTIVE');
    await losingRoundTrip(3);
    book.set('XYZ', { symbol: 'XYZ', bidUsd: 20, askUsd: 20.02, bidSize: 100, askSize: 100, timestampMs: NOW });
    const r = await submitIntent({ ...INTENT, intent: 'in4' }, ctx(), deps());
    expect(r.kind === 'denied' && r.denials.map((d) => d.code)).toEqual(['CIRCUIT_BREAKER_HALTED']);
    expect(risk.breaker()).toMatchObject({ state: 'HALTED', reason: expect.stringMatching(/^CONSECUTIVE_LOSSES/) });
  });

  it('counts broker errors; at the error limit the breaker trips, stays HALTED in the store and denies orders', async () => {
    const failing = {
      ...bind(broker),
      latestQuote: async (): Promise<Quote> => {
        throw new KobeError('BROKER_UNAVAILABLE', 'broker down', { kind: 'runtime' });
      },
    };
    for (let k = 0; k < 3; k++) await expect(submitIntent(INTENT, ctx(), deps({ broker: failing }))).rejects.toThrow(/broker down/);
    expect(risk.errorsToday(NOW)).toBe(3);
    const r = await submitIntent(INTENT, ctx(), deps());
    // The facts trip the stored breaker before the gates run; the gate then denies on its state.
    expect(r.kind === 'denied' && r.denials.map((d) => d.code)).toEqual(['CIRCUIT_BREAKER_HALTED']);
    expect(risk.breaker()).toMatchObject({ state: 'HALTED', reason: expect.stringMatching(/^ERROR_LIMIT/) });
    // A reset with a reason lets orders through again (the errors before it no longer count).
    risk.resetBreaker('broker back up', NOW, new Date(NOW).toISOString());
    const next = await submitIntent({ ...INTENT, intent: 'entry2' }, ctx(), deps());
    expect(next.kind).toBe('submitted');
    expect(existsSync(join(dir, 'state', 'journal.jsonl'))).toBe(true);
  });
});

/** The broker's methods bound to it, as a plain object a test can override parts of. */
function bind(b: PaperBroker): Broker {
  return {
    name: b.name,
    submit: (r) => b.submit(r),
    protect: (r) => b.protect(r),
    cancel: (id) => b.cancel(id),
    orderByClientId: (id) => b.orderByClientId(id),
    openOrders: () => b.openOrders(),
    positions: () => b.positions(),
    account: () => b.account(),
    clock: () => b.clock(),
    latestQuote: (s) => b.latestQuote(s),
  };
}
