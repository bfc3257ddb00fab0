import { inputError } from '../core/errors.js';
import { QTY_EPSILON, type OrderState } from './order-state.js';

/**
 * Reconciliation, the pure core: kobe's orders and positions (the OMS store) against the
 * broker's, every difference returned as a value. Nothing is overwritten or "fixed" here: what to
 * do about a difference (record a fill the broker reports, mark an order the broker never got,
 * halt and call a person) is the caller's decision, and each is recorded as an event with the
 * source `reconciliation`.
 *
 * Orders are matched by client order id (kobe's idempotency key, which the broker stores with
 * every order). The caller passes the same window on both sides (e.g. today's orders and every
 * open one); an order outside the broker's window would show as missing there.
 */

/** An order as reconciliation compares it; the store's rows and a broker's mapped orders both fit. */
export interface ReconcileOrder {
  readonly clientOrderId: string;
  readonly brokerOrderId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  /** For a broker's order: its status mapped to ours (`stateFromAlpacaStatus`, the paper broker's own). */
  readonly state: OrderState;
  readonly filledQty: number;
}

/** Net shares held in a symbol: positive long, negative short. */
export interface ReconcilePosition {
  readonly symbol: string;
  readonly qty: number;
}

export interface ReconcileInput {
  readonly dbOrders: readonly ReconcileOrder[];
  readonly dbPositions: readonly ReconcilePosition[];
  readonly brokerOrders: readonly ReconcileOrder[];
  readonly brokerPositions: readonly ReconcilePosition[];
}

export type ReconcileDifference =
  | { readonly kind: 'ORDER_MISSING_AT_BROKER'; readonly clientOrderId: string; readonly dbState: OrderState; readonly detail: string }
  | { readonly kind: 'ORDER_MISSING_IN_DB'; readonly clientOrderId: string; readonly broker: ReconcileOrder; readonly detail: string }
  | { readonly kind: 'ORDER_DUPLICATE_AT_BROKER'; readonly clientOrderId: string; readonly brokerOrderIds: readonly (string | null)[]; readonly detail: string }
  | { readonly kind: 'ORDER_STATE_DIFFERS'; readonly clientOrderId: string; readonly dbState: OrderState; readonly brokerState: OrderState; readonly detail: string }
  | {
      readonly kind: 'ORDER_QTY_DIFFERS';
      readonly clientOrderId: string;
      readonly field: 'qty' | 'filledQty';
      readonly db: number;
      readonly broker: number;
      readonly detail: string;
    }
  | {
      readonly kind: 'ORDER_TERMS_DIFFER';
      readonly clientOrderId: string;
      readonly field: 'symbol' | 'side' | 'brokerOrderId';
      readonly db: string | null;
      readonly broker: string | null;
      readonly detail: string;
    }
  | { readonly kind: 'POSITION_DIFFERS'; readonly symbol: string; readonly dbQty: number; readonly brokerQty: number; readonly detail: string };

export type ReconcileDifferenceKind = ReconcileDifference['kind'];

/** The order differences are reported in: by kind in this order, then by client order id or symbol. */
export const RECONCILE_DIFFERENCE_KINDS: readonly ReconcileDifferenceKind[] = [
  'ORDER_DUPLICATE_AT_BROKER',
  'ORDER_MISSING_IN_DB',
  'ORDER_MISSING_AT_BROKER',
  'ORDER_TERMS_DIFFER',
  'ORDER_STATE_DIFFERS',
  'ORDER_QTY_DIFFERS',
  'POSITION_DIFFERS',
];

/**
 * Whether an order the broker does not have is expected not to be there: it never reached the
 * broker. That is an order still `new` (not sent yet, or a crash before sending), or one that
 * ended `rejected` or `cancelled` before the broker named it (a submission the broker refused,
 * an order cancelled before it was sent).
 */
export const neverReachedBroker = (o: ReconcileOrder): boolean =>
  o.state === 'new' || (o.brokerOrderId === null && (o.state === 'rejected' || o.state === 'cancelled'));

