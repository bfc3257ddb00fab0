import { breakerTradeFacts, closedTrades } from '../../risk/realized-trades.js';
import { appendAudit } from '../../audit/audit-log.js';
import { FINAL_ORDER_STATUSES, type Account, type Broker, type BrokerOrder, type Position, type Quote } from '../../brokers/broker.js';
import { dayToIso } from '../../core/calendar.js';
import { isKobeError } from '../../core/errors.js';
import { clientOrderId, normaliseOrderKey, type OrderKey } from '../../execution/client-order-id.js';
import { marketableLimitPrice } from '../../execution/limit-price.js';
import { breakerTrip, stepBreaker, type BreakerState } from '../../risk/circuit-breaker.js';
import type { Denial } from '../../risk/denials.js';
import { DEFAULT_ORDER_GATE_CONFIG, evaluateOrderGates, type OrderAccountState, type OrderGateCode, type OrderGateConfig, type OrderGateSnapshot, type OrderPosition } from '../../risk/order-gates.js';
import { clampOrderSize } from '../../risk/order-sizing.js';
import { tradingDayOf } from '../../risk/trading-day.js';
import type { OrderRow, OrderStore } from '../../store/order-store.js';
import { syncOrderFromBroker } from './broker-sync.js';
import type { AppContext } from '../context.js';
import { appendJournal, killSwitchStatus, type RiskStateStore } from './risk-state.js';

/**
 * Places one order intent at the broker, so that a retry, a rerun, two processes at once or a
 * crash can never make it two orders, and no order leaves without meeting every gate:
 *
 * 1. derive the client order id from the intent (`execution/client-order-id.ts`);
 * 2. an OMS row past `new` is the answer: the order exists, nothing is sent;
 * 3. otherwise FIRST ask the broker for that client order id: an order there (a crash after the
 *    broker's answer and before the OMS write, or a second process that got there first) is
 *    recorded in the OMS (healed) and is the answer, nothing is sent;
 * 4. price it from a fresh quote (`marketableLimitPrice`), build the gate snapshot (OMS, broker
 *    account and positions, market facts, the stored breaker, the kill switch file) and run ALL
 *    gates; every denial is recorded: an OMS `reject` event (when the order could be priced),
 *    an audit record and a journal line; a breaker the facts trip is stored HALTED;
 * 5. record the order in the OMS as `new`, read the kill switch file once more, immediately
 *    before the broker call, submit, and apply the broker's answer through `transition`.
 *
 * A broker error (unreachable, time-out) is counted for the circuit breaker, journalled and
 * rethrown: the order's fate is unknown and the row stays `new`, so the next call looks it up at
 * the broker (step 3) before anything is sent again.
 */
export interface OrderIntent extends OrderKey {
  /** Whole shares, > 0 (sized by the caller, e.g. the engine's sizing; the gates deny what is too big). */
  readonly shares: number;
  /**
   * Cut `shares` to the size limits (`clampOrderSize`: per-order and daily notional, share of
   * the ADV, position, cash) before the gates instead of letting them deny it; the outcome names
   * the limits that cut it. Default false: the size is taken as given.
   */
  readonly clampToLimits?: boolean;
}

/** How the order was sized: the shares asked for, the shares sent, and the limits that cut them. */
export interface SizingReport {
  readonly requestedShares: number;
  readonly shares: number;
  readonly clampedBy: readonly string[];
}

export interface OrderDeps {
  readonly broker: Broker;
  readonly oms: OrderStore;
  readonly risk: RiskStateStore;
  /** The folder of the kill switch file and the journal. */
  readonly stateDir: string;
  readonly auditFile: string;
  readonly config?: OrderGateConfig;
  /** Last price and 20-day average dollar volume of a symbol (NaN when unknown: the gates deny it). */
  readonly marketFacts: (symbol: string) => { readonly priceUsd: number; readonly adv20Usd: number };
  /** Whether the account is a margin account (the pattern-day-trader rule binds only those). */
  readonly marginAccount: boolean;
  /** Marketable limit buffer (fraction of the quote); default 0.1%. The daily pipeline's next-open orders need room for the open's slippage. */
  readonly limitBufferFrac?: number;
  /**
   * TEST HOOK: called right after the broker answered a submit and before the answer is written
   * to the OMS. The CLI wires KOBE_TEST_CRASH_AFTER_SUBMIT=1 to a SIGKILL of its own process
   * here, to prove that a crash at the worst moment is healed by the next call (step 3).
   */
  readonly afterBrokerSubmit?: () => void;
}

