import { usageError } from '../core/errors.js';
import type { StreamingKernel } from '../indicators/kernel.js';
import { checkPeriod, checkSameLength } from '../indicators/params.js';
import { RollingStdKernel } from '../indicators/rolling-std.js';
import { SmaKernel } from '../indicators/sma.js';

/**
 * Historical volatility estimators over daily OHLC bars, annualised (fractions per year: 0.2 =
 * 20 %), rolling over the last `period` bars, NaN during warm-up, causal. Each is a streaming
 * kernel (the definition) and a batch face that runs the kernel, so the two agree bit for bit.
 *
 * With o = ln(O_t / C_{t-1}) (overnight), c = ln(C_t / O_t), h = ln(H_t / O_t), l = ln(L_t / O_t):
 * - close to close: sample standard deviation (ddof 1) of ln(C_t / C_{t-1});
 * - Parkinson (1980): variance = mean of (h - l)^2 / (4 ln 2);
 * - Garman and Klass (1980), their estimator without the opening jump: mean of
 *   (h - l)^2 / 2 - (2 ln 2 - 1) c^2;
 * - Rogers and Satchell (1991): mean of h (h - c) + l (l - c), i.e. ln(H/C) ln(H/O) + ln(L/C) ln(L/O);
 * - Yang and Zhang (2000): var(o) + k var(c) + (1 - k) RS, with the sample variances (ddof 1) of o
 *   and c over the window and k = 0.34 / (1.34 + (n + 1) / (n - 1)), their minimum-variance choice.
 *
 * The range estimators ignore the overnight gap (Parkinson and Garman-Klass also assume no drift);
 * Yang-Zhang is the one that is unbiased with both drift and gaps. Means and variances run on the
 * indicators' kernels (SmaKernel's exact rolling sum, RollingStdKernel's resynchronised Welford), so
 * they do not drift over long series and inherit the NaN rule: a bar with a missing or non-positive
 * price has no term, and the output is NaN while that term is in the window.
 */

/** Trading sessions per year: the default annualisation of daily variances. */
export const DEFAULT_ANNUALISATION = 252;

function checkAnnualisation(periodsPerYear: number): void {
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw usageError('BAD_PARAM', `periodsPerYear must be a positive finite number, was ${String(periodsPerYear)}`, {
      param: 'periodsPerYear',
      value: periodsPerYear,
    });
  }
}

/** ln(a / b), NaN unless both prices are positive (a missing or bad price has no log return). */
function logRatio(a: number, b: number): number {
  return a > 0 && b > 0 ? Math.log(a / b) : Number.NaN;
}

const TWO_LN2_MINUS_1 = 2 * Math.LN2 - 1;
const MIN_TWO = 'a sample variance needs at least two values';

/** Close-to-close volatility: warm-up `period` (period returns need period + 1 closes); period >= 2. */
export class CloseToCloseVolKernel implements StreamingKernel<[close: number]> {
  readonly warmup: number;
  private readonly std: RollingStdKernel;
  private prev = Number.NaN;

  constructor(period: number, periodsPerYear = DEFAULT_ANNUALISATION) {
    checkPeriod(period, 2, MIN_TWO);
    checkAnnualisation(periodsPerYear);
    this.std = new RollingStdKernel(period, Math.sqrt(periodsPerYear));
    this.warmup = period;
  }

  update(close: number): number {
    const r = logRatio(close, this.prev);
    this.prev = close;
    return this.std.update(r);
  }

  reset(): void {
    this.std.reset();
    this.prev = Number.NaN;
  }
}

/**
 * The range estimators' shared shape: the annualised square root of the rolling mean of a per-bar
 * variance term, times a constant. Warm-up period - 1.
 */
abstract class MeanTermVolKernel {
  readonly warmup: number;
  private readonly mean: SmaKernel;
  private readonly scale: number;

  constructor(period: number, periodsPerYear: number, termScale: number) {
    checkPeriod(period);
    checkAnnualisation(periodsPerYear);
    this.mean = new SmaKernel(period);
    this.scale = periodsPerYear * termScale;
    this.warmup = period - 1;
  }

  protected next(term: number): number {
    return Math.sqrt(this.scale * this.mean.update(term));
  }

  reset(): void {
    this.mean.reset();
  }
}

/** Parkinson's high-low volatility: warm-up period - 1. */
export class ParkinsonVolKernel extends MeanTermVolKernel implements StreamingKernel<[high: number, low: number]> {
  constructor(period: number, periodsPerYear = DEFAULT_ANNUALISATION) {
    super(period, periodsPerYear, 1 / (4 * Math.LN2));
  }

  update(high: number, low: number): number {
    const range = logRatio(high, low);
    return this.next(range * range);
  }
}

/** Garman-Klass volatility: warm-up period - 1. */
export class GarmanKlassVolKernel extends MeanTermVolKernel implements StreamingKernel<[open: number, high: number, low: number, close: number]> {
  constructor(period: number, periodsPerYear = DEFAULT_ANNUALISATION) {
    super(period, periodsPerYear, 1);
  }

