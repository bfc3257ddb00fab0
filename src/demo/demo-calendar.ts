import { weekday } from '../core/calendar.js';

/** The demo market's sessions: weekdays minus a simple, deterministic list of US exchange holidays. */

function dayOf(y: number, month1: number, d: number): number {
  return Date.UTC(y, month1 - 1, d) / 86_400_000;
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last one. */
function nthWeekday(y: number, month1: number, wd: number, n: number): number {
  if (n > 0) {
    const first = dayOf(y, month1, 1);
    return first + ((wd - weekday(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = dayOf(y, month1 + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday (anonymous Gregorian algorithm). */
function easter(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(y, month, day);
}

/** Saturday holidays move to Friday, Sunday ones to Monday. */
function observed(day: number): number {
  const w = weekday(day);
  return w === 6 ? day - 1 : w === 0 ? day + 1 : day;
}

/**
 * The demo calendar's holidays of a year: New Year (not moved back into December), MLK day,
 * Presidents day, Good Friday, Memorial day, Independence day, Labor day, Thanksgiving and
 * Christmas. (No Juneteenth, no special closures: simple and deterministic, not an NYSE replica.)
 */
export function demoHolidays(year: number): number[] {
  const newYear = dayOf(year, 1, 1);
  const days = [
    weekday(newYear) === 0 ? newYear + 1 : newYear,
    nthWeekday(year, 1, 1, 3),
    nthWeekday(year, 2, 1, 3),
    easter(year) - 2,
    nthWeekday(year, 5, 1, -1),
    observed(dayOf(year, 7, 4)),
    nthWeekday(year, 9, 1, 1),
    nthWeekday(year, 11, 4, 4),
    observed(dayOf(year, 12, 25)),
  ];
  return days.filter((d) => weekday(d) !== 0 && weekday(d) !== 6);
}

/** Session days in [fromDay, toDayExclusive): weekdays that are not demo holidays. */
export function demoSessionDays(fromDay: number, toDayExclusive: number): Int32Array {
  const out: number[] = [];
  let year = Number.NaN;
  let holidays = new Set<number>();
  for (let d = fromDay; d < toDayExclusive; d++) {
    const w = weekday(d);
    if (w === 0 || w === 6) continue;
    const y = new Date(d * 86_400_000).getUTCFullYear();
    if (y !== year) {
      year = y;
      holidays = new Set(demoHolidays(y));
    }
    if (!holidays.has(d)) out.push(d);
  }
  return Int32Array.from(out);
}