export type SubmitOutcome =
  /** The OMS already had the order past `new`: nothing was sent. */
  | { readonly kind: 'existing'; readonly order: OrderRow }
  /** The broker already held the client order id: the OMS row was written from its answer, nothing was sent. */
  | { readonly kind: 'healed'; readonly order: OrderRow; readonly broker: BrokerOrder }
  /** A gate (or the kill switch right before the call) denied it: nothing was sent. */
  | { readonly kind: 'denied'; readonly clientOrderId: string; readonly order: OrderRow | null; readonly limitPriceUsd: number | null; readonly denials: readonly Denial<OrderGateCode>[] }
  /** Sent; `order` is the OMS row after the broker's answer (which may be a rejection). */
  | {
      readonly kind: 'submitted';
      readonly order: OrderRow;
      readonly broker: BrokerOrder | null;
      readonly rejection: { readonly code: string; readonly detail: string } | null;
      readonly sizing: SizingReport;
    };

/** `ctx.now` is the gates' instant and every timestamp written. */
export async function submitIntent(intent: OrderIntent, ctx: AppContext, deps: OrderDeps): Promise<SubmitOutcome> {
  const d: Deps = { ...deps, now: () => ctx.now().getTime() };
  return submitWith(intent, d);
}

/** The order deps with the clock of the context (UTC ms): what the order path's helpers take. */
export type ClockedOrderDeps = OrderDeps & { readonly now: () => number };
type Deps = ClockedOrderDeps;

async function submitWith(intent: OrderIntent, deps: Deps): Promise<SubmitOutcome> {
  const key = normaliseOrderKey(intent);
  const id = clientOrderId(key);
  const iso = (): string => new Date(deps.now()).toISOString();
  const known = deps.oms.get(id);
  if (known !== null && known.state !== 'new') return { kind: 'existing', order: known };

  // Look the id up at the broker before ever sending it (again).
  const atBroker = await brokerCall(deps, id, 'lookup', () => deps.broker.orderByClientId(id));
  if (atBroker !== null) {
    if (known === null) deps.oms.insertOrder({ ...key, qty: atBroker.qty, orderType: 'limit', timeInForce: 'ioc', limitPrice: atBroker.limitPriceUsd });
    const order = syncOrderFromBroker(deps.oms, id, atBroker, 'reconciliation', iso());
    record(deps, 'healed', id, { state: order.state, brokerOrderId: atBroker.id, brokerStatus: atBroker.brokerStatus });
    return { kind: 'healed', order, broker: atBroker };
  }

  let shares = known?.qty ?? intent.shares;
  let sizing: SizingReport = { requestedShares: intent.shares, shares, clampedBy: [] };
  const quote = await brokerCall(deps, id, 'quote', () => deps.broker.latestQuote(key.symbol));
  const limitPriceUsd = known?.limitPrice ?? priceOrNull(key.side, quote, deps.limitBufferFrac);
  const [account, positions] = await Promise.all([brokerCall(deps, id, 'account', () => deps.broker.account()), brokerCall(deps, id, 'positions', () => deps.broker.positions())]);
  const config = deps.config ?? DEFAULT_ORDER_GATE_CONFIG;
  const nowMs = deps.now();
  const snapshot = gateSnapshot(deps, key, account, positions, quote, nowMs, config);
  if (known === null && intent.clampToLimits === true && limitPriceUsd !== null) {
    const clamped = clampOrderSize(shares, { symbol: key.symbol, side: key.side, limitPriceUsd }, snapshot, config);
    if (clamped.denial !== null) return deny(deps, key, id, shares, limitPriceUsd, [clamped.denial]);
    sizing = { requestedShares: intent.shares, shares: clamped.shares, clampedBy: clamped.clampedBy };
    shares = clamped.shares;
  }
  const report = evaluateOrderGates({ symbol: key.symbol, side: key.side, shares, limitPriceUsd: limitPriceUsd ?? Number.NaN }, snapshot, config);
  if (!report.allowed) return deny(deps, key, id, shares, limitPriceUsd, report.denials);

  deps.oms.insertOrder({ ...key, qty: shares, orderType: 'limit', timeInForce: 'ioc', limitPrice: limitPriceUsd });
  // The kill switch, read immediately before the broker call.
  if (killSwitchStatus(deps.stateDir).engaged) {
    return deny(deps, key, id, shares, limitPriceUsd, [{ ok: false, code: 'KILL_SWITCH_ENGAGED', detail: 'the kill switch was engaged just before the broker call' }]);
  }
  const answer = await brokerCall(deps, id, 'submit', () => deps.broker.submit({ clientOrderId: id, symbol: key.symbol, side: key.side, qty: shares, limitPriceUsd: limitPriceUsd! }));
  deps.afterBrokerSubmit?.();
  if (answer.ok) {
    let order = syncOrderFromBroker(deps.oms, id, answer.order, 'broker', iso());
    if (!FINAL_ORDER_STATUSES.has(answer.order.status)) order = await settleOnce(deps, id, order, iso);
    record(deps, 'submitted', id, { state: order.state, brokerOrderId: answer.order.id, duplicate: answer.duplicate, qty: shares, sizing, limitPriceUsd, filledQty: order.filledQty, avgFillPrice: order.avgFillPrice });
    return { kind: 'submitted', order, broker: answer.order, rejection: null, sizing };
  }
  if (answer.code === 'DUPLICATE_CLIENT_ORDER_ID') {
    // Another process placed this id first (with other terms): its order is the order.
    const theirs = await brokerCall(deps, id, 'lookup', () => deps.broker.orderByClientId(id));
    if (theirs !== null) {
      const order = syncOrderFromBroker(deps.oms, id, theirs, 'broker', iso());
      record(deps, 'healed', id, { state: order.state, brokerOrderId: theirs.id, brokerStatus: theirs.brokerStatus });
      return { kind: 'healed', order, broker: theirs };
    }
  }
  const rejected = deps.oms.applyEvent(id, { kind: 'reject' }, 'broker', { code: answer.code, detail: answer.detail, httpStatus: answer.httpStatus, brokerCode: answer.brokerCode });
  const order = rejected.ok ? rejected.order : deps.oms.get(id)!;
  record(deps, 'broker-rejected', id, { code: answer.code, detail: answer.detail, httpStatus: answer.httpStatus, brokerCode: answer.brokerCode });
  return { kind: 'submitted', order, broker: null, rejection: { code: answer.code, detail: answer.detail }, sizing };
}

