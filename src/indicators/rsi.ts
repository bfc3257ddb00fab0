import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';

/**
 * Relative strength index with Wilder smoothing. Warm-up: period (the first value needs `period`
 * close-to-close changes, so it lands on bar index `period`).
 *
 * Average gain and loss are seeded with the plain mean of the first `period` changes, then
 * avg = (avg * (period - 1) + gain) / period, written in technicalindicators' operation order so
 * its averages match ours bit for bit. RSI = 100 * (avgGain / (avgGain + avgLoss)), which
 * equals 100 - 100 / (1 + RS) but cannot overflow, and stays inside [0, 100] after rounding: the
 * rounded sum is never below avgGain, so the quotient never exceeds 1.
 * Flat markets: avgLoss = 0 gives 100 (only gains), and both 0 gives 50, because a series that
 * has not moved is neither overbought nor oversold (technicalindicators says 100 there).
 * Recursive: a NaN close poisons every later output until reset().
 */
export class RsiKernel implements StreamingKernel<[close: number]> {
  readonly warmup: number;
  private readonly period: number;
  private seen = 0;
  private prev = Number.NaN;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(period: number) {
    checkPeriod(period);
    this.period = period;
    this.warmup = period;
  }

  update(close: number): number {
    const p = this.period;
    if (this.seen === 0) {
      this.prev = close;
      this.seen = 1;
      return Number.NaN;
    }
    const change = close - this.prev;
    this.prev = close;
    let gain = change > 0 ? change : 0;
    let loss = change < 0 ? -change : 0;
    // Comparisons with NaN are false, which would turn a missing close into a flat day.
    if (change !== change) gain = loss = Number.NaN;
    if (this.seen <= p) {
      // During seeding avgGain/avgLoss hold sums.
      this.avgGain += gain;
      this.avgLoss += loss;
      if (this.seen < p) {
        this.seen++;
        return Number.NaN;
      }
      this.seen++;
      this.avgGain /= p;
      this.avgLoss /= p;
    } else {
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
    }
    return rsiOf(this.avgGain, this.avgLoss);
  }

  reset(): void {
    this.seen = 0;
    this.prev = Number.NaN;
    this.avgGain = 0;
    this.avgLoss = 0;
  }
}

function rsiOf(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  // Gain and loss are poisoned together, so a NaN total never hides behind the flat case.
  if (total === 0) return 50;
  return 100 * (avgGain / total);
}

/** Batch face of RsiKernel; identical arithmetic. */
export function rsi(close: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = close.length;
  const out = new Float64Array(n);
  out.fill(Number.NaN, 0, Math.min(period, n));
  if (n <= period) return out;
  let sumGain = 0;
  let sumLoss = 0;
  for (let i = 1; i <= period; i++) {
    const change = close[i] - close[i - 1];
    if (change !== change) {
      sumGain = sumLoss = Number.NaN;
    } else {
      sumGain += change > 0 ? change : 0;
      sumLoss += change < 0 ? -change : 0;
    }
  }
  let avgGain = sumGain / period;
  let avgLoss = sumLoss / period;
  out[period] = rsiOf(avgGain, avgLoss);
  for (let i = period + 1; i < n; i++) {
    const change = close[i] - close[i - 1];
    let gain = change > 0 ? change : 0;
    let loss = change < 0 ? -change : 0;
    if (change !== change) gain = loss = Number.NaN;
    avgGain = (avgGain * (period - 1) + gain) / period;
    avgLoss = (avgLoss * (period - 1) + loss) / period;
    out[i] = rsiOf(avgGain, avgLoss);
  }
  return out;
}
