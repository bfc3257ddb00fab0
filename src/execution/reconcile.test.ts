import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { ORDER_STATES } from './order-state.js';
import { reconcile, type ReconcileInput, type ReconcileOrder } from './reconcile.js';

const order = (id: string, over: Partial<ReconcileOrder> = {}): ReconcileOrder => ({
  clientOrderId: id,
  brokerOrderId: `b-${id}`,
  symbol: 'AAPL',
  side: 'buy',
  qty: 10,
  state: 'filled',
  filledQty: 10,
  ...over,
});

const input = (over: Partial<ReconcileInput>): ReconcileInput => ({ dbOrders: [], dbPositions: [], brokerOrders: [], brokerPositions: [], ...over });

describe('reconcile', () => {
  it('finds nothing when both sides agree', () => {
    const orders = [order('k1'), order('k2', { symbol: 'MSFT', state: 'submitted', filledQty: 0 })];
    expect(reconcile(input({ dbOrders: orders, brokerOrders: orders.map((o) => ({ ...o })), dbPositions: [{ symbol: 'AAPL', qty: 10 }], brokerPositions: [{ symbol: 'AAPL', qty: 10 }] }))).toEqual([]);
  });

  it('an order sent but unknown to the broker is missing at the broker; one never sent is not', () => {
    const d = reconcile(
      input({
        dbOrders: [
          order('sent', { state: 'submitted', filledQty: 0 }),
          order('unsent', { state: 'new', brokerOrderId: null, filledQty: 0 }),
          order('refused', { state: 'rejected', brokerOrderId: null, filledQty: 0 }),
          order('dropped', { state: 'cancelled', brokerOrderId: null, filledQty: 0 }),
          order('gone', { state: 'cancelled', filledQty: 0 }),
        ],
      }),
    );
    expect(d.map((x) => [x.kind, 'clientOrderId' in x ? x.clientOrderId : null])).toEqual([
      ['ORDER_MISSING_AT_BROKER', 'gone'],
      ['ORDER_MISSING_AT_BROKER', 'sent'],
    ]);
    expect(d[1]).toMatchObject({ dbState: 'submitted' });
  });

  it('an order at the broker the database does not have is missing in the database, with the broker’s order', () => {
    const manual = order('by-hand', { state: 'partially_filled', filledQty: 3 });
    expect(reconcile(input({ brokerOrders: [manual] }))).toEqual([expect.objectContaining({ kind: 'ORDER_MISSING_IN_DB', clientOrderId: 'by-hand', broker: manual })]);
  });

  it('a crash between the broker’s answer and the database write shows as a state difference, not a second order', () => {
    const d = reconcile(
      input({
        dbOrders: [order('k1', { state: 'new', brokerOrderId: null, filledQty: 0 })],
        brokerOrders: [order('k1', { state: 'filled', filledQty: 10 })],
      }),
    );
    expect(d).toEqual([
      expect.objectContaining({ kind: 'ORDER_STATE_DIFFERS', clientOrderId: 'k1', dbState: 'new', brokerState: 'filled' }),
      expect.objectContaining({ kind: 'ORDER_QTY_DIFFERS', clientOrderId: 'k1', field: 'filledQty', db: 0, broker: 10 }),
    ]);
  });

  it('reports differing order quantity, filled quantity and terms', () => {
    const d = reconcile(
      input({
        dbOrders: [order('k1', { state: 'partially_filled', filledQty: 4 })],
        brokerOrders: [order('k1', { qty: 12, state: 'partially_filled', filledQty: 6, side: 'sell', brokerOrderId: 'other' })],
      }),
    );
    expect(d.map((x) => (x.kind === 'ORDER_QTY_DIFFERS' || x.kind === 'ORDER_TERMS_DIFFER' ? [x.kind, x.field, x.db, x.broker] : [x.kind]))).toEqual([
      ['ORDER_TERMS_DIFFER', 'side', 'buy', 'sell'],
      ['ORDER_TERMS_DIFFER', 'brokerOrderId', 'b-k1', 'other'],
      ['ORDER_QTY_DIFFERS', 'qty', 10, 12],
      ['ORDER_QTY_DIFFERS', 'filledQty', 4, 6],
    ]);
  });

  it('reports two broker orders under one client order id', () => {
    const d = reconcile(input({ dbOrders: [order('k1')], brokerOrders: [order('k1'), order('k1', { brokerOrderId: 'b-2' })] }));
    expect(d).toEqual([expect.objectContaining({ kind: 'ORDER_DUPLICATE_AT_BROKER', clientOrderId: 'k1', brokerOrderIds: ['b-k1', 'b-2'] }), expect.objectContaining({ kind: 'ORDER_TERMS_DIFFER', field: 'brokerOrderId' })]);
  });

  it('reports positions that differ, are missing on one side, or net to a different total', () => {
    const d = reconcile(
      input({
        dbPositions: [
          { symbol: 'AAPL', qty: 10 },
          { symbol: 'MSFT', qty: 5 },
          { symbol: 'IBM', qty: 3 },
          { symbol: 'IBM', qty: -3 },
        ],
        brokerPositions: [
          { symbol: 'AAPL', qty: 7 },
          { symbol: 'TSLA', qty: -2 },
          { symbol: 'IBM', qty: 0 },
        ],
      }),
    );
    expect(d.map((x) => (x.kind === 'POSITION_DIFFERS' ? [x.symbol, x.dbQty, x.brokerQty] : x.kind))).toEqual([
      ['AAPL', 10, 7],
      ['MSFT', 5, 0],
      ['TSLA', 0, -2],
    ]);
  });

  it('refuses a database list with one client order id twice', () => {
    expect(() => reconcile(input({ dbOrders: [order('k1'), order('k1')] }))).toThrow(KobeError);
  });

  it('property: identical sides give no difference; changing one broker order gives a difference naming it; inputs are not changed', () => {
    const orderArb = fc.record({
      brokerOrderId: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: null }),
      symbol: fc.constantFrom('AAPL', 'MSFT', 'IBM'),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.integer({ min: 1, max: 100 }),
      state: fc.constantFrom(...ORDER_STATES),
      filledQty: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(orderArb, { maxLength: 8 }), fc.nat(), fc.integer({ min: 1, max: 5 }), (raw, pick, bump) => {
        const orders: ReconcileOrder[] = raw.map((o, i) => ({ ...o, clientOrderId: `k${i}` }));
        const frozen = JSON.stringify(orders);
        expect(reconcile(input({ dbOrders: orders, brokerOrders: orders }))).toEqual([]);
        if (orders.length > 0) {
          const i = pick % orders.length;
          const changed = orders.map((o, j) => (j === i ? { ...o, filledQty: o.filledQty + bump } : o));
          const d = reconcile(input({ dbOrders: orders, brokerOrders: changed }));
          expect(d).toEqual([expect.objectContaining({ kind: 'ORDER_QTY_DIFFERS', clientOrderId: `k${i}`, field: 'filledQty' })]);
        }
        expect(JSON.stringify(orders)).toBe(frozen);
      }),
      fcOptions(200),
    );
  });
});
