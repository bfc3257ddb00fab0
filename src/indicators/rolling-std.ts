import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';

const MIN_PERIOD_HINT = 'the sample standard deviation (ddof = 1) needs at least two values';

/**
 * Rolling sample standard deviation (ddof = 1, divisor period - 1) of the last `period` values:
 * the estimator of the spread of the process, not of this particular window. Needs period >= 2.
 * Warm-up: period - 1.
 *
 * Sliding Welford updates (remove the oldest value, add the newest) keep the mean and the sum of
 * squared deviations in O(1), but on their own they drift: after 20 000 bars a period-2 std was off
 * by 270 %. So every `period` bars the moments are recomputed by two passes over the window
 * (amortised O(1): about three extra operations per bar), which bounds the error to rounding from
 * fewer than `period` sliding steps (below 1e-12 of the price level in the tests). A run of
 * `period` identical values returns exactly 0 (as pandas does), so a halted stock has zero
 * volatility rather than rounding noise. The result is never negative.
 *
 * NaN inputs are kept out of the moments and counted: NaN while a NaN is in the window, recovering
 * once it has left.
 */
/** m2 falling below this share of its previous value in one step signals cancellation. */
const CANCELLATION_RATIO = 1e-6;

export class RollingStdKernel implements StreamingKernel<[x: number]> {
  readonly warmup: number;
  private readonly period: number;
  private readonly ring: Float64Array;
  private readonly scale: number;
  private pos = 0;
  private seen = 0;
  private nanCount = 0;
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private sinceExact = 0;
  private last = Number.NaN;
  private run = 0;

  /** `scale` multiplies every output; realised volatility uses it to annualise. */
  constructor(period: number, scale = 1) {
    checkPeriod(period, 2, MIN_PERIOD_HINT);
    this.period = period;
    this.warmup = period - 1;
    this.ring = new Float64Array(period);
    this.scale = scale;
  }

  update(x: number): number {
    const p = this.period;
    const ring = this.ring;
    const full = this.seen === p;
    const leaving = full ? ring[this.pos] : Number.NaN;
    const m2Before = this.m2;
    if (full && this.count === p && leaving === leaving && x === x) {
      // Steady state: swap the leaving value for the new one in one Welford step (one division).
      ring[this.pos] = x;
      this.pos = this.pos + 1 === p ? 0 : this.pos + 1;
      const d = x - leaving;
      const before = this.mean;
      this.mean += d / p;
      this.m2 += d * (x - this.mean + leaving - before);
    } else {
      this.slowUpdate(x);
    }
    // A large value leaving the window leaves rounding residue of its own size behind: when the
    // sum of squares collapses, recompute this window exactly instead of trusting the update.
    if (this.m2 < m2Before * CANCELLATION_RATIO) this.sinceExact = p - 1;
    return this.finish(x);
  }

  private slowUpdate(x: number): void {
    const p = this.period;
    const ring = this.ring;
    if (this.seen === p) {
      const old = ring[this.pos];
      if (old !== old) {
        this.nanCount--;
      } else {
        const c = --this.count;
        if (c === 0) {
          this.mean = 0;
          this.m2 = 0;
        } else {
          const d = old - this.mean;
          this.mean -= d / c;
          this.m2 -= d * (old - this.mean);
        }
      }
    } else {
      this.seen++;
    }
    ring[this.pos] = x;
    this.pos = this.pos + 1 === p ? 0 : this.pos + 1;
    if (x !== x) {
      this.nanCount++;
    } else {
      const c = ++this.count;
      const d = x - this.mean;
      this.mean += d / c;
      this.m2 += d * (x - this.mean);
    }
  }

  private finish(x: number): number {
    const p = this.period;
    const ring = this.ring;
    this.run = x === this.last ? this.run + 1 : 1;
    this.last = x;
    this.sinceExact++;
    if (this.seen < p || this.nanCount > 0) return Number.NaN;
    if (this.sinceExact >= p) {
      // Oldest first from `pos`: the batch loop sums the same values in the same order.
      this.sinceExact = 0;
      let sum = 0;
      for (let j = 0, k = this.pos; j < p; j++, k = k + 1 === p ? 0 : k + 1) sum += ring[k];
      const mean = sum / p;
      let m2 = 0;
      for (let j = 0, k = this.pos; j < p; j++, k = k + 1 === p ? 0 : k + 1) m2 += (ring[k] - mean) * (ring[k] - mean);
      this.mean = mean;
      this.m2 = m2;
    }
    return this.run >= p || !(this.m2 > 0) ? 0 : Math.sqrt(this.m2 / (p - 1)) * this.scale;
  }

  reset(): void {
    this.ring.fill(0);
    this.pos = 0;
    this.seen = 0;
    this.nanCount = 0;
    this.count = 0;
    this.mean = 0;
    this.m2 = 0;
    this.sinceExact = 0;
    this.last = Number.NaN;
    this.run = 0;
  }
}

/**
 * The batch loop behind rollingStd and realisedVol: RollingStdKernel's arithmetic in the same
 * order, reading the value that leaves the window from the input instead of a ring buffer.
 */
export function rollingStdInto(values: ArrayLike<number>, period: number, scale: number, out: Float64Array): void {
  const n = values.length;
  const p = period;
  let nanCount = 0;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let sinceExact = 0;
  let last = Number.NaN;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    const leaving = i >= p ? values[i - p] : Number.NaN;
    const m2Before = m2;
    if (count === p && leaving === leaving && x === x) {
      // Same steady-state step as the kernel, in the same order of operations.
      const d = x - leaving;
      const before = mean;
      mean += d / p;
      m2 += d * (x - mean + leaving - before);
    } else {
      if (i >= p) {
        const old = leaving;
        if (old !== old) {
          nanCount--;
        } else {
          const c = --count;
          if (c === 0) {
            mean = 0;
            m2 = 0;
          } else {
            const d = old - mean;
            mean -= d / c;
            m2 -= d * (old - mean);
          }
        }
      }
      if (x !== x) {
        nanCount++;
      } else {
        const c = ++count;
        const d = x - mean;
        mean += d / c;
        m2 += d * (x - mean);
      }
    }
    if (m2 < m2Before * CANCELLATION_RATIO) sinceExact = p - 1;
    run = x === last ? run + 1 : 1;
    last = x;
    sinceExact++;
    if (i < p - 1 || nanCount > 0) {
      out[i] = Number.NaN;
      continue;
    }
    if (sinceExact >= p) {
      sinceExact = 0;
      let sum = 0;
      for (let k = i - p + 1; k <= i; k++) sum += values[k];
      const exactMean = sum / p;
      let exactM2 = 0;
      for (let k = i - p + 1; k <= i; k++) exactM2 += (values[k] - exactMean) * (values[k] - exactMean);
      mean = exactMean;
      m2 = exactM2;
    }
    out[i] = run >= p || !(m2 > 0) ? 0 : Math.sqrt(m2 / (p - 1)) * scale;
  }
}

/** Batch face of RollingStdKernel. */
export function rollingStd(values: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period, 2, MIN_PERIOD_HINT);
  const out = new Float64Array(values.length);
  rollingStdInto(values, period, 1, out);
  return out;
}
