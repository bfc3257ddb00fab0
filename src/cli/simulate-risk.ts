import { dayToIso } from '../core/calendar.js';
import type { Decision, DenialCode, EngineResult } from '../backtest/engine.js';
import { monteCarloTrades, stressTest, type MonteCarloResult, type ResampleMethod, type StressReport } from '../validation/monte-carlo/index.js';
import { num, pct } from './render.js';

/**
 * Seed 003's decision record for every signal: whether it was admitted, why not, whether the
 * refusal is a hard rule (no amount of capital or free slots would have let it through) or a
 * capacity limit, and which component decided.
 */
const DENIAL_SOURCE: Record<DenialCode, { hard: boolean; source: string }> = {
  REGIME_FILTER: { hard: true, source: 'regime-filter' },
  ALREADY_IN_POSITION: { hard: true, source: 'portfolio' },
  MAX_POSITIONS: { hard: false, source: 'portfolio' },
  ZERO_SHARES: { hard: false, source: 'sizing' },
  INSUFFICIENT_CASH: { hard: false, source: 'sizing' },
  NO_FILL_BAR: { hard: true, source: 'fill-model' },
  WINDOW_END: { hard: true, source: 'engine' },
};

export function decisionView(d: Decision) {
  const meta = d.code === null ? null : DENIAL_SOURCE[d.code];
  return {
    date: dayToIso(d.day),
    symbol: d.symbol,
    strategy: d.strategy,
    side: d.side,
    admit: d.admitted,
    reasons: d.code === null ? [d.detail] : [`${d.code}: ${d.detail}`],
    hardBlocked: meta?.hard ?? false,
    source: meta?.source ?? 'engine',
  };
}

/** Each trade's net P&L over the account's equity at the close its order was decided on. */
export function tradeReturns(e: EngineResult): Float64Array {
  const equityOn = new Map<number, number>();
  for (let i = 0; i < e.days.length; i++) equityOn.set(e.days[i], e.equity[i]);
  return Float64Array.from(e.trades, (t) => Math.max(-1, t.pnl / (equityOn.get(t.entrySignalDay) ?? e.initialCapital)));
}

export function runMonteCarlo(e: EngineResult, simulations: number, method: ResampleMethod, seed: number, maxDrawdownTolerance: number): MonteCarloResult {
  return monteCarloTrades({ tradeReturns: tradeReturns(e), initialEquity: e.initialCapital, simulations, seed, method, maxDrawdownTolerance });
}

/**
 * The stress model shocks each session by exposure x beta x drop, so it wants the beta of the
 * positions themselves: the portfolio's beta (measured on equity) over its average exposure.
 */
export function runStress(e: EngineResult, portfolioBeta: number | null, avgExposure: number | null, maxDrawdownTolerance: number): StressReport {
  const beta = portfolioBeta !== null && avgExposure !== null && avgExposure > 0 && portfolioBeta > 0 ? portfolioBeta / avgExposure : 1;
  return stressTest({ equity: e.equity, exposureFrac: e.exposureFrac, days: e.days, initialEquity: e.initialCapital, beta, maxDrawdownTolerance });
}

const v = (x: { value: number | null; reason?: string }, f: (n: number) => string) => (x.value === null ? `n/a (${x.reason})` : f(x.value));

export function monteCarloLines(r: MonteCarloResult): string[] {
  const p = (d: MonteCarloResult['finalReturn'], at: number) => (d.value === null ? 'n/a' : pct(d.value.percentiles.find((q) => q.percentile === at)?.value ?? null));
  return [
    `${r.simulations} ${r.method} resamples of ${r.trades} trades (seed ${r.seed})`,
    `final return p5 ${p(r.finalReturn, 5)}, median ${p(r.finalReturn, 50)}, p95 ${p(r.finalReturn, 95)}; probability of profit ${v(r.probabilityOfProfit, (x) => pct(x, 1))}`,
    `VaR(95) ${v(r.var95, pct)}, CVaR(95) ${v(r.cvar95, pct)} of the final return (losses as positive fractions: negative means even the worst 5% gained)`,
    `max drawdown median ${p(r.maxDrawdown, 50)}, p95 ${p(r.maxDrawdown, 95)}; probability of a ${pct(r.maxDrawdownTolerance)} drawdown ${v(r.probabilityOfBreach, (x) => pct(x, 1))}`,
  ];
}

export function stressLines(s: StressReport): string[] {
  const out: string[] = [];
  for (const sc of s.scenarios) {
    const w = sc.worst.value;
    out.push(
      w === null
        ? `${sc.name}: n/a (${sc.worst.reason})`
        : `${sc.name}: worst placement ${w.startDay === null ? '' : dayToIso(w.startDay)} -> max drawdown ${pct(w.maxDrawdownFrac)}, final ${pct(w.finalReturnFrac)}, ${w.survived.value === null ? '' : w.survived.value ? 'survives' : 'BREACHES'} the ${pct(s.maxDrawdownTolerance)} tolerance`,
    );
  }
  out.push(`(stress beta ${num(s.beta)} per unit of exposure: the portfolio beta over the average exposure; shocks applied to the equity path and its exposure, not re-simulated positions)`);
  return out;
}
