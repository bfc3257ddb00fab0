/**
 * Small descriptive statistics over numeric arrays, for metrics and fitness functions.
 *
 * Inside numeric code `NaN` means "no value": every function here returns `NaN` when its result
 * is undefined (too few values, zero variance in a denominator). Callers at an API boundary turn
 * that into `null` with a reason (see metrics.ts). Plain index loops, two passes where that buys
 * accuracy, no allocation.
 */

/** Arithmetic mean; NaN when empty. */
export function mean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i];
  return sum / n;
}

/** Mean of |x|; NaN when empty. Used as the scale against which a spread counts as zero. */
export function meanAbs(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(xs[i]);
  return sum / n;
}

/** Sample variance (ddof = 1, two-pass); NaN with fewer than 2 values. */
export function sampleVariance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    ss += d * d;
  }
  return ss / (n - 1);
}

/** Sample standard deviation (ddof = 1); NaN with fewer than 2 values. */
export function sampleStd(xs: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance(xs));
}

/**
 * Downside deviation with target 0 over ALL values: sqrt(mean(min(x, 0)^2)). Positive values
 * count as zeros in the mean (the Sortino convention). NaN when empty.
 */
export function downsideDeviation(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x < 0) ss += x * x;
  }
  return Math.sqrt(ss / n);
}

export interface LinearFit {
  /** OLS slope of y on x (beta). */
  readonly slope: number;
  /** OLS intercept (alpha per observation). */
  readonly intercept: number;
  /** Sample variance of x (ddof = 1); the fit is undefined when it is zero. */
  readonly xVariance: number;
}

/**
 * Ordinary least squares y = intercept + slope * x (two-pass, centred sums). slope and intercept
 * are NaN with fewer than 2 points, mismatched lengths, or zero variance of x; xVariance is
 * always reported so the caller can say why.
 */
export function linearFit(y: ArrayLike<number>, x: ArrayLike<number>): LinearFit {
  const n = x.length;
  if (n < 2 || y.length !== n) return { slope: Number.NaN, intercept: Number.NaN, xVariance: Number.NaN };
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    sxx += dx * dx;
    sxy += dx * (y[i] - my);
  }
  const xVariance = sxx / (n - 1);
  if (!(sxx > 0)) return { slope: Number.NaN, intercept: Number.NaN, xVariance };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, xVariance };
}
