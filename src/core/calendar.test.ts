import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { dayToIso, parseIsoDay } from './calendar.js';

const viaDate = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

describe('dayToIso', () => {
  it('equals the Date formatting for every day of years 0..9999 and beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 3_000_000 }), (day) => {
        expect(dayToIso(day)).toBe(viaDate(day));
      }),
      fcOptions(5000),
    );
  });

  it('is right at the edges: leap days, century years, year 0 and 9999', () => {
    for (const iso of ['1970-01-01', '1969-12-31', '2000-02-29', '1900-03-01', '2100-02-28', '2017-11-10']) {
      expect(dayToIso(parseIsoDay(iso))).toBe(iso);
    }
    // Day numbers of 0000-01-01 and 9999-12-31; one day outside either goes through Date.
    expect(dayToIso(-719_528)).toBe('0000-01-01');
    expect(dayToIso(2_932_896)).toBe('9999-12-31');
    expect(dayToIso(-719_529)).toBe(viaDate(-719_529));
    expect(dayToIso(2_932_897)).toBe(viaDate(2_932_897));
  });
});
