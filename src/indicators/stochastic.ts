import type { StreamingKernel } from './kernel.js';
import { checkFrom, checkIntParam } from './named-param.js';
import { checkPeriod, checkSameLength } from './params.js';
import { WindowExtreme, windowExtremeInto } from './window-extreme.js';
import { sma, SmaKernel } from './sma.js';

/**
 * Stochastic oscillator %K (Lane): 100 * (close - lowest low) / (highest high - lowest low) over the
 * last `period` bars INCLUDING bar t. Warm-up: period - 1.
 *
 * Including bar t is the standard definition and it is causal: everything it reads is known at the
 * close of bar t. On valid bars the close lies in [low, high] of its own bar, so %K is in [0, 100]:
 * 0 on a close at the low of the window, 100 at its high. Written (close - ll) / (hh - ll) * 100,
 * the operation order technicalindicators uses (so its Stochastic agrees bit for bit), which also
 * keeps %K <= 100: the quotient of a difference by a larger one never rounds above 1.
 *
 * A window without range (hh <= ll: a halted stock) has no position to report and gives NaN;
 * technicalindicators reports 0 there, which would read as "oversold" on a flat line. A close
 * outside the window's range is bad data and is not clamped. NaN while a NaN high or low is in the
 * window or the close of bar t is NaN; recovers once it has left.
 */
export class StochKKernel implements StreamingKernel<[high: number, low: number, close: number]> {
  readonly warmup: number;
  private readonly highest: WindowExtreme;
  private readonly lowest: WindowExtreme;

  constructor(period: number) {
    checkPeriod(period);
    this.warmup = period - 1;
    this.highest = new WindowExtreme(period, 1);
    this.lowest = new WindowExtreme(period, -1);
  }

  update(high: number, low: number, close: number): number {
    return stochOf(close, this.highest.update(high), this.lowest.update(low));
  }

  reset(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}

function stochOf(close: number, hh: number, ll: number): number {
  const range = hh - ll;
  return range > 0 ? ((close - ll) / range) * 100 : Number.NaN;
}

// The lowest lows for the batch face, grown on demand. Synchronous use only.
let scratchLow = new Float64Array(0);
let scratchK = new Float64Array(0);

function stochKInto(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  from: number,
  out: Float64Array,
): void {
  const n = close.length;
  if (scratchLow.length < n) scratchLow = new Float64Array(n);
  const ll = scratchLow;
  windowExtremeInto(high, period, 1, from, out);
  windowExtremeInto(low, period, -1, from, ll);
  for (let i = Math.min(n, Math.max(from, period - 1)); i < n; i++) out[i] = stochOf(close[i], out[i], ll[i]);
}

/**
 * Batch face of StochKKernel. Start-invariant (window extremes are exact), so with `from` the bars
 * before it are left NaN and not computed, and the bars from it on equal the whole-history values.
 */
export function stochK(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  from = 0,
): Float64Array {
  checkPeriod(period);
  checkFrom(from);
  const n = checkSameLength({ high, low, close });
  const out = new Float64Array(n);
  stochKInto(high, low, close, period, from, out);
  return out;
}

/**
 * Stochastic %D: the simple moving average of the last `smooth` %K values (the "fast" %D; smooth 3
 * is the usual choice). Warm-up: period + smooth - 2.
 *
 * The average is SmaKernel, whose sum is exact (rolling-sum.ts) and whose mean is rounded once: %D
 * of %K values in [0, 100] stays in [0, 100] (a plain running sum reported a mean of 100s as
 * 100.00000000000001), it does not drift, and it equals %K exactly while the last `smooth` %K
 * values are equal. It matches technicalindicators' d within 1e-12. NaN while any %K in the window
 * is NaN (including a rangeless window), the SMA rule. No `from`: the %K before it would be needed.
 */
export class StochDKernel implements StreamingKernel<[high: number, low: number, close: number]> {
  readonly warmup: number;
  private readonly k: StochKKernel;
  private readonly mean: SmaKernel;

  constructor(period: number, smooth: number) {
    checkPeriod(period);
    checkIntParam('smooth', smooth, 1);
    this.k = new StochKKernel(period);
    this.mean = new SmaKernel(smooth);
    this.warmup = period + smooth - 2;
  }

  update(high: number, low: number, close: number): number {
    return this.mean.update(this.k.update(high, low, close));
  }

  reset(): void {
    this.k.reset();
    this.mean.reset();
  }
}

/** Batch face of StochDKernel: the same %K values through the batch face of the same SMA. */
export function stochD(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  smooth: number,
): Float64Array {
  checkPeriod(period);
  checkIntParam('smooth', smooth, 1);
  const n = checkSameLength({ high, low, close });
  if (scratchK.length < n) scratchK = new Float64Array(n);
  const k = scratchK.subarray(0, n);
  stochKInto(high, low, close, period, 0, k);
  return sma(k, smooth);
}
