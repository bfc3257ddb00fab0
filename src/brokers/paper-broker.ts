import type Database from 'better-sqlite3';
import type { CostModel, FillModel } from '../backtest/config.js';
import { inputError, KobeError } from '../core/errors.js';
import { isRegularTradingHours, isSession, newYorkDay, nextSession, sessionCloseUtcMs, sessionOpenUtcMs } from '../core/exchange-calendar.js';
import { commissionUsd } from '../execution/costs.js';
import { intrabarExit, marketFillPrice, slippedPrice, type IntrabarExit } from '../execution/fill-price.js';
import { ensureTable, type TableDefinition } from '../store/migrate-table.js';
import { databaseFailure, openDatabase } from '../store/open-database.js';
import type { Account, Broker, BrokerOrder, BrokerOrderStatus, CancelResult, ExitReason, MarketClock, OrderClass, OrderRequest, OrderSide, Position, ProtectiveRequest, Quote, SubmitResult } from './broker.js';
import { duplicateResult } from './broker.js';
import { validateOrderRequest, validateProtectiveRequest } from './order-request.js';

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
 * Protective exits (`protect`: a stop, a target, or both one-cancels-other, good till cancelled)
 * rest until a bar of their symbol meets them, whatever `fillOn` says, and fill as the engine's
 * stops do (`fillOnBar`). Their levels are stored EXACTLY as given, not rounded to the cent: the
 * daily pipeline passes the backtest's own levels (entry price -/+ a distance, any float), and
 * only the same levels reproduce the backtest's exits to the cent. (Alpaca rounds them to its
 * tick: see `alpaca/wire.ts`.) Shares held by an open protective sell are reserved like those of
 * an open IOC sell: an IOC sell of them is rejected until the protection is cancelled, as at
 * Alpaca. A position that goes flat cancels the protective orders left on its symbol.
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
  side: OrderSide;
  qty: number;
  time_in_force: 'ioc' | 'gtc';
  order_class: OrderClass;
  limit_price_usd: number | null;
  stop_price_usd: number | null;
  target_price_usd: number | null;
  status: BrokerOrderStatus;
  filled_qty: number;
  filled_avg_price_usd: number | null;
  commission_usd: number;
  exit_reason: ExitReason | null;
  submitted_at_ms: number;
  updated_at_ms: number;
}

/**
 * IOC orders have a limit; protective orders (time in force gtc) have a stop and/or a target, and
 * the target as their limit. Files made before protective orders (limit_price_usd NOT NULL, no
 * level columns) are rebuilt in place when opened (`ensureTable`).
 */
const ORDERS_TABLE: TableDefinition = {
  table: 'paper_orders',
  create: (name) => `CREATE TABLE IF NOT EXISTS ${name} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL UNIQUE,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  qty INTEGER NOT NULL CHECK (qty > 0),
  time_in_force TEXT NOT NULL DEFAULT 'ioc' CHECK (time_in_force IN ('ioc', 'gtc')),
  order_class TEXT NOT NULL DEFAULT 'simple' CHECK (order_class IN ('simple', 'oco')),
  limit_price_usd REAL,
  stop_price_usd REAL,
  target_price_usd REAL,
  status TEXT NOT NULL,
  filled_qty INTEGER NOT NULL DEFAULT 0,
  filled_avg_price_usd REAL,
  commission_usd REAL NOT NULL DEFAULT 0,
  exit_reason TEXT CHECK (exit_reason IN ('stop', 'target')),
  submitted_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
)`,
  indexes: 'CREATE INDEX IF NOT EXISTS paper_orders_open ON paper_orders (status, symbol);',
  outdated: ({ columns }) => !columns.has('time_in_force'),
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS paper_account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cash_usd REAL NOT NULL,
  starting_cash_usd REAL NOT NULL,
  created_at_ms INTEGER NOT NULL
);
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
  limitPriceUsd: r.limit_price_usd ?? Number.NaN,
  orderClass: r.order_class,
  timeInForce: r.time_in_force,
  stopPriceUsd: r.stop_price_usd,
  targetPriceUsd: r.target_price_usd,
  exitReason: r.exit_reason,
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

const rejected = (detail: string): SubmitResult => ({ ok: false, code: 'BROKER_REJECTED', detail, httpStatus: null, brokerCode: null });

export class PaperBroker implements Broker {
  readonly name = 'paper';
  private readonly db: Database.Database;
  private readonly fill: FillModel;
  private readonly scratch: IntrabarExit = { price: Number.NaN, reason: null };

