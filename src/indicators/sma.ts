import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';

/**
 * Simple moving average over the last `period` values. Warm-up: period - 1.
 *
 * A running sum, O(1) per bar. NaN inputs are kept out of the sum and counted instead, so the
 * output is NaN while a NaN is in the window and the kernel recovers once it has left.
 *
 * A running sum keeps rounding residue from values that have left the window: [0.7, 0.1, 0, 0]
 * ends at -2.8e-17, not 0. Negative values in the window are counted, and a negative mean of a
 * window without any is clamped to 0 (pandas' rolling mean does the same), so an average dollar
 * volume is never below zero.
 */
export class SmaKernel implements StreamingKernel<[x: number]> {
  readonly warmup: number;
  private readonly period: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private seen = 0;
  private nanCount = 0;
  private negCount = 0;
  private sum = 0;

  constructor(period: number) {
    checkPeriod(period);
    this.period = period;
    this.warmup = period - 1;
    this.ring = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    if (this.seen === p) {
      const old = this.ring[this.pos];
      // Subtract before adding: the order technicalindicators uses, so references agree bit for bit.
      if (old !== old) this.nanCount--;
      else this.sum -= old;
      if (old < 0) this.negCount--;
    } else {
      this.seen++;
    }
    this.ring[this.pos] = x;
    this.pos = this.pos + 1 === p ? 0 : this.pos + 1;
    if (x !== x) this.nanCount++;
    else this.sum += x;
    if (x < 0) this.negCount++;
    if (this.seen < p || this.nanCount > 0) return Number.NaN;
    const mean = this.sum / p;
    return mean < 0 && this.negCount === 0 ? 0 : mean;
  }

  reset(): void {
    this.ring.fill(0);
    this.pos = 0;
    this.seen = 0;
    this.nanCount = 0;
    this.negCount = 0;
    this.sum = 0;
  }
}

/** Batch face of SmaKernel; the same arithmetic in the same order, so results are identical. */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const out = new Float64Array(n);
  let sum = 0;
  let nanCount = 0;
  let negCount = 0;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      const old = values[i - period];
      if (old !== old) nanCount--;
      else sum -= old;
      if (old < 0) negCount--;
    }
    const x = values[i];
    if (x !== x) nanCount++;
    else sum += x;
    if (x < 0) negCount++;
    if (i < period - 1 || nanCount > 0) {
      out[i] = Number.NaN;
    } else {
      const mean = sum / period;
      out[i] = mean < 0 && negCount === 0 ? 0 : mean;
    }
  }
  return out;
}
