import { usageError } from '../core/errors.js';
import { MAX_PERIOD } from './params.js';

/**
 * checkPeriod for parameters with their own name (`smooth`, `tenkan`, `displacement`), so the
 * message names the argument at fault: `smooth must be a positive integer, was 0`. Throws
 * BAD_PARAM unless `value` is an integer in [min, MAX_PERIOD].
 */
export function checkIntParam(name: string, value: number, min: number, hint?: string): void {
  if (!Number.isInteger(value) || value < min) {
    const want = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw usageError('BAD_PARAM', `${name} must be ${want}, was ${String(value)}`, { value, hint });
  }
  if (value > MAX_PERIOD) {
    throw usageError('BAD_PARAM', `${name} must be at most ${MAX_PERIOD}, was ${value}`, { value });
  }
}

/**
 * Validates the start bar of a start-invariant batch face: a non-negative integer (a start at or
 * beyond the end gives an all-NaN output). A fractional or NaN start would otherwise skip the loops
 * and leave zeros where NaN belongs.
 */
export function checkFrom(from: number): void {
  if (!Number.isInteger(from) || from < 0) {
    throw usageError('BAD_PARAM', `from must be a non-negative integer bar index, was ${String(from)}`, { value: from });
  }
}
