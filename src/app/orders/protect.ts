import { FINAL_ORDER_STATUSES, isProtective, type BrokerOrder } from '../../brokers/broker.js';
import { KobeError } from '../../core/errors.js';
import { clientOrderId, normaliseOrderKey, type OrderKey } from '../../execution/client-order-id.js';
import { isTerminal } from '../../execution/order-state.js';
import type { Denial } from '../../risk/denials.js';
import type { OrderGateCode } from '../../risk/order-gates.js';
import { evaluateProtectiveGates } from '../../risk/protective-gates.js';
import type { NewOrder, OrderRow } from '../../store/order-store.js';
import type { AppContext } from '../context.js';
import { syncOrderFromBroker } from './broker-sync.js';
import { killSwitchStatus } from './risk-state.js';
import { brokerCall, record, type ClockedOrderDeps, type OrderDeps } from './submit.js';

/**
 * Protective exits resting at the broker: a stop, a take-profit target, or both as one
 * one-cancels-other order, good till cancelled, protecting a position already held. The daily
 * pipeline places one right after an entry fills, at the levels the backtest engine would set
 * (entry price -/+ the strategy's distances), so the broker exits where the backtest exits
 * (`PaperBroker.fillOnBar` reproduces the engine's fill to the cent; Alpaca rounds the levels
 * inward to its tick, see `brokers/alpaca/wire.ts`).
 *
 * `protectPosition` keeps the idempotency discipline of `submitIntent`:
 * 1. the client order id derives from the intent's key (its `side` is the closing side, 'sell'
 *    for a long; its `intent` names the exit, e.g. `protect`);
 * 2. an OMS row past `new` is the answer: nothing is sent;
 * 3. otherwise the broker is asked for the id first: an order there (a crash after the broker's
 *    answer and before the OMS write) is recorded in the OMS (healed) and is the answer;
 * 4. the protective gates run (`risk/protective-gates.ts`: a well-formed exit of at most the
 *    shares the broker holds); a denial is recorded (OMS `reject`, audit, journal), nothing sent;
 * 5. the order is recorded `new`, the kill switch is read and RECORDED, but does not block (a
 *    protective stop only limits the loss of a position already open: see protective-gates.ts),
 *    the broker places it, and its answer is applied through `transition`: `submitted`, resting.
 * A broker error is counted for the circuit breaker, journalled and rethrown; the row stays `new`
 * and the next call looks the id up at the broker before sending anything.
 *
 * The OMS row keeps the levels asked for; the broker's order (and the audit record) the levels the
 * broker holds. `syncOrderFromBroker` later brings the broker's fill of the exit into the OMS, with
 * the level that filled it, so `accountFills()` and the circuit breaker see protective exits.
 */
export interface ProtectiveIntent extends OrderKey {
  /** Whole shares, > 0: at most the position held. */
  readonly shares: number;
  readonly stopPriceUsd: number | null;
  readonly targetPriceUsd: number | null;
}

export type ProtectOutcome =
  /** The OMS already had the order past `new`: nothing was sent. */
  | { readonly kind: 'existing'; readonly order: OrderRow }
  /** The broker already held the client order id: the OMS row was written from its answer, nothing was sent. */
  | { readonly kind: 'healed'; readonly order: OrderRow; readonly broker: BrokerOrder }
  /** A protective gate denied it: nothing was sent. */
  | { readonly kind: 'denied'; readonly clientOrderId: string; readonly order: OrderRow | null; readonly denials: readonly Denial<OrderGateCode>[] }
  /** Sent; `order` is the OMS row after the broker's answer (which may be a rejection). */
  | {
      readonly kind: 'submitted';
      readonly order: OrderRow;
      readonly broker: BrokerOrder | null;
      readonly rejection: { readonly code: string; readonly detail: string } | null;
      /** Whether the kill switch was engaged when it was placed (recorded; it does not block a protective exit). */
      readonly killSwitchEngaged: boolean;
    };

/** The OMS terms of a protective exit: `oco` with both levels, `stop` alone, or a GTC `limit` at the target. */
function omsOrder(key: OrderKey, shares: number, stopPriceUsd: number | null, targetPriceUsd: number | null): NewOrder {
  const orderType = stopPriceUsd !== null && targetPriceUsd !== null ? 'oco' : stopPriceUsd !== null ? 'stop' : 'limit';
  return { ...key, qty: shares, orderType, timeInForce: 'gtc', limitPrice: targetPriceUsd, stopPrice: stopPriceUsd, targetPrice: targetPriceUsd };
}

