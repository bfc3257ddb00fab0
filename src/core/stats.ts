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

/**
 * The four moments of a per-period return series that the Probabilistic and Deflated Sharpe
 * Ratios consume (Bailey & Lopez de Prado 2012, "The Sharpe Ratio Efficient Frontier", J. of
 * Risk 15(2); 2014, "The Deflated Sharpe Ratio", J. Portfolio Management 40(5)).
 *
 * Estimators, exactly:
 *   mean      = (1/n) sum r_i
 *   std       = sqrt( sum (r_i - mean)^2 / (n - 1) )                  sample std, ddof = 1
 *   m_k       = (1/n) sum (r_i - mean)^k                              population central moments
 *   skew      = m_3 / m_2^(3/2)                                       g1
 *   kurtosis  = m_4 / m_2^2                                           b2, NON-excess (normal = 3)
 *
 * Why these: the papers define gamma_3 = E[(r - mu)^3] / sigma^3 and gamma_4 = E[(r - mu)^4] /
 * sigma^4 as population moments and plug in their sample analogues; g1 and b2 are those plug-in
 * estimators (scipy.stats.skew and kurtosis(fisher=False) with the default bias=True, the choice
 * of the usual reference implementations). The bias-corrected G1/G2 differ by O(1/n), immaterial
 * at track-record lengths where the PSR is meaningful. Kurtosis is NOT excess: the PSR formula's
 * (gamma_4 - 1)/4 term expects 3 for normal returns, and passing excess kurtosis is the classic
 * silent error. The Sharpe ratio uses the sample std (ddof = 1) as kobe's metrics do
 * (backtest/metrics.ts); skew and kurtosis standardise by m_2 so that they stay the textbook g1 and
 * b2 (for which b2 >= 1 + g1^2 always holds, see deflated-sharpe.ts).
 *
 * Inside numeric code NaN means "no value": every function returns NaN when its result is
 * undefined (too few values, zero dispersion). Two passes, no allocation.
 */

export interface ReturnMoments {
  /** Number of observations. */
  readonly n: number;
  /** Arithmetic mean; NaN when empty. */
  readonly mean: number;
  /** Sample standard deviation (ddof = 1); NaN with fewer than 2 values. */
  readonly std: number;
  /** g1 = m3 / m2^1.5; NaN with fewer than 2 values or m2 = 0. */
  readonly skew: number;
  /** b2 = m4 / m2^2, non-excess (3 for a normal); NaN with fewer than 2 values or m2 = 0. */
  readonly kurtosis: number;
}

/** Population central moments m2, m3, m4 about the sample mean (two-pass). */
function centralMoments(xs: ArrayLike<number>, m: number): { m2: number; m3: number; m4: number } {
  const n = xs.length;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  return { m2: s2 / n, m3: s3 / n, m4: s4 / n };
}

/** Skewness g1 = m3 / m2^(3/2) (population moments); NaN with fewer than 2 values or m2 = 0. */
export function skewness(xs: ArrayLike<number>): number {
  if (xs.length < 2) return Number.NaN;
  const { m2, m3 } = centralMoments(xs, mean(xs));
  return m2 > 0 ? m3 / (m2 * Math.sqrt(m2)) : Number.NaN;
}

/** Non-excess kurtosis b2 = m4 / m2^2 (3 for a normal); NaN with fewer than 2 values or m2 = 0. */
export function kurtosis(xs: ArrayLike<number>): number {
  if (xs.length < 2) return Number.NaN;
  const { m2, m4 } = centralMoments(xs, mean(xs));
  return m2 > 0 ? m4 / (m2 * m2) : Number.NaN;
}

/** Mean, sample std, skewness and non-excess kurtosis in one call (see the estimators above). */
export function returnMoments(xs: ArrayLike<number>): ReturnMoments {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { n, mean: m, std: Number.NaN, skew: Number.NaN, kurtosis: Number.NaN };
  const { m2, m3, m4 } = centralMoments(xs, m);
  const ok = m2 > 0;
  return {
    n,
    mean: m,
    std: sampleStd(xs),
    skew: ok ? m3 / (m2 * Math.sqrt(m2)) : Number.NaN,
    kurtosis: ok ? m4 / (m2 * m2) : Number.NaN,
  };
}
