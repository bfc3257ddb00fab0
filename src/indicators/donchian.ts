import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';
import { windowExtremeInto } from './window-extreme.js';

/**
 * Donchian channel edges: the highest high / lowest low of the `period` bars BEFORE bar t, bar t
 * itself excluded. Warm-up: period.
 *
 * The exclusion is the point. A breakout rule "close[t] > highest high" against a channel that
 * includes bar t can never fire, because close[t] <= high[t] <= that channel. Comparing bar t with
 * the channel of the bars before it is the rule traders mean, and it is causal.
 *
 * A monotonic deque keeps the candidates for the extreme: amortised O(1) per bar, each bar enters
 * and leaves at most once. The low edge runs the same code on negated values (negation is exact).
 * NaN inputs never enter the deque; the output is NaN while a NaN is among the previous `period`
 * bars, and recovers once it has left.
 */
class ChannelKernel {
  readonly warmup: number;
  private readonly period: number;
  private readonly sign: number;
  private readonly cap: number;
  private readonly dequeValue: Float64Array;
  private readonly dequeIndex: Float64Array;
  private head = 0;
  private size = 0;
  private t = 0;
  private lastNan = Number.NEGATIVE_INFINITY;

  constructor(period: number, sign: 1 | -1) {
    checkPeriod(period);
    this.period = period;
    this.sign = sign;
    this.warmup = period;
    // The window [t - period, t - 1] plus bar t, pushed after the output is read.
    this.cap = period + 1;
    this.dequeValue = new Float64Array(this.cap);
    this.dequeIndex = new Float64Array(this.cap);
  }

  update(value: number): number {
    const t = this.t;
    const start = t - this.period;
    const cap = this.cap;
    while (this.size > 0 && this.dequeIndex[this.head] < start) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    const out = start >= 0 && this.lastNan < start ? this.sign * this.dequeValue[this.head] : Number.NaN;
    const x = this.sign * value;
    if (x !== x) {
      this.lastNan = t;
    } else {
      let back = this.head + this.size - 1;
      if (back >= cap) back -= cap;
      while (this.size > 0 && this.dequeValue[back] <= x) {
        this.size--;
        back = back === 0 ? cap - 1 : back - 1;
      }
      let slot = this.head + this.size;
      if (slot >= cap) slot -= cap;
      this.dequeValue[slot] = x;
      this.dequeIndex[slot] = t;
      this.size++;
    }
    this.t = t + 1;
    return out;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.t = 0;
    this.lastNan = Number.NEGATIVE_INFINITY;
  }
}

/** Highest high of the `period` bars before the current one. */
export class DonchianHighKernel extends ChannelKernel implements StreamingKernel<[high: number]> {
  constructor(period: number) {
    super(period, 1);
  }
}

/** Lowest low of the `period` bars before the current one. */
export class DonchianLowKernel extends ChannelKernel implements StreamingKernel<[low: number]> {
  constructor(period: number) {
    super(period, -1);
  }
}

/**
 * Batch face: the extreme of the `period` bars before t is the inclusive window extreme (see
 * window-extreme.ts, van Herk / Gil-Werman) of the window ending at t - 1, shifted by one bar.
 * The streaming kernel above is the definition; a property test proves both faces equal.
 */
function channel(values: ArrayLike<number>, period: number, sign: 1 | -1, from: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const inclusive = new Float64Array(n);
  windowExtremeInto(values, period, sign, Math.max(0, from - 1), inclusive);
  const out = new Float64Array(n);
  const first = Math.min(n, Math.max(from, period));
  out.fill(Number.NaN, 0, first);
  for (let t = first; t < n; t++) out[t] = inclusive[t - 1];
  return out;
}

/**
 * Batch face of DonchianHighKernel. With `from`, bars before it are left NaN and not computed:
 * a run that only reads bars from `from` on pays only for those.
 */
export function donchianHigh(high: ArrayLike<number>, period: number, from = 0): Float64Array {
  return channel(high, period, 1, from);
}

/** Batch face of DonchianLowKernel; `from` as for donchianHigh. */
export function donchianLow(low: ArrayLike<number>, period: number, from = 0): Float64Array {
  return channel(low, period, -1, from);
}
