import { inputError, usageError } from '../core/errors.js';

/**
 * Ring-buffer kernels allocate `period` slots up front; a mistyped period of 1e9 should be a
 * usage error naming the value, not an out-of-memory crash. A million bars is four millennia of
 * daily data.
 */
export const MAX_PERIOD = 1_000_000;

/** Throws BAD_PARAM unless `period` is an integer in [min, MAX_PERIOD]. */
export function checkPeriod(period: number, min = 1, hint?: string): void {
  if (!Number.isInteger(period) || period < min) {
    const want = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw usageError('BAD_PARAM', `period must be ${want}, was ${String(period)}`, { value: period, hint });
  }
  if (period > MAX_PERIOD) {
    throw usageError('BAD_PARAM', `period must be at most ${MAX_PERIOD}, was ${period}`, { value: period });
  }
}

/** Throws BAD_COLUMNS unless every named column has the same length. */
export function checkSameLength(columns: Readonly<Record<string, ArrayLike<number>>>): number {
  const names = Object.keys(columns);
  const n = columns[names[0]].length;
  for (const name of names) {
    if (columns[name].length !== n) {
      const sizes = names.map((k) => `${k} has ${columns[k].length}`).join(', ');
      throw inputError('BAD_COLUMNS', `input columns differ in length: ${sizes}`, {
        value: Object.fromEntries(names.map((k) => [k, columns[k].length])),
      });
    }
  }
  return n;
}
