import { createRng } from '../core/rng.js';
import { monteCarloTrades, type ResampleMethod } from '../validation/monte-carlo/monte-carlo.js';

export interface MonteCarloBenchOptions {
  readonly simulations?: number;
  readonly trades?: number;
  /** Timed runs per method after one warm-up run; the best and median are reported. */
  readonly repeats?: number;
}

export interface MonteCarloBenchRow {
  readonly method: ResampleMethod;
  readonly simulations: number;
  readonly trades: number;
  readonly bestMs: number;
  readonly medianMs: number;
}

/**
 * Times monteCarloTrades on synthetic trade returns (seeded: mean +0.3%, sd 3%, floored at -90%),
 * default 10,000 simulations of 500 trades, with a 20% drawdown tolerance and default bands.
 * The clock is a parameter so this module stays free of I/O and clocks: the benchmark passes
 * `() => performance.now()`. Target: well under a second on a slow 2-core machine.
 */
export function benchMonteCarlo(now: () => number, options: MonteCarloBenchOptions = {}): MonteCarloBenchRow[] {
  const simulations = options.simulations ?? 10_000;
  const trades = options.trades ?? 500;
  const repeats = Math.max(1, options.repeats ?? 5);
  const rng = createRng(20240601);
  const tradeReturns = new Float64Array(trades);
  for (let i = 0; i < trades; i++) tradeReturns[i] = Math.max(-0.9, 0.003 + 0.03 * rng.normal());
  const rows: MonteCarloBenchRow[] = [];
  for (const method of ['bootstrap', 'shuffle'] as const) {
    const run = (seed: number) =>
      monteCarloTrades({ tradeReturns, initialEquity: 100_000, simulations, seed, method, maxDrawdownTolerance: 0.2 });
    run(0); // warm-up: let the JIT compile the loop
    const times: number[] = [];
    for (let k = 1; k <= repeats; k++) {
      const t0 = now();
      run(k);
      times.push(now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push({ method, simulations, trades, bestMs: times[0], medianMs: times[(times.length - 1) >> 1] });
  }
  return rows;
}