  update(open: number, high: number, low: number, close: number): number {
    const range = logRatio(high, low);
    const body = logRatio(close, open);
    return this.next(0.5 * range * range - TWO_LN2_MINUS_1 * body * body);
  }
}

/** One bar's Rogers-Satchell variance term: ln(H/C) ln(H/O) + ln(L/C) ln(L/O), >= 0 on valid bars. */
function rogersSatchellTerm(open: number, high: number, low: number, close: number): number {
  return logRatio(high, close) * logRatio(high, open) + logRatio(low, close) * logRatio(low, open);
}

/** Rogers-Satchell volatility: warm-up period - 1. */
export class RogersSatchellVolKernel extends MeanTermVolKernel implements StreamingKernel<[open: number, high: number, low: number, close: number]> {
  constructor(period: number, periodsPerYear = DEFAULT_ANNUALISATION) {
    super(period, periodsPerYear, 1);
  }

  update(open: number, high: number, low: number, close: number): number {
    return this.next(rogersSatchellTerm(open, high, low, close));
  }
}

/** Yang and Zhang's weight of the open-to-close variance for a window of n bars. */
export function yangZhangK(period: number): number {
  return 0.34 / (1.34 + (period + 1) / (period - 1));
}

/** Yang-Zhang volatility: warm-up `period` (the first overnight return needs a previous close); period >= 2. */
export class YangZhangVolKernel implements StreamingKernel<[open: number, high: number, low: number, close: number]> {
  readonly warmup: number;
  private readonly overnight: RollingStdKernel;
  private readonly openToClose: RollingStdKernel;
  private readonly rs: SmaKernel;
  private readonly k: number;
  private readonly periodsPerYear: number;
  private prevClose = Number.NaN;

  constructor(period: number, periodsPerYear = DEFAULT_ANNUALISATION) {
    checkPeriod(period, 2, MIN_TWO);
    checkAnnualisation(periodsPerYear);
    this.overnight = new RollingStdKernel(period);
    this.openToClose = new RollingStdKernel(period);
    this.rs = new SmaKernel(period);
    this.k = yangZhangK(period);
    this.periodsPerYear = periodsPerYear;
    this.warmup = period;
  }

  update(open: number, high: number, low: number, close: number): number {
    const so = this.overnight.update(logRatio(open, this.prevClose));
    this.prevClose = close;
    const sc = this.openToClose.update(logRatio(close, open));
    const rs = this.rs.update(rogersSatchellTerm(open, high, low, close));
    return Math.sqrt(this.periodsPerYear * (so * so + this.k * sc * sc + (1 - this.k) * rs));
  }

  reset(): void {
    this.overnight.reset();
    this.openToClose.reset();
    this.rs.reset();
    this.prevClose = Number.NaN;
  }
}

/** Runs a kernel over columns of equal length; the batch face of every estimator here. */
function runKernel(kernel: { update(a: number, b: number, c: number, d: number): number }, cols: readonly ArrayLike<number>[]): Float64Array {
  const n = cols[0].length;
  const out = new Float64Array(n);
  const [a, b = a, c = a, d = a] = cols;
  for (let i = 0; i < n; i++) out[i] = kernel.update(a[i], b[i], c[i], d[i]);
  return out;
}

/** Batch face of CloseToCloseVolKernel. */
export function closeToCloseVol(close: ArrayLike<number>, period: number, periodsPerYear = DEFAULT_ANNUALISATION): Float64Array {
  return runKernel(new CloseToCloseVolKernel(period, periodsPerYear), [close]);
}

/** Batch face of ParkinsonVolKernel. */
export function parkinsonVol(high: ArrayLike<number>, low: ArrayLike<number>, period: number, periodsPerYear = DEFAULT_ANNUALISATION): Float64Array {
  checkSameLength({ high, low });
  return runKernel(new ParkinsonVolKernel(period, periodsPerYear), [high, low]);
}

/** Open, high, low and close columns of one series. */
export interface OhlcColumns {
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

function ohlc(bars: OhlcColumns): ArrayLike<number>[] {
  checkSameLength({ open: bars.open, high: bars.high, low: bars.low, close: bars.close });
  return [bars.open, bars.high, bars.low, bars.close];
}

/** Batch face of GarmanKlassVolKernel. */
export function garmanKlassVol(bars: OhlcColumns, period: number, periodsPerYear = DEFAULT_ANNUALISATION): Float64Array {
  return runKernel(new GarmanKlassVolKernel(period, periodsPerYear), ohlc(bars));
}

/** Batch face of RogersSatchellVolKernel. */
export function rogersSatchellVol(bars: OhlcColumns, period: number, periodsPerYear = DEFAULT_ANNUALISATION): Float64Array {
  return runKernel(new RogersSatchellVolKernel(period, periodsPerYear), ohlc(bars));
}

/** Batch face of YangZhangVolKernel. */
export function yangZhangVol(bars: OhlcColumns, period: number, periodsPerYear = DEFAULT_ANNUALISATION): Float64Array {
  return runKernel(new YangZhangVolKernel(period, periodsPerYear), ohlc(bars));
}
