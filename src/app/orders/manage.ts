import { appendAudit } from '../../audit/audit-log.js';
import type { BrokerOrder, Position } from '../../brokers/broker.js';
import { inputError } from '../../core/errors.js';
import { reconcile, type ReconcileDifference, type ReconcileOrder } from '../../execution/reconcile.js';
import type { OrderRow, StorePosition } from '../../store/order-store.js';
import type { AppContext } from '../context.js';
import { syncOrderFromBroker } from './broker-sync.js';
import { appendJournal, killSwitchStatus, setKillSwitch, type KillSwitchStatus, type StoredBreaker } from './risk-state.js';
import type { OrderSession, RiskSession } from './session.js';

/**
 * The order commands other than submit, over an open `OrderSession`: cancel, positions,
 * reconciliation, the kill switch and the circuit breaker. Every change a person makes (a cancel,
 * the kill switch, a breaker reset) is an audit record and a journal line.
 */

function decide(s: RiskSession & { readonly broker?: { readonly name: string } }, ctx: AppContext, decision: string, subject: string, data: Record<string, unknown>): void {
  const at = ctx.now().toISOString();
  const broker = s.broker === undefined ? {} : { broker: s.broker.name };
  appendAudit(s.auditFile, { kind: 'order-decision', subject, data: { decision, ...broker, ...data }, at });
  appendJournal(s.stateDir, { at, decision, subject, ...broker, ...data });
}

export interface CancelOutcome {
  readonly order: OrderRow;
  /** The broker's refusal (ORDER_NOT_FOUND, NOT_CANCELABLE), null when it cancelled or the order never reached it. */
  readonly refusal: { readonly code: string; readonly detail: string } | null;
}

/**
 * Cancels the order `clientOrderId`. One the broker never received (looked up first) is cancelled
 * locally; otherwise the broker is asked, and the row then follows what the broker says about the
 * order (cancelled, or filled in the meantime).
 */
export async function cancelOrder(clientOrderId: string, s: OrderSession, ctx: AppContext): Promise<CancelOutcome> {
  const row = s.oms.get(clientOrderId);
  if (row === null) {
    throw inputError('UNKNOWN_ORDER', `no order with client order id ${clientOrderId}`, { param: 'id', value: clientOrderId, hint: 'kobe order list shows the client order ids' });
  }
  const iso = ctx.now().toISOString();
  const atBroker = await s.broker.orderByClientId(clientOrderId);
  if (atBroker === null) {
    const r = s.oms.applyEvent(clientOrderId, { kind: 'cancel' }, 'local', { reason: 'cancelled before it reached the broker' });
    decide(s, ctx, 'cancel', clientOrderId, { atBroker: false, state: r.ok ? r.order.state : row.state });
    return { order: r.ok ? r.order : row, refusal: r.ok ? null : { code: r.code, detail: r.detail } };
  }
  syncOrderFromBroker(s.oms, clientOrderId, atBroker, 'reconciliation', iso);
  const answer = await s.broker.cancel(atBroker.id);
  const after = (await s.broker.orderByClientId(clientOrderId)) ?? atBroker;
  const order = syncOrderFromBroker(s.oms, clientOrderId, after, 'broker', iso);
  const refusal = answer.ok ? null : { code: answer.code, detail: answer.detail };
  decide(s, ctx, 'cancel', clientOrderId, { atBroker: true, brokerOrderId: atBroker.id, state: order.state, refusal });
  return { order, refusal };
}

export interface PositionsReport {
  readonly broker: readonly Position[];
  /** Net shares per symbol from the OMS's recorded fills. */
  readonly oms: readonly StorePosition[];
}

export async function listPositions(s: OrderSession): Promise<PositionsReport> {
  return { broker: await s.broker.positions(), oms: s.oms.positions() };
}

const fromRow = (o: OrderRow): ReconcileOrder => ({ clientOrderId: o.clientOrderId, brokerOrderId: o.brokerOrderId, symbol: o.symbol, side: o.side, qty: o.qty, state: o.state, filledQty: o.filledQty });
const fromBroker = (o: BrokerOrder): ReconcileOrder => ({ clientOrderId: o.clientOrderId, brokerOrderId: o.id, symbol: o.symbol, side: o.side, qty: o.qty, state: o.status, filledQty: o.filledQty });

/**
 * The OMS against the broker (`execution/reconcile.ts`): the broker's orders are its open orders
 * plus each order the OMS knows, looked up by client order id; positions as both sides count
 * them. Differences are reported, never written over either side.
 */
export async function reconcileOrders(s: OrderSession, ctx: AppContext): Promise<readonly ReconcileDifference[]> {
  const dbOrders = s.oms.list();
  const seen = new Map<string, BrokerOrder>();
  for (const o of await s.broker.openOrders()) seen.set(o.id, o);
  for (const o of dbOrders) {
    const b = await s.broker.orderByClientId(o.clientOrderId);
    if (b !== null) seen.set(b.id, b);
  }
  const differences = reconcile({
    dbOrders: dbOrders.map(fromRow),
    dbPositions: s.oms.positions(),
    brokerOrders: [...seen.values()].map(fromBroker),
    brokerPositions: (await s.broker.positions()).map((p) => ({ symbol: p.symbol, qty: p.qty })),
  });
  appendJournal(s.stateDir, { at: ctx.now().toISOString(), decision: 'reconcile', subject: 'reconcile', broker: s.broker.name, differences: differences.length, kinds: differences.map((d) => d.kind) });
  return differences;
}

export function switchKillSwitch(on: boolean, reason: string, s: RiskSession, ctx: AppContext): KillSwitchStatus {
  const status = setKillSwitch(s.stateDir, on, reason, ctx.now().toISOString());
  decide(s, ctx, on ? 'kill-switch-on' : 'kill-switch-off', 'kill-switch', { reason: reason.trim() });
  return status;
}

export interface RiskStatus {
  readonly breaker: StoredBreaker;
  readonly errorsToday: number;
  readonly killSwitch: KillSwitchStatus;
}

export function riskStatus(s: RiskSession, ctx: AppContext): RiskStatus {
  return { breaker: s.risk.breaker(), errorsToday: s.risk.errorsToday(ctx.now().getTime()), killSwitch: killSwitchStatus(s.stateDir) };
}

/** Resets the circuit breaker to ACTIVE; only a person does this, with a reason. */
export function resetRisk(reason: string, s: RiskSession, ctx: AppContext): RiskStatus {
  const before = s.risk.breaker();
  s.risk.resetBreaker(reason, ctx.now().getTime(), ctx.now().toISOString());
  decide(s, ctx, 'breaker-reset', 'circuit-breaker', { reason: reason.trim(), was: before.state, trippedReason: before.state === 'HALTED' ? before.reason : null });
  return riskStatus(s, ctx);
}
