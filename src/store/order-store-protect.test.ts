import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { clientOrderId } from '../execution/client-order-id.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { OrderStore, type NewOrder } from './order-store.js';

let dir: string;
let tick: number;
const now = () => new Date(Date.UTC(2024, 0, 16, 15, 0, tick++)).toISOString();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-order-store-protect-'));
  tick = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = { tradingDate: '2024-01-16', strategy: 'ibs-rsi', symbol: 'XYZ' } as const;
const entry: NewOrder = { ...key, side: 'buy', intent: 'entry', qty: 10, orderType: 'limit', timeInForce: 'ioc', limitPrice: 50.05 };
const oco: NewOrder = { ...key, side: 'sell', intent: 'protect', qty: 10, orderType: 'oco', timeInForce: 'gtc', limitPrice: 58.3333, stopPrice: 45.125, targetPrice: 58.3333 };

/** The orders table and its neighbours as kobe made them before protective orders. */
const OLD_SCHEMA = `
CREATE TABLE orders (
  client_order_id TEXT PRIMARY KEY,
  broker_order_id TEXT UNIQUE,
  trading_date TEXT NOT NULL,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  intent TEXT NOT NULL,
  order_type TEXT NOT NULL CHECK (order_type IN ('limit', 'market')),
  time_in_force TEXT NOT NULL,
  limit_price REAL,
  qty REAL NOT NULL CHECK (qty > 0),
  state TEXT NOT NULL CHECK (state IN ('new', 'submitted', 'partially_filled', 'pending_cancel', 'filled', 'cancelled', 'rejected', 'expired')),
  filled_qty REAL NOT NULL DEFAULT 0 CHECK (filled_qty >= 0 AND filled_qty <= qty + 1e-9),
  avg_fill_price REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX orders_by_date ON orders (trading_date, state);
CREATE TABLE fills (
  broker_exec_id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
  qty REAL NOT NULL CHECK (qty > 0),
  price REAL NOT NULL CHECK (price > 0),
  executed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX fills_by_order ON fills (client_order_id);
CREATE TABLE order_events (
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
CREATE INDEX order_events_by_order ON order_events (client_order_id, id);
`;