/**
 * An IOC order is final moments after the broker takes it, but the submit answer may predate its
 * fill (Alpaca answers `accepted`): read it once more and record what the broker says. A failed
 * read is counted and journalled but not thrown: the order is placed and recorded as submitted,
 * and `kobe reconcile` shows what is left to learn.
 */
async function settleOnce(deps: Deps, id: string, order: OrderRow, iso: () => string): Promise<OrderRow> {
  try {
    const later = await brokerCall(deps, id, 'lookup', () => deps.broker.orderByClientId(id));
    return later === null ? order : syncOrderFromBroker(deps.oms, id, later, 'broker', iso());
  } catch {
    return deps.oms.get(id) ?? order;
  }
}

function priceOrNull(side: 'buy' | 'sell', quote: Quote, bufferFrac?: number): number | null {
  try {
    return marketableLimitPrice(side, quote, bufferFrac);
  } catch (e) {
    // A quote that cannot be priced is denied by the quote check (QUOTE_INVALID), and recorded.
    if (isKobeError(e) && e.code === 'BAD_QUOTE') return null;
    throw e;
  }
}

/** The gates' view of the world at `nowMs`, from the OMS, the broker's account and positions, the quote, the market facts and the stored risk state. */
function gateSnapshot(deps: Deps, key: OrderKey, account: Account, positions: readonly Position[], quote: Quote, nowMs: number, config: OrderGateConfig): OrderGateSnapshot {
  const tradingDay = tradingDayOf(nowMs);
  const today = deps.oms.list({ tradingDate: dayToIso(tradingDay) });
  const held: Record<string, OrderPosition> = {};
  for (const p of positions) {
    const bought = today.filter((o) => o.symbol === p.symbol && o.side === 'buy').reduce((s, o) => s + o.filledQty, 0);
    held[p.symbol.toUpperCase()] = { shares: p.qty, longOpenedTodayShares: Math.min(Math.max(p.qty, 0), bought), shortOpenedTodayShares: 0 };
  }
  // Every order that reached the broker today, at its limit price: intents are free names, so
  // none is trusted to mark an exit (stricter than counting entries only, never looser).
  const submittedUsd = today.filter((o) => o.brokerOrderId !== null).reduce((s, o) => s + o.qty * (o.limitPrice ?? 0), 0);
  const errorsToday = deps.risk.errorsToday(nowMs);
  const stored = deps.risk.breaker();
  // The breaker's trade facts come from the account's own fills, counted since its last reset.
  const trades = closedTrades(deps.oms.accountFills().map((f) => ({ symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, executedAtMs: Date.parse(f.executedAt) })));
  const { dayPnlUsd, consecutiveLosingTrades } = breakerTradeFacts(trades, (ms) => tradingDayOf(ms) === tradingDay, stored.resetAtMs ?? Number.NEGATIVE_INFINITY);
  const breaker = tripIfDue(deps, stored, { dayPnlUsd, consecutiveLosingTrades, errorsToday }, config, nowMs);
  const facts = deps.marketFacts(key.symbol);
  const accountState: OrderAccountState = {
    equityUsd: account.equityUsd,
    cashUsd: account.buyingPowerUsd,
    positions: held,
    submittedNotional: { tradingDay, usd: submittedUsd },
    dayPnlUsd,
    consecutiveLosingTrades,
    errorsToday,
    pdt: { marginAccount: deps.marginAccount, flaggedPatternDayTrader: account.patternDayTrader, dayTradesInWindow: account.dayTradeCount, lastEquityUsd: account.equityUsd },
  };
  return {
    account: accountState,
    market: { priceUsd: Number.isFinite(facts.priceUsd) ? facts.priceUsd : (quote.bidUsd + quote.askUsd) / 2, bidUsd: quote.bidUsd, askUsd: quote.askUsd, adv20Usd: facts.adv20Usd },
    breaker,
    killSwitchEngaged: killSwitchStatus(deps.stateDir).engaged,
    nowUtcMs: nowMs,
  };
}

