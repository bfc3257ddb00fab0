import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayToIso, parseIsoDay } from '../core/calendar.js';
import { isRegularTradingHours, isSession, nextSession, sessionCloseUtcMs, sessionOpenUtcMs } from '../core/exchange-calendar.js';
import { addSubmittedNotional, dayTradesInWindow, submittedNotionalUsd, tradingDayOf, windowStartSession } from './trading-day.js';

const day = (iso: string) => parseIsoDay(iso);
/** A New York wall-clock instant given its UTC offset in hours (-4 EDT, -5 EST). */
const ny = (iso: string, hhmm: string, offsetHours: number) => Date.parse(`${iso}T${hhmm}:00Z`) - offsetHours * 3_600_000;
const td = (ms: number) => dayToIso(tradingDayOf(ms));

describe('tradingDayOf: the session open at the instant, or the next to open', () => {
  it('Friday 15:59:59.999 New York is Friday; Friday 16:00 through Monday 09:30 is Monday', () => {
    // 2017-11-10 is a Friday (EST).
    expect(td(ny('2017-11-10', '15:59', -5) + 59_999)).toBe('2017-11-10');
    expect(td(ny('2017-11-10', '16:00', -5))).toBe('2017-11-13');
    expect(td(ny('2017-11-11', '12:00', -5))).toBe('2017-11-13');
    expect(td(ny('2017-11-12', '23:59', -5))).toBe('2017-11-13');
    expect(td(ny('2017-11-13', '09:30', -5))).toBe('2017-11-13');
    expect(td(ny('2017-11-13', '15:59', -5))).toBe('2017-11-13');
  });

  it('not UTC midnight: 20:00 New York on a Tuesday is already the next UTC day, and the trading day is Wednesday', () => {
    const t = ny('2017-06-13', '20:00', -4);
    expect(new Date(t).toISOString().slice(0, 10)).toBe('2017-06-14');
    expect(td(t)).toBe('2017-06-14');
    // 19:59 UTC on the Tuesday is 15:59 EDT: still Tuesday.
    expect(td(Date.parse('2017-06-13T19:59:00Z'))).toBe('2017-06-13');
    expect(td(Date.parse('2017-06-13T20:00:00Z'))).toBe('2017-06-14');
  });

  it('holidays and early closes: the day before Thanksgiving hands over to Friday, which hands over at 13:00', () => {
    // Thanksgiving 2017-11-23; 2017-11-24 closes at 13:00.
    expect(td(ny('2017-11-22', '16:00', -5))).toBe('2017-11-24');
    expect(td(ny('2017-11-23', '10:00', -5))).toBe('2017-11-24');
    expect(td(ny('2017-11-24', '12:59', -5))).toBe('2017-11-24');
    expect(td(ny('2017-11-24', '13:00', -5))).toBe('2017-11-27');
    // Good Friday 2017-04-14: Thursday's close goes to Monday 2017-04-17.
    expect(td(ny('2017-04-13', '16:30', -4))).toBe('2017-04-17');
  });

  it('across the DST switches: 16:00 is 21:00 UTC in winter and 20:00 UTC in summer', () => {
    // DST began 2017-03-12 (Sunday): Friday 03-10 is EST, Monday 03-13 is EDT.
    expect(td(Date.parse('2017-03-10T20:30:00Z'))).toBe('2017-03-10');
    expect(td(Date.parse('2017-03-10T21:00:00Z'))).toBe('2017-03-13');
    expect(td(Date.parse('2017-03-13T19:59:00Z'))).toBe('2017-03-13');
    expect(td(Date.parse('2017-03-13T20:00:00Z'))).toBe('2017-03-14');
    // DST ended 2017-11-05 (Sunday): Friday 11-03 EDT, Monday 11-06 EST.
    expect(td(Date.parse('2017-11-03T20:00:00Z'))).toBe('2017-11-06');
    expect(td(Date.parse('2017-11-06T20:30:00Z'))).toBe('2017-11-06');
    expect(td(Date.parse('2017-11-06T21:00:00Z'))).toBe('2017-11-07');
  });

  it('property: the trading day is a session, at or after the New York day, changes exactly at each session close, and every regular-hours instant belongs to its own session', () => {
    const lo = Date.parse('2005-01-03T00:00:00Z');
    const hi = Date.parse('2034-12-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), (t) => {
        const d = tradingDayOf(t);
        expect(isSession(d)).toBe(true);
        const close = sessionCloseUtcMs(d);
        expect(t).toBeLessThan(close);
        expect(tradingDayOf(close - 1)).toBe(d);
        expect(tradingDayOf(close)).toBe(nextSession(d));
        if (isRegularTradingHours(t)) expect(t).toBeGreaterThanOrEqual(sessionOpenUtcMs(d));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the day notional counter', () => {
  const fri = ny('2017-11-10', '10:00', -5);
  it('adds within a trading day and starts afresh on the next session, not at midnight', () => {
    let c = addSubmittedNotional({ tradingDay: 0, usd: 0 }, fri, 70);
    c = addSubmittedNotional(c, ny('2017-11-10', '15:00', -5), 60);
    expect(c).toEqual({ tradingDay: day('2017-11-10'), usd: 130 });
    // After Friday's close the counter reads 0 (Monday's trading day), also over the weekend.
    expect(submittedNotionalUsd(c, ny('2017-11-10', '15:59', -5))).toBe(130);
    expect(submittedNotionalUsd(c, ny('2017-11-10', '16:00', -5))).toBe(0);
    expect(submittedNotionalUsd(c, ny('2017-11-11', '00:30', -5))).toBe(0);
    const mon = addSubmittedNotional(c, ny('2017-11-13', '09:31', -5), 50);
    expect(mon).toEqual({ tradingDay: day('2017-11-13'), usd: 50 });
  });
  it('refuses a negative or non-finite amount, naming the parameter', () => {
    expect(() => addSubmittedNotional({ tradingDay: 0, usd: 0 }, fri, -1)).toThrow(/notionalUsd must be a finite amount >= 0, was -1/);
    expect(() => addSubmittedNotional({ tradingDay: 0, usd: 0 }, fri, Number.NaN)).toThrow(/was NaN/);
  });
});

describe('the day-trade window (five sessions ending with the trading day)', () => {
  it('skips weekends and holidays', () => {
    // Monday 2017-11-27: window Mon 11-20, Tue 21, Wed 22, Fri 24 (Thanksgiving closed), Mon 27.
    expect(dayToIso(windowStartSession(day('2017-11-27'), 5))).toBe('2017-11-20');
    expect(dayToIso(windowStartSession(day('2017-11-27'), 1))).toBe('2017-11-27');
    const trades = ['2017-11-17', '2017-11-20', '2017-11-24', '2017-11-27', '2017-11-28'].map(day);
    expect(dayTradesInWindow(trades, day('2017-11-27'), 5)).toBe(3);
    expect(() => windowStartSession(day('2017-11-27'), 0)).toThrow(/sessions must be a positive integer, was 0/);
  });
});
