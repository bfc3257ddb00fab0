import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { dayToIso, parseIsoDay, weekday } from './calendar.js';
import { isKobeError } from './errors.js';
import {
  closureReason,
  EXCHANGE_CALENDAR_FIRST_YEAR,
  EXCHANGE_CALENDAR_LAST_YEAR,
  isEarlyClose,
  isRegularTradingHours,
  isSession,
  lastCompletedSession,
  newYorkDay,
  newYorkUtcOffsetMinutes,
  nextSession,
  previousSession,
  sessionCloseUtcMs,
  sessionOpenUtcMs,
  sessionsBetween,
} from './exchange-calendar.js';

const D = (iso: string): number => {
  const day = parseIsoDay(iso);
  if (Number.isNaN(day)) throw new Error(`bad test date ${iso}`);
  return day;
};
const utc = (iso: string): number => Date.parse(iso);
const isoOfUtc = (ms: number): string => new Date(ms).toISOString();
const FIRST = D(`${EXCHANGE_CALENDAR_FIRST_YEAR}-01-01`);
const LAST = D(`${EXCHANGE_CALENDAR_LAST_YEAR}-12-31`);

/** The weekdays of a year the calendar closes, as ISO dates. */
function weekdayClosures(year: number): string[] {
  const out: string[] = [];
  for (let d = D(`${year}-01-01`); d <= D(`${year}-12-31`); d++) {
    const wd = weekday(d);
    if (wd !== 0 && wd !== 6 && !isSession(d)) out.push(dayToIso(d));
  }
  return out;
}

function earlyCloses(year: number): string[] {
  const out: string[] = [];
  for (let d = D(`${year}-01-01`); d <= D(`${year}-12-31`); d++) if (isEarlyClose(d)) out.push(dayToIso(d));
  return out;
}

function thrownCode(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    return isKobeError(e) ? e.code : `not a KobeError: ${String(e)}`;
  }
  return null;
}

function readStooqDays(symbol: string): number[] {
  const text = readFileSync(join(SHARED_STOOQ_DIR, `${symbol}.us.txt`), 'utf8');
  const lines = text.split('\n').slice(1).filter((l) => l.trim() !== '');
  return lines.map((l) => D(l.slice(0, l.indexOf(','))));
}

/** Both directions: data rows that are not sessions, and sessions with no data row, in [from, to]. */
function compareWithData(days: number[], from: number, to: number): { notSessions: string[]; missingRows: string[] } {
  const inRange = days.filter((d) => d >= from && d <= to);
  const have = new Set(inRange);
  const sessions = sessionsBetween(from, to);
  const isCal = new Set(sessions);
  return {
    notSessions: inRange.filter((d) => !isCal.has(d)).map(dayToIso),
    missingRows: [...sessions].filter((d) => !have.has(d)).map(dayToIso),
  };
}

describe.runIf(sharedDataAvailable())('exchange calendar against the real index sessions (Stooq, 2005-2017)', () => {
  it('SPY: every SPY date is a session and every session is a SPY date, except one Stooq hole', () => {
    const spy = readStooqDays('spy');
    // Stooq's SPY file starts on 2005-02-25, not 2005-01-03 (universe.csv says so too); QQQ below
    // covers the first weeks of 2005.
    expect(dayToIso(spy[0])).toBe('2005-02-25');
    expect(dayToIso(spy[spy.length - 1])).toBe('2017-11-10');
    const { notSessions, missingRows } = compareWithData(spy, spy[0], D('2017-11-10'));
    expect(notSessions).toEqual([]);
    // 2011-02-17 (a Thursday, an ordinary session) has no row in Stooq's SPY or DIA files; QQQ,
    // AAPL and MSFT have it. A hole in the data, not a holiday: the only exception.
    expect(missingRows).toEqual(['2011-02-17']);
  });

  it('QQQ (the other index ETF) matches day for day over the whole 2005-01-03..2017-11-10, 2011-02-17 included', () => {
    const qqq = readStooqDays('qqq');
    expect(dayToIso(qqq[0])).toBe('2005-01-03');
    const { notSessions, missingRows } = compareWithData(qqq, D('2005-01-03'), D('2017-11-10'));
    expect(notSessions).toEqual([]);
    expect(missingRows).toEqual([]);
    expect(qqq).toContain(D('2011-02-17'));
  });
});

