import type { StreamingKernel } from './kernel.js';
import { checkFrom, checkIntParam } from './named-param.js';
import { checkPeriod, checkSameLength } from './params.js';
import { WindowExtreme, windowExtremeInto } from './window-extreme.js';

/**
 * Ichimoku kinko hyo, causal. Every line is a midpoint (highest high + lowest low) / 2 over the last
 * `period` bars INCLUDING bar t:
 *
 *   tenkan-sen (conversion line)   midpoint over 9 bars             warm-up period - 1
 *   kijun-sen (base line)          midpoint over 26 bars            warm-up period - 1
 *   senkou span A (leading span A) (tenkan + kijun) / 2, displaced  warm-up max(tenkan, kijun) - 1 + d
 *   senkou span B (leading span B) midpoint over 52 bars, displaced warm-up period - 1 + d
 *
 * The senkou spans are charted `displacement` (d, 26) bars AHEAD of the bar they are computed on.
 * Here they are returned AS THEY APPLY TO BAR t: the cloud drawn at bar t, senkouA[t] =
 * (tenkan[t - d] + kijun[t - d]) / 2 and senkouB[t] = midpoint of the 52 bars ending at t - d. So
 * "close[t] above the cloud" compares bar t with the cloud a chart shows at bar t, using only bars
 * up to t - d. technicalindicators' IchimokuCloud returns spanA / spanB unshifted (on the bar they
 * are computed on): ours[t] is theirs on bar t - d.
 *
 * There is deliberately no chikou span (lagging span): it is the close plotted d bars BACK, so at
 * bar t - d it shows close[t], a value from the future. Any rule reading it at bar t - d looks ahead;
 * the causal equivalent, comparing close[t] with close[t - d], needs no indicator.
 *
 * Midpoints of exact extremes are start-invariant, so every batch face takes a `from` bar: bars
 * before it are left NaN and not computed, the rest equal the whole-history values. NaN rule: NaN
 * while a NaN high or low is in the window the output reads (see the registry's `window`).
 */
class MidpointKernel {
  readonly warmup: number;
  private readonly highest: WindowExtreme;
  private readonly lowest: WindowExtreme;

  constructor(period: number) {
    checkPeriod(period);
    this.warmup = period - 1;
    this.highest = new WindowExtreme(period, 1);
    this.lowest = new WindowExtreme(period, -1);
  }

  update(high: number, low: number): number {
    return (this.highest.update(high) + this.lowest.update(low)) / 2;
  }

  reset(): void {
    this.highest.reset();
    this.lowest.reset();
  }
}

/** Tenkan-sen: midpoint of the last `period` (9) bars' range, bar t included. */
export class IchimokuTenkanKernel extends MidpointKernel implements StreamingKernel<[high: number, low: number]> {
  constructor(period = 9) {
    super(period);
  }
}

/** Kijun-sen: midpoint of the last `period` (26) bars' range, bar t included. */
export class IchimokuKijunKernel extends MidpointKernel implements StreamingKernel<[high: number, low: number]> {
  constructor(period = 26) {
    super(period);
  }
}

/**
 * Delays a series by `displacement` bars: returns the value fed `displacement` updates ago, NaN
 * before that. A ring of the last `displacement` values; displacement 0 passes values through.
 */
class DelayLine {
  private readonly ring: Float64Array;
  private pos = 0;

  constructor(displacement: number) {
    this.ring = new Float64Array(displacement).fill(Number.NaN);
  }

  update(x: number): number {
    const d = this.ring.length;
    if (d === 0) return x;
    const out = this.ring[this.pos];
    this.ring[this.pos] = x;
    this.pos = this.pos + 1 === d ? 0 : this.pos + 1;
    return out;
  }

  reset(): void {
    this.ring.fill(Number.NaN);
    this.pos = 0;
  }
}

/** Senkou span A as it applies to bar t: (tenkan + kijun) / 2 computed on bar t - displacement. */
export class IchimokuSenkouAKernel implements StreamingKernel<[high: number, low: number]> {
  readonly warmup: number;
  private readonly tenkan: MidpointKernel;
  private readonly kijun: MidpointKernel;
  private readonly delay: DelayLine;

  constructor(tenkan = 9, kijun = 26, displacement = 26) {
    checkSenkouA(tenkan, kijun, displacement);
    this.tenkan = new MidpointKernel(tenkan);
    this.kijun = new MidpointKernel(kijun);
    this.delay = new DelayLine(displacement);
    this.warmup = Math.max(tenkan, kijun) - 1 + displacement;
  }

