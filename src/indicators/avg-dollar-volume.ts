import type { StreamingKernel } from './kernel.js';
import { checkPeriod, checkSameLength } from './params.js';
import { sma, SmaKernel } from './sma.js';

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

/** Batch face of AvgDollarVolumeKernel: the SMA of the products, exactly as the kernel forms them. */
export function avgDollarVolume(close: ArrayLike<number>, volume: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = checkSameLength({ close, volume });
  const dollars = new Float64Array(n);
  for (let i = 0; i < n; i++) dollars[i] = close[i] * volume[i];
  return sma(dollars, period);
}
