import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { clientOrderId } from '../execution/client-order-id.js';
import { newOrderProgress, replay, type OrderEvent } from '../execution/order-state.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { OrderStore, type NewOrder } from './order-store.js';

let dir: string;
let tick: number;
/** A clock the test controls: each reading one second later. */
const now = () => new Date(Date.UTC(2017, 10, 10, 15, 0, tick++)).toISOString();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-order-store-'));
  tick = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const intent: NewOrder = {
  tradingDate: '2017-11-10',
  strategy: 'ibs-rsi',
  symbol: 'AAPL',
  side: 'buy',
  intent: 'entry',
  qty: 10,
  orderType: 'limit',
  timeInForce: 'ioc',
  limitPrice: 175.25,
};

const count = (db: string, table: string) => {
  const d = new Database(db, { readonly: true });
  const n = (d.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  d.close();
  return n;
};

describe('OrderStore', () => {
  it('inserts an order in state new under its client order id, with a create event and the clock’s time', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    const r = store.insertOrder(intent);
    expect(r.created).toBe(true);
    expect(r.order).toMatchObject({ clientOrderId: clientOrderId(intent), state: 'new', qty: 10, filledQty: 0, avgFillPrice: null, brokerOrderId: null, createdAt: '2017-11-10T15:00:00.000Z' });
    expect(store.events(r.order.clientOrderId)).toMatchObject([{ kind: 'create', fromState: null, toState: 'new', source: 'local' }]);
    store.close();
  });

  it('the same intent twice is one order: the existing row comes back, with the terms that differ named', () => {
    const path = join(dir, 'kobe.db');
    const store = new OrderStore(path, { now });
    const first = store.insertOrder(intent);
    const again = store.insertOrder({ ...intent, symbol: 'aapl' });
    expect(again).toEqual({ order: first.order, created: false, differs: [] });
    const resized = store.insertOrder({ ...intent, qty: 12, limitPrice: 175.3 });
    expect(resized.created).toBe(false);
    expect(resized.differs).toEqual(['qty', 'limitPrice']);
    expect(resized.order.qty).toBe(10);
    store.close();
    expect(count(path, 'orders')).toBe(1);
    expect(count(path, 'order_events')).toBe(1);
  });

  it('moves an order only through transition, recording each change as an event with its source', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    const id = store.insertOrder(intent).order.clientOrderId;
    const sub = store.applyEvent(id, { kind: 'submit', brokerOrderId: 'alp-1' }, 'local');
    expect(sub).toMatchObject({ ok: true, order: { state: 'submitted', brokerOrderId: 'alp-1' } });
    const f1 = store.recordFill(id, { execId: 'x1', qty: 4, price: 175, executedAt: '2017-11-10T15:00:30Z' }, 'broker');
    expect(f1).toMatchObject({ ok: true, duplicate: false, order: { state: 'partially_filled', filledQty: 4, avgFillPrice: 175 } });
    const f2 = store.recordFill(id, { execId: 'x2', qty: 6, price: 175.5, executedAt: '2017-11-10T15:00:31Z' }, 'reconciliation');
    expect(f2.ok && f2.order).toMatchObject({ state: 'filled', filledQty: 10 });
    expect(f2.ok && f2.order.avgFillPrice).toBeCloseTo(175.3, 10);
    expect(store.events(id).map((e) => [e.kind, e.fromState, e.toState, e.source, e.filledQty])).toEqual([
      ['create', null, 'new', 'local', 0],
      ['submit', 'new', 'submitted', 'local', 0],
      ['fill', 'submitted', 'partially_filled', 'broker', 4],
      ['fill', 'partially_filled', 'filled', 'reconciliation', 10],
    ]);
    expect(store.events(id)[1]!.detail).toEqual({ brokerOrderId: 'alp-1' });
    expect(store.get(id)!.updatedAt > store.get(id)!.createdAt).toBe(true);
    // Terminal: refused as a value, nothing written.
    expect(store.applyEvent(id, { kind: 'cancel' }, 'local')).toMatchObject({ ok: false, code: 'ORDER_TERMINAL' });
    expect(store.events(id)).toHaveLength(4);
    store.close();
  });

  it('a replayed execution counts once; an execution id of another order is refused', () => {
    const path = join(dir, 'kobe.db');
    const store = new OrderStore(path, { now });
    const a = store.insertOrder(intent).order.clientOrderId;
    const b = store.insertOrder({ ...intent, symbol: 'MSFT' }).order.clientOrderId;
    store.applyEvent(a, { kind: 'submit' }, 'local');
    store.applyEvent(b, { kind: 'submit' }, 'local');
    const fill = { execId: 'x1', qty: 3, price: 10, executedAt: '2017-11-10T15:00:30Z' };
    expect(store.recordFill(a, fill, 'broker')).toMatchObject({ ok: true, duplicate: false });
    expect(store.recordFill(a, fill, 'reconciliation')).toMatchObject({ ok: true, duplicate: true, order: { filledQty: 3 } });
    expect(store.recordFill(b, fill, 'broker')).toMatchObject({ ok: false, code: 'FILL_OF_OTHER_ORDER' });
    expect(store.get(a)!.filledQty).toBe(3);
    expect(store.get(b)!.filledQty).toBe(0);
    expect(store.fills(a)).toHaveLength(1);
    store.close();
    expect(count(path, 'fills')).toBe(1);
  });

  it('a refused fill (over the order quantity) writes nothing', () => {
    const path = join(dir, 'kobe.db');
    const store = new OrderStore(path, { now });
    const id = store.insertOrder(intent).order.clientOrderId;
    store.applyEvent(id, { kind: 'submit' }, 'local');
    expect(store.recordFill(id, { execId: 'x1', qty: 11, price: 10, executedAt: 't' }, 'broker')).toMatchObject({ ok: false, code: 'OVERFILL' });
    expect(store.recordFill(id, { execId: 'x1', qty: 10, price: 10, executedAt: 't' }, 'broker')).toMatchObject({ ok: true, order: { state: 'filled' } });
    store.close();
    expect(count(path, 'fills')).toBe(1);
  });

  it('unknown orders are refusals; bad order terms are input errors naming the parameter', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    expect(store.applyEvent('nope', { kind: 'cancel' }, 'local')).toMatchObject({ ok: false, code: 'UNKNOWN_ORDER' });
    expect(store.recordFill('nope', { execId: 'x', qty: 1, price: 1, executedAt: 't' }, 'broker')).toMatchObject({ ok: false, code: 'UNKNOWN_ORDER' });
    for (const [bad, param] of [
      [{ qty: 0 }, 'qty'],
      [{ qty: Number.NaN }, 'qty'],
      [{ limitPrice: null }, 'limitPrice'],
      [{ orderType: 'market', limitPrice: 5 }, 'limitPrice'],
      [{ orderType: 'trailing_stop' }, 'orderType'],
      [{ timeInForce: 'IOC ' }, 'timeInForce'],
      [{ symbol: 'A B' }, 'symbol'],
    ] as const) {
      let err: unknown;
      try {
        store.insertOrder({ ...intent, ...(bad as Partial<NewOrder>) });
      } catch (e) {
        err = e;
      }
      expect(err, param).toBeInstanceOf(KobeError);
      expect((err as KobeError).param, param).toBe(param);
      expect((err as KobeError).kind).toBe('input');
    }
    expect(store.list()).toEqual([]);
    store.close();
  });

  it('lists by date and state, open orders, and positions net of buys and sells from the fills', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    const buy = store.insertOrder(intent).order.clientOrderId;
    const sell = store.insertOrder({ ...intent, tradingDate: '2017-11-13', side: 'sell', intent: 'exit', qty: 4 }).order.clientOrderId;
    const other = store.insertOrder({ ...intent, symbol: 'MSFT', qty: 2 }).order.clientOrderId;
    for (const id of [buy, sell, other]) store.applyEvent(id, { kind: 'submit' }, 'local');
    store.recordFill(buy, { execId: 'e1', qty: 10, price: 10, executedAt: 't' }, 'broker');
    store.recordFill(sell, { execId: 'e2', qty: 4, price: 11, executedAt: 't' }, 'broker');
    store.recordFill(other, { execId: 'e3', qty: 2, price: 50, executedAt: 't' }, 'broker');
    store.insertOrder({ ...intent, symbol: 'IBM' });
    expect(store.positions()).toEqual([
      { symbol: 'AAPL', qty: 6 },
      { symbol: 'MSFT', qty: 2 },
    ]);
    expect(store.list({ tradingDate: '2017-11-13' }).map((o) => o.clientOrderId)).toEqual([sell]);
    expect(store.openOrders().map((o) => o.symbol)).toEqual(['IBM']);
    expect(store.list({ states: ['filled'] })).toHaveLength(3);
    expect(store.list({ states: [] })).toEqual([]);
    store.close();
  });

  it('a database failure is a DB_IO error naming the file', () => {
    const path = join(dir, 'kobe.db');
    const store = new OrderStore(path, { now });
    const other = new Database(path);
    other.exec('DROP TABLE order_events');
    other.close();
    let err: unknown;
    try {
      store.insertOrder(intent);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KobeError);
    expect((err as KobeError).code).toBe('DB_IO');
    expect((err as KobeError).file).toBe(path);
    // The transaction rolled back: no order without its create event.
    expect(store.list()).toEqual([]);
    store.close();
  });

  it('property: the store ends where the pure replay of the same events ends, and its event rows chain', () => {
    const event = fc.oneof(
      fc.constantFrom<Exclude<OrderEvent, { kind: 'fill' }>>({ kind: 'submit' }, { kind: 'request_cancel' }, { kind: 'cancel_rejected' }, { kind: 'cancel' }, { kind: 'reject' }, { kind: 'expire' }),
      fc.record({ kind: fc.constant('fill' as const), qty: fc.integer({ min: 1, max: 6 }), price: fc.integer({ min: 1, max: 100 }), exec: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 25 }), (events) => {
        const store = new OrderStore(':memory:', { now });
        const id = store.insertOrder(intent).order.clientOrderId;
        const accepted: OrderEvent[] = [];
        for (const e of events) {
          if (e.kind === 'fill') {
            const r = store.recordFill(id, { execId: `x${e.exec}`, qty: e.qty, price: e.price, executedAt: 't' }, 'broker');
            if (r.ok && !r.duplicate) accepted.push({ kind: 'fill', qty: e.qty, price: e.price });
          } else if (store.applyEvent(id, e, 'local').ok) accepted.push(e);
        }
        const pure = replay(newOrderProgress(intent.qty), accepted);
        const row = store.get(id)!;
        expect({ state: row.state, filledQty: row.filledQty, avgFillPrice: row.avgFillPrice }).toEqual({
          state: pure.order.state,
          filledQty: pure.order.filledQty,
          avgFillPrice: pure.order.avgFillPrice,
        });
        const evs = store.events(id);
        expect(evs).toHaveLength(accepted.length + 1);
        for (let i = 1; i < evs.length; i++) {
          expect(evs[i]!.fromState).toBe(evs[i - 1]!.toState);
          expect(evs[i]!.filledQty).toBeGreaterThanOrEqual(evs[i - 1]!.filledQty);
        }
        expect(store.fills(id).reduce((a, f) => a + f.qty, 0)).toBe(row.filledQty);
        store.close();
      }),
      fcOptions(60),
    );
  });

  it('two processes inserting the same intents at once leave exactly one row per intent', async () => {
    requireFreshDist();
    const path = join(dir, 'kobe.db');
    new OrderStore(path, { now }).close();
    const script = fileURLToPath(new URL('../test-support/order-writer.mjs', import.meta.url));
    const startAt = String(Date.now() + 700);
    const runWriter = (id: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [script, path, id, '150', startAt], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => done({ code, out, err }));
      });
    const results = await Promise.all([runWriter('A'), runWriter('B')]);
    let created = 0;
    for (const r of results) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as { created: number; found: number };
      expect(report.created + report.found).toBe(150);
      created += report.created;
    }
    expect(created).toBe(150);
    expect(count(path, 'orders')).toBe(150);
    expect(count(path, 'order_events')).toBe(150);
  });
});
