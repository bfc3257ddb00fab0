import type Database from 'better-sqlite3';
import { inputError } from '../core/errors.js';
import { clientOrderId, normaliseOrderKey, type OrderKey } from '../execution/client-order-id.js';
import { isTerminal, ORDER_STATES, transition, type OrderEvent, type OrderProgress, type OrderState, type TransitionRefusal } from '../execution/order-state.js';
import { ensureTable, type TableDefinition } from './migrate-table.js';
import { databaseFailure, openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * The order management store (OMS): kobe's record of every order it meant to place, what the
 * broker said about it, and every execution, in three tables of the kobe SQLite file.
 *
 * - `orders`: one row per client order id (the idempotency key of `execution/client-order-id.ts`,
 *   the primary key): inserting an intent that already has a row returns that row, so the same
 *   intent submitted twice, by a retry or by two processes at once, is one order.
 * - `fills`: one row per broker execution, keyed by the broker's execution id, so a fill the
 *   broker reports twice (a replayed stream, a reconciliation after a crash) counts once.
 * - `order_events`: every state change as a row, with where it came from (`local`: kobe decided
 *   it, `broker`: the broker reported it, `reconciliation`: a reconciliation run found it).
 *
 * Every change of state, filled quantity and average price goes through the pure `transition`
 * of `execution/order-state.ts`; a refusal is returned as a value and nothing is written. Each
 * change writes its rows in one `BEGIN IMMEDIATE` transaction (the write lock is taken before
 * the order is read, so two processes never both act on the same old row). Timestamps come from
 * the clock passed in (`now`), never from reading one here.
 */
/**
 * The orders table. Protective exits (`src/app/orders/protect.ts`) added the order types `stop`
 * and `oco` and the `stop_price` / `target_price` columns; a file made before them is rebuilt in
 * place when opened (`ensureTable`: SQLite cannot widen a CHECK with ALTER TABLE).
 */
const ORDERS_TABLE: TableDefinition = {
  table: 'orders',
  create: (name) => `CREATE TABLE IF NOT EXISTS ${name} (
  client_order_id TEXT PRIMARY KEY,
  broker_order_id TEXT UNIQUE,
  trading_date TEXT NOT NULL,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  intent TEXT NOT NULL,
  order_type TEXT NOT NULL CHECK (order_type IN ('limit', 'market', 'stop', 'oco')),
  time_in_force TEXT NOT NULL,
  limit_price REAL,
  stop_price REAL,
  target_price REAL,
  qty REAL NOT NULL CHECK (qty > 0),
  state TEXT NOT NULL CHECK (state IN ('new', 'submitted', 'partially_filled', 'pending_cancel', 'filled', 'cancelled', 'rejected', 'expired')),
  filled_qty REAL NOT NULL DEFAULT 0 CHECK (filled_qty >= 0 AND filled_qty <= qty + 1e-9),
  avg_fill_price REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
)`,
  indexes: 'CREATE INDEX IF NOT EXISTS orders_by_date ON orders (trading_date, state);',
  outdated: ({ sql, columns }) => !sql.includes("'oco'") || !columns.has('stop_price') || !columns.has('target_price'),
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fills (
  broker_exec_id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
  qty REAL NOT NULL CHECK (qty > 0),
  price REAL NOT NULL CHECK (price > 0),
  executed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fills_by_order ON fills (client_order_id);
CREATE TABLE IF NOT EXISTS order_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
  at TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('local', 'broker', 'reconciliation')),
  kind TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  filled_qty REAL NOT NULL,
  detail_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events (client_order_id, id);
`;

export type OrderEventSource = 'local' | 'broker' | 'reconciliation';
/**
 * `limit` and `market` as brokers mean them; the protective exits: `stop` (a stop alone), `oco`
 * (a take-profit limit and a stop, one cancels the other), and a take-profit alone is a `limit`
 * order with its target.
 */
export type OrderType = 'limit' | 'market' | 'stop' | 'oco';

export const ORDER_TYPES: readonly OrderType[] = ['limit', 'market', 'stop', 'oco'];

/** An order kobe means to place: its key (which gives its client order id) and its terms. */
export interface NewOrder extends OrderKey {
  /** Shares, > 0. */
  readonly qty: number;
  readonly orderType: OrderType;
  /** `ioc`, `day`, `gtc`... as the broker spells it. */
  readonly timeInForce: string;
  /**
   * USD: the limit of a limit order, and of an `oco` (its take-profit leg, so equal to
   * `targetPrice`); null for a market or a stop order.
   */
  readonly limitPrice: number | null;
  /** USD: the stop level of a `stop` or `oco` order; null (or absent) for any other. */
  readonly stopPrice?: number | null;
  /** USD: the take-profit level of an `oco`, or of a `limit` order that is a protective target (then equal to `limitPrice`); null (or absent) otherwise. */
  readonly targetPrice?: number | null;
}

export interface OrderRow extends NewOrder, OrderProgress {
  readonly stopPrice: number | null;
  readonly targetPrice: number | null;
  readonly clientOrderId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface FillRow {
  readonly brokerExecId: string;
  readonly clientOrderId: string;
  readonly qty: number;
  readonly price: number;
  readonly executedAt: string;
  readonly recordedAt: string;
}

export interface OrderEventRow {
  readonly id: number;
  readonly clientOrderId: string;
  readonly at: string;
  readonly source: OrderEventSource;
  /** `create` for the row's insertion, else an `OrderEvent` kind. */
  readonly kind: string;
  readonly fromState: OrderState | null;
  readonly toState: OrderState;
  readonly filledQty: number;
  readonly detail: Record<string, unknown>;
}

/** One execution as the broker reports it. */
export interface ExecutionReport {
  /** The broker's id of this execution: the same id twice is the same fill. */
  readonly execId: string;
  readonly qty: number;
  readonly price: number;
  /** When the broker executed it (ISO), as the broker says. */
  readonly executedAt: string;
}

export interface InsertResult {
  readonly order: OrderRow;
  /** False when the client order id already had a row: that row is returned, none is added. */
  readonly created: boolean;
  /**
   * Fields of the existing row that differ from the ones passed (e.g. `qty` when the same intent
   * was sized differently on a rerun); empty when created or identical. The row is not changed.
   */
  readonly differs: readonly string[];
}

export type StoreRefusal = TransitionRefusal | { readonly ok: false; readonly code: 'UNKNOWN_ORDER' | 'FILL_OF_OTHER_ORDER'; readonly detail: string };

export type ChangeResult =
  | { readonly ok: true; readonly order: OrderRow; /** True when nothing was written: a fill already recorded. */ readonly duplicate: boolean }
  | StoreRefusal;

/** A net position in shares as kobe's recorded fills make it (buys minus sells). */
export interface StorePosition {
  readonly symbol: string;
  readonly qty: number;
}

export interface OrderStoreOptions extends OpenDatabaseOptions {
  /** The clock, as ISO timestamps: every created/updated/at column is one of its readings. */
  readonly now: () => string;
}

export class OrderStore {
  private readonly db: Database.Database;
  private readonly now: () => string;

  constructor(private readonly path: string, options: OrderStoreOptions) {
    this.now = options.now;
    this.db = openDatabase(path, options);
    try {
      ensureTable(this.db, ORDERS_TABLE);
      this.db.exec(SCHEMA);
    } catch (e) {
      this.db.close();
      throw databaseFailure(path, 'creating the order tables', e);
    }
  }

  /**
   * Records an order in state `new` under the client order id of its key, or returns the order
   * that id already names (never a second row): submitting the same intent twice is one order.
   */
  insertOrder(order: NewOrder): InsertResult {
    const o = validateNewOrder(order);
    const id = clientOrderId(o);
    return this.write('recording an order', () => {
      const existing = this.getRow(id);
      if (existing !== null) return { order: existing, created: false, differs: differingFields(existing, o) };
      const at = this.now();
      this.db
        .prepare(
          `INSERT INTO orders (client_order_id, broker_order_id, trading_date, strategy, symbol, side, intent, order_type, time_in_force, limit_price, stop_price, target_price, qty, state, filled_qty, avg_fill_price, created_at, updated_at)
           VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', 0, NULL, ?, ?)`,
        )
        .run(id, o.tradingDate, o.strategy, o.symbol, o.side, o.intent, o.orderType, o.timeInForce, o.limitPrice, o.stopPrice ?? null, o.targetPrice ?? null, o.qty, at, at);
      this.insertEvent(id, at, 'local', 'create', null, 'new', 0, {});
      return { order: this.getRow(id)!, created: true, differs: [] };
    });
  }

  /** Applies a non-fill event (`fill`s go through `recordFill`, which needs the execution id). */
  applyEvent(id: string, event: Exclude<OrderEvent, { kind: 'fill' }>, source: OrderEventSource, detail: Record<string, unknown> = {}): ChangeResult {
    return this.write(`applying ${event.kind} to order ${id}`, () => {
      const order = this.getRow(id);
      if (order === null) return unknownOrder(id);
      const r = transition(order, event);
      if (!r.ok) return r;
      const at = this.now();
      this.updateOrder(r.order, at);
      const eventDetail = event.kind === 'submit' && event.brokerOrderId != null ? { brokerOrderId: event.brokerOrderId, ...detail } : detail;
      this.insertEvent(id, at, source, event.kind, order.state, r.order.state, r.order.filledQty, eventDetail);
      return { ok: true, order: this.getRow(id)!, duplicate: false };
    });
  }

  /**
   * Records one execution: the fill row, the order's new state, filled quantity and average
   * price, and an event, in one transaction. An execution id already recorded for this order is
   * a duplicate (nothing written, `duplicate: true`); one recorded for another order is refused.
   */
  recordFill(id: string, fill: ExecutionReport, source: OrderEventSource, detail: Record<string, unknown> = {}): ChangeResult {
    if (typeof fill.execId !== 'string' || fill.execId === '') {
      throw inputError('BAD_FILL', `execId must be the broker's execution id, was ${JSON.stringify(fill.execId)}`, { param: 'execId', value: fill.execId });
    }
    return this.write(`recording a fill of order ${id}`, () => {
      const order = this.getRow(id);
      if (order === null) return unknownOrder(id);
      const seen = this.db.prepare('SELECT client_order_id FROM fills WHERE broker_exec_id = ?').get(fill.execId) as { client_order_id: string } | undefined;
      if (seen !== undefined) {
        if (seen.client_order_id === id) return { ok: true, order, duplicate: true };
        return { ok: false, code: 'FILL_OF_OTHER_ORDER', detail: `execution ${fill.execId} is already recorded for order ${seen.client_order_id}` };
      }
      const r = transition(order, { kind: 'fill', qty: fill.qty, price: fill.price });
      if (!r.ok) return r;
      const at = this.now();
      this.db.prepare('INSERT INTO fills (broker_exec_id, client_order_id, qty, price, executed_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)').run(fill.execId, id, fill.qty, fill.price, fill.executedAt, at);
      this.updateOrder(r.order, at);
      this.insertEvent(id, at, source, 'fill', order.state, r.order.state, r.order.filledQty, { execId: fill.execId, qty: fill.qty, price: fill.price, executedAt: fill.executedAt, ...detail });
      return { ok: true, order: this.getRow(id)!, duplicate: false };
    });
  }

  get(id: string): OrderRow | null {
    return this.read('reading an order', () => this.getRow(id));
  }

  /** Orders, oldest first, optionally of one trading date and/or in some states. */
  list(filter: { readonly tradingDate?: string; readonly states?: readonly OrderState[] } = {}): OrderRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.tradingDate !== undefined) {
      where.push('trading_date = ?');
      args.push(filter.tradingDate);
    }
    if (filter.states !== undefined) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ') || 'NULL'})`);
      args.push(...filter.states);
    }
    const sql = `SELECT * FROM orders${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, client_order_id`;
    return this.read('listing orders', () => (this.db.prepare(sql).all(...args) as DbOrder[]).map(toOrderRow));
  }

  /** Orders not yet in a terminal state: what may still fill or need a broker's answer. */
  openOrders(): OrderRow[] {
    return this.list({ states: ORDER_STATES.filter((s) => !isTerminal(s)) });
  }

  /** An order's events, oldest first. */
  events(id: string): OrderEventRow[] {
    return this.read('reading order events', () =>
      (this.db.prepare('SELECT * FROM order_events WHERE client_order_id = ? ORDER BY id').all(id) as DbEvent[]).map((r) => ({
        id: r.id,
        clientOrderId: r.client_order_id,
        at: r.at,
        source: r.source,
        kind: r.kind,
        fromState: r.from_state,
        toState: r.to_state,
        filledQty: r.filled_qty,
        detail: JSON.parse(r.detail_json) as Record<string, unknown>,
      })),
    );
  }

  /** Every fill of the account with its order's symbol and side, in the order they were recorded. */
  accountFills(): (FillRow & { readonly symbol: string; readonly side: 'buy' | 'sell' })[] {
    return this.read('reading fills', () =>
      (this.db.prepare('SELECT f.*, o.symbol AS symbol, o.side AS side FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id ORDER BY f.rowid').all() as (DbFill & { symbol: string; side: 'buy' | 'sell' })[]).map((r) => ({ ...fillRow(r), symbol: r.symbol, side: r.side })),
    );
  }

  /** An order's fills in the order they were recorded. */
  fills(id: string): FillRow[] {
    return this.read('reading fills', () =>
      (this.db.prepare('SELECT * FROM fills WHERE client_order_id = ? ORDER BY rowid').all(id) as DbFill[]).map(fillRow),
    );
  }

  /** Net shares per symbol from the recorded fills (buys minus sells), symbols with none left out. */
  positions(): StorePosition[] {
    return this.read('reading positions', () =>
      (
        this.db
          .prepare(
            `SELECT o.symbol AS symbol, SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END) AS qty
             FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id GROUP BY o.symbol ORDER BY o.symbol`,
          )
          .all() as { symbol: string; qty: number }[]
      ).filter((p) => Math.abs(p.qty) > 1e-9),
    );
  }

  close(): void {
    this.db.close();
  }

  private write<T>(doing: string, body: () => T): T {
    try {
      return this.db.transaction(body).immediate();
    } catch (e) {
      throw databaseFailure(this.path, doing, e);
    }
  }

  private read<T>(doing: string, body: () => T): T {
    try {
      return body();
    } catch (e) {
      throw databaseFailure(this.path, doing, e);
    }
  }

  private getRow(id: string): OrderRow | null {
    const r = this.db.prepare('SELECT * FROM orders WHERE client_order_id = ?').get(id) as DbOrder | undefined;
    return r === undefined ? null : toOrderRow(r);
  }

  private updateOrder(o: OrderRow, at: string): void {
    this.db
      .prepare('UPDATE orders SET state = ?, filled_qty = ?, avg_fill_price = ?, broker_order_id = ?, updated_at = ? WHERE client_order_id = ?')
      .run(o.state, o.filledQty, o.avgFillPrice, o.brokerOrderId, at, o.clientOrderId);
  }

  private insertEvent(id: string, at: string, source: OrderEventSource, kind: string, from: OrderState | null, to: OrderState, filledQty: number, detail: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO order_events (client_order_id, at, source, kind, from_state, to_state, filled_qty, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, at, source, kind, from, to, filledQty, JSON.stringify(detail));
  }
}

