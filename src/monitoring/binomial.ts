/**
 * The exact binomial acceptance band for a count of successes: the range of win counts a window
 * of n trades shows when each trade wins independently with probability p.
 *
 * For X ~ Binomial(n, p) and a two-sided level alpha = 1 - confidence:
 *   lo = the largest k with P(X < k) <= alpha / 2
 *   hi = the smallest k with P(X > k) <= alpha / 2
 * so a count below lo (or above hi) happens with probability at most alpha / 2 when p is the
 * truth. This is the acceptance region of the exact equal-tailed binomial test of H0: p = p0
 * (the same tail construction as Clopper & Pearson, "The use of confidence or fiducial limits
 * illustrated in the case of the binomial", Biometrika 26 (1934) 404-413, read the other way: p
 * fixed, the count random). Exact rather than the normal approximation because windows are
 * short (20 trades) and win rates can sit near 0 or 1, where the normal band leaves [0, n].
 *
 * The pmf is summed in log space, log C(n, k) built up term by term, so large n does not
 * underflow (1 - p)^n.
 */

export interface CountBand {
  /** Smallest count not flagged low. */
  readonly lo: number;
  /** Largest count not flagged high. */
  readonly hi: number;
}

/**
 * The exact equal-tailed band of Binomial(n, p) at `confidence` (see the module comment).
 * n a non-negative integer, p in [0, 1], confidence in (0, 1); the caller validates.
 */
export function binomialCountBand(n: number, p: number, confidence: number): CountBand {
  const tail = (1 - confidence) / 2;
  if (p <= 0) return { lo: 0, hi: 0 };
  if (p >= 1) return { lo: n, hi: n };
  const pmf = binomialPmf(n, p);
  // lo: walk up while P(X < k + 1) = P(X <= k) stays within the tail.
  let lo = 0;
  let below = 0;
  while (lo < n && below + pmf[lo] <= tail) below += pmf[lo++];
  let hi = n;
  let above = 0;
  while (hi > 0 && above + pmf[hi] <= tail) above += pmf[hi--];
  return { lo, hi };
}

/** P(X = k) for k = 0..n, X ~ Binomial(n, p), 0 < p < 1. */
export function binomialPmf(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logChoose = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logChoose += Math.log(n - k + 1) - Math.log(k);
    out[k] = Math.exp(logChoose + k * logP + (n - k) * logQ);
  }
  return out;
}
