import { dayToIso, lowerBound, upperBound, weekday } from './calendar.js';
import { inputError } from './errors.js';

/**
 * The NYSE session calendar, computed from its rules: which days are sessions, which of them
 * close early, and the regular-trading-hours window of each in UTC. Pure and deterministic: no
 * clock, no `Intl`, no time-zone database. Days are kobe's integer day numbers (calendar.ts);
 * instants are UTC milliseconds passed in by the caller.
 *
 * Holidays, by NYSE Rule 7.2 (the exchange's holiday rule; quoted in
 * https://www.thecorporatecounsel.net/blog/2021/11/new-years-eve-make-sure-your-party-starts-after-market-hours.html):
 * a holiday on a Saturday closes the Friday before, one on a Sunday the Monday after, "unless
 * unusual business conditions exist, such as the ending of a monthly or yearly accounting
 * period". That exception is why New Year's Day on a Saturday is not observed at all: Friday
 * December 31 stays a session (2010-12-31, 2021-12-31; NYSE's notice for 2011 in
 * http://www.creditbubblestocks.com/2010/12/market-is-open-on-friday-and-monday-no.html, and the
 * "no holiday observed" footnote for 2022 and 2028 in the NYSE Group calendars below).
 *
 * Checked against the published NYSE holiday and early-closing calendars:
 * - 2011-2016: https://wallstreetdiary.blogspot.com/2013/03/nyse-holiday-schedule.html
 * - 2020-2022: https://mondovisione.com/media-and-resources/news/nyse-group-announces-2020-2021-and-2022-holiday-and-early-closings-calendar/
 * - 2022-2024: http://finance.sananselmo.com/camedia.sananselmo/article/bizwire-2021-12-27-nyse-group-announces-2022-2023-and-2024-holiday-and-early-closings-calendar
 * - 2025-2027: https://mondovisione.com/media-and-resources/news/nyse-group-announces-2025-2026-and-2027-holiday-and-early-closings-calendar/
 * - 2026-2028: https://mondovisione.com/media-and-resources/news/nyse-group-announces-2026-2027-and-2028-holiday-and-early-closings-calendar-20251223/
 * - Juneteenth from 2022, Saturday -> Friday, Sunday -> Monday: https://githubissues.com/holidays/definitions/222
 * - history (MLK Day from 1998, the 1990s early closes, the one-off closures): the NYSE closings
 *   record as transcribed by pandas_market_calendars (rsheftel/pandas_market_calendars,
 *   holidays_nyse.py), and for 2025-01-09 https://www.ibtimes.com/nyse-nasdaq-markets-closed-jan-9-day-mourning-jimmy-carter-3757298
 * The test (exchange-calendar.test.ts) holds these lists and the real SPY/QQQ sessions 2005-2017.
 *
 * The hours are the scheduled ones: 09:30-16:00 New York time, 13:00 on the early closes
 * (14:00 on those before 1993). Unscheduled intraday events (a late open after a snow storm,
 * the 1997-10-27 circuit-breaker halt) are not in it.
 */

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;

/** The years this calendar knows; outside them it throws rather than guess. */
export const EXCHANGE_CALENDAR_FIRST_YEAR = 1990;
export const EXCHANGE_CALENDAR_LAST_YEAR = 2035;

const SUNDAY = 0;
const MONDAY = 1;
const TUESDAY = 2;
const WEDNESDAY = 3;
const THURSDAY = 4;
const FRIDAY = 5;
const SATURDAY = 6;

/** Minutes after New York midnight. */
const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60;
const EARLY_CLOSE_MINUTE = 13 * 60;
/** Early closes before 1993 were at 14:00 (the day after Thanksgiving 1992, Christmas Eve 1990-1992). */
const EARLY_CLOSE_MINUTE_PRE_1993 = 14 * 60;

export const dayOf = (year: number, month: number, dayOfMonth: number): number => Date.UTC(year, month - 1, dayOfMonth) / MS_PER_DAY;

