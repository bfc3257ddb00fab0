import { weekday } from '../core/calendar.js';
// The date rules are the NYSE calendar's; the demo keeps its own simpler holiday list so the
// synthetic market (and every golden run on it) stays as it was generated.
import { dayOf, easterSunday as easter, lastWeekday, nthWeekday, weekendObserved as observed } from '../core/exchange-calendar.js';

/** The demo market's sessions: weekdays minus a simple, deterministic list of US exchange holidays. */

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
    lastWeekday(year, 5, 1),
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