describe('holidays by rule, against the published NYSE calendars', () => {
  // NYSE Group's holiday and early-closing announcements (links in exchange-calendar.ts).
  // Weekday closures, full lists: nothing else closes in these years.
  const published: Record<number, string[]> = {
    2011: ['2011-01-17', '2011-02-21', '2011-04-22', '2011-05-30', '2011-07-04', '2011-09-05', '2011-11-24', '2011-12-26'],
    2012: ['2012-01-02', '2012-01-16', '2012-02-20', '2012-04-06', '2012-05-28', '2012-07-04', '2012-09-03', '2012-10-29', '2012-10-30', '2012-11-22', '2012-12-25'],
    2013: ['2013-01-01', '2013-01-21', '2013-02-18', '2013-03-29', '2013-05-27', '2013-07-04', '2013-09-02', '2013-11-28', '2013-12-25'],
    2014: ['2014-01-01', '2014-01-20', '2014-02-17', '2014-04-18', '2014-05-26', '2014-07-04', '2014-09-01', '2014-11-27', '2014-12-25'],
    2015: ['2015-01-01', '2015-01-19', '2015-02-16', '2015-04-03', '2015-05-25', '2015-07-03', '2015-09-07', '2015-11-26', '2015-12-25'],
    2016: ['2016-01-01', '2016-01-18', '2016-02-15', '2016-03-25', '2016-05-30', '2016-07-04', '2016-09-05', '2016-11-24', '2016-12-26'],
    2020: ['2020-01-01', '2020-01-20', '2020-02-17', '2020-04-10', '2020-05-25', '2020-07-03', '2020-09-07', '2020-11-26', '2020-12-25'],
    2021: ['2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24'],
    2022: ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26'],
    2023: ['2023-01-02', '2023-01-16', '2023-02-20', '2023-04-07', '2023-05-29', '2023-06-19', '2023-07-04', '2023-09-04', '2023-11-23', '2023-12-25'],
    2024: ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25'],
    2025: ['2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25'],
    2026: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
    2027: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24'],
    2028: ['2028-01-17', '2028-02-21', '2028-04-14', '2028-05-29', '2028-06-19', '2028-07-04', '2028-09-04', '2028-11-23', '2028-12-25'],
  };
  for (const [year, closures] of Object.entries(published)) {
    it(`${year}: the weekday closures are exactly the published holidays`, () => {
      expect(weekdayClosures(Number(year))).toEqual(closures);
    });
  }

  // Early closes (13:00) as published. 2026-12-24: the 2026 calendar marks Christmas with the
  // early-close footnote, as 2020's did for its Thursday Christmas Eve.
  const publishedEarly: Record<number, string[]> = {
    2014: ['2014-07-03', '2014-11-28', '2014-12-24'],
    2015: ['2015-11-27', '2015-12-24'],
    2016: ['2016-11-25'],
    2020: ['2020-11-27', '2020-12-24'],
    2021: ['2021-11-26'],
    2022: ['2022-11-25'],
    2023: ['2023-07-03', '2023-11-24'],
    2024: ['2024-07-03', '2024-11-29', '2024-12-24'],
    2025: ['2025-07-03', '2025-11-28', '2025-12-24'],
    2026: ['2026-11-27', '2026-12-24'],
    2027: ['2027-11-26'],
    2028: ['2028-07-03', '2028-11-24'],
  };
  for (const [year, days] of Object.entries(publishedEarly)) {
    it(`${year}: the early closes are exactly the published ones`, () => {
      expect(earlyCloses(Number(year))).toEqual(days);
    });
  }
});

