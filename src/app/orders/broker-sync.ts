import { KobeError } from '../../core/errors.js';
import type { BrokerOrder } from '../../brokers/broker.js';
import type { OrderEventSource, OrderRow, OrderStore } from '../../store/order-store.js';

/**
 * Brings the OMS row of an order up to what the broker says about it, through the store (and so
 * through `transition`, the only way a state changes): `submit` with the broker's id while the
 * row is `new`, one fill for the shares the broker filled beyond those recorded, then the
 * broker's final word (`cancel`, `expire`, `reject`). Brokers report cumulative fills (the paper
 * broker and Alpaca's order object): the missing shares are recorded as one execution whose id
 * names the broker order and its cumulative filled quantity, so applying the same answer twice
 * (a rerun, a second process) records it once. Events the row no longer accepts (it is already
 * there) are skipped: syncing is idempotent. A protective exit's fill is recorded the same way
 * (so the account's fills, and the circuit breaker's P&L, see it), with the level that filled it
 * (`exitReason`) in the fill event.
 */
export function syncOrderFromBroker(oms: OrderStore, clientOrderId: string, broker: BrokerOrder, source: OrderEventSource, nowIso: string): OrderRow {
  const current = (): OrderRow => {
    const row = oms.get(clientOrderId);
    if (row === null) throw new KobeError('UNKNOWN_ORDER', `order ${clientOrderId} is not in the OMS`, { kind: 'runtime', value: clientOrderId });
    return row;
  };
  const detail = { brokerStatus: broker.brokerStatus };
  let row = current();
  if (row.state === 'new' && broker.status !== 'rejected') {
    oms.applyEvent(clientOrderId, { kind: 'submit', brokerOrderId: broker.id }, source, detail);
    row = current();
  }
  const missing = broker.filledQty - row.filledQty;
  if (missing > 1e-9 && broker.filledAvgPriceUsd !== null) {
    // The price of the shares not yet recorded, so the row's average ends at the broker's.
    const price = (broker.filledAvgPriceUsd * broker.filledQty - (row.avgFillPrice ?? 0) * row.filledQty) / missing;
    const why = broker.exitReason === null ? {} : { exitReason: broker.exitReason };
    oms.recordFill(clientOrderId, { execId: `${broker.id}:cum-${broker.filledQty}`, qty: missing, price, executedAt: nowIso }, source, why);
    row = current();
  }
  const final = broker.status === 'cancelled' ? 'cancel' : broker.status === 'expired' ? 'expire' : broker.status === 'rejected' ? 'reject' : null;
  if (final !== null && row.state !== 'filled' && row.state !== 'cancelled' && row.state !== 'expired' && row.state !== 'rejected') {
    oms.applyEvent(clientOrderId, { kind: final }, source, detail);
    row = current();
  }
  return row;
}
