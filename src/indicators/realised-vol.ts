import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';
import { RollingStdKernel, rollingStdInto } from './rolling-std.js';

/** Trading sessions per year used to annualise daily statistics. */
export const TRADING_DAYS_PER_YEAR = 252;
const ANNUALISE = Math.sqrt(TRADING_DAYS_PER_YEAR);

/**
 * Annualised realised volatility: the sample standard deviation (ddof = 1) of the last `period`
 * daily log returns ln(close[t] / close[t-1]), times sqrt(252). A fraction (0.2 = 20 %/year).
 * Needs period >= 2. Warm-up: period (period returns need period + 1 closes).
 *
 * A close that is NaN or not positive has no log return, so both returns touching it are NaN and
 * the output is NaN while either is in the window; it recovers once they have left.
 */
export class RealisedVolKernel implements StreamingKernel<[close: number]> {
  readonly warmup: number;
  private readonly std: RollingStdKernel;
  private prev = Number.NaN;

  constructor(period: number) {
    checkPeriod(period, 2, 'realised volatility is a sample standard deviation and needs at least two returns');
    this.std = new RollingStdKernel(period, ANNUALISE);
    this.warmup = period;
  }

  update(close: number): number {
    // The first bar feeds a NaN return, which is exactly one extra bar of warm-up.
    const r = logReturn(this.prev, close);
    this.prev = close;
    return this.std.update(r);
  }

  reset(): void {
    this.std.reset();
    this.prev = Number.NaN;
  }
}

function logReturn(prev: number, close: number): number {
  return prev > 0 && close > 0 ? Math.log(close / prev) : Number.NaN;
}

/** Batch face of RealisedVolKernel. */
export function realisedVol(close: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period, 2, 'realised volatility is a sample standard deviation and needs at least two returns');
  const n = close.length;
  // One scratch array per call: the returns are read twice, entering and leaving the window.
  const returns = new Float64Array(n);
  returns[0] = Number.NaN;
  for (let i = 1; i < n; i++) returns[i] = logReturn(close[i - 1], close[i]);
  const out = new Float64Array(n);
  rollingStdInto(returns, period, ANNUALISE, out);
  return out;
}