describe('holiday rules and their edge cases', () => {
  it("New Year's Day: Sunday -> Monday; Saturday -> no holiday, December 31 stays a session", () => {
    expect(isSession(D('2021-12-31'))).toBe(true); // 2022-01-01 was a Saturday
    expect(isSession(D('2022-01-03'))).toBe(true);
    expect(isSession(D('2010-12-31'))).toBe(true); // 2011-01-01 Saturday
    expect(isSession(D('2004-12-31'))).toBe(true); // 2005-01-01 Saturday
    expect(isSession(D('1993-12-31'))).toBe(true); // 1994-01-01 Saturday
    expect(isSession(D('2012-01-02'))).toBe(false); // 2012-01-01 Sunday
    expect(isSession(D('2017-01-02'))).toBe(false);
    expect(closureReason(D('2017-01-02'))).toBe("New Year's Day");
  });

  it('Martin Luther King Jr. Day: third Monday of January, only since 1998', () => {
    expect(isSession(D('1997-01-20'))).toBe(true);
    expect(isSession(D('1998-01-19'))).toBe(false);
    expect(isSession(D('2005-01-17'))).toBe(false);
    expect(closureReason(D('2024-01-15'))).toBe('Martin Luther King Jr. Day');
  });

  it("Washington's Birthday, Memorial Day, Labor Day, Thanksgiving on their weekday rules", () => {
    expect(closureReason(D('1990-02-19'))).toBe("Washington's Birthday");
    expect(closureReason(D('2010-05-31'))).toBe('Memorial Day'); // May with five Mondays
    expect(isSession(D('2010-05-24'))).toBe(true);
    expect(closureReason(D('2009-09-07'))).toBe('Labor Day');
    expect(closureReason(D('2012-11-22'))).toBe('Thanksgiving Day'); // November with five Thursdays
    expect(isSession(D('2012-11-29'))).toBe(true);
  });

  it('Good Friday by the Easter computus, early and late Easters', () => {
    expect(closureReason(D('2016-03-25'))).toBe('Good Friday');
    expect(closureReason(D('2008-03-21'))).toBe('Good Friday'); // Easter 2008-03-23
    expect(closureReason(D('2011-04-22'))).toBe('Good Friday'); // Easter 2011-04-24
    expect(closureReason(D('1990-04-13'))).toBe('Good Friday');
    expect(closureReason(D('2035-03-23'))).toBe('Good Friday'); // Easter 2035-03-25
    expect(isSession(D('2016-03-28'))).toBe(true); // Easter Monday is a session
  });

  it('Juneteenth from 2022, Saturday -> Friday, Sunday -> Monday', () => {
    expect(isSession(D('2021-06-18'))).toBe(true);
    expect(closureReason(D('2022-06-20'))).toBe('Juneteenth');
    expect(isSession(D('2027-06-18'))).toBe(false);
    expect(isSession(D('2027-06-21'))).toBe(true);
  });

  it('Independence Day and Christmas: Saturday -> Friday, Sunday -> Monday', () => {
    expect(closureReason(D('2015-07-03'))).toBe('Independence Day');
    expect(closureReason(D('2010-07-05'))).toBe('Independence Day');
    expect(isSession(D('2010-07-02'))).toBe(true);
    expect(closureReason(D('2021-12-24'))).toBe('Christmas Day');
    expect(closureReason(D('2016-12-26'))).toBe('Christmas Day');
    expect(isSession(D('2016-12-23'))).toBe(true);
  });

  it('the one-off closures', () => {
    for (const iso of ['1994-04-27', '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(isSession(D(iso)), iso).toBe(false);
      expect(closureReason(D(iso)), iso).not.toBe('weekend');
    }
    expect(isSession(D('2001-09-10'))).toBe(true);
    expect(isSession(D('2001-09-17'))).toBe(true);
    expect(isSession(D('2012-10-31'))).toBe(true);
    expect(closureReason(D('2012-10-29'))).toBe('Hurricane Sandy');
    expect(closureReason(D('2024-03-09'))).toBe('weekend');
    expect(closureReason(D('2024-03-08'))).toBeNull();
  });

  it('early closes: day after Thanksgiving, Christmas Eve, the day before Independence Day by its rules', () => {
    expect(isEarlyClose(D('2024-11-29'))).toBe(true);
    expect(isEarlyClose(D('2018-12-24'))).toBe(true); // Monday Christmas Eve
    expect(isEarlyClose(D('2021-12-24'))).toBe(false); // Christmas observed: closed, not early
    expect(isEarlyClose(D('2006-07-03'))).toBe(true); // Monday July 3
    expect(isEarlyClose(D('2013-07-03'))).toBe(true); // Wednesday July 3: early since 2013
    expect(isEarlyClose(D('2013-07-05'))).toBe(false);
    expect(isEarlyClose(D('2002-07-03'))).toBe(false); // before 2013 a Thursday July 4 shortened the Friday after
    expect(isEarlyClose(D('2002-07-05'))).toBe(true);
    expect(isEarlyClose(D('2021-07-02'))).toBe(false); // July 4 on a Sunday: no early close
    expect(isEarlyClose(D('1994-07-01'))).toBe(false);
    expect(isEarlyClose(D('1997-12-26'))).toBe(true); // one-off
    expect(isEarlyClose(D('2008-12-26'))).toBe(false);
    expect(isEarlyClose(D('2024-12-31'))).toBe(false);
    expect(isEarlyClose(D('2024-03-09'))).toBe(false); // not a session
    // Before 1993 the early closes were at 14:00 New York time (EST: 19:00 UTC).
    expect(isoOfUtc(sessionCloseUtcMs(D('1992-11-27')))).toBe('1992-11-27T19:00:00.000Z');
    expect(isoOfUtc(sessionCloseUtcMs(D('1990-12-24')))).toBe('1990-12-24T19:00:00.000Z');
    expect(isEarlyClose(D('1991-11-29'))).toBe(false);
    expect(isoOfUtc(sessionCloseUtcMs(D('1993-11-26')))).toBe('1993-11-26T18:00:00.000Z');
  });
});

describe('regular trading hours in UTC, by the New York daylight-saving rules', () => {
  it('2024-03-08 opens at 14:30 UTC (EST), 2024-03-11 at 13:30 UTC (EDT)', () => {
    expect(isoOfUtc(sessionOpenUtcMs(D('2024-03-08')))).toBe('2024-03-08T14:30:00.000Z');
    expect(isoOfUtc(sessionCloseUtcMs(D('2024-03-08')))).toBe('2024-03-08T21:00:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2024-03-11')))).toBe('2024-03-11T13:30:00.000Z');
    expect(isoOfUtc(sessionCloseUtcMs(D('2024-03-11')))).toBe('2024-03-11T20:00:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2024-11-01')))).toBe('2024-11-01T13:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2024-11-04')))).toBe('2024-11-04T14:30:00.000Z');
  });

  it('before 2007: first Sunday of April to last Sunday of October', () => {
    expect(isoOfUtc(sessionOpenUtcMs(D('2006-03-31')))).toBe('2006-03-31T14:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2006-04-03')))).toBe('2006-04-03T13:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2006-10-27')))).toBe('2006-10-27T13:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2006-10-30')))).toBe('2006-10-30T14:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2007-03-09')))).toBe('2007-03-09T14:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2007-03-12')))).toBe('2007-03-12T13:30:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2007-11-02')))).toBe('2007-11-02T13:30:00.000Z'); // old rule would say EST
  });

  it('switches at 02:00 local time: 07:00 UTC in March, 06:00 UTC in November', () => {
    expect(newYorkUtcOffsetMinutes(utc('2024-03-10T06:59:59.999Z'))).toBe(-300);
    expect(newYorkUtcOffsetMinutes(utc('2024-03-10T07:00:00.000Z'))).toBe(-240);
    expect(newYorkUtcOffsetMinutes(utc('2024-11-03T05:59:59.999Z'))).toBe(-240);
    expect(newYorkUtcOffsetMinutes(utc('2024-11-03T06:00:00.000Z'))).toBe(-300);
    expect(newYorkUtcOffsetMinutes(utc('2006-04-02T07:00:00.000Z'))).toBe(-240);
    expect(newYorkUtcOffsetMinutes(utc('2006-10-29T06:00:00.000Z'))).toBe(-300);
    expect(newYorkDay(utc('2024-03-12T03:59:00.000Z'))).toBe(D('2024-03-11')); // 23:59 EDT
    expect(newYorkDay(utc('2024-03-12T04:00:00.000Z'))).toBe(D('2024-03-12'));
  });

  it('early closes at 13:00 New York time, in either season', () => {
    expect(isoOfUtc(sessionCloseUtcMs(D('2024-07-03')))).toBe('2024-07-03T17:00:00.000Z');
    expect(isoOfUtc(sessionCloseUtcMs(D('2024-11-29')))).toBe('2024-11-29T18:00:00.000Z');
    expect(isoOfUtc(sessionOpenUtcMs(D('2024-11-29')))).toBe('2024-11-29T14:30:00.000Z');
  });

  it('isRegularTradingHours: open <= t < close on a session, never on a closed day', () => {
    expect(isRegularTradingHours(utc('2024-03-11T13:29:59.999Z'))).toBe(false);
    expect(isRegularTradingHours(utc('2024-03-11T13:30:00.000Z'))).toBe(true);
    expect(isRegularTradingHours(utc('2024-03-11T19:59:59.999Z'))).toBe(true);
    expect(isRegularTradingHours(utc('2024-03-11T20:00:00.000Z'))).toBe(false);
    expect(isRegularTradingHours(utc('2024-03-08T20:30:00.000Z'))).toBe(true); // 15:30 EST
    expect(isRegularTradingHours(utc('2024-11-29T18:30:00.000Z'))).toBe(false); // 13:30 on an early close
    expect(isRegularTradingHours(utc('2024-07-04T15:00:00.000Z'))).toBe(false); // holiday
    expect(isRegularTradingHours(utc('2024-03-09T15:00:00.000Z'))).toBe(false); // Saturday
  });

  it('sessionOpenUtcMs / sessionCloseUtcMs refuse a day that is not a session', () => {
    expect(thrownCode(() => sessionOpenUtcMs(D('2024-07-04')))).toBe('NOT_A_SESSION');
    expect(thrownCode(() => sessionCloseUtcMs(D('2024-03-09')))).toBe('NOT_A_SESSION');
  });
});

