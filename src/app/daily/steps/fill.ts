import { FINAL_ORDER_STATUSES, type BrokerOrder } from '../../../brokers/broker.js';
import { PaperBroker } from '../../../brokers/paper-broker.js';
import { sessionCloseUtcMs, sessionOpenUtcMs } from '../../../core/exchange-calendar.js';
import { stopLevel, targetLevel } from '../../../execution/fill-price.js';
import type { PlanRow } from '../../../store/pipeline-store.js';
import { syncOrderFromBroker } from '../../orders/broker-sync.js';
import { protectPosition } from '../../orders/protect.js';
import type { DailyRun } from '../daily-run.js';
import { done, waiting, type StepResult } from './step.js';

/**
 * The trading day's bar meets the orders, in the engine's order of a day: at the open the
 * morning's exits and entries fill (the paper broker's next-bar fill: the open, slipped, within
 * the limit); each new position gets its protection (stop and target laid off the actual fill
 * price, as the engine lays them), placed at the open so it meets the rest of the bar without the
 * open-gap rule; then every resting protection meets the bar's range. An order whose symbol has
 * no bar that day expires unfilled, as the engine's does. Then the OMS and the plans take what
 * the broker says. With a real broker the fills are the broker's: only the syncing runs.
 */
export async function fillStep(run: DailyRun): Promise<StepResult> {
  run.at('eod');
  if (!run.replay && run.nowMs() < sessionCloseUtcMs(run.tradingDay)) return waiting(`the ${run.tradingDate} bar comes after the close`);
  await run.market();
  const session = run.orders();
  const broker = session.broker;
  const lines: string[] = [];
  const paper = broker instanceof PaperBroker ? broker : null;
  const openMs = sessionOpenUtcMs(run.tradingDay);
  if (paper !== null) {
    const openOrders = await paper.openOrders();
    const symbols = [...new Set(openOrders.map((o) => o.symbol))];
    if (symbols.length > 0 && symbols.every((s) => run.barOn(s, run.tradingDay) === null) && !run.replay) {
      return waiting(`no ${run.tradingDate} bar in the data yet (refresh it)`);
    }
    run.at('open');
    // Sells first: exits fund the same morning's entries.
    symbols.sort((a, b) => Number(hasSell(openOrders, b)) - Number(hasSell(openOrders, a)) || (a < b ? -1 : a > b ? 1 : 0));
    for (const symbol of symbols) {
      const bar = run.barOn(symbol, run.tradingDay);
      if (bar === null) {
        for (const o of openOrders.filter((x) => x.symbol === symbol && x.orderClass === 'simple')) {
          await paper.cancel(o.id);
          lines.push(`${symbol}: no bar on ${run.tradingDate}, ${o.side} order expired unfilled`);
        }
        continue;
      }
      paper.fillOnBar(symbol, bar, openMs);
    }
  }
  lines.push(...syncPlans(run, await brokerOrders(run)));
  // Protection for the positions opened today. With the paper broker it is placed at the open and
  // meets the rest of the day's bar, as the engine's stops do from the entry bar; a real broker's
  // protection is live from when this step runs.
  for (const plan of run.store.plans(['open'])) {
    if (plan.entryDate !== run.tradingDate || plan.protectClientOrderId !== null || (plan.stopDist === null && plan.targetDist === null)) continue;
    const side = plan.side === 'long' ? 1 : -1;
    const stop = plan.stopDist === null ? null : stopLevel(side, plan.entryPrice!, plan.stopDist);
    const target = plan.targetDist === null ? null : targetLevel(side, plan.entryPrice!, plan.targetDist);
    const key = { tradingDate: run.tradingDate, strategy: plan.strategy, symbol: plan.symbol, side: 'sell' as const, intent: 'protect' };
    const outcome = await protectPosition({ ...key, shares: plan.shares, stopPriceUsd: stop, targetPriceUsd: target }, run.ctx, session.deps);
    const id = outcome.kind === 'denied' ? outcome.clientOrderId : outcome.order.clientOrderId;
    if (outcome.kind !== 'denied' && outcome.order.state !== 'rejected') run.store.updatePlan(plan.entryClientOrderId, { protectClientOrderId: id }, run.nowIso());
    lines.push(`${plan.symbol}: protection ${outcome.kind} (stop ${stop?.toFixed(4) ?? 'none'}, target ${target?.toFixed(4) ?? 'none'})`);
    const bar = run.barOn(plan.symbol, run.tradingDay);
    if (paper !== null && bar !== null) paper.fillOnBar(plan.symbol, bar, openMs);
  }
  run.at('eod');
  const orders = await brokerOrders(run);
  const changed = syncPlans(run, orders);
  lines.push(...changed);
  return done({ fills: orders.filter((o) => o.filledQty > 0 && o.updatedAtMs >= sessionOpenUtcMs(run.tradingDay)).length, planChanges: changed }, lines.length === 0 ? ['nothing to fill'] : lines);
}