interface DbOrder {
  client_order_id: string;
  broker_order_id: string | null;
  trading_date: string;
  strategy: string;
  symbol: string;
  side: 'buy' | 'sell';
  intent: string;
  order_type: OrderType;
  time_in_force: string;
  limit_price: number | null;
  stop_price: number | null;
  target_price: number | null;
  qty: number;
  state: OrderState;
  filled_qty: number;
  avg_fill_price: number | null;
  created_at: string;
  updated_at: string;
}

const fillRow = (r: DbFill): FillRow => ({
  brokerExecId: r.broker_exec_id,
  clientOrderId: r.client_order_id,
  qty: r.qty,
  price: r.price,
  executedAt: r.executed_at,
  recordedAt: r.recorded_at,
});

interface DbFill {
  broker_exec_id: string;
  client_order_id: string;
  qty: number;
  price: number;
  executed_at: string;
  recorded_at: string;
}

interface DbEvent {
  id: number;
  client_order_id: string;
  at: string;
  source: OrderEventSource;
  kind: string;
  from_state: OrderState | null;
  to_state: OrderState;
  filled_qty: number;
  detail_json: string;
}

const toOrderRow = (r: DbOrder): OrderRow => ({
  clientOrderId: r.client_order_id,
  brokerOrderId: r.broker_order_id,
  tradingDate: r.trading_date,
  strategy: r.strategy,
  symbol: r.symbol,
  side: r.side,
  intent: r.intent,
  orderType: r.order_type,
  timeInForce: r.time_in_force,
  limitPrice: r.limit_price,
  stopPrice: r.stop_price,
  targetPrice: r.target_price,
  qty: r.qty,
  state: r.state,
  filledQty: r.filled_qty,
  avgFillPrice: r.avg_fill_price,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const unknownOrder = (id: string): StoreRefusal => ({ ok: false, code: 'UNKNOWN_ORDER', detail: `no order with client order id ${id}` });

/** The order's key normalised and its terms checked: a bad value is an input error naming its parameter. */
function validateNewOrder(order: NewOrder): NewOrder {
  const key = normaliseOrderKey(order);
  if (!(typeof order.qty === 'number' && Number.isFinite(order.qty) && order.qty > 0)) {
    throw inputError('BAD_ORDER', `qty must be a positive number of shares, was ${String(order.qty)}`, { param: 'qty', value: order.qty });
  }
  if (!ORDER_TYPES.includes(order.orderType)) {
    throw inputError('BAD_ORDER', `orderType must be ${ORDER_TYPES.join(', ')}, was ${JSON.stringify(order.orderType)}`, { param: 'orderType', value: order.orderType });
  }
  if (typeof order.timeInForce !== 'string' || !/^[a-z]{2,4}$/.test(order.timeInForce)) {
    throw inputError('BAD_ORDER', `timeInForce must be a broker's time in force (ioc, day, gtc...), was ${JSON.stringify(order.timeInForce)}`, { param: 'timeInForce', value: order.timeInForce });
  }
  const stopPrice = order.stopPrice ?? null;
  const targetPrice = order.targetPrice ?? null;
  const price = (x: number | null): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;
  const badPrice = (param: 'limitPrice' | 'stopPrice' | 'targetPrice', rule: string, value: unknown) =>
    inputError('BAD_ORDER', `${param} must be ${rule} for a ${order.orderType} order, was ${String(value)}`, { param, value });
  // Which prices each type carries (see OrderType): a protective target is the limit of its order.
  const t = order.orderType;
  if (t === 'limit' || t === 'oco' ? !price(order.limitPrice) : order.limitPrice !== null) {
    throw badPrice('limitPrice', t === 'limit' || t === 'oco' ? 'a positive price' : 'null', order.limitPrice);
  }
  if (t === 'stop' || t === 'oco' ? !price(stopPrice) : stopPrice !== null) throw badPrice('stopPrice', t === 'stop' || t === 'oco' ? 'a positive price' : 'null', stopPrice);
  if (t === 'oco' ? targetPrice !== order.limitPrice : t === 'limit' ? targetPrice !== null && targetPrice !== order.limitPrice : targetPrice !== null) {
    throw badPrice('targetPrice', t === 'oco' ? 'equal to limitPrice (the take-profit leg)' : t === 'limit' ? 'null or equal to limitPrice' : 'null', targetPrice);
  }
  return { ...key, qty: order.qty, orderType: order.orderType, timeInForce: order.timeInForce, limitPrice: order.limitPrice, stopPrice, targetPrice };
}

/** The terms not hashed into the client order id: the key fields are equal whenever the id is. */
const TERMS: readonly (keyof NewOrder)[] = ['qty', 'orderType', 'timeInForce', 'limitPrice', 'stopPrice', 'targetPrice'];

function differingFields(existing: OrderRow, wanted: NewOrder): string[] {
  return TERMS.filter((f) => (existing[f] ?? null) !== (wanted[f] ?? null));
}