/** `ctx.now` is every timestamp written. */
export async function protectPosition(intent: ProtectiveIntent, ctx: AppContext, deps: OrderDeps): Promise<ProtectOutcome> {
  const d: ClockedOrderDeps = { ...deps, now: () => ctx.now().getTime() };
  const key = normaliseOrderKey(intent);
  const id = clientOrderId(key);
  const iso = (): string => new Date(d.now()).toISOString();
  const known = d.oms.get(id);
  if (known !== null && known.state !== 'new') return { kind: 'existing', order: known };

  const atBroker = await brokerCall(d, id, 'lookup', () => d.broker.orderByClientId(id));
  if (atBroker !== null) return heal(d, key, id, known, atBroker, iso());

  const shares = known?.qty ?? intent.shares;
  const stopPriceUsd = known === null ? intent.stopPriceUsd : known.stopPrice;
  const targetPriceUsd = known === null ? intent.targetPriceUsd : known.targetPrice;
  const positions = await brokerCall(d, id, 'positions', () => d.broker.positions());
  const held = positions.filter((p) => p.symbol.toUpperCase() === key.symbol).reduce((s, p) => s + p.qty, 0);
  const report = evaluateProtectiveGates({ symbol: key.symbol, side: key.side, shares, stopPriceUsd, targetPriceUsd }, held);
  if (!report.allowed) return deny(d, key, id, shares, stopPriceUsd, targetPriceUsd, report.denials);

  d.oms.insertOrder(omsOrder(key, shares, stopPriceUsd, targetPriceUsd));
  const killSwitchEngaged = killSwitchStatus(d.stateDir).engaged;
  const answer = await brokerCall(d, id, 'protect', () => d.broker.protect({ clientOrderId: id, symbol: key.symbol, side: key.side, qty: shares, stopPriceUsd, targetPriceUsd }));
  d.afterBrokerSubmit?.();
  if (answer.ok) {
    const order = syncOrderFromBroker(d.oms, id, answer.order, 'broker', iso());
    record(d, 'protected', id, {
      state: order.state,
      brokerOrderId: answer.order.id,
      duplicate: answer.duplicate,
      qty: shares,
      stopPriceUsd,
      targetPriceUsd,
      brokerStopPriceUsd: answer.order.stopPriceUsd,
      brokerTargetPriceUsd: answer.order.targetPriceUsd,
      killSwitchEngaged,
    });
    return { kind: 'submitted', order, broker: answer.order, rejection: null, killSwitchEngaged };
  }
  if (answer.code === 'DUPLICATE_CLIENT_ORDER_ID') {
    // Another process placed this id first (with other terms): its order is the order.
    const theirs = await brokerCall(d, id, 'lookup', () => d.broker.orderByClientId(id));
    if (theirs !== null) return heal(d, key, id, d.oms.get(id), theirs, iso());
  }
  const rejected = d.oms.applyEvent(id, { kind: 'reject' }, 'broker', { code: answer.code, detail: answer.detail, httpStatus: answer.httpStatus, brokerCode: answer.brokerCode });
  const order = rejected.ok ? rejected.order : d.oms.get(id)!;
  record(d, 'broker-rejected', id, { code: answer.code, detail: answer.detail, httpStatus: answer.httpStatus, brokerCode: answer.brokerCode, killSwitchEngaged });
  return { kind: 'submitted', order, broker: null, rejection: { code: answer.code, detail: answer.detail }, killSwitchEngaged };
}

/** Records the order the broker holds under `id` in the OMS (a row from its terms when there is none) and brings the row up to it. */
function heal(d: ClockedOrderDeps, key: OrderKey, id: string, known: OrderRow | null, atBroker: BrokerOrder, nowIso: string): ProtectOutcome {
  if (known === null) {
    if (!isProtective(atBroker)) {
      throw new KobeError('DUPLICATE_CLIENT_ORDER_ID', `client order id ${id} names a ${atBroker.timeInForce} ${atBroker.side} order at the broker, not a protective exit`, {
        kind: 'runtime',
        value: id,
        hint: 'give the protective exit its own intent (e.g. protect), apart from the entry and exit orders',
      });
    }
    d.oms.insertOrder(omsOrder(key, atBroker.qty, atBroker.stopPriceUsd, atBroker.targetPriceUsd));
  }
  const order = syncOrderFromBroker(d.oms, id, atBroker, 'reconciliation', nowIso);
  record(d, 'healed', id, { state: order.state, brokerOrderId: atBroker.id, brokerStatus: atBroker.brokerStatus });
  return { kind: 'healed', order, broker: atBroker };
}

