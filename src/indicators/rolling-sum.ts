/**
 * A running sum that does not drift: the sum of a sliding window, kept as two doubles (`sum`, the
 * rounded running sum, and `comp`, the compensation: the exact rounding error of every addition,
 * added up, as in Neumaier's summation). It is the one running-sum mechanism of the indicators
 * (SMA, and average dollar volume, stochastic %D and the rolling VWAP built on it). A plain
 * `sum += x; sum -= old` keeps residue of values long gone, so two windows holding the same numbers
 * could compare unequal (SMA(10) 8.9e-15 above SMA(30) on a bar where their decimal means are
 * equal, and a cross a day early).
 *
 * Why sum + comp is the exact sum of the window. The error of each addition s = fl(a + b) is
 * computed exactly by Knuth's TwoSum (`additionError`: branch-free, any order of magnitudes). Every
 * value involved is a multiple of q, the unit in the last place of the smallest nonzero |value|
 * added or removed, and so are the sums and the errors. The caller folds `comp` into `sum` every
 * `period` bars (s = sum + comp; comp = additionError(sum, comp, s); sum = s: exact), so `comp`
 * never holds more than about `period` ulps of the largest partial sum M. A multiple of q below
 * 2^53 q is a double, so the additions into `comp` are exact too as long as period * M stays below
 * about 2^52 times the smallest nonzero |value|: closes from 0.01 to 100 000 in windows up to 1000
 * bars, or dollar volumes, are far inside that; subnormal values (below 2^-1022) are not, and there
 * even the splitting in `compensatedMean` rounds. Inside that range sum + comp is exactly the sum of
 * the window's values, whatever came before, and `compensatedMean` is a function of that exact sum:
 * windows holding the same numbers, in any order and after any history, give the same mean bit for
 * bit, and a window of n copies of v gives v.
 *
 * Cost: a TwoSum per value entering and leaving, none of it in the loop-carried chain of `sum`
 * beyond the addition a plain sum has, the mean's correction, and no allocation; on the Stooq closes
 * sma(200) takes about 2.5x the plain running-sum loop (the unexact kernel took 1.5x). These are
 * plain functions of numbers, not a class, so a batch loop keeps sum and comp in local variables
 * (V8 inlines the calls) and a streaming kernel in fields, and both run the same operations in the
 * same order.
 */
/** The exact rounding error of s = fl(a + b): a + b = s + additionError(a, b, s) (Knuth's TwoSum). */
export function additionError(a: number, b: number, s: number): number {
  const bv = s - a;
  return a - (s - bv) + (b - bv);
}

/**
 * (sum + comp) / n for a positive integer n <= 2^26, in effect rounded once; `inverse` is 1 / n,
 * hoisted out of the caller's loop. First hi = fl(sum + comp) and lo, its exact error: sum alone
 * can be far from the window's sum (after cancellation, [128, 0.01] leaving a window of zeros, sum
 * is 5e-15 and comp -5e-15). q = hi * inverse is then within a few ulps of the mean; the remainder
 * (hi + lo) - q * n is computed exactly (q split into two halves of at most 26 bits, each times n
 * exact, the subtraction from hi exact by Sterbenz, the result a multiple of ulp(q) far below
 * 2^53 ulp(q)), and its quotient corrects q. So n copies of v give exactly v (the remainder is
 * n * (v - q), its quotient v - q exact), which a plain fl(fl(n * v) / n) does not: three 0.1s give
 * 0.10000000000000002. One division, for the correction.
 */
export function compensatedMean(sum: number, comp: number, n: number, inverse: number): number {
  const hi = sum + comp;
  const lo = additionError(sum, comp, hi);
  const q = hi * inverse;
  const c = SPLITTER * q;
  const qHigh = c - (c - q);
  const qLow = q - qHigh;
  const r = hi - qHigh * n - qLow * n + lo;
  return q + r / n;
}

/** 2^27 + 1: Veltkamp's constant, splits a double into two halves of at most 26 significant bits. */
const SPLITTER = 134_217_729;
