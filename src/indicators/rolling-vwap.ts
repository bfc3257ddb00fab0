import type { StreamingKernel } from './kernel.js';
import { checkPeriod, checkSameLength } from './params.js';
import { WindowSum, windowSumInto } from './window-sum.js';

/**
 * Rolling volume-weighted average price over the last `period` daily bars, bar t included:
 * sum(typical * volume) / sum(volume), typical = (high + low + close) / 3 (the daily-bar stand-in
 * for the intraday trades a session VWAP would weigh). Warm-up: period - 1.
 *
 * Both sums are WindowSums (window-sum.ts): no running sum, so nothing drifts and each output is
 * accurate to about period * 2^-52 relative (volume and prices are non-negative: no cancellation),
 * however long the series and however uneven its volume; a 20 000-bar test against exact window
 * sums shows it. That is the periodic-recompute idea of rolling-std.ts taken to every block.
 *
 * A window whose volume sums to 0 (no trades, e.g. a halted stock) has no VWAP: NaN. That test is
 * exact, because a sum of non-negative volumes is 0 only when every one is (a subtracting running
 * sum would leave residue there and report residue / residue). Negative volume is bad data and is
 * not repaired; a window whose volume sums below 0 also gives NaN. NaN while a NaN high, low, close
 * or volume is in the window; recovers once it has left. The product is formed as
 * volume * typical, technicalindicators' order, so its (cumulative) VWAP over the same bars agrees
 * bit for bit wherever our window is one whole block. Not start-invariant, so no `from`.
 */
export class RollingVwapKernel implements StreamingKernel<[high: number, low: number, close: number, volume: number]> {
  readonly warmup: number;
  private readonly priceVolume: WindowSum;
  private readonly volume: WindowSum;

  constructor(period: number) {
    checkPeriod(period);
    this.warmup = period - 1;
    this.priceVolume = new WindowSum(period);
    this.volume = new WindowSum(period);
  }

  update(high: number, low: number, close: number, volume: number): number {
    const pv = this.priceVolume.update(volume * ((high + low + close) / 3));
    return vwapOf(pv, this.volume.update(volume));
  }

  reset(): void {
    this.priceVolume.reset();
    this.volume.reset();
  }
}

function vwapOf(priceVolume: number, volume: number): number {
  return volume > 0 ? priceVolume / volume : Number.NaN;
}

// Window sums of price * volume for the batch face, grown on demand. Synchronous use only.
let scratchPv = new Float64Array(0);

/** Batch face of RollingVwapKernel: the same products, summed in the same blocks and order. */
export function rollingVwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  period: number,
): Float64Array {
  checkPeriod(period);
  const n = checkSameLength({ high, low, close, volume });
  if (scratchPv.length < n) scratchPv = new Float64Array(n);
  const pvSum = scratchPv.subarray(0, n);
  const out = new Float64Array(n);
  // `out` first holds the products, then (once they are summed) the volume sums, then the VWAP.
  for (let i = 0; i < n; i++) out[i] = volume[i] * ((high[i] + low[i] + close[i]) / 3);
  windowSumInto(out, period, pvSum);
  windowSumInto(volume, period, out);
  for (let i = 0; i < n; i++) out[i] = vwapOf(pvSum[i], out[i]);
  return out;
}