/** Every difference between the database's orders and positions and the broker's, in a stable order. */
export function reconcile(input: ReconcileInput): ReconcileDifference[] {
  const out: ReconcileDifference[] = [];
  const db = new Map<string, ReconcileOrder>();
  for (const o of input.dbOrders) {
    if (db.has(o.clientOrderId)) {
      throw inputError('DUPLICATE_ORDER_ID', `dbOrders holds client order id ${o.clientOrderId} twice`, { param: 'dbOrders', value: o.clientOrderId, hint: 'the order store keeps one row per client order id' });
    }
    db.set(o.clientOrderId, o);
  }
  const broker = new Map<string, ReconcileOrder[]>();
  for (const o of input.brokerOrders) {
    const list = broker.get(o.clientOrderId);
    if (list === undefined) broker.set(o.clientOrderId, [o]);
    else list.push(o);
  }

  for (const [id, list] of broker) {
    if (list.length > 1) {
      const ids = list.map((o) => o.brokerOrderId);
      out.push({ kind: 'ORDER_DUPLICATE_AT_BROKER', clientOrderId: id, brokerOrderIds: ids, detail: `the broker holds ${list.length} orders with client order id ${id} (${ids.join(', ')})` });
    }
    if (!db.has(id)) {
      for (const b of list) {
        out.push({ kind: 'ORDER_MISSING_IN_DB', clientOrderId: id, broker: b, detail: `the broker has ${b.side} ${b.qty} ${b.symbol} (${b.state}, ${b.filledQty} filled) that the database does not` });
      }
    }
  }

  for (const [id, d] of db) {
    const list = broker.get(id);
    if (list === undefined) {
      if (!neverReachedBroker(d)) out.push({ kind: 'ORDER_MISSING_AT_BROKER', clientOrderId: id, dbState: d.state, detail: `the database has ${id} as ${d.state}; the broker has no such order` });
      continue;
    }
    for (const b of list) compareOrder(d, b, out);
  }

  const dbPos = netPositions(input.dbPositions);
  const brokerPos = netPositions(input.brokerPositions);
  for (const symbol of new Set([...dbPos.keys(), ...brokerPos.keys()])) {
    const dq = dbPos.get(symbol) ?? 0;
    const bq = brokerPos.get(symbol) ?? 0;
    if (!sameQty(dq, bq)) out.push({ kind: 'POSITION_DIFFERS', symbol, dbQty: dq, brokerQty: bq, detail: `${symbol}: the database holds ${dq} shares, the broker ${bq}` });
  }

  return out.sort(byKindThenKey);
}

function compareOrder(d: ReconcileOrder, b: ReconcileOrder, out: ReconcileDifference[]): void {
  const id = d.clientOrderId;
  for (const field of ['symbol', 'side'] as const) {
    if (d[field] !== b[field]) out.push({ kind: 'ORDER_TERMS_DIFFER', clientOrderId: id, field, db: d[field], broker: b[field], detail: `${id}: ${field} is ${d[field]} in the database, ${b[field]} at the broker` });
  }
  // A database order without a broker id yet (a crash before the broker's answer was written) is
  // not a difference of ids: its state differs, and that is reported below.
  if (d.brokerOrderId !== null && d.brokerOrderId !== b.brokerOrderId) {
    out.push({ kind: 'ORDER_TERMS_DIFFER', clientOrderId: id, field: 'brokerOrderId', db: d.brokerOrderId, broker: b.brokerOrderId, detail: `${id}: broker order id is ${d.brokerOrderId} in the database, ${b.brokerOrderId} at the broker` });
  }
  if (d.state !== b.state) out.push({ kind: 'ORDER_STATE_DIFFERS', clientOrderId: id, dbState: d.state, brokerState: b.state, detail: `${id}: ${d.state} in the database, ${b.state} at the broker` });
  for (const field of ['qty', 'filledQty'] as const) {
    if (!sameQty(d[field], b[field])) out.push({ kind: 'ORDER_QTY_DIFFERS', clientOrderId: id, field, db: d[field], broker: b[field], detail: `${id}: ${field} is ${d[field]} in the database, ${b[field]} at the broker` });
  }
}

/** Net shares per symbol; a symbol listed twice is summed, a flat one (0 shares) counts as absent. */
function netPositions(positions: readonly ReconcilePosition[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of positions) {
    if (!Number.isFinite(p.qty)) throw inputError('BAD_POSITION', `position qty for ${p.symbol} must be a finite number, was ${p.qty}`, { param: 'positions', value: p.qty });
    m.set(p.symbol, (m.get(p.symbol) ?? 0) + p.qty);
  }
  for (const [s, q] of m) if (sameQty(q, 0)) m.delete(s);
  return m;
}

const sameQty = (a: number, b: number): boolean => Math.abs(a - b) <= QTY_EPSILON;

const keyOf = (d: ReconcileDifference): string => (d.kind === 'POSITION_DIFFERS' ? d.symbol : d.clientOrderId);

function byKindThenKey(a: ReconcileDifference, b: ReconcileDifference): number {
  const k = RECONCILE_DIFFERENCE_KINDS.indexOf(a.kind) - RECONCILE_DIFFERENCE_KINDS.indexOf(b.kind);
  if (k !== 0) return k;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
