import { appendAudit } from '../../audit/audit-log.js';
import type { BrokerOrder } from '../../brokers/broker.js';
import { clientOrderId, normaliseOrderKey, type OrderKey } from '../../execution/client-order-id.js';
import type { OrderRow } from '../../store/order-store.js';
import type { AppContext } from '../context.js';
import { syncOrderFromBroker } from './broker-sync.js';
import { appendJournal } from './risk-state.js';
import type { OrderDeps } from './submit.js';

export interface ProtectIntent extends OrderKey {
  readonly shares: number;
  readonly stopPriceUsd: number | null;
  readonly targetPriceUsd: number | null;
}

export type ProtectOutcome =
  | { readonly kind: 'existing'; readonly order: OrderRow }
  | { readonly kind: 'healed'; readonly order: OrderRow; readonly broker: BrokerOrder }
  | { readonly kind: 'submitted'; readonly order: OrderRow; readonly broker: BrokerOrder | null; readonly rejection: { readonly code: string; readonly detail: string } | null }
  | { readonly kind: 'denied'; readonly clientOrderId: string; readonly detail: string };

/**
 * Places the resting protection of a held position (a stop, a target, or both one-cancels-other)
 * with the discipline of `submitIntent`: an OMS row past `new` is the answer; the broker is asked
 * for the client order id before anything is sent (a crash after its answer is healed); the row is
 * written as `new` before the broker call. It reduces risk, so the entry gates do not apply and
 * the kill switch does not block it: a halted book keeps its stops.
 */
export async function protectPosition(intent: ProtectIntent, ctx: AppContext, deps: OrderDeps): Promise<ProtectOutcome> {
  const key = normaliseOrderKey(intent);
  const id = clientOrderId(key);
  const iso = () => ctx.now().toISOString();
  const known = deps.oms.get(id);
  if (known !== null && known.state !== 'new') return { kind: 'existing', order: known };
  const row = () => {
    const both = intent.stopPriceUsd !== null && intent.targetPriceUsd !== null;
    const orderType = both ? ('oco' as const) : intent.stopPriceUsd !== null ? ('stop' as const) : ('limit' as const);
    return { ...key, qty: intent.shares, orderType, timeInForce: 'gtc', limitPrice: intent.targetPriceUsd, stopPrice: intent.stopPriceUsd, targetPrice: intent.targetPriceUsd };
  };
  const atBroker = await deps.broker.orderByClientId(id);
  if (atBroker !== null) {
    if (known === null) deps.oms.insertOrder(row());
    const order = syncOrderFromBroker(deps.oms, id, atBroker, 'reconciliation', iso());
    record(deps, ctx, 'protection-healed', id, { state: order.state });
    return { kind: 'healed', order, broker: atBroker };
  }
  if (known === null) deps.oms.insertOrder(row());
  const answer = await deps.broker.protect({ clientOrderId: id, symbol: key.symbol, side: key.side, qty: intent.shares, stopPriceUsd: intent.stopPriceUsd, targetPriceUsd: intent.targetPriceUsd });
  deps.afterBrokerSubmit?.();
  if (answer.ok) {
    const order = syncOrderFromBroker(deps.oms, id, answer.order, 'broker', iso());
    record(deps, ctx, 'protection-placed', id, { symbol: key.symbol, qty: intent.shares, stop: intent.stopPriceUsd, target: intent.targetPriceUsd, state: order.state });
    return { kind: 'submitted', order, broker: answer.order, rejection: null };
  }
  const rejected = deps.oms.applyEvent(id, { kind: 'reject' }, 'broker', { code: answer.code, detail: answer.detail });
  record(deps, ctx, 'protection-rejected', id, { code: answer.code, detail: answer.detail });
  return { kind: 'submitted', order: rejected.ok ? rejected.order : deps.oms.get(id)!, broker: null, rejection: { code: answer.code, detail: answer.detail } };
}

/** Cancels a resting protection (before an exit sells the shares it holds); a protection already final is left as it is. */
export async function cancelProtection(id: string, ctx: AppContext, deps: OrderDeps): Promise<OrderRow | null> {
  const atBroker = await deps.broker.orderByClientId(id);
  if (atBroker === null) return deps.oms.get(id);
  if (atBroker.status === 'submitted' || atBroker.status === 'partially_filled') {
    await deps.broker.cancel(atBroker.id);
    record(deps, ctx, 'protection-cancelled', id, { symbol: atBroker.symbol });
  }
  const now = await deps.broker.orderByClientId(id);
  return now === null || deps.oms.get(id) === null ? deps.oms.get(id) : syncOrderFromBroker(deps.oms, id, now, 'broker', ctx.now().toISOString());
}

function record(deps: OrderDeps, ctx: AppContext, decision: string, subject: string, data: Record<string, unknown>): void {
  const at = ctx.now().toISOString();
  appendAudit(deps.auditFile, { kind: 'order-decision', subject, data: { decision, broker: deps.broker.name, ...data }, at });
  appendJournal(deps.stateDir, { at, decision, subject, broker: deps.broker.name, ...data });
}