function deny(d: ClockedOrderDeps, key: OrderKey, id: string, shares: number, stop: number | null, target: number | null, denials: readonly Denial<OrderGateCode>[]): ProtectOutcome {
  const detail = denials.map((x) => ({ code: x.code, detail: x.detail }));
  let order: OrderRow | null = null;
  // A malformed exit (BAD_ORDER) has no terms the OMS can hold; a well-formed one is recorded rejected.
  if (!denials.some((x) => x.code === 'BAD_ORDER')) {
    d.oms.insertOrder(omsOrder(key, shares, stop, target));
    const r = d.oms.applyEvent(id, { kind: 'reject' }, 'local', { denials: detail });
    order = r.ok ? r.order : d.oms.get(id);
  }
  record(d, 'denied', id, { symbol: key.symbol, side: key.side, shares, stopPriceUsd: stop, targetPriceUsd: target, denials: detail });
  return { kind: 'denied', clientOrderId: id, order, denials };
}

export type CancelProtectionOutcome =
  /** Cancelled at the broker (or, never having reached it, in the OMS): its shares are free. */
  | { readonly kind: 'cancelled'; readonly order: OrderRow | null }
  /** It filled before the cancel reached it: the position is already closed, do not sell it again. */
  | { readonly kind: 'filled'; readonly order: OrderRow }
  /** The broker took the cancel but still reports the order working: look again before selling its shares. */
  | { readonly kind: 'pending'; readonly order: OrderRow }
  /** It had already ended otherwise (cancelled, expired, rejected), or kobe never placed it. */
  | { readonly kind: 'already-final' | 'not-found'; readonly order: OrderRow | null };

/**
 * Cancels the protective exit of `key` (the same key it was placed with), before the position is
 * sold another way (an IOC exit at the open: the broker holds the protected shares until the
 * protection is gone). The broker is asked first; the OMS follows what the broker says, so an
 * exit that filled in the meantime comes back `filled`, and the caller must not sell again. An
 * audit record and a journal line say what happened.
 */
export async function cancelProtection(key: OrderKey, ctx: AppContext, deps: OrderDeps): Promise<CancelProtectionOutcome> {
  const d: ClockedOrderDeps = { ...deps, now: () => ctx.now().getTime() };
  const k = normaliseOrderKey(key);
  const id = clientOrderId(k);
  const iso = (): string => new Date(d.now()).toISOString();
  const decide = (outcome: CancelProtectionOutcome, data: Record<string, unknown> = {}): CancelProtectionOutcome => {
    record(d, 'protection-cancel', id, { outcome: outcome.kind, state: outcome.order?.state ?? null, ...data });
    return outcome;
  };
  const row = d.oms.get(id);
  const atBroker = await brokerCall(d, id, 'lookup', () => d.broker.orderByClientId(id));
  if (atBroker === null) {
    if (row === null) return decide({ kind: 'not-found', order: null });
    if (isTerminal(row.state)) return decide({ kind: row.state === 'filled' ? 'filled' : 'already-final', order: row } as CancelProtectionOutcome);
    // Recorded but never at the broker (a crash before the call): cancelled here.
    const r = d.oms.applyEvent(id, { kind: 'cancel' }, 'local', { reason: 'cancelled before it reached the broker' });
    return decide({ kind: 'cancelled', order: r.ok ? r.order : d.oms.get(id) }, { atBroker: false });
  }
  if (row === null) heal(d, k, id, null, atBroker, iso());
  let order = syncOrderFromBroker(d.oms, id, atBroker, 'reconciliation', iso());
  if (FINAL_ORDER_STATUSES.has(atBroker.status)) return decide(atBroker.status === 'filled' ? { kind: 'filled', order } : { kind: 'already-final', order }, { brokerOrderId: atBroker.id });
  const answer = await brokerCall(d, id, 'cancel', () => d.broker.cancel(atBroker.id));
  const after = (await brokerCall(d, id, 'lookup', () => d.broker.orderByClientId(id))) ?? atBroker;
  order = syncOrderFromBroker(d.oms, id, after, 'broker', iso());
  const refusal = answer.ok ? null : { code: answer.code, detail: answer.detail };
  const kind = after.status === 'filled' ? 'filled' : after.status === 'cancelled' ? 'cancelled' : FINAL_ORDER_STATUSES.has(after.status) ? 'already-final' : 'pending';
  return decide({ kind, order } as CancelProtectionOutcome, { brokerOrderId: atBroker.id, refusal, brokerStatus: after.brokerStatus });
}