describe('lastCompletedSession', () => {
  it('a session counts from its close at 16:00 New York time: 15:59 -> the session before, 16:00 and 16:01 -> that day', () => {
    expect(lastCompletedSession(utc('2024-03-12T19:59:00.000Z'))).toBe(D('2024-03-11')); // 15:59 EDT
    expect(lastCompletedSession(utc('2024-03-12T20:00:00.000Z'))).toBe(D('2024-03-12'));
    expect(lastCompletedSession(utc('2024-03-12T20:01:00.000Z'))).toBe(D('2024-03-12')); // 16:01 EDT
    expect(lastCompletedSession(utc('2024-01-10T20:59:00.000Z'))).toBe(D('2024-01-09')); // 15:59 EST
    expect(lastCompletedSession(utc('2024-01-10T21:01:00.000Z'))).toBe(D('2024-01-10')); // 16:01 EST
  });

  it('uses the New York date, not the UTC date', () => {
    // 22:00 EDT on Monday 2024-03-11 is already Tuesday in UTC.
    expect(lastCompletedSession(utc('2024-03-12T02:00:00.000Z'))).toBe(D('2024-03-11'));
    // 08:00 EDT on Monday: Friday's session is the last complete one.
    expect(lastCompletedSession(utc('2024-03-11T12:00:00.000Z'))).toBe(D('2024-03-08'));
  });

  it('on a Saturday, a holiday and an early close', () => {
    expect(lastCompletedSession(utc('2024-03-16T16:00:00.000Z'))).toBe(D('2024-03-15'));
    expect(lastCompletedSession(utc('2024-07-04T22:00:00.000Z'))).toBe(D('2024-07-03')); // Independence Day, 18:00 EDT
    expect(lastCompletedSession(utc('2016-03-28T12:00:00.000Z'))).toBe(D('2016-03-24')); // Monday morning after Good Friday
    expect(lastCompletedSession(utc('2024-11-29T17:59:00.000Z'))).toBe(D('2024-11-27')); // 12:59 EST, early-close day
    expect(lastCompletedSession(utc('2024-11-29T18:01:00.000Z'))).toBe(D('2024-11-29')); // 13:01 EST
  });
});

