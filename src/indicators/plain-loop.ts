import { checkPeriod } from './params.js';

/**
 * The benchmark's baseline: the simplest rolling mean a person would write over a typed array,
 * with no NaN bookkeeping and no compensation. Indicator throughput is reported relative to this
 * loop. On NaN-free input it agrees with `sma` up to the residue a plain running sum keeps (sma's
 * sum is exact; see rolling-sum.ts), which its test checks, so the comparison measures what the
 * library's NaN rule and exactness cost, not a different formula.
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
