import { NEGLIGIBLE_SPREAD_REL } from '../backtest/metric-value.js';

/**
 * Centre and scale of a trailing window, the yardstick of an anomaly z-score.
 *
 * - 'robust' (the default): median and 1.4826 x MAD (median absolute deviation from the median).
 *   1.4826 = 1 / Phi^-1(3/4) makes the MAD estimate sigma for normal data (Rousseeuw & Croux,
 *   "Alternatives to the Median Absolute Deviation", JASA 88 (1993) 1273-1283). Why the default:
 *   daily returns and volumes are heavy-tailed, and one earnings jump or bad tick inside the
 *   window inflates a standard deviation for the next 60 sessions, hiding the next anomaly
 *   behind the last one (masking). The median and MAD ignore up to half the window (breakdown
 *   point 50%, against 0% for the mean and sd). When more than half the window is one value the
 *   MAD is 0 (a stock that often does not trade, prices on a tick grid); then the scale falls
 *   back to 1.2533 x the mean absolute deviation from the median (sqrt(pi / 2), again sigma for
 *   normal data), the rule of Iglewicz & Hoaglin's modified z-score ("How to Detect and Handle
 *   Outliers", ASQC 1993) as IBM SPSS applies it.
 * - 'classic': mean and sample standard deviation (ddof = 1).
 *
 * The scale is NaN (no verdict) when it is negligible against the values' magnitude (see
 * NEGLIGIBLE_SPREAD_REL): every value in the window equal.
 */

export type ScaleMethod = 'robust' | 'classic';

export const MAD_TO_SIGMA = 1.4826;
export const MEAN_AD_TO_SIGMA = 1.2533;

export interface LocationScale {
  readonly center: number;
  /** NaN when the window has no usable spread. */
  readonly scale: number;
  /** True when the robust scale fell back to the mean absolute deviation (MAD was 0). */
  readonly meanAdFallback: boolean;
}

/**
 * Centre and scale of values[0..count) (count >= 1). 'robust' sorts values[0..count) in place;
 * `scratch` (length >= count) receives the absolute deviations.
 */
export function locationScale(values: Float64Array, count: number, method: ScaleMethod, scratch: Float64Array): LocationScale {
  const xs = values.subarray(0, count);
  let sumAbs = 0;
  for (let i = 0; i < count; i++) sumAbs += Math.abs(xs[i]);
  const negligible = (spread: number) => !(spread > NEGLIGIBLE_SPREAD_REL * (sumAbs / count));

  if (method === 'classic') {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += xs[i];
    const mean = sum / count;
    let ss = 0;
    for (let i = 0; i < count; i++) ss += (xs[i] - mean) * (xs[i] - mean);
    const sd = count >= 2 ? Math.sqrt(ss / (count - 1)) : Number.NaN;
    return { center: mean, scale: negligible(sd) ? Number.NaN : sd, meanAdFallback: false };
  }

  xs.sort();
  const center = medianSorted(xs);
  const dev = scratch.subarray(0, count);
  let sumDev = 0;
  for (let i = 0; i < count; i++) {
    dev[i] = Math.abs(xs[i] - center);
    sumDev += dev[i];
  }
  dev.sort();
  const mad = MAD_TO_SIGMA * medianSorted(dev);
  if (!negligible(mad)) return { center, scale: mad, meanAdFallback: false };
  const meanAd = (MEAN_AD_TO_SIGMA * sumDev) / count;
  return { center, scale: negligible(meanAd) ? Number.NaN : meanAd, meanAdFallback: true };
}

/** Median of an ascending array (length >= 1). */
export function medianSorted(xs: Float64Array): number {
  const n = xs.length;
  const mid = n >>> 1;
  return n % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}
