import { inputError } from '../core/errors.js';
import { isSession, newYorkDay, nextSession, previousSession, sessionCloseUtcMs } from '../core/exchange-calendar.js';

/**
 * The trading day an instant belongs to, for every per-day counter of the order path (submitted
 * notional, errors, day trades): the NYSE session that is open at that instant or, when none is,
 * the next one to open. Pure: the instant is passed in, the calendar is `core/exchange-calendar.ts`
 * (New York time by the US daylight-saving rules).
 *
 * So a trading day runs from the previous session's close (inclusive) to its own close
 * (exclusive): Friday 16:00 New York time through Monday 09:30 and on to Monday 16:00 is all
 * Monday's trading day; a holiday or a weekend belongs to the session after it; an early close
 * (13:00) hands over to the next session at 13:00. The counters therefore reset when a session
 * closes, never at UTC or New York midnight, and an order placed in regular hours always counts
 * toward the session it trades in.
 */
export function tradingDayOf(utcMs: number): number {
  const day = newYorkDay(utcMs);
  if (isSession(day) && utcMs < sessionCloseUtcMs(day)) return day;
  return nextSession(day);
}

/** Notional submitted in one trading day: the policy gate's day counter. */
export interface DayNotionalCounter {
  /** The trading day (`tradingDayOf`) the amount was submitted in, a day number. */
  readonly tradingDay: number;
  /** Notional submitted in that trading day, USD. */
  readonly usd: number;
}

/** The notional already submitted in the trading day of `nowUtcMs`: the counter's amount, or 0 once that day is over. */
export function submittedNotionalUsd(counter: DayNotionalCounter, nowUtcMs: number): number {
  return counter.tradingDay === tradingDayOf(nowUtcMs) ? counter.usd : 0;
}

/** The counter after submitting `notionalUsd` at `nowUtcMs`: added in the same trading day, started afresh in a new one. */
export function addSubmittedNotional(counter: DayNotionalCounter, nowUtcMs: number, notionalUsd: number): DayNotionalCounter {
  if (!(Number.isFinite(notionalUsd) && notionalUsd >= 0)) {
    throw inputError('BAD_NOTIONAL', `notionalUsd must be a finite amount >= 0, was ${String(notionalUsd)}`, { param: 'notionalUsd', value: notionalUsd });
  }
  return { tradingDay: tradingDayOf(nowUtcMs), usd: submittedNotionalUsd(counter, nowUtcMs) + notionalUsd };
}

/**
 * The first session of the `sessions`-session window that ends with `tradingDay` (FINRA 4210's
 * "five business days" for the pattern-day-trader count: the trading day itself and the four
 * sessions before it).
 */
export function windowStartSession(tradingDay: number, sessions: number): number {
  if (!(Number.isInteger(sessions) && sessions >= 1)) {
    throw inputError('BAD_WINDOW', `sessions must be a positive integer, was ${String(sessions)}`, { param: 'sessions', value: sessions });
  }
  let day = isSession(tradingDay) ? tradingDay : nextSession(tradingDay);
  for (let k = 1; k < sessions; k++) day = previousSession(day);
  return day;
}

/** How many of the day trades (given by the trading day each was made on) fall in the window of `sessions` sessions ending with `tradingDay`. */
export function dayTradesInWindow(dayTradeDays: readonly number[], tradingDay: number, sessions: number): number {
  const first = windowStartSession(tradingDay, sessions);
  let n = 0;
  for (const d of dayTradeDays) if (d >= first && d <= tradingDay) n++;
  return n;
}
