import type { wfAllocationSummary } from '../app/allocation-view.js';
import type { AllocationReportInput } from '../report/allocation-report.js';
import { num, pct } from './render.js';

/** The allocation of one run in a few log lines: limits that bit, and the Kelly sleeves' last weights. */
export function allocationLines(a: AllocationReportInput): string[] {
  const lines: string[] = [];
  const { limits, kelly } = a;
  if (limits.maxSymbolWeight !== null) lines.push(`max symbol weight ${pct(limits.maxSymbolWeight)} of equity: ${limits.ordersClampedToSymbolWeight} orders clamped to it`);
  if (limits.maxCorrelation !== null) lines.push(`max correlation ${limits.maxCorrelation} (60-session daily returns) with a held or ordered symbol: ${limits.deniedForCorrelation} entries denied (CORRELATION_LIMIT)`);
  if (kelly !== null) {
    const s = kelly.settings;
    const forced = kelly.rebalances.filter((r) => r.reason === 'ceiling').length;
    lines.push(
      `Kelly sleeves: ${s.fraction} x Kelly on each strategy's own trade record (${s.minTrades}+ trades, else min(${pct(s.maxStrategyWeight)}, 1/strategies)), at most ${pct(s.maxStrategyWeight)} each; ` +
        `${kelly.rebalances.length} rebalances (every ${s.rebalanceSessions} sessions; ${forced} forced by the ${pct(s.ceilingWeight)} ceiling); ${kelly.deniedForStrategyBudget} entries denied for a spent sleeve (STRATEGY_BUDGET)`,
    );
    const last = kelly.rebalances.at(-1);
    if (last !== undefined) {
      for (const st of last.strategies) {
        const why =
          st.fractionalKelly === null
            ? `start weight: ${st.trades} trades closed, too few for Kelly`
            : `Kelly ${num(st.kellyFrac)} on ${st.trades} trades, x ${s.fraction} = ${num(st.fractionalKelly)}`;
        const cut = st.correlationCut === null ? '' : `; cut to ${pct(st.correlationCut.keptFrac)} for correlation ${num(st.correlationCut.correlation)} with ${st.correlationCut.with}`;
        lines.push(`  ${last.date}: ${st.strategy} ${pct(st.weight)} of equity (${why}${cut})`);
      }
    }
  }
  return lines;
}

/** A walk-forward's allocation over its test windows, in a line or two. */
export function wfAllocationLines(a: ReturnType<typeof wfAllocationSummary>): string[] {
  const lines: string[] = [];
  if (a.maxSymbolWeight !== null) lines.push(`max symbol weight ${pct(a.maxSymbolWeight)}: ${a.ordersClampedToSymbolWeight} out-of-sample orders clamped to it`);
  if (a.maxCorrelation !== null) lines.push(`max correlation ${a.maxCorrelation}: ${a.deniedForCorrelation} out-of-sample entries denied (CORRELATION_LIMIT)`);
  if (a.kelly !== null) {
    const weights = a.kelly.splits.map((s) => (s.weight === null ? 'n/a' : pct(s.weight, 1))).join(' ');
    lines.push(`Kelly sleeve (${a.kelly.settings.fraction} x Kelly, at most ${pct(a.kelly.settings.maxStrategyWeight)}) at each split's start: ${weights}; ${a.kelly.deniedForStrategyBudget} entries denied for a spent sleeve`);
  }
  return lines;
}