  constructor(private readonly options: PaperBrokerOptions) {
    this.fill = options.fill ?? { kind: 'next-open' };
    this.db = openDatabase(options.path);
    try {
      ensureTable(this.db, ORDERS_TABLE);
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
      const refused = this.affordable(request.side, request.symbol, request.qty, request.limitPriceUsd);
      if (refused !== null) return rejected(refused);
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
        this.settle(seq, request.side === 'buy' ? price <= request.limitPriceUsd : price >= request.limitPriceUsd, price, now, null);
      }
      return { ok: true, order: toOrder(this.rowBySeq(seq)), duplicate: false };
    });
    return this.write(`submit ${request.clientOrderId}`, () => run.immediate());
  }

  /**
   * Places a protective exit of a long (side 'sell'): GTC, resting until `fillOnBar` meets it or
   * it is cancelled, with its levels exactly as given. Idempotent by client order id like
   * `submit`. Rejected: a protective buy (the paper broker holds no shorts), and more shares than
   * are held and not already in open sells (IOC or protective).
   */
  async protect(request: ProtectiveRequest): Promise<SubmitResult> {
    validateProtectiveRequest(request);
    const run = this.db.transaction((): SubmitResult => {
      const existing = this.row(request.clientOrderId);
      if (existing !== null) return duplicateResult(toOrder(existing), request);
      if (request.side !== 'sell') return rejected(`a protective buy protects a short; the paper broker holds no shorts (${request.symbol})`);
      const refused = this.affordable(request.side, request.symbol, request.qty, Number.NaN);
      if (refused !== null) return rejected(refused);
      const now = this.options.now();
      const oco = request.stopPriceUsd !== null && request.targetPriceUsd !== null;
      const info = this.db
        .prepare(
          `INSERT INTO paper_orders (client_order_id, symbol, side, qty, time_in_force, order_class, limit_price_usd, stop_price_usd, target_price_usd, status, submitted_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, 'gtc', ?, ?, ?, ?, 'submitted', ?, ?)`,
        )
        .run(request.clientOrderId, request.symbol, request.side, request.qty, oco ? 'oco' : 'simple', request.targetPriceUsd, request.stopPriceUsd, request.targetPriceUsd, now, now);
      return { ok: true, order: toOrder(this.rowBySeq(Number(info.lastInsertRowid))), duplicate: false };
    });
    return this.write(`protect ${request.clientOrderId}`, () => run.immediate());
  }

  /**
   * Meets the open orders of `symbol` with one of its bars, in the backtest engine's order:
   *
   * 1. IOC orders, sells before buys (a sale's cash funds the same morning's buys): the market
   *    price of the fill model slipped against the order's side, filled when within the limit,
   *    else cancelled;
   * 2. then resting protective orders, as the engine checks stops (`intrabarExit`): a gap through
   *    a level fills at the open, else a level inside the bar's range fills at the level, the
   *    stop winning when both are inside. The open-gap check applies only to an order placed
   *    before the bar's session opened (`submittedAtMs < barOpenMs`): one placed at or after the
   *    open (right after its entry filled there) meets only the rest of the bar, as the engine
   *    does on a position's entry bar. A hit fills all shares at the level's price slipped
   *    against the sale, with commission, and records which level hit; otherwise the order
   *    stays open.
   *
   * `barOpenMs` is when the bar's session opened (`sessionOpenUtcMs` of its day). Calling this
   * twice for one bar is harmless: IOC orders settle on the first call, and a protective order
   * the bar did not reach is not reached by it the second time; the daily pipeline fills the
   * entries, places their protection at the open, then calls again for the rest of the bar.
   * Returns the orders it filled or cancelled, as they end.
   */
  fillOnBar(symbol: string, bar: FillBar, barOpenMs: number): BrokerOrder[] {
    if (!Number.isFinite(barOpenMs)) throw inputError('BAD_BAR_OPEN', `barOpenMs must be the UTC ms the bar's session opened, was ${barOpenMs}`, { param: 'barOpenMs', value: barOpenMs, hint: 'sessionOpenUtcMs(day) of the bar' });
    const market = marketFillPrice(this.fill, bar.open, bar.close);
    const run = this.db.transaction(() => {
      const now = this.options.now();
      const touched: number[] = [];
      const ioc = this.db
        .prepare(`SELECT * FROM paper_orders WHERE symbol = ? AND status = 'submitted' AND time_in_force = 'ioc' ORDER BY CASE side WHEN 'sell' THEN 0 ELSE 1 END, seq`)
        .all(symbol) as OrderRow[];
      for (const o of ioc) {
        const price = slippedPrice(this.options.costs, market, o.side === 'buy' ? 1 : -1);
        touched.push(o.seq, ...this.settle(o.seq, o.side === 'buy' ? price <= o.limit_price_usd! : price >= o.limit_price_usd!, price, now, null));
      }
      const resting = this.db.prepare(`SELECT seq FROM paper_orders WHERE symbol = ? AND status = 'submitted' AND time_in_force = 'gtc' ORDER BY seq`).all(symbol) as { seq: number }[];
      for (const { seq } of resting) {
        // A sibling's fill earlier in this loop may have flattened the position and cancelled it.
        const o = this.rowBySeq(seq);
        if (o.status !== 'submitted') continue;
        if (this.heldQty(symbol) < o.qty) {
          // Its shares are gone (a position closed outside these orders): cancelled, never a short sale.
          this.settle(seq, false, Number.NaN, now, null);
          touched.push(seq);
          continue;
        }
        const hit = intrabarExit(1, o.stop_price_usd ?? Number.NaN, o.target_price_usd ?? Number.NaN, bar.open, bar.high, bar.low, o.submitted_at_ms < barOpenMs, this.scratch);
        if (hit.reason === null) continue;
        touched.push(seq, ...this.settle(seq, true, slippedPrice(this.options.costs, hit.price, -1), now, hit.reason));
      }
      return [...new Set(touched)].map((seq) => toOrder(this.rowBySeq(seq)));
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

  /**
   * Records the one outcome of order `seq`: all shares at `price` with commission (and, for a
   * protective order, the level that hit), or cancelled. A fill that leaves the position flat
   * cancels the protective orders left on the symbol; returns their seqs.
   */
  private settle(seq: number, fills: boolean, price: number, now: number, exitReason: ExitReason | null): number[] {
    const o = this.rowBySeq(seq);
    if (!fills) {
      this.db.prepare(`UPDATE paper_orders SET status = 'cancelled', updated_at_ms = ? WHERE seq = ?`).run(now, seq);
      return [];
    }
    const fee = commissionUsd(this.options.costs, o.qty);
    const sign = o.side === 'buy' ? 1 : -1;
    this.db
      .prepare(`UPDATE paper_orders SET status = 'filled', filled_qty = ?, filled_avg_price_usd = ?, commission_usd = ?, exit_reason = ?, updated_at_ms = ? WHERE seq = ?`)
      .run(o.qty, price, fee, exitReason, now, seq);
    this.db.prepare('UPDATE paper_account SET cash_usd = cash_usd - ? WHERE id = 1').run(sign * o.qty * price + fee);
    const p = this.db.prepare('SELECT qty, avg_entry_price_usd FROM paper_positions WHERE symbol = ?').get(o.symbol) as { qty: number; avg_entry_price_usd: number } | undefined;
    const held = p?.qty ?? 0;
    const qty = held + sign * o.qty;
    if (qty === 0) {
      this.db.prepare('DELETE FROM paper_positions WHERE symbol = ?').run(o.symbol);
      const orphans = this.db.prepare(`SELECT seq FROM paper_orders WHERE symbol = ? AND status = 'submitted' AND time_in_force = 'gtc'`).all(o.symbol) as { seq: number }[];
      this.db.prepare(`UPDATE paper_orders SET status = 'cancelled', updated_at_ms = ? WHERE symbol = ? AND status = 'submitted' AND time_in_force = 'gtc'`).run(now, o.symbol);
      return orphans.map((r) => r.seq);
    }
    // A buy moves the average entry price; a sell leaves it (the realised P&L is in cash).
    const avg = sign === 1 ? (held * (p?.avg_entry_price_usd ?? 0) + o.qty * price) / qty : (p?.avg_entry_price_usd ?? price);
    this.db.prepare('INSERT INTO paper_positions (symbol, qty, avg_entry_price_usd) VALUES (?, ?, ?) ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_entry_price_usd = excluded.avg_entry_price_usd').run(o.symbol, qty, avg);
    return [];
  }

  /**
   * Why the account cannot take an order (null when it can): a buy needs its limit cost and
   * commission in cash not reserved by open buys; a sell needs shares held and not already in an
   * open sell, IOC or protective (a protective order holds its shares until it is cancelled).
   */
  private affordable(side: OrderSide, symbol: string, qty: number, limitPriceUsd: number): string | null {
    if (side === 'buy') {
      const need = qty * limitPriceUsd + commissionUsd(this.options.costs, qty);
      const free = this.cash() - this.reservedUsd();
      return need > free ? `insufficient buying power: ${qty} ${symbol} at limit ${limitPriceUsd} needs ${need.toFixed(2)} USD, ${free.toFixed(2)} free` : null;
    }
    const held = this.heldQty(symbol);
    const open = this.db.prepare(`SELECT time_in_force, coalesce(sum(qty), 0) AS n FROM paper_orders WHERE symbol = ? AND side = 'sell' AND status = 'submitted' GROUP BY time_in_force`).all(symbol) as { time_in_force: string; n: number }[];
    const selling = open.reduce((s, r) => s + r.n, 0);
    if (qty <= held - selling) return null;
    const protectedQty = open.find((r) => r.time_in_force === 'gtc')?.n ?? 0;
    const why = protectedQty > 0 ? ` (${protectedQty} held by open protective orders: cancel them first)` : ' (the paper broker does not sell short)';
    return `insufficient qty: selling ${qty} ${symbol}, ${held - selling} held and not already being sold${why}`;
  }

  private heldQty(symbol: string): number {
    return (this.db.prepare('SELECT qty FROM paper_positions WHERE symbol = ?').get(symbol) as { qty: number } | undefined)?.qty ?? 0;
  }

  private cash(): number {
    return (this.db.prepare('SELECT cash_usd FROM paper_account WHERE id = 1').get() as { cash_usd: number }).cash_usd;
  }

  /** Cash held back for open buy orders: their limit cost plus commission. */
  private reservedUsd(): number {
    const open = this.db.prepare(`SELECT qty, limit_price_usd FROM paper_orders WHERE side = 'buy' AND status = 'submitted' AND time_in_force = 'ioc'`).all() as { qty: number; limit_price_usd: number }[];
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