/** The n-th (1-based) given weekday of a month. */
export function nthWeekday(year: number, month: number, wd: number, n: number): number {
  const first = dayOf(year, month, 1);
  return first + ((wd - weekday(first) + 7) % 7) + 7 * (n - 1);
}

/** The last given weekday of a month. */
export function lastWeekday(year: number, month: number, wd: number): number {
  const last = dayOf(year, month + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday, Gregorian calendar (the anonymous Meeus/Jones/Butcher computus). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
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
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(year, month, dayOfMonth);
}

/** Rule 7.2: Saturday -> the Friday before, Sunday -> the Monday after. */
export function weekendObserved(day: number): number {
  const wd = weekday(day);
  if (wd === SATURDAY) return day - 1;
  if (wd === SUNDAY) return day + 1;
  return day;
}

/**
 * Days the exchange was closed for an event, not a holiday rule (all inside the supported years).
 * The brief's list plus 1994-04-27, President Nixon's funeral, which the supported range needs.
 */
const ONE_OFF_CLOSURES: ReadonlyArray<readonly [string, string]> = [
  ['1994-04-27', 'Nixon funeral (national day of mourning)'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'Reagan funeral (national day of mourning)'],
  ['2007-01-02', 'Ford funeral (national day of mourning)'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'George H. W. Bush funeral (national day of mourning)'],
  ['2025-01-09', 'Carter funeral (national day of mourning)'],
];

/** Early closes outside the rules: the Fridays after Christmas 1997 and 2003 closed at 13:00. */
const ONE_OFF_EARLY_CLOSES: readonly string[] = ['1997-12-26', '2003-12-26'];

/** The holidays the rules close in one year, by observed day. */
function holidaysOf(year: number): Array<readonly [number, string]> {
  const out: Array<readonly [number, string]> = [];
  // New Year's Day: Sunday -> Monday; Saturday -> not observed (Dec 31 is a period end).
  const newYear = dayOf(year, 1, 1);
  if (weekday(newYear) !== SATURDAY) out.push([weekendObserved(newYear), "New Year's Day"]);
  // The NYSE first closed for Martin Luther King Jr. Day in 1998.
  if (year >= 1998) out.push([nthWeekday(year, 1, MONDAY, 3), 'Martin Luther King Jr. Day']);
  out.push([nthWeekday(year, 2, MONDAY, 3), "Washington's Birthday"]);
  out.push([easterSunday(year) - 2, 'Good Friday']);
  out.push([lastWeekday(year, 5, MONDAY), 'Memorial Day']);
  if (year >= 2022) out.push([weekendObserved(dayOf(year, 6, 19)), 'Juneteenth']);
  out.push([weekendObserved(dayOf(year, 7, 4)), 'Independence Day']);
  out.push([nthWeekday(year, 9, MONDAY, 1), 'Labor Day']);
  out.push([nthWeekday(year, 11, THURSDAY, 4), 'Thanksgiving Day']);
  out.push([weekendObserved(dayOf(year, 12, 25)), 'Christmas Day']);
  return out;
}

/** The scheduled early closes of one year as [day, close minute]; only weekdays, holidays not yet removed. */
function earlyClosesOf(year: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  // The day after Thanksgiving: 14:00 in 1992 (the first), 13:00 since 1993.
  if (year >= 1992) {
    out.push([nthWeekday(year, 11, THURSDAY, 4) + 1, year < 1993 ? EARLY_CLOSE_MINUTE_PRE_1993 : EARLY_CLOSE_MINUTE]);
  }
  // Christmas Eve on Monday..Thursday (on a Friday it is the observed Christmas): 14:00 until 1992.
  const christmasEve = dayOf(year, 12, 24);
  const eveWd = weekday(christmasEve);
  if (eveWd >= MONDAY && eveWd <= THURSDAY) {
    out.push([christmasEve, year < 1993 ? EARLY_CLOSE_MINUTE_PRE_1993 : EARLY_CLOSE_MINUTE]);
  }
  // The day before Independence Day: July 3 on Monday, Tuesday or Thursday since 1995; on a
  // Wednesday since 2013. Before 2013 a Thursday July 4 shortened the Friday after instead.
  const july3 = dayOf(year, 7, 3);
  const july3Wd = weekday(july3);
  if (year >= 1995 && (july3Wd === MONDAY || july3Wd === TUESDAY || july3Wd === THURSDAY)) out.push([july3, EARLY_CLOSE_MINUTE]);
  if (year >= 2013 && july3Wd === WEDNESDAY) out.push([july3, EARLY_CLOSE_MINUTE]);
  const july5 = dayOf(year, 7, 5);
  if (year >= 1996 && year <= 2012 && weekday(july5) === FRIDAY) out.push([july5, EARLY_CLOSE_MINUTE]);
  return out;
}

function isoToDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  return dayOf(y, m, d);
}

