import type Database from 'better-sqlite3';
import type { CostModel, FillModel } from '../backtest/config.js';
import { KobeError } from '../core/errors.js';
import { isRegularTradingHours, isSession, newYorkDay, nextSession, sessionCloseUtcMs, sessionOpenUtcMs } from '../core/exchange-calendar.js';
import { commissionUsd } from '../execution/costs.js';
import { marketFillPrice, slippedPrice } from '../execution/fill-price.js';
import { databaseFailure, openDatabase } from '../store/open-database.js';
import type { Account, Broker, BrokerOrder, BrokerOrderStatus, CancelResult, MarketClock, OrderRequest, Position, Quote, SubmitResult } from './broker.js';
import { duplicateResult } from './broker.js';
import { validateOrderRequest } from './order-request.js';

/**
 * The paper broker: kobe's default broker, a persistent simulated account in SQLite (tables
 * `paper_account`, `paper_orders`, `paper_positions`, beside the other kobe tables or in a file of
 * its own). It fills IOC limit orders in one of two ways (`fillOn`):
 *
 * - 'quote'     at once, against the quote `quotes(symbol)` gives: a buy fills at the ask when
 *               ask <= limit, a sell at the bid when bid >= limit, all shares; otherwise the IOC
 *               order is cancelled with nothing filled. The quote's spread is the price of
 *               immediacy, so no modelled slippage is added; commission is the engine's.
 * - 'next-bar'  the order waits for the next bar of its symbol (`fillOnBar`) and meets it the way
 *               the backtest engine fills: the market price of the engine's fill model
 *               (`marketFillPrice`: the open, or the bar's midpoint) moved by the engine's slippage
 *               (`slippedPrice`), filled when that price is within the limit, else cancelled.
 * Commission is `commissionUsd` of the engine's cost model in both ways, taken from cash.
 *
 * Idempotent by client order id: a second submit of an id returns the first order (or
 * DUPLICATE_CLIENT_ORDER_ID when it asks for something else); the lookup and the insert run in
 * one immediate transaction, so two processes submitting the same id at once make one order.
 * Long only: a sell of more shares than are held (less those already in open sells) is rejected,
 * as is a buy whose limit cost and commission exceed the cash not reserved by open buys.
 * The clock is passed in (`now`): the broker reads no clock of its own.
 */
export interface PaperBrokerOptions {
  /** The SQLite file (`openDatabase` checks it), or ':memory:'. */
  readonly path: string;
  /** Now, as UTC ms: stamps orders and answers `clock()` from the NYSE calendar. */
  readonly now: () => number;
  readonly costs: CostModel;
  /** Used by 'next-bar' fills; default next-open. */
  readonly fill?: FillModel;
  readonly fillOn: 'quote' | 'next-bar';
  /** The current quote of a symbol, null when there is none. Marks positions and answers latestQuote. */
  readonly quotes: (symbol: string) => Quote | null;
  /** Cash of a new paper account (ignored once the account exists); default 100,000. */
  readonly startingCashUsd?: number;
}

/** A daily bar as `fillOnBar` takes it. */
export interface FillBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