/** The stored breaker, tripped and stored HALTED (journalled, audited) when the facts reach a limit. */
function tripIfDue(deps: Deps, stored: BreakerState & { readonly resetAtMs: number | null }, facts: Parameters<typeof breakerTrip>[0], config: OrderGateConfig, nowMs: number): BreakerState {
  const next = stepBreaker(stored, facts, config, nowMs);
  if (next !== stored) {
    deps.risk.saveBreaker(next, stored.resetAtMs, new Date(nowMs).toISOString());
    record(deps, 'breaker-tripped', 'circuit-breaker', { reason: next.reason, trippedAt: next.trippedAt });
  }
  return next;
}

function deny(deps: Deps, key: OrderKey, id: string, shares: number, limitPriceUsd: number | null, denials: readonly Denial<OrderGateCode>[]): SubmitOutcome {
  let order: OrderRow | null = null;
  if (limitPriceUsd !== null && Number.isInteger(shares) && shares > 0) {
    deps.oms.insertOrder({ ...key, qty: shares, orderType: 'limit', timeInForce: 'ioc', limitPrice: limitPriceUsd });
    const r = deps.oms.applyEvent(id, { kind: 'reject' }, 'local', { denials: denials.map((d) => ({ code: d.code, detail: d.detail })) });
    order = r.ok ? r.order : deps.oms.get(id);
  }
  record(deps, 'denied', id, { symbol: key.symbol, side: key.side, shares, limitPriceUsd, denials: denials.map((d) => ({ code: d.code, detail: d.detail })) });
  return { kind: 'denied', clientOrderId: id, order, limitPriceUsd, denials };
}

/** One decision in the audit log (kind `order-decision`) and the journal. */
export function record(deps: Deps, decision: string, subject: string, data: Record<string, unknown>): void {
  const at = new Date(deps.now()).toISOString();
  appendAudit(deps.auditFile, { kind: 'order-decision', subject, data: { decision, broker: deps.broker.name, ...data }, at });
  appendJournal(deps.stateDir, { at, decision, subject, broker: deps.broker.name, ...data });
}

/** A broker call whose failure is counted for the breaker's error limit and journalled before it is rethrown. */
export async function brokerCall<T>(deps: Deps, id: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const code = isKobeError(e) ? e.code : 'INTERNAL';
    const detail = e instanceof Error ? e.message : String(e);
    deps.risk.recordError(deps.now(), id, code, `${what}: ${detail}`);
    appendJournal(deps.stateDir, { at: new Date(deps.now()).toISOString(), decision: 'broker-error', subject: id, broker: deps.broker.name, call: what, code, detail });
    throw e;
  }
}
