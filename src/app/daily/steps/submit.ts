import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../backtest/config.js';
import { isKobeError, KobeError } from '../../../core/errors.js';
import { clientOrderId } from '../../../execution/client-order-id.js';
import { estimatedCostUsd } from '../../../execution/costs.js';
import { sizeOrder } from '../../../portfolio/sizing.js';
import { checkAlreadyInPosition, checkInsufficientCash, checkMaxPositions, checkZeroShares } from '../../../risk/checks.js';
import { submitIntent } from '../../orders/submit.js';
import type { DailyRun } from '../daily-run.js';
import { addIntentsToMorningReport } from '../morning-report.js';
import type { PlannedPick, ScanStepSummary } from './scan.js';
import { done, type StepResult } from './step.js';

/** The engine configuration the pipeline trades with: the backtest's defaults on the paper account's capital. */
export const pipelineEngineConfig = (capitalUsd: number): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, initialCapital: capitalUsd });

/**
 * Entries for the scan's picks, sized and checked as the engine sizes and checks a signal at the
 * close (`portfolio/sizing.ts`, `risk/checks.ts`: one position per symbol, the position limit,
 * whole shares, cash), then sent through the order path (`submitIntent`: every order gate,
 * idempotent by client order id). The plan of each entry is recorded before its order is sent,
 * so a crash between the two leaves a plan whose order the next run finds or sends. What was
 * sent or denied is added to the morning report.
 */
export async function submitStep(run: DailyRun): Promise<StepResult> {
  const r = await submitEntries(run);
  const report = updateMorningReport(run, r.summary.outcomes as Record<string, unknown>[]);
  return done({ ...r.summary, morningReport: report.file }, report.problem === null ? r.lines : [...r.lines, report.problem]);
}

/**
 * The intents go onto the morning report the scan wrote. A report that cannot be rewritten is
 * said, not a failure of the step: the orders are sent, and a rerun must not be blocked by a page.
 */
function updateMorningReport(run: DailyRun, outcomes: readonly Record<string, unknown>[]): { file: string | null; problem: string | null } {
  try {
    const file = addIntentsToMorningReport(run, outcomes);
    return { file, problem: file === null ? 'morning report: none from the scan step to add the intents to' : null };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    run.journal('morning-report-failed', 'submit', { message });
    return { file: null, problem: `morning report not updated: ${message}` };
  }
}

