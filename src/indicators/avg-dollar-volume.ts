import type { StreamingKernel } from './kernel.js';
import { checkPeriod, checkSameLength } from './params.js';
import { SmaKernel } from './sma.js';

/**
 * Average dollar volume: the SMA of close * volume over `period` bars, the usual liquidity screen.
 * Warm-up: period - 1. NaN in either input is a NaN product and follows the SMA rule: NaN while it
 * is in the window.
 */
export class AvgDollarVolumeKernel implements StreamingKernel<[close: number, volume: number]> {
  readonly warmup: number;
  private readonly sma: SmaKernel;

  constructor(period: number) {
    this.sma = new SmaKernel(period);
    this.warmup = this.sma.warmup;
  }

  update(close: number, volume: number): number {
    return this.sma.update(close * volume);
  }

  reset(): void {
    this.sma.reset();
  }
}

/**
 * Batch face of AvgDollarVolumeKernel: the SMA loop (including its clamp of rounding residue below
 * zero) with the product formed inline rather than stored.
 */
export function avgDollarVolume(close: ArrayLike<number>, volume: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = checkSameLength({ close, volume });
  const out = new Float64Array(n);
  let sum = 0;
  let nanCount = 0;
  let negCount = 0;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      const old = close[i - period] * volume[i - period];
      if (old !== old) nanCount--;
      else sum -= old;
      if (old < 0) negCount--;
    }
    const x = close[i] * volume[i];
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
