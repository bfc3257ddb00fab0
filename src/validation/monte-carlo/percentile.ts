/**
 * Order statistics on typed arrays without sorting: quickselect in place, and percentiles by the
 * linear-interpolation rule (Hyndman-Fan type 7, numpy's default). Pure, no allocation.
 *
 * Percentile p of n values x(0) <= ... <= x(n-1): h = (n - 1) * p / 100, i = floor(h),
 * value = x(i) + (h - i) * (x(i+1) - x(i)); so p = 0 is the minimum and p = 100 the maximum.
 */

/**
 * Rearranges a[lo..hi] so that a[k] holds the value sorting would put there, with every value of
 * a[lo..k-1] <= a[k] <= every value of a[k+1..hi]. Hoare partition around a median of three
 * (Wirth's scheme): runs of equal values split evenly, so constant arrays stay linear.
 * The values must not contain NaN.
 */
export function selectInPlace(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let t: number;
    if (a[mid] < a[lo]) { t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
    if (a[hi] < a[lo]) { t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
    if (a[hi] < a[mid]) { t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and anything strictly between j and i equals pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Type-7 percentiles of the `count` values a[start .. start+count-1] (rearranged in place).
 * `ps` must be ascending within [0, 100]; out[outStart + m] receives percentile ps[m]. Each value
 * is clamped to the two order statistics it interpolates between, so the outputs for ascending
 * `ps` are non-decreasing even under rounding. count must be >= 1.
 */
export function percentilesInPlace(
  a: Float64Array,
  start: number,
  count: number,
  ps: ArrayLike<number>,
  out: Float64Array,
  outStart = 0,
): void {
  const last = start + count - 1;
  let left = start;
  for (let m = 0; m < ps.length; m++) {
    const h = ((count - 1) * ps[m]) / 100;
    const i = Math.floor(h);
    const f = h - i;
    const k = start + i;
    selectInPlace(a, left, last, k);
    const v = a[k];
    let value = v;
    if (f > 0 && k < last) {
      // The next order statistic is the minimum of what lies right of k.
      let w = a[k + 1];
      for (let q = k + 2; q <= last; q++) if (a[q] < w) w = a[q];
      value = v + f * (w - v);
      if (value > w) value = w;
      if (value < v) value = v;
    }
    out[outStart + m] = value;
    left = k;
  }
}

/** One percentile of a[start .. start+count-1] (rearranged in place); see percentilesInPlace. */
export function percentileInPlace(a: Float64Array, start: number, count: number, p: number): number {
  const one = new Float64Array(1);
  percentilesInPlace(a, start, count, [p], one, 0);
  return one[0];
}

/**
 * At most `maxPoints` (>= 2) indices spread evenly over 0..last, both ends included, strictly
 * increasing: every index when last + 1 <= maxPoints, else round(j * last / (maxPoints - 1)).
 */
export function sampleIndices(last: number, maxPoints: number): Int32Array {
  if (last + 1 <= maxPoints) {
    const all = new Int32Array(last + 1);
    for (let i = 0; i <= last; i++) all[i] = i;
    return all;
  }
  const out = new Int32Array(maxPoints);
  for (let j = 0; j < maxPoints; j++) out[j] = Math.round((j * last) / (maxPoints - 1));
  return out;
}
