import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';
import { additionError, compensatedMean } from './rolling-sum.js';

/**
 * Simple moving average over the last `period` values. Warm-up: period - 1.
 *
 * A compensated running sum (rolling-sum.ts), O(1) per bar: the sum is the exact sum of the
 * window's values, so the mean depends only on the values in the window, not on the bars before it
 * nor their order. Two averages whose windows hold the same numbers are equal bit for bit, a window
 * of equal values v gives exactly v, and [0.7, 0.1, 0, 0] ends at exactly 0 (a plain running sum
 * gives -2.8e-17 there). NaN inputs are kept out of the sum and counted instead, so the output is
 * NaN while a NaN is in the window and the kernel recovers once it has left. An infinite input
 * poisons the sum (NaN from then on), as it did a plain sum.
 *
 * A negative mean of a window without negative values is clamped to 0 (pandas' rolling mean does
 * the same), so an average dollar volume is never below zero: with exact sums it cannot happen, and
 * the clamp only guards inputs outside the range where the sum is proven exact.
 */
export class SmaKernel implements StreamingKernel<[x: number]> {
  readonly warmup: number;
  private readonly period: number;
  private readonly inverse: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private sum = 0;
  private comp = 0;
  private seen = 0;
  private nanCount = 0;
  private negCount = 0;

  constructor(period: number) {
    checkPeriod(period);
    this.period = period;
    this.inverse = 1 / period;
    this.warmup = period - 1;
    this.ring = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    let sum = this.sum;
    let comp = this.comp;
    let s: number;
    if (x !== x) {
      this.nanCount++;
    } else {
      s = sum + x;
      comp += additionError(sum, x, s);
      sum = s;
    }
    if (x < 0) this.negCount++;
    if (this.seen === p) {
      const leaving = -this.ring[this.pos];
      if (leaving !== leaving) {
        this.nanCount--;
      } else {
        s = sum + leaving;
        comp += additionError(sum, leaving, s);
        sum = s;
      }
      if (leaving > 0) this.negCount--;
    } else {
      this.seen++;
    }
    this.ring[this.pos] = x;
    if (this.pos + 1 === p) {
      this.pos = 0;
      s = sum + comp;
      comp = additionError(sum, comp, s);
      sum = s;
    } else {
      this.pos++;
    }
    this.sum = sum;
    this.comp = comp;
    if (this.seen < p || this.nanCount > 0) return Number.NaN;
    const mean = compensatedMean(sum, comp, p, this.inverse);
    return mean < 0 && this.negCount === 0 ? 0 : mean;
  }

  reset(): void {
    this.ring.fill(0);
    this.pos = 0;
    this.sum = 0;
    this.comp = 0;
    this.seen = 0;
    this.nanCount = 0;
    this.negCount = 0;
  }
}

/**
 * Batch face of SmaKernel: the same additions, errors and folds in the same order (add the new
 * value, add the negated leaving one, fold comp into sum when the kernel's ring wraps), with sum
 * and comp in local variables, so results are identical.
 */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const out = new Float64Array(n);
  let sum = 0;
  let comp = 0;
  let s: number;
  let nanCount = 0;
  let negCount = 0;
  let wrap = period - 1;
  const inverse = 1 / period;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x !== x) {
      nanCount++;
    } else {
      s = sum + x;
      comp += additionError(sum, x, s);
      sum = s;
    }
    if (x < 0) negCount++;
    if (i >= period) {
      const leaving = -values[i - period];
      if (leaving !== leaving) {
        nanCount--;
      } else {
        s = sum + leaving;
        comp += additionError(sum, leaving, s);
        sum = s;
      }
      if (leaving > 0) negCount--;
    }
    if (i === wrap) {
      wrap += period;
      s = sum + comp;
      comp = additionError(sum, comp, s);
      sum = s;
    }
    if (i < period - 1 || nanCount > 0) {
      out[i] = Number.NaN;
    } else {
      const mean = compensatedMean(sum, comp, period, inverse);
      out[i] = mean < 0 && negCount === 0 ? 0 : mean;
    }
  }
  return out;
}