  update(high: number, low: number): number {
    return this.delay.update((this.tenkan.update(high, low) + this.kijun.update(high, low)) / 2);
  }

  reset(): void {
    this.tenkan.reset();
    this.kijun.reset();
    this.delay.reset();
  }
}

/** Senkou span B as it applies to bar t: the midpoint of the `period` (52) bars ending at t - displacement. */
export class IchimokuSenkouBKernel implements StreamingKernel<[high: number, low: number]> {
  readonly warmup: number;
  private readonly mid: MidpointKernel;
  private readonly delay: DelayLine;

  constructor(period = 52, displacement = 26) {
    checkSenkouB(period, displacement);
    this.mid = new MidpointKernel(period);
    this.delay = new DelayLine(displacement);
    this.warmup = period - 1 + displacement;
  }

  update(high: number, low: number): number {
    return this.delay.update(this.mid.update(high, low));
  }

  reset(): void {
    this.mid.reset();
    this.delay.reset();
  }
}

function checkSenkouA(tenkan: number, kijun: number, displacement: number): void {
  checkIntParam('tenkan', tenkan, 1);
  checkIntParam('kijun', kijun, 1);
  checkIntParam('displacement', displacement, 0);
}

function checkSenkouB(period: number, displacement: number): void {
  checkPeriod(period);
  checkIntParam('displacement', displacement, 0);
}

// Lowest lows and a second midpoint for the batch faces, grown on demand. Synchronous use only.
let scratchLow = new Float64Array(0);
let scratchMid = new Float64Array(0);

/** Midpoints for bars from `from` on into `out` (NaN before it); the kernel's arithmetic. */
function midpointInto(high: ArrayLike<number>, low: ArrayLike<number>, period: number, from: number, out: Float64Array): void {
  const n = high.length;
  if (scratchLow.length < n) scratchLow = new Float64Array(n);
  const ll = scratchLow;
  windowExtremeInto(high, period, 1, from, out);
  windowExtremeInto(low, period, -1, from, ll);
  for (let i = Math.min(n, Math.max(from, period - 1)); i < n; i++) out[i] = (out[i] + ll[i]) / 2;
}

/** Batch face of IchimokuTenkanKernel; `from` as for donchianHigh. */
export function ichimokuTenkan(high: ArrayLike<number>, low: ArrayLike<number>, period = 9, from = 0): Float64Array {
  checkPeriod(period);
  checkFrom(from);
  const n = checkSameLength({ high, low });
  const out = new Float64Array(n);
  midpointInto(high, low, period, from, out);
  return out;
}

/** Batch face of IchimokuKijunKernel; `from` as for donchianHigh. */
export function ichimokuKijun(high: ArrayLike<number>, low: ArrayLike<number>, period = 26, from = 0): Float64Array {
  return ichimokuTenkan(high, low, period, from);
}

/**
 * Batch face of IchimokuSenkouAKernel. With `from`, only the lines on bars from from - displacement
 * on are computed.
 */
export function ichimokuSenkouA(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  tenkan = 9,
  kijun = 26,
  displacement = 26,
  from = 0,
): Float64Array {
  checkSenkouA(tenkan, kijun, displacement);
  checkFrom(from);
  const n = checkSameLength({ high, low });
  const d = displacement;
  if (scratchMid.length < n) scratchMid = new Float64Array(n);
  const kij = scratchMid;
  const out = new Float64Array(n);
  const source = Math.max(0, from - d);
  // Tenkan into `out`, kijun into scratch, then shifted forward in place: out[t] reads index t - d
  // <= t, so walking t downwards never reads an index already overwritten.
  midpointInto(high, low, tenkan, source, out);
  midpointInto(high, low, kijun, source, kij);
  const first = Math.min(n, Math.max(from, d));
  for (let t = n - 1; t >= first; t--) out[t] = (out[t - d] + kij[t - d]) / 2;
  out.fill(Number.NaN, 0, first);
  return out;
}

/** Batch face of IchimokuSenkouBKernel; `from` as for ichimokuSenkouA. */
export function ichimokuSenkouB(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  period = 52,
  displacement = 26,
  from = 0,
): Float64Array {
  checkSenkouB(period, displacement);
  checkFrom(from);
  const n = checkSameLength({ high, low });
  const d = displacement;
  const out = new Float64Array(n);
  midpointInto(high, low, period, Math.max(0, from - d), out);
  const first = Math.min(n, Math.max(from, d));
  if (d > 0) out.copyWithin(first, first - d, n - d);
  out.fill(Number.NaN, 0, first);
  return out;
}