const FIRST_DAY = dayOf(EXCHANGE_CALENDAR_FIRST_YEAR, 1, 1);
const LAST_DAY = dayOf(EXCHANGE_CALENDAR_LAST_YEAR, 12, 31);

interface CalendarTable {
  /** Per day from FIRST_DAY: the New York close minute of a session, 0 when closed. */
  readonly closeMinute: Uint16Array;
  /** Every session in the supported years, ascending. */
  readonly sessions: Int32Array;
  /** Why a weekday is closed: holiday or event name. */
  readonly closedFor: ReadonlyMap<number, string>;
}

/** Built once at import (about 17,000 days, well under a millisecond), read-only afterwards. */
const TABLE: CalendarTable = (() => {
  const span = LAST_DAY - FIRST_DAY + 1;
  const closeMinute = new Uint16Array(span);
  const closedFor = new Map<number, string>();
  for (let d = FIRST_DAY; d <= LAST_DAY; d++) {
    const wd = weekday(d);
    if (wd !== SATURDAY && wd !== SUNDAY) closeMinute[d - FIRST_DAY] = CLOSE_MINUTE;
  }
  for (let year = EXCHANGE_CALENDAR_FIRST_YEAR; year <= EXCHANGE_CALENDAR_LAST_YEAR; year++) {
    for (const [day, minute] of earlyClosesOf(year)) if (closeMinute[day - FIRST_DAY] !== 0) closeMinute[day - FIRST_DAY] = minute;
  }
  for (const iso of ONE_OFF_EARLY_CLOSES) closeMinute[isoToDay(iso) - FIRST_DAY] = EARLY_CLOSE_MINUTE;
  const close = (day: number, name: string): void => {
    if (day < FIRST_DAY || day > LAST_DAY) return;
    closeMinute[day - FIRST_DAY] = 0;
    if (!closedFor.has(day)) closedFor.set(day, name);
  };
  for (let year = EXCHANGE_CALENDAR_FIRST_YEAR; year <= EXCHANGE_CALENDAR_LAST_YEAR; year++) {
    for (const [day, name] of holidaysOf(year)) close(day, name);
  }
  for (const [iso, name] of ONE_OFF_CLOSURES) close(isoToDay(iso), name);
  let count = 0;
  for (let x = 0; x < span; x++) if (closeMinute[x] !== 0) count++;
  const sessions = new Int32Array(count);
  for (let x = 0, j = 0; x < span; x++) if (closeMinute[x] !== 0) sessions[j++] = FIRST_DAY + x;
  return { closeMinute, sessions, closedFor };
})();

const RANGE_TEXT = `${EXCHANGE_CALENDAR_FIRST_YEAR}-01-01..${EXCHANGE_CALENDAR_LAST_YEAR}-12-31`;

