import type { StreamingKernel } from './kernel.js';
import { checkSameLength } from './params.js';

/**
 * Internal bar strength, (close - low) / (high - low): where the close sits in the bar's range,
 * 0 at the low, 1 at the high. No warm-up. A bar without range (high <= low) has no position to
 * report, so it gives NaN rather than a 0/0 or a sign-flipped value from an inverted bar. A close
 * outside [low, high] is bad data and is not clamped: the value leaves [0, 1] where it can be seen.
 * NaN inputs give NaN for that bar only.
 */
export class IbsKernel implements StreamingKernel<[high: number, low: number, close: number]> {
  readonly warmup = 0;

  update(high: number, low: number, close: number): number {
    return ibsOf(high, low, close);
  }

  reset(): void {
    // Stateless; present so every kernel can be driven the same way.
  }
}

function ibsOf(high: number, low: number, close: number): number {
  const range = high - low;
  return range > 0 ? (close - low) / range : Number.NaN;
}

/** Batch face of IbsKernel. */
export function ibs(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, from = 0): Float64Array {
  const n = checkSameLength({ high, low, close });
  const out = new Float64Array(n);
  // Bars before `from` are left NaN and not computed (see donchianHigh).
  const start = Math.max(0, Math.min(from, n));
  out.fill(Number.NaN, 0, start);
  for (let i = start; i < n; i++) out[i] = ibsOf(high[i], low[i], close[i]);
  return out;
}