interface OrderRow {
  seq: number;
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  limit_price_usd: number;
  status: BrokerOrderStatus;
  filled_qty: number;
  filled_avg_price_usd: number | null;
  commission_usd: number;
  submitted_at_ms: number;
  updated_at_ms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS paper_account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cash_usd REAL NOT NULL,
  starting_cash_usd REAL NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS paper_orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL UNIQUE,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  qty INTEGER NOT NULL CHECK (qty > 0),
  limit_price_usd REAL NOT NULL,
  status TEXT NOT NULL,
  filled_qty INTEGER NOT NULL DEFAULT 0,
  filled_avg_price_usd REAL,
  commission_usd REAL NOT NULL DEFAULT 0,
  submitted_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS paper_orders_open ON paper_orders (status, symbol);
CREATE TABLE IF NOT EXISTS paper_positions (
  symbol TEXT PRIMARY KEY,
  qty INTEGER NOT NULL,
  avg_entry_price_usd REAL NOT NULL
);
`;

const toOrder = (r: OrderRow): BrokerOrder => ({
  id: `paper-${r.seq}`,
  clientOrderId: r.client_order_id,
  symbol: r.symbol,
  side: r.side,
  qty: r.qty,
  limitPriceUsd: r.limit_price_usd,
  status: r.status,
  brokerStatus: r.status,
  filledQty: r.filled_qty,
  filledAvgPriceUsd: r.filled_avg_price_usd,
  commissionUsd: r.commission_usd,
  submittedAtMs: r.submitted_at_ms,
  updatedAtMs: r.updated_at_ms,
});

/** The market clock at `nowMs` from the NYSE calendar (what Alpaca's /v2/clock answers). */
export function calendarClock(nowMs: number): MarketClock {
  const day = newYorkDay(nowMs);
  const session = isSession(day);
  const nextOpenMs = session && nowMs < sessionOpenUtcMs(day) ? sessionOpenUtcMs(day) : sessionOpenUtcMs(nextSession(day));
  const nextCloseMs = session && nowMs < sessionCloseUtcMs(day) ? sessionCloseUtcMs(day) : sessionCloseUtcMs(nextSession(day));
  return { timestampMs: nowMs, isOpen: isRegularTradingHours(nowMs), nextOpenMs, nextCloseMs };
}

export class PaperBroker implements Broker {
  readonly name = 'paper';
  private readonly db: Database.Database;
  private readonly fill: FillModel;

  constructor(private readonly options: PaperBrokerOptions) {
    this.fill = options.fill ?? { kind: 'next-open' };
    this.db = openDatabase(options.path);
    try {
      this.db.exec(SCHEMA);
      this.db
        .prepare('INSERT OR IGNORE INTO paper_account (id, cash_usd, starting_cash_usd, created_at_ms) VALUES (1, ?, ?, ?)')
        .run(options.startingCashUsd ?? 100_000, options.startingCashUsd ?? 100_000, options.now());
    } catch (e) {
      this.db.close();
      throw databaseFailure(options.path, 'creating the paper broker tables', e);
    }
  }

  close(): void {
    this.db.close();
  }

  async submit(request: OrderRequest): Promise<SubmitResult> {
    validateOrderRequest(request);
    const quote = this.options.fillOn === 'quote' ? this.options.quotes(request.symbol) : null;
    const run = this.db.transaction((): SubmitResult => {
      const existing = this.row(request.clientOrderId);
      if (existing !== null) return duplicateResult(toOrder(existing), request);
      const refused = this.affordable(request);
      if (refused !== null) return { ok: false, code: 'BROKER_REJECTED', detail: refused, httpStatus: null, brokerCode: null };
      if (this.options.fillOn === 'quote' && quote === null) {
        return { ok: false, code: 'BROKER_REJECTED', detail: `no quote for ${request.symbol}: the paper broker cannot fill it`, httpStatus: null, brokerCode: null };
      }
      const now = this.options.now();
      const info = this.db
        .prepare(
          `INSERT INTO paper_orders (client_order_id, symbol, side, qty, limit_price_usd, status, submitted_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)`,
        )
        .run(request.clientOrderId, request.symbol, request.side, request.qty, request.limitPriceUsd, now, now);
      const seq = Number(info.lastInsertRowid);
      if (quote !== null) {
        const price = request.side === 'buy' ? quote.askUsd : quote.bidUsd;
        this.settle(seq, request.side === 'buy' ? price <= request.limitPriceUsd : price >= request.limitPriceUsd, price, now);
      }
      return { ok: true, order: toOrder(this.rowBySeq(seq)), duplicate: false };
    });
    return this.write(`submit ${request.clientOrderId}`, () => run.immediate());
  }

  /**
   * Fills or cancels every open order of `symbol` on its next bar, as the engine fills: the
   * market price of the fill model, slipped against the order's side, filled when within the
   * limit. Returns the orders as they end.
   */
  fillOnBar(symbol: string, bar: FillBar): BrokerOrder[] {
    const market = marketFillPrice(this.fill, bar.open, bar.close);
    const run = this.db.transaction(() => {
      const open = this.db.prepare(`SELECT * FROM paper_orders WHERE symbol = ? AND status = 'submitted' ORDER BY seq`).all(symbol) as OrderRow[];
      const now = this.options.now();
      for (const o of open) {
        const price = slippedPrice(this.options.costs, market, o.side === 'buy' ? 1 : -1);
        this.settle(o.seq, o.side === 'buy' ? price <= o.limit_price_usd : price >= o.limit_price_usd, price, now);
      }
      return open.map((o) => toOrder(this.rowBySeq(o.seq)));
    });
    return this.write(`fill ${symbol} on its bar`, () => run.immediate());
  }

  async cancel(orderId: string): Promise<CancelResult> {
    const m = /^paper-(\d+)$/.exec(orderId);
    const row = m === null ? undefined : (this.db.prepare('SELECT * FROM paper_orders WHERE seq = ?').get(Number(m[1])) as OrderRow | undefined);
    if (row === undefined) return { ok: false, code: 'ORDER_NOT_FOUND', detail: `no paper order ${orderId}` };
    if (row.status !== 'submitted') return { ok: false, code: 'NOT_CANCELABLE', detail: `order ${orderId} is already ${row.status}` };
    this.write(`cancel ${orderId}`, () =>
      this.db.prepare(`UPDATE paper_orders SET status = 'cancelled', updated_at_ms = ? WHERE seq = ? AND status = 'submitted'`).run(this.options.now(), row.seq),
    );
    return { ok: true };
  }

  async orderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    const r = this.row(clientOrderId);
    return r === null ? null : toOrder(r);
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return (this.db.prepare(`SELECT * FROM paper_orders WHERE status IN ('submitted', 'partially_filled') ORDER BY seq`).all() as OrderRow[]).map(toOrder);
  }

  async positions(): Promise<Position[]> {
    const rows = this.db.prepare('SELECT symbol, qty, avg_entry_price_usd FROM paper_positions ORDER BY symbol').all() as { symbol: string; qty: number; avg_entry_price_usd: number }[];
    return rows.map((r) => {
      const q = this.options.quotes(r.symbol);
      return { symbol: r.symbol, qty: r.qty, avgEntryPriceUsd: r.avg_entry_price_usd, marketValueUsd: q === null ? null : (r.qty * (q.bidUsd + q.askUsd)) / 2 };
    });
  }

  async account(): Promise<Account> {
    const cash = this.cash();
    let equity = cash;
    for (const p of await this.positions()) equity += p.marketValueUsd ?? p.qty * p.avgEntryPriceUsd;
    return { cashUsd: cash, equityUsd: equity, buyingPowerUsd: cash - this.reservedUsd(), patternDayTrader: false, dayTradeCount: 0, tradingBlocked: false };
  }

  async clock(): Promise<MarketClock> {
    return calendarClock(this.options.now());
  }

  async latestQuote(symbol: string): Promise<Quote> {
    const q = this.options.quotes(symbol);
    if (q === null) throw new KobeError('NO_QUOTE', `no quote for ${symbol}`, { kind: 'runtime', value: symbol, hint: 'no order is priced without a quote' });
    return q;
  }

  /** Records the one IOC outcome of order `seq`: all shares at `price` with commission, or cancelled. */
  private settle(seq: number, fills: boolean, price: number, now: number): void {
    const o = this.rowBySeq(seq);
    if (!fills) {
      this.db.prepare(`UPDATE paper_orders SET status = 'cancelled', updated_at_ms = ? WHERE seq = ?`).run(now, seq);
      return;
    }
    const fee = commissionUsd(this.options.costs, o.qty);
    const sign = o.side === 'buy' ? 1 : -1;
    this.db.prepare(`UPDATE paper_orders SET status = 'filled', filled_qty = ?, filled_avg_price_usd = ?, commission_usd = ?, updated_at_ms = ? WHERE seq = ?`).run(o.qty, price, fee, now, seq);
    this.db.prepare('UPDATE paper_account SET cash_usd = cash_usd - ? WHERE id = 1').run(sign * o.qty * price + fee);
    const p = this.db.prepare('SELECT qty, avg_entry_price_usd FROM paper_positions WHERE symbol = ?').get(o.symbol) as { qty: number; avg_entry_price_usd: number } | undefined;
    const held = p?.qty ?? 0;
    const qty = held + sign * o.qty;
    if (qty === 0) {
      this.db.prepare('DELETE FROM paper_positions WHERE symbol = ?').run(o.symbol);
      return;
    }
    // A buy moves the average entry price; a sell leaves it (the realised P&L is in cash).
    const avg = sign === 1 ? (held * (p?.avg_entry_price_usd ?? 0) + o.qty * price) / qty : (p?.avg_entry_price_usd ?? price);
    this.db.prepare('INSERT INTO paper_positions (symbol, qty, avg_entry_price_usd) VALUES (?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_entry_price_usd = excluded.avg_entry_price_usd').run(o.symbol, qty, avg);
  }

  /** Why the account cannot take `request` (null when it can). */
  private affordable(request: OrderRequest): string | null {
    if (request.side === 'buy') {
      const need = request.qty * request.limitPriceUsd + commissionUsd(this.options.costs, request.qty);
      const free = this.cash() - this.reservedUsd();
      return need > free ? `insufficient buying power: ${request.qty} ${request.symbol} at limit ${request.limitPriceUsd} needs ${need.toFixed(2)} USD, ${free.toFixed(2)} free` : null;
    }
    const held = (this.db.prepare('SELECT qty FROM paper_positions WHERE symbol = ?').get(request.symbol) as { qty: number } | undefined)?.qty ?? 0;
    const selling = (this.db.prepare(`SELECT coalesce(sum(qty), 0) AS n FROM paper_orders WHERE symbol = ? AND side = 'sell' AND status = 'submitted'`).get(request.symbol) as { n: number }).n;
    return request.qty > held - selling ? `insufficient qty: selling ${request.qty} ${request.symbol}, ${held - selling} held and not already being sold (the paper broker does not sell short)` : null;
  }

  private cash(): number {
    return (this.db.prepare('SELECT cash_usd FROM paper_account WHERE id = 1').get() as { cash_usd: number }).cash_usd;
  }

  /** Cash held back for open buy orders: their limit cost plus commission. */
  private reservedUsd(): number {
    const open = this.db.prepare(`SELECT qty, limit_price_usd FROM paper_orders WHERE side = 'buy' AND status = 'submitted'`).all() as { qty: number; limit_price_usd: number }[];
    return open.reduce((s, o) => s + o.qty * o.limit_price_usd + commissionUsd(this.options.costs, o.qty), 0);
  }

  private row(clientOrderId: string): OrderRow | null {
    return (this.db.prepare('SELECT * FROM paper_orders WHERE client_order_id = ?').get(clientOrderId) as OrderRow | undefined) ?? null;
  }

  private rowBySeq(seq: number): OrderRow {
    return this.db.prepare('SELECT * FROM paper_orders WHERE seq = ?').get(seq) as OrderRow;
  }

  private write<T>(doing: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw databaseFailure(this.options.path, doing, e);
    }
  }
}
