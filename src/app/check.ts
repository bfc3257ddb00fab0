import { usageError } from '../core/errors.js';

export interface NumberRule {
  readonly min?: number;
  readonly integer?: boolean;
  readonly positive?: boolean;
  readonly max?: number;
}

/**
 * The one number check of every spec field and every numeric flag: `raw` is a number (from
 * JSON) or the text of one (from a flag). `name` is how the message names the field (a
 * parameter name, or the flag the CLI maps it to).
 */
export function checkNumber(raw: unknown, name: string, rule: NumberRule = {}): number {
  const text = typeof raw === 'string' ? raw : String(raw);
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  const bad =
    !Number.isFinite(v) ||
    (rule.integer === true && !Number.isInteger(v)) ||
    (rule.positive === true && v <= 0) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.max !== undefined && v > rule.max);
  if (bad) {
    const what = rule.integer ? 'a whole number' : 'a number';
    const low = rule.positive ? ' > 0' : rule.min !== undefined ? ` >= ${rule.min}` : '';
    const range = rule.max === undefined ? low : low === '' ? ` <= ${rule.max}` : `${low} and <= ${rule.max}`;
    throw usageError('BAD_FLAG', `expected ${what}${range}, got '${text}'`, { flag: name, value: raw });
  }
  return v;
}

/** A probability in [0, 1]. */
export function checkProbability(raw: unknown, name: string): number {
  const v = checkNumber(raw, name, { min: 0 });
  if (v > 1) throw usageError('BAD_FLAG', `must be a probability in [0, 1], was ${v}`, { flag: name, value: raw });
  return v;
}

/** A string field, required unless `optional`. */
export function checkString(raw: unknown, name: string): string {
  if (typeof raw !== 'string') throw usageError('BAD_SPEC', `expected a string, got ${JSON.stringify(raw) ?? String(raw)}`, { flag: name, value: raw });
  return raw;
}

/** One of a fixed set of words. */
export function checkOneOf<T extends string>(raw: unknown, name: string, allowed: readonly T[], what: string): T {
  if (typeof raw !== 'string' || !allowed.includes(raw as T)) {
    throw usageError('BAD_FLAG', `unknown ${what} '${String(raw)}'`, { flag: name, value: raw, hint: allowed.join(' | ') });
  }
  return raw as T;
}