describe('range and argument checks', () => {
  it(`throws CALENDAR_OUT_OF_RANGE naming ${EXCHANGE_CALENDAR_FIRST_YEAR}..${EXCHANGE_CALENDAR_LAST_YEAR} outside it`, () => {
    expect(thrownCode(() => isSession(D('1989-12-29')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(thrownCode(() => isSession(D('2036-01-02')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(() => isSession(D('2036-01-02'))).toThrow(/1990-01-01\.\.2035-12-31/);
    expect(thrownCode(() => nextSession(D('2035-12-31')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(thrownCode(() => previousSession(D('1990-01-02')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(thrownCode(() => sessionsBetween(D('2030-01-01'), D('2040-01-01')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(thrownCode(() => lastCompletedSession(utc('2040-06-01T12:00:00.000Z')))).toBe('CALENDAR_OUT_OF_RANGE');
    expect(nextSession(D('2035-12-28'))).toBe(D('2035-12-31'));
    expect(previousSession(D('1990-01-03'))).toBe(D('1990-01-02'));
  });

  it('throws BAD_DAY / BAD_TIME on a non-integer day or a non-finite instant', () => {
    expect(thrownCode(() => isSession(19_000.5))).toBe('BAD_DAY');
    expect(thrownCode(() => nextSession(Number.NaN))).toBe('BAD_DAY');
    expect(thrownCode(() => lastCompletedSession(Number.NaN))).toBe('BAD_TIME');
  });

  it('sessionsBetween is inclusive on both ends and empty when from > to', () => {
    expect([...sessionsBetween(D('2016-03-24'), D('2016-03-29'))].map(dayToIso)).toEqual(['2016-03-24', '2016-03-28', '2016-03-29']);
    expect(sessionsBetween(D('2016-03-29'), D('2016-03-24')).length).toBe(0);
  });
});

describe('properties', () => {
  const dayArb = fc.integer({ min: FIRST + 10, max: LAST - 10 });

  it('nextSession(d) > d is a session with no session between; previousSession(nextSession(d)) <= d', () => {
    fc.assert(
      fc.property(dayArb, (d) => {
        const n = nextSession(d);
        expect(n).toBeGreaterThan(d);
        expect(isSession(n)).toBe(true);
        for (let x = d + 1; x < n; x++) expect(isSession(x)).toBe(false);
        expect(previousSession(n)).toBeLessThanOrEqual(d);
        const p = previousSession(d);
        expect(p).toBeLessThan(d);
        expect(isSession(p)).toBe(true);
        expect(nextSession(p)).toBeGreaterThanOrEqual(d);
      }),
      fcOptions(500),
    );
  });

  it('sessionsBetween(a, b) is exactly the days in [a, b] where isSession holds', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -5, max: 400 }), (a, len) => {
        const b = Math.min(LAST, a + len);
        const expected: number[] = [];
        for (let x = a; x <= b; x++) if (isSession(x)) expected.push(x);
        expect([...sessionsBetween(a, b)]).toEqual(expected);
      }),
      fcOptions(200),
    );
  });

  it('every session is a weekday whose window lies inside its New York day: 6.5 h, or 3.5 h on an early close', () => {
    fc.assert(
      fc.property(dayArb, (d) => {
        const s = isSession(d) ? d : nextSession(d);
        const wd = weekday(s);
        expect(wd >= 1 && wd <= 5).toBe(true);
        const open = sessionOpenUtcMs(s);
        const close = sessionCloseUtcMs(s);
        expect(newYorkDay(open)).toBe(s);
        expect(newYorkDay(close)).toBe(s);
        const hours = (close - open) / 3_600_000;
        if (isEarlyClose(s)) expect(s < D('1993-01-01') ? hours === 4.5 : hours === 3.5).toBe(true);
        else expect(hours).toBe(6.5);
        expect(isRegularTradingHours(open)).toBe(true);
        expect(isRegularTradingHours(close - 1)).toBe(true);
        expect(isRegularTradingHours(close)).toBe(false);
        expect(lastCompletedSession(close)).toBe(s);
        expect(lastCompletedSession(close - 1)).toBe(previousSession(s));
      }),
      fcOptions(300),
    );
  });
});

describe('purity', () => {
  it('reads no clock, no Intl, no Math.random and does no I/O', () => {
    const source = readFileSync(fileURLToPath(new URL('./exchange-calendar.ts', import.meta.url)), 'utf8');
    expect(source).not.toMatch(/Date\.now|new Date\(|Intl\.|Math\.random|performance\.now|from 'node:|process\./);
  });
});
