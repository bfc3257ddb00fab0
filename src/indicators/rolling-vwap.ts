import type { StreamingKernel } from './kernel.js';
import { checkPeriod, checkSameLength } from './params.js';
import { sma, SmaKernel } from './sma.js';

/**
 * Rolling volume-weighted average price over the last `period` daily bars, bar t included:
 * sum(typical * volume) / sum(volume), typical = (high + low + close) / 3 (the daily-bar stand-in
 * for the intraday trades a session VWAP would weigh). Warm-up: period - 1.
 *
 * Computed as mean(typical * volume) / mean(volume), both SmaKernels: their sums are exact
 * (rolling-sum.ts), so nothing drifts, each mean is rounded once, and the VWAP depends only on the
 * bars in its window, not on what came before nor on where the window falls (block sums gave the
 * same bars different bits after histories of different lengths). Accurate to a few ulps however
 * long the series and however uneven its volume; a 20 000-bar test against exact window sums shows
 * it.
 *
 * A window whose volume sums to 0 (no trades, e.g. a halted stock) has no VWAP: NaN. That test is
 * exact, because the exact sum of non-negative volumes is 0 only when every one is (a subtracting
 * running sum would leave residue there and report residue / residue). Negative volume is bad data
 * and is not repaired; a window whose mean volume is not above 0 also gives NaN. NaN while a NaN
 * high, low, close or volume is in the window; recovers once it has left. The product is formed as
 * volume * typical, technicalindicators' order; its (cumulative) VWAP over the same bars agrees
 * within 1e-13.
 */
export class RollingVwapKernel implements StreamingKernel<[high: number, low: number, close: number, volume: number]> {
  readonly warmup: number;
  private readonly priceVolume: SmaKernel;
  private readonly volume: SmaKernel;

  constructor(period: number) {
    checkPeriod(period);
    this.warmup = period - 1;
    this.priceVolume = new SmaKernel(period);
    this.volume = new SmaKernel(period);
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

/** Batch face of RollingVwapKernel: the same products through the batch face of the same SMA. */
export function rollingVwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  period: number,
): Float64Array {
  checkPeriod(period);
  const n = checkSameLength({ high, low, close, volume });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = volume[i] * ((high[i] + low[i] + close[i]) / 3);
  const pv = sma(out, period);
  const v = sma(volume, period);
  for (let i = 0; i < n; i++) out[i] = vwapOf(pv[i], v[i]);
  return out;
}