function outOfRange(day: number, param: string): never {
  throw inputError('CALENDAR_OUT_OF_RANGE', `${param} ${dayToIso(day)} is outside the exchange calendar's supported range ${RANGE_TEXT}`, {
    value: dayToIso(day),
    hint: `the NYSE calendar covers ${RANGE_TEXT}; extend EXCHANGE_CALENDAR_LAST_YEAR (and check the published holiday list) for later dates`,
  });
}

function checkDay(day: number, param: string): void {
  if (!Number.isInteger(day)) {
    throw inputError('BAD_DAY', `${param} must be an integer day number (days since 1970-01-01), was ${String(day)}`, { value: day });
  }
  if (day < FIRST_DAY || day > LAST_DAY) outOfRange(day, param);
}

function checkInstant(utcMs: number, param: string): void {
  if (!Number.isFinite(utcMs)) throw inputError('BAD_TIME', `${param} must be a finite UTC millisecond timestamp, was ${String(utcMs)}`, { value: utcMs });
}

/** Whether the NYSE holds a regular session on this day. */
export function isSession(day: number): boolean {
  checkDay(day, 'day');
  return TABLE.closeMinute[day - FIRST_DAY] !== 0;
}

/** The first session strictly after `day`. */
export function nextSession(day: number): number {
  checkDay(day, 'day');
  const i = upperBound(TABLE.sessions, day);
  if (i >= TABLE.sessions.length) outOfRange(LAST_DAY + 1, 'the session after day');
  return TABLE.sessions[i];
}

/** The last session strictly before `day`. */
export function previousSession(day: number): number {
  checkDay(day, 'day');
  const i = lowerBound(TABLE.sessions, day) - 1;
  if (i < 0) outOfRange(FIRST_DAY - 1, 'the session before day');
  return TABLE.sessions[i];
}

/** The sessions from `from` to `to`, both inclusive, ascending; empty when `from > to`. A fresh array. */
export function sessionsBetween(from: number, to: number): Int32Array {
  checkDay(from, 'from');
  checkDay(to, 'to');
  return TABLE.sessions.slice(lowerBound(TABLE.sessions, from), upperBound(TABLE.sessions, to));
}

/** Whether this session closes before 16:00 New York time (13:00; 14:00 before 1993). False on non-sessions. */
export function isEarlyClose(day: number): boolean {
  checkDay(day, 'day');
  const minute = TABLE.closeMinute[day - FIRST_DAY];
  return minute !== 0 && minute < CLOSE_MINUTE;
}

/** The holiday or event that closes a weekday, 'weekend' on Saturday and Sunday, null on a session. */
export function closureReason(day: number): string | null {
  checkDay(day, 'day');
  if (TABLE.closeMinute[day - FIRST_DAY] !== 0) return null;
  return TABLE.closedFor.get(day) ?? 'weekend';
}

// --- New York time, by the US daylight-saving rules (not a time-zone database) -------------

/** The UTC instants daylight saving time starts and ends in New York in `year`. */
function dstWindowUtcMs(year: number): { startMs: number; endMs: number } {
  // Since 2007 (Energy Policy Act of 2005): second Sunday of March to first Sunday of November.
  // 1987-2006: first Sunday of April to last Sunday of October. Both switch at 02:00 local time:
  // 02:00 EST = 07:00 UTC at the start, 02:00 EDT = 06:00 UTC at the end.
  const startDay = year >= 2007 ? nthWeekday(year, 3, SUNDAY, 2) : nthWeekday(year, 4, SUNDAY, 1);
  const endDay = year >= 2007 ? nthWeekday(year, 11, SUNDAY, 1) : lastWeekday(year, 10, SUNDAY);
  return { startMs: startDay * MS_PER_DAY + 7 * 3_600_000, endMs: endDay * MS_PER_DAY + 6 * 3_600_000 };
}

