import { usageError } from './errors.js';

/**
 * Dates inside kobe are integer day numbers (days since 1970-01-01, UTC): cheap to store in an
 * Int32Array, exact to compare, and free of time zones. ISO `YYYY-MM-DD` only at the edges.
 */
const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of an ISO date, or NaN when the text is not a real calendar date. */
export function parseIsoDay(text: string): number {
  const m = ISO_DATE.exec(text);
  if (m === null) return Number.NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return Number.NaN;
  return ms / MS_PER_DAY;
}

/**
 * Parses an ISO date given as an option; a bad one is a usage error naming `param` (the CLI
 * shows the flag of that parameter, see cli/param-flags.ts).
 */
export function isoDayFlag(text: string, param: string): number {
  const day = parseIsoDay(text);
  if (Number.isNaN(day)) {
    throw usageError('BAD_DATE', `expected a date as YYYY-MM-DD, got '${text}'`, { param, value: text });
  }
  return day;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * The ISO date of a day number, by the civil-from-days arithmetic (H. Hinnant) rather than a Date
 * object: artifacts print hundreds of thousands of dates. Years outside 0..9999 (which ISO writes
 * with a sign and six digits) go through Date.
 */
export function dayToIso(day: number): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (!Number.isInteger(day) || y < 0 || y > 9999) return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${pad2(m)}-${pad2(d)}`;
}

/** 0 = Sunday ... 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export const isWeekend = (day: number): boolean => {
  const w = weekday(day);
  return w === 0 || w === 6;
};

/** Index of the first element >= target in a sorted Int32Array (its length when none). */
export function lowerBound(sorted: Int32Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > target in a sorted Int32Array. */
export function upperBound(sorted: Int32Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
