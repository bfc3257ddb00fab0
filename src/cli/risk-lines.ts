import { dayToIso } from '../core/calendar.js';
import type { MonteCarloResult, StressReport } from '../validation/monte-carlo/index.js';
import { num, pct } from './render.js';

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