/** The UTC year of an instant, without a Date object. */
function utcYear(utcMs: number): number {
  const day = Math.floor(utcMs / MS_PER_DAY);
  let year = 1970 + Math.floor(day / 365.2425);
  while (dayOf(year, 1, 1) > day) year--;
  while (dayOf(year + 1, 1, 1) <= day) year++;
  return year;
}

function checkYear(utcMs: number, param: string): number {
  const year = utcYear(utcMs);
  if (year < EXCHANGE_CALENDAR_FIRST_YEAR - 1 || year > EXCHANGE_CALENDAR_LAST_YEAR + 1) {
    throw inputError('CALENDAR_OUT_OF_RANGE', `${param} ${String(utcMs)} (${year}) is outside the exchange calendar's supported range ${RANGE_TEXT}`, {
      value: utcMs,
      hint: `the New York time rules here cover ${RANGE_TEXT}`,
    });
  }
  return year;
}

/** New York's offset from UTC at an instant, in minutes: -240 (EDT) or -300 (EST). */
export function newYorkUtcOffsetMinutes(utcMs: number): number {
  checkInstant(utcMs, 'utcMs');
  const { startMs, endMs } = dstWindowUtcMs(checkYear(utcMs, 'utcMs'));
  return utcMs >= startMs && utcMs < endMs ? -240 : -300;
}

/** The New York calendar day (a day number) of an instant. */
export function newYorkDay(utcMs: number): number {
  const offset = newYorkUtcOffsetMinutes(utcMs);
  return Math.floor((utcMs + offset * MS_PER_MINUTE) / MS_PER_DAY);
}

/** The UTC instant of a New York wall-clock minute on a weekday (never a switch day, always unambiguous). */
function newYorkWallToUtcMs(day: number, minute: number): number {
  const local = day * MS_PER_DAY + minute * MS_PER_MINUTE;
  const asEdt = local + 240 * MS_PER_MINUTE;
  return newYorkUtcOffsetMinutes(asEdt) === -240 ? asEdt : local + 300 * MS_PER_MINUTE;
}

function sessionCloseMinute(day: number, param: string): number {
  checkDay(day, param);
  const minute = TABLE.closeMinute[day - FIRST_DAY];
  if (minute === 0) {
    throw inputError('NOT_A_SESSION', `${param} ${dayToIso(day)} is not an NYSE session (${closureReason(day) ?? 'closed'})`, {
      value: dayToIso(day),
      hint: 'use nextSession or previousSession to find the nearest session',
    });
  }
  return minute;
}

/** The UTC instant the regular session opens (09:30 New York time). Throws NOT_A_SESSION on a closed day. */
export function sessionOpenUtcMs(day: number): number {
  sessionCloseMinute(day, 'day');
  return newYorkWallToUtcMs(day, OPEN_MINUTE);
}

/** The UTC instant the regular session closes (16:00 New York time, earlier on early closes). */
export function sessionCloseUtcMs(day: number): number {
  return newYorkWallToUtcMs(day, sessionCloseMinute(day, 'day'));
}

/** Whether an instant falls inside a regular session: open <= t < close, New York time. */
export function isRegularTradingHours(utcMs: number): boolean {
  const day = newYorkDay(utcMs);
  checkDay(day, 'the New York day of utcMs');
  if (TABLE.closeMinute[day - FIRST_DAY] === 0) return false;
  return utcMs >= sessionOpenUtcMs(day) && utcMs < sessionCloseUtcMs(day);
}

/**
 * The latest session whose regular close (16:00 New York time, or the early close) is at or
 * before `nowUtcMs`: the session a daily job run at that instant can have complete bars for.
 * At the closing instant itself the session counts as completed.
 */
export function lastCompletedSession(nowUtcMs: number): number {
  const today = newYorkDay(nowUtcMs);
  checkDay(today, 'the New York day of nowUtcMs');
  if (TABLE.closeMinute[today - FIRST_DAY] !== 0 && nowUtcMs >= sessionCloseUtcMs(today)) return today;
  return previousSession(today);
}