describe('OrderStore with protective orders', () => {
  it('records stop, oco and target orders with their levels; each type carries only its own prices', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    const r = store.insertOrder(oco);
    expect(r.order).toMatchObject({ orderType: 'oco', timeInForce: 'gtc', limitPrice: 58.3333, stopPrice: 45.125, targetPrice: 58.3333, state: 'new' });
    const stop = store.insertOrder({ ...oco, intent: 'stop', orderType: 'stop', limitPrice: null, targetPrice: null });
    expect(stop.order).toMatchObject({ orderType: 'stop', limitPrice: null, stopPrice: 45.125, targetPrice: null });
    const target = store.insertOrder({ ...oco, intent: 'target', orderType: 'limit', stopPrice: null });
    expect(target.order).toMatchObject({ orderType: 'limit', limitPrice: 58.3333, stopPrice: null, targetPrice: 58.3333 });
    // An IOC order reads back with no levels.
    expect(store.insertOrder(entry).order).toMatchObject({ stopPrice: null, targetPrice: null });
    // The same protection with other levels is the same order; the levels are named as differing.
    expect(store.insertOrder({ ...oco, stopPrice: 46 })).toMatchObject({ created: false, differs: ['stopPrice'] });
    for (const [bad, param] of [
      [{ stopPrice: null }, 'stopPrice'],
      [{ stopPrice: -1 }, 'stopPrice'],
      [{ targetPrice: 60 }, 'targetPrice'],
      [{ orderType: 'stop' }, 'limitPrice'],
      [{ orderType: 'market', limitPrice: null }, 'stopPrice'],
      [{ orderType: 'limit', stopPrice: null, targetPrice: 57 }, 'targetPrice'],
    ] as const) {
      let err: unknown;
      try {
        store.insertOrder({ ...oco, intent: 'bad', ...(bad as Partial<NewOrder>) });
      } catch (e) {
        err = e;
      }
      expect((err as KobeError).param, JSON.stringify(bad)).toBe(param);
    }
    store.close();
  });

  it('a resting order: new -> submitted, days with no event, then filled (its fill counted in the account fills) or cancelled; a fill racing a cancel still counts', () => {
    const store = new OrderStore(join(dir, 'kobe.db'), { now });
    const buy = store.insertOrder(entry).order.clientOrderId;
    store.applyEvent(buy, { kind: 'submit', brokerOrderId: 'b-1' }, 'broker');
    store.recordFill(buy, { execId: 'b-1:cum-10', qty: 10, price: 50, executedAt: '2024-01-16T14:30:00Z' }, 'broker');

    const id = store.insertOrder(oco).order.clientOrderId;
    expect(store.applyEvent(id, { kind: 'submit', brokerOrderId: 'p-1' }, 'broker')).toMatchObject({ ok: true, order: { state: 'submitted' } });
    expect(store.openOrders().map((o) => o.clientOrderId)).toEqual([id]);
    const filled = store.recordFill(id, { execId: 'p-1:cum-10', qty: 10, price: 45.07, executedAt: '2024-01-18T15:00:00Z' }, 'broker', { exitReason: 'stop' });
    expect(filled).toMatchObject({ ok: true, order: { state: 'filled', filledQty: 10, avgFillPrice: 45.07 } });
    expect(store.events(id).at(-1)).toMatchObject({ kind: 'fill', detail: { exitReason: 'stop', execId: 'p-1:cum-10' } });
    expect(store.accountFills().map((f) => [f.symbol, f.side, f.qty, f.price])).toEqual([
      ['XYZ', 'buy', 10, 50],
      ['XYZ', 'sell', 10, 45.07],
    ]);
    expect(store.positions()).toEqual([]);

    const cancelled = store.insertOrder({ ...oco, tradingDate: '2024-01-17' }).order.clientOrderId;
    store.applyEvent(cancelled, { kind: 'submit', brokerOrderId: 'p-2' }, 'broker');
    expect(store.applyEvent(cancelled, { kind: 'cancel' }, 'broker')).toMatchObject({ ok: true, order: { state: 'cancelled' } });

    const raced = store.insertOrder({ ...oco, tradingDate: '2024-01-18' }).order.clientOrderId;
    store.applyEvent(raced, { kind: 'submit', brokerOrderId: 'p-3' }, 'broker');
    store.applyEvent(raced, { kind: 'request_cancel' }, 'local');
    expect(store.recordFill(raced, { execId: 'p-3:cum-10', qty: 10, price: 58.33, executedAt: '2024-01-18T16:00:00Z' }, 'broker')).toMatchObject({ ok: true, order: { state: 'filled' } });
    store.close();
  });

  it('migrates an orders table of an older kobe in place: rows, fills and events kept, foreign keys intact, protective orders accepted', () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    db.exec(OLD_SCHEMA);
    const oldId = clientOrderId(entry);
    db.prepare(
      `INSERT INTO orders (client_order_id, broker_order_id, trading_date, strategy, symbol, side, intent, order_type, time_in_force, limit_price, qty, state, filled_qty, avg_fill_price, created_at, updated_at)
       VALUES (?, 'b-1', '2024-01-16', 'ibs-rsi', 'XYZ', 'buy', 'entry', 'limit', 'ioc', 50.05, 10, 'filled', 10, 50, 't0', 't1')`,
    ).run(oldId);
    db.prepare(`INSERT INTO fills VALUES ('b-1:cum-10', ?, 10, 50, 'x', 'y')`).run(oldId);
    db.prepare(`INSERT INTO order_events (client_order_id, at, source, kind, from_state, to_state, filled_qty, detail_json) VALUES (?, 't0', 'local', 'create', NULL, 'new', 0, '{}')`).run(oldId);
    db.close();

    const store = new OrderStore(path, { now });
    expect(store.get(oldId)).toMatchObject({ state: 'filled', limitPrice: 50.05, stopPrice: null, targetPrice: null, avgFillPrice: 50, brokerOrderId: 'b-1', createdAt: 't0' });
    expect(store.fills(oldId)).toHaveLength(1);
    expect(store.events(oldId)).toHaveLength(1);
    const id = store.insertOrder(oco).order.clientOrderId;
    store.applyEvent(id, { kind: 'submit', brokerOrderId: 'p-1' }, 'broker');
    store.recordFill(id, { execId: 'p-1:cum-10', qty: 10, price: 58.3, executedAt: 'z' }, 'broker');
    expect(store.accountFills().map((f) => f.side)).toEqual(['buy', 'sell']);
    store.close();

    const check = new Database(path, { readonly: true });
    const sql = (check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'orders'`).get() as { sql: string }).sql;
    expect(sql).toMatch(/'oco'/);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    expect((check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders' AND name = 'orders_by_date'`).all() as unknown[]).length).toBe(1);
    // The fills and events still point at the orders table, by name.
    expect((check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'fills'`).get() as { sql: string }).sql).toMatch(/REFERENCES orders \(client_order_id\)/);
    expect(check.prepare(`SELECT name FROM sqlite_master WHERE name LIKE '%migrating%'`).all()).toEqual([]);
    check.close();

    // The foreign keys are enforced again after the migration.
    const again = new OrderStore(path, { now });
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    expect(() => raw.prepare(`INSERT INTO fills VALUES ('orphan', 'no-such-order', 1, 1, 'x', 'y')`).run()).toThrow(/FOREIGN KEY/);
    raw.close();
    again.close();
  });

  it('two processes opening an old file at once: one migrates it, both write, one row per intent', async () => {
    requireFreshDist();
    const path = join(dir, 'old-race.db');
    const db = new Database(path);
    db.exec(OLD_SCHEMA);
    db.pragma('journal_mode = WAL');
    db.close();
    const script = fileURLToPath(new URL('../test-support/order-writer.mjs', import.meta.url));
    const startAt = String(Date.now() + 700);
    const runWriter = (id: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [script, path, id, '40', startAt, '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      created += (JSON.parse(r.out) as { created: number }).created;
    }
    expect(created).toBe(40);
    const check = new Database(path, { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n).toBe(40);
    expect((check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'orders'`).get() as { sql: string }).sql).toMatch(/'oco'/);
    expect(check.prepare(`SELECT name FROM sqlite_master WHERE name LIKE '%migrating%'`).all()).toEqual([]);
    check.close();
  });
});
