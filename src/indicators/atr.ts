import type { StreamingKernel } from './kernel.js';
import { checkPeriod, checkSameLength } from './params.js';

/**
 * Average true range with Wilder smoothing. Warm-up: period - 1.
 *
 * True range is max(high - low, |high - prevClose|, |low - prevClose|); the first bar has no
 * previous close, so its true range is high - low (Wilder's worksheet, StockCharts). The first ATR
 * is the plain mean of the first `period` true ranges, on bar index period - 1; after that
 * atr = (tr - atr) * (1 / period) + atr.
 *
 * technicalindicators (like TA-Lib) instead drops bar 0 and seeds with true ranges 1..period, so
 * its first value lands one bar later. Prefixing its input with one neutral bar (close inside the
 * first bar's range) makes its true ranges equal ours, and then the two agree bit for bit; the
 * update is written in its operation order for that reason. Without the prefix the two seeds
 * differ and the gap shrinks by (1 - 1/period) per bar.
 *
 * Recursive: a NaN high or low poisons every output from that bar on; a NaN close from the next
 * bar on (this bar's true range does not use its own close). Poisoned until reset().
 */
export class AtrKernel implements StreamingKernel<[high: number, low: number, close: number]> {
  readonly warmup: number;
  private readonly period: number;
  private readonly invPeriod: number;
  private seen = 0;
  private prevClose = Number.NaN;
  private sum = 0;
  private atr = Number.NaN;

  constructor(period: number) {
    checkPeriod(period);
    this.period = period;
    this.invPeriod = 1 / period;
    this.warmup = period - 1;
  }

  update(high: number, low: number, close: number): number {
    // A counter, not a NaN sentinel, marks the first bar: a NaN previous close must give a NaN
    // true range, not a silent fallback to high - low.
    const pc = this.prevClose;
    const tr = this.seen === 0 ? high - low : Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc));
    this.prevClose = close;
    if (this.seen < this.period) {
      this.sum += tr;
      this.seen++;
      if (this.seen < this.period) return Number.NaN;
      this.atr = this.sum / this.period;
      return this.atr;
    }
    this.atr = (tr - this.atr) * this.invPeriod + this.atr;
    return this.atr;
  }

  reset(): void {
    this.seen = 0;
    this.prevClose = Number.NaN;
    this.sum = 0;
    this.atr = Number.NaN;
  }
}

/** Batch face of AtrKernel; identical arithmetic. */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
): Float64Array {
  checkPeriod(period);
  const n = checkSameLength({ high, low, close });
  const out = new Float64Array(n);
  const inv = 1 / period;
  let sum = 0;
  let a = Number.NaN;
  for (let i = 0; i < n; i++) {
    const h = high[i];
    const l = low[i];
    let tr = h - l;
    if (i > 0) {
      const pc = close[i - 1];
      tr = Math.max(tr, Math.abs(h - pc), Math.abs(l - pc));
    }
    if (i < period) {
      sum += tr;
      if (i < period - 1) {
        out[i] = Number.NaN;
        continue;
      }
      a = sum / period;
    } else {
      a = (tr - a) * inv + a;
    }
    out[i] = a;
  }
  return out;
}