const hasSell = (orders: readonly BrokerOrder[], symbol: string): boolean => orders.some((o) => o.symbol === symbol && o.side === 'sell');

/** The broker's word on every order of a live plan, synced into the OMS. */
async function brokerOrders(run: DailyRun): Promise<BrokerOrder[]> {
  const session = run.orders();
  const ids = new Set<string>();
  for (const p of run.store.plans(['pending', 'open'])) {
    ids.add(p.entryClientOrderId);
    if (p.protectClientOrderId !== null) ids.add(p.protectClientOrderId);
    if (p.exitClientOrderId !== null) ids.add(p.exitClientOrderId);
  }
  const out: BrokerOrder[] = [];
  for (const id of ids) {
    const o = await session.broker.orderByClientId(id);
    if (o === null) continue;
    if (session.oms.get(id) !== null) syncOrderFromBroker(session.oms, id, o, 'broker', run.nowIso());
    out.push(o);
  }
  return out;
}

/** Moves each plan along what its orders did: entry filled (open) or not (unfilled); exit or protection filled (closed). */
function syncPlans(run: DailyRun, orders: readonly BrokerOrder[]): string[] {
  const byId = new Map(orders.map((o) => [o.clientOrderId, o]));
  const changes: string[] = [];
  const at = run.nowIso();
  for (const plan of run.store.plans(['pending', 'open'])) {
    if (plan.status === 'pending') {
      const entry = byId.get(plan.entryClientOrderId);
      if (entry === undefined) continue;
      if (entry.filledQty > 0 && entry.filledAvgPriceUsd !== null) {
        run.store.updatePlan(plan.entryClientOrderId, { status: 'open', entryPrice: entry.filledAvgPriceUsd, entryDate: run.tradingDate, shares: entry.filledQty }, at);
        run.journal('fill', plan.symbol, { side: 'buy', qty: entry.filledQty, price: entry.filledAvgPriceUsd, clientOrderId: entry.clientOrderId });
        changes.push(`${plan.symbol}: bought ${entry.filledQty} at ${entry.filledAvgPriceUsd}`);
      } else if (FINAL_ORDER_STATUSES.has(entry.status)) {
        run.store.updatePlan(plan.entryClientOrderId, { status: 'unfilled' }, at);
        changes.push(`${plan.symbol}: entry ${entry.status}, nothing filled`);
      }
      continue;
    }
    const closedBy = exitFill(plan, byId);
    if (closedBy === null) continue;
    run.store.updatePlan(plan.entryClientOrderId, { status: 'closed', exitPrice: closedBy.price, exitDate: run.tradingDate, exitReason: closedBy.reason }, at);
    run.journal('fill', plan.symbol, { side: 'sell', qty: closedBy.qty, price: closedBy.price, reason: closedBy.reason, clientOrderId: closedBy.id });
    changes.push(`${plan.symbol}: sold ${closedBy.qty} at ${closedBy.price} (${closedBy.reason})`);
  }
  return changes;
}

function exitFill(plan: PlanRow, byId: ReadonlyMap<string, BrokerOrder>): { id: string; qty: number; price: number; reason: string } | null {
  for (const id of [plan.exitClientOrderId, plan.protectClientOrderId]) {
    if (id === null) continue;
    const o = byId.get(id);
    if (o === undefined || o.status !== 'filled' || o.filledAvgPriceUsd === null) continue;
    const reason = id === plan.exitClientOrderId ? (plan.exitReason ?? 'exit') : (o.exitReason ?? 'stop');
    return { id, qty: o.filledQty, price: o.filledAvgPriceUsd, reason };
  }
  return null;
}
