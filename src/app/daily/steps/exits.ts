import { lowerBound, parseIsoDay } from '../../../core/calendar.js';
import { SIGNAL_EXIT } from '../../../strategies/types.js';
import { resolveStrategyParams, STRATEGIES } from '../../../strategies/registry.js';
import type { PlanRow } from '../../../store/pipeline-store.js';
import { cancelProtection } from '../../orders/protect.js';
import { submitIntent } from '../../orders/submit.js';
import { scanHistoryBars } from '../../scan/history.js';
import { scanWindow, type ScanLeg } from '../../scan/scan-signals.js';
import type { DailyRun } from '../daily-run.js';
import { done, type StepResult } from './step.js';

/** Why the engine would close a position at the signal day's close, or null: its time exit first, then its strategy's exit signal. */
export function exitReasonAtClose(run: DailyRun, plan: PlanRow, exitSignalled: boolean): 'time' | 'signal' | null {
  const bars = run.bars(plan.symbol);
  if (bars === null || plan.entryDate === null) return null;
  const entryBar = lowerBound(bars.day, parseIsoDay(plan.entryDate));
  const bar = lowerBound(bars.day, run.signalDay);
  // No bar on the signal day: the engine decides nothing for the symbol that day.
  if (bar >= bars.day.length || bars.day[bar] !== run.signalDay) return null;
  if (plan.timeExitBars > 0 && bar - entryBar + 1 >= plan.timeExitBars) return 'time';
  return exitSignalled ? 'signal' : null;
}

/**
 * The exits the engine decides at the signal day's close, for every open position of the
 * pipeline: a time exit after the plan's bars, or the strategy's own exit signal on that bar
 * (its signal book over the same window the scan reads). An exit cancels the position's resting
 * protection first (a broker holds those shares for it), then sells at the next open through the
 * order path, idempotent by client order id.
 */
export async function exitsStep(run: DailyRun): Promise<StepResult> {
  run.at('morning');
  const open = run.store.plans(['open']).filter((p) => p.exitClientOrderId === null);
  if (open.length === 0) return done({ exits: [] }, ['no open position to review']);
  const market = await run.market();
  const session = run.orders();
  const legs = new Map<string, ScanLeg>();
  for (const p of open) {
    const key = `${p.strategy}|${JSON.stringify(p.params)}`;
    if (!legs.has(key) && p.strategy in STRATEGIES) {
      const strategy = STRATEGIES[p.strategy as keyof typeof STRATEGIES];
      legs.set(key, { strategy, params: resolveStrategyParams(strategy, p.params) });
    }
  }
  const win = scanWindow(market.ctx.panel, run.signalDay, scanHistoryBars([...legs.values()], run.spec.regimeSmaPeriod));
  const exitSignalled = (p: PlanRow): boolean => {
    const leg = legs.get(`${p.strategy}|${JSON.stringify(p.params)}`);
    if (win === null || leg === undefined) return false;
    const sym = win.panel.symbols.indexOf(p.symbol);
    const { book } = win.ctx.leg(leg.strategy, leg.params);
    for (let j = book.dayStart[win.t]; j < book.dayStart[win.t + 1]; j++) if (book.code[j] === SIGNAL_EXIT && book.sym[j] === sym) return true;
    return false;
  };
  const exits: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const positions = new Map((await session.broker.positions()).map((p) => [p.symbol, p.qty]));
  for (const plan of open) {
    const reason = exitReasonAtClose(run, plan, exitSignalled(plan));
    if (reason === null) continue;
    const qty = positions.get(plan.symbol) ?? 0;
    if (qty <= 0) {
      lines.push(`${plan.symbol}: ${reason} exit due, but the broker holds no shares (reconcile)`);
      continue;
    }
    if (plan.protectClientOrderId !== null && plan.entryDate !== null) {
      const cancelled = await cancelProtection({ tradingDate: plan.entryDate, strategy: plan.strategy, symbol: plan.symbol, side: 'sell', intent: 'protect' }, run.ctx, session.deps);
      // A protection that filled already closed the position; one still working holds the shares.
      if (cancelled.kind === 'filled' || cancelled.kind === 'pending') {
        lines.push(`${plan.symbol}: ${reason} exit due, but its protection is ${cancelled.kind}: no sell (the fill step records it)`);
        continue;
      }
    }
    const key = { tradingDate: run.tradingDate, strategy: plan.strategy, symbol: plan.symbol, side: 'sell' as const, intent: 'exit' };
    const outcome = await submitIntent({ ...key, shares: Math.min(qty, plan.shares) }, run.ctx, session.deps);
    const id = outcome.kind === 'denied' ? outcome.clientOrderId : outcome.order.clientOrderId;
    if (outcome.kind !== 'denied') run.store.updatePlan(plan.entryClientOrderId, { exitClientOrderId: id, exitReason: reason }, run.nowIso());
    run.journal('exit', plan.symbol, { strategy: plan.strategy, reason, outcome: outcome.kind, clientOrderId: id });
    exits.push({ symbol: plan.symbol, strategy: plan.strategy, reason, outcome: outcome.kind, clientOrderId: id });
    lines.push(`${plan.symbol}: ${reason} exit, ${outcome.kind}${outcome.kind === 'denied' ? ` (${outcome.denials.map((d) => d.code).join(', ')})` : ''}`);
  }
  return done({ exits }, lines.length === 0 ? ['no exit due'] : lines);
}