async function submitEntries(run: DailyRun): Promise<StepResult> {
  run.at('morning');
  const scan = run.store.marker(run.tradingDate, 'scan');
  if (scan === null || scan.status !== 'done') throw new KobeError('SCAN_NOT_DONE', `the scan of ${run.tradingDate} has not run: nothing to submit`, { kind: 'runtime', hint: 'run the scan step first (kobe daily runs the steps in order)' });
  const picks = (scan.summary as unknown as ScanStepSummary).picks;
  if (picks.length === 0) return done({ submitted: 0, outcomes: [] }, ['nothing to submit']);
  await run.market();
  const session = run.orders();
  const config = pipelineEngineConfig(run.spec.capitalUsd);
  const account = await session.broker.account();
  const positions = await session.broker.positions();
  const closeOnSignalDay = (symbol: string): number => run.barOn(symbol, run.signalDay)?.close ?? Number.NaN;
  let marked = account.cashUsd;
  for (const p of positions) marked += p.qty * (Number.isFinite(closeOnSignalDay(p.symbol)) ? closeOnSignalDay(p.symbol) : p.avgEntryPriceUsd);
  const todays = run.store.plans(['pending']).filter((p) => p.tradingDate === run.tradingDate);
  let reserved = todays.reduce((s, p) => s + estimatedCostUsd(config.costs, p.shares, closeOnSignalDay(p.symbol)), 0);
  let used = positions.length + todays.length;
  const held = new Set([...positions.filter((p) => p.qty !== 0).map((p) => p.symbol), ...todays.map((p) => p.symbol)]);

  const outcomes: Record<string, unknown>[] = [];
  const lines: string[] = [];
  for (const pick of picks) {
    const key = { tradingDate: run.tradingDate, strategy: pick.strategy, symbol: pick.symbol, side: 'buy' as const, intent: 'entry' };
    const id = clientOrderId(key);
    const known = run.store.plan(id);
    const deny = (code: string, detail: string) => {
      run.journal('entry-denied', pick.symbol, { strategy: pick.strategy, code, detail });
      outcomes.push({ symbol: pick.symbol, strategy: pick.strategy, outcome: 'denied', code, detail });
      lines.push(`${pick.symbol}: denied ${code} (${detail})`);
    };
    if (known === null) {
      if (pick.side === 'short' && run.spec.broker === 'paper') {
        deny('PAPER_LONG_ONLY', 'the paper broker does not sell short');
        continue;
      }
      const order = { side: 1 as const, refPrice: pick.entry, shares: 0, estimatedCostUsd: 0 };
      const snapshot = { equityUsd: marked, freeCashUsd: account.cashUsd - reserved, positionsUsed: used, symbolPositions: held.has(pick.symbol) ? 1 : 0 };
      const market = { regime: -1 };
      let check = checkAlreadyInPosition(order, snapshot, market, config);
      if (check.ok) check = checkMaxPositions(order, snapshot, market, config);
      if (check.ok) {
        order.shares = sizeOrder(config, marked, snapshot.freeCashUsd, pick.entry, pick.stopDist ?? Number.NaN);
        check = checkZeroShares(order, snapshot, market, config);
      }
      if (check.ok) {
        order.estimatedCostUsd = estimatedCostUsd(config.costs, order.shares, pick.entry);
        check = checkInsufficientCash(order, snapshot, market, config);
      }
      if (!check.ok) {
        deny(check.code, check.detail);
        continue;
      }
      run.store.insertPlan(planOf(run, id, pick, order.shares), run.nowIso());
    }
    const plan = run.store.plan(id)!;
    reserved += known === null ? estimatedCostUsd(config.costs, plan.shares, pick.entry) : 0;
    used += known === null ? 1 : 0;
    held.add(pick.symbol);
    let outcome;
    try {
      outcome = await submitIntent({ ...key, shares: plan.shares }, run.ctx, session.deps);
    } catch (e) {
      // An order the path refuses to even build (a symbol the broker cannot take) is this pick's
      // denial, not the day's failure; a broker that cannot be reached still fails the step.
      if (!isKobeError(e) || e.kind === 'runtime') throw e;
      run.store.updatePlan(id, { status: 'denied' }, run.nowIso());
      deny(e.code, e.message);
      continue;
    }
    if (outcome.kind === 'denied') {
      run.store.updatePlan(id, { status: 'denied' }, run.nowIso());
      deny(outcome.denials[0]?.code ?? 'DENIED', outcome.denials.map((d) => d.detail).join('; '));
      continue;
    }
    const state = outcome.order.state;
    if (state === 'rejected' || state === 'cancelled' || state === 'expired') run.store.updatePlan(id, { status: 'unfilled' }, run.nowIso());
    outcomes.push({ symbol: pick.symbol, strategy: pick.strategy, outcome: outcome.kind, clientOrderId: id, shares: plan.shares, limitPrice: outcome.order.limitPrice, state });
    lines.push(`${pick.symbol}: ${outcome.kind} buy ${plan.shares} limit ${outcome.order.limitPrice} (${state})`);
  }
  return done({ submitted: outcomes.filter((o) => o.outcome !== 'denied').length, outcomes }, lines);
}

function planOf(run: DailyRun, id: string, pick: PlannedPick, shares: number) {
  return {
    entryClientOrderId: id,
    tradingDate: run.tradingDate,
    signalDate: run.signalDate,
    symbol: pick.symbol,
    strategy: pick.strategy,
    params: pick.params,
    side: pick.side,
    shares,
    stopDist: pick.stopDist,
    targetDist: pick.targetDist,
    timeExitBars: pick.timeExitBars,
  };
}
