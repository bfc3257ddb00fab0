import { dayToIso } from '../core/calendar.js';
import type { Decision, DenialCode, EngineResult } from '../backtest/engine.js';
import { monteCarloTrades, stressTest, type MonteCarloResult, type ResampleMethod, type StressReport } from '../validation/monte-carlo/index.js';

/**
 * Seed 003's decision record for every signal: whether it was admitted, why not, whether the
 * refusal is a hard rule (no amount of capital or free slots would have let it through) or a
 * capacity limit, and which component decided.
 */
const DENIAL_SOURCE: Record<DenialCode, { hard: boolean; source: string }> = {
  REGIME_FILTER: { hard: true, source: 'regime-filter' },
  ALREADY_IN_POSITION: { hard: true, source: 'portfolio' },
  MAX_POSITIONS: { hard: false, source: 'portfolio' },
  CORRELATION_LIMIT: { hard: false, source: 'portfolio' },
  STRATEGY_BUDGET: { hard: false, source: 'allocation' },
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

export function runMonteCarlo(e: EngineResult, simulations: number, method: ResampleMethod, seed: number, maxDrawdownTolerance: number, keepSamples = false): MonteCarloResult {
  return monteCarloTrades({ tradeReturns: tradeReturns(e), initialEquity: e.initialCapital, simulations, seed, method, maxDrawdownTolerance, keepSamples });
}

/**
 * The stress model shocks each session by exposure x beta x drop, so it wants the beta of the
 * positions themselves: the portfolio's beta (measured on equity) over its average exposure.
 */
export function runStress(e: EngineResult, portfolioBeta: number | null, avgExposure: number | null, maxDrawdownTolerance: number): StressReport {
  const beta = portfolioBeta !== null && avgExposure !== null && avgExposure > 0 && portfolioBeta > 0 ? portfolioBeta / avgExposure : 1;
  return stressTest({ equity: e.equity, exposureFrac: e.exposureFrac, days: e.days, initialEquity: e.initialCapital, beta, maxDrawdownTolerance });
}
