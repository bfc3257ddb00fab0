import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';

/**
 * Exponential moving average, alpha = 2 / (period + 1). Warm-up: period - 1.
 *
 * Seeded with the SMA of the first `period` values (the technicalindicators / TA-Lib convention)
 * rather than with the first value, so the first output does not over-weight one bar. The update is
 * written `(x - ema) * alpha + ema`, the operation order technicalindicators uses, so the reference
 * test can compare bit for bit. Recursive: a NaN input poisons every later output until reset().
 */
export class EmaKernel implements StreamingKernel<[x: number]> {
  readonly warmup: number;
  private readonly period: number;
  private readonly alpha: number;
  private seen = 0;
  private sum = 0;
  private ema = Number.NaN;

  constructor(period: number) {
    checkPeriod(period);
    this.period = period;
    this.warmup = period - 1;
    this.alpha = 2 / (period + 1);
  }

  update(x: number): number {
    if (this.seen < this.period) {
      this.sum += x;
      this.seen++;
      if (this.seen < this.period) return Number.NaN;
      this.ema = this.sum / this.period;
      return this.ema;
    }
    this.ema = (x - this.ema) * this.alpha + this.ema;
    return this.ema;
  }

  reset(): void {
    this.seen = 0;
    this.sum = 0;
    this.ema = Number.NaN;
  }
}

/** Batch face of EmaKernel; identical arithmetic. */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const out = new Float64Array(n);
  const alpha = 2 / (period + 1);
  const seedEnd = Math.min(period, n);
  let sum = 0;
  for (let i = 0; i < seedEnd; i++) {
    sum += values[i];
    out[i] = Number.NaN;
  }
  if (n < period) return out;
  let e = sum / period;
  out[period - 1] = e;
  for (let i = period; i < n; i++) {
    e = (values[i] - e) * alpha + e;
    out[i] = e;
  }
  return out;
}
