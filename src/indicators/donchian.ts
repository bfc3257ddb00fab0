import type { StreamingKernel } from './kernel.js';
import { checkPeriod } from './params.js';
import { WindowExtreme, windowExtremeInto } from './window-extreme.js';

/**
 * Donchian channel edges: the highest high / lowest low of the `period` bars BEFORE bar t, bar t
 * itself excluded. Warm-up: period.
 *
 * The exclusion is the point. A breakout rule "close[t] > highest high" against a channel that
 * includes bar t can never fire, because close[t] <= high[t] <= that channel. Comparing bar t with
 * the channel of the bars before it is the rule traders mean, and it is causal.
 *
 * The streaming face is the inclusive window extreme (window-extreme.ts, a monotonic deque) of
 * the bars up to t - 1, read before bar t is pushed. NaN rule: the output is NaN while a NaN is
 * among the previous `period` bars, and recovers once it has left.
 */
class ChannelKernel {
  readonly warmup: number;
  private readonly period: number;
  private readonly extreme: WindowExtreme;
  private previous = Number.NaN;
  private t = 0;

  constructor(period: number, sign: 1 | -1) {
    checkPeriod(period);
    this.period = period;
    this.warmup = period;
    this.extreme = new WindowExtreme(period, sign);
  }

  update(value: number): number {
    const out = this.t >= this.period ? this.previous : Number.NaN;
    this.previous = this.extreme.update(value);
    this.t++;
    return out;
  }

  reset(): void {
    this.extreme.reset();
    this.previous = Number.NaN;
    this.t = 0;
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
 * window-extreme.ts, van Herk / Gil-Werman) of the window ending at t - 1, shifted by one bar:
 * written straight into the output one slot on, over the input less its last bar, so no
 * full-length temporary is made. The streaming kernel above is the definition; a property test
 * proves both faces equal.
 */
function channel(values: ArrayLike<number>, period: number, sign: 1 | -1, from: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  out[0] = Number.NaN;
  const before = ArrayBuffer.isView(values) ? (values as Float64Array).subarray(0, n - 1) : Array.prototype.slice.call(values, 0, n - 1);
  // Window ends at t - 1 >= from - 1; warm-up (t - 1 < period - 1) comes out NaN as well.
  windowExtremeInto(before, period, sign, Math.max(0, from - 1), out.subarray(1));
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
