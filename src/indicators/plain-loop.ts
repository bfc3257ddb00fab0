import { checkPeriod } from './params.js';

/**
 * The benchmark's baseline: the simplest rolling mean a person would write over a typed array,
 * with no NaN bookkeeping. Indicator throughput is reported relative to this loop. On NaN-free
 * input it equals `sma` bit for bit (same operation order), which its test checks, so the
 * comparison measures overhead and not a different computation.
 */
export function plainRollingMean(values: ArrayLike<number>, period: number): Float64Array {
  checkPeriod(period);
  const n = values.length;
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (i >= period) sum -= values[i - period];
    sum += values[i];
    out[i] = i >= period - 1 ? sum / period : Number.NaN;
  }
  return out;
}
