import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayToIso, isWeekend, parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import type { RawBars } from './parse-bars.js';
import { applyBadDataPolicy } from './bad-data-policy.js';
import type { DataIssue } from './data-issue.js';
import { buildSessionCalendar } from './session-calendar.js';
import { timeOrder } from './time-order.js';
import { verifyBars } from './verify.js';

interface Row {
  date: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v?: number;
}

/** RawBars from rows in file order; row k sits on line k + 2 (under a header). */
function rawOf(rows: readonly Row[], symbol = 'TST'): RawBars {
  return {
    symbol,
    file: `/data/${symbol.toLowerCase()}.us.txt`,
    format: 'stooq',
    reversed: false,
    day: Int32Array.from(rows, (r) => parseIsoDay(r.date)),
    open: Float64Array.from(rows, (r) => r.o),
    high: Float64Array.from(rows, (r) => r.h),
    low: Float64Array.from(rows, (r) => r.l),
    close: Float64Array.from(rows, (r) => r.c),
    volume: Float64Array.from(rows, (r) => r.v ?? 1_000_000),
    line: Int32Array.from(rows, (_, k) => k + 2),
  };
}

/** Weekdays from 2020-01-06 on. */
function weekdays(n: number, from = '2020-01-06'): string[] {
  const out: string[] = [];
  for (let d = parseIsoDay(from); out.length < n; d++) if (!isWeekend(d)) out.push(dayToIso(d));
  return out;
}

/** A calm series: closes wander +-0.5% around `level`, opens at the previous close. */
function calmRows(n: number, level = 100, from = '2020-01-06'): Row[] {
  const dates = weekdays(n, from);
  let prev = level;
  return dates.map((date, k) => {
    const c = level * (1 + 0.005 * ((k % 3) - 1));
    const row = { date, o: prev, h: Math.max(prev, c) * 1.002, l: Math.min(prev, c) * 0.998, c };
    prev = c;
    return row;
  });
}

/** Rows k.. multiplied by `factor` (prices) and divided by it (volume): an unadjusted split. */
function scaleFrom(rows: Row[], k: number, factor: number): Row[] {
  return rows.map((r, i) => (i < k ? r : { ...r, o: r.o * factor, h: r.h * factor, l: r.l * factor, c: r.c * factor, v: (r.v ?? 1_000_000) / factor }));
}

const codes = (issues: readonly DataIssue[]) => issues.map((i) => i.code);
const only = (issues: readonly DataIssue[], code: string) => issues.filter((i) => i.code === code);

describe('verifyBars', () => {
  it('finds nothing in clean data', () => {
    expect(verifyBars(rawOf(calmRows(60)))).toEqual([]);
  });

  it('DUPLICATE_DATE: an error for an identical row and for a different one', () => {
    const rows = calmRows(5);
    const raw = rawOf([...rows.slice(0, 3), rows[2], { ...rows[3] }, { ...rows[3], c: rows[3].c * 1.01 }, rows[4]]);
    const dups = only(verifyBars(raw), 'DUPLICATE_DATE');
    expect(dups.map((d) => [d.severity, d.barIndex, d.line])).toEqual([
      ['error', 3, 5],
      ['error', 5, 7],
    ]);
    expect(dups[0].detail).toContain('identical');
    expect(dups[1].detail).toContain('line 6');
  });

  it('UNSORTED_DATES: one error with the count of rows out of order', () => {
    const rows = calmRows(6);
    const raw = rawOf([rows[0], rows[2], rows[1], rows[3], rows[5], rows[4]]);
    const issues = verifyBars(raw);
    expect(codes(issues)).toEqual(['UNSORTED_DATES']);
    expect(issues[0]).toMatchObject({ severity: 'error', barIndex: 2, line: 4, count: 2, day: parseIsoDay(rows[1].date) });
  });

  it('NON_POSITIVE_PRICE, NEGATIVE_VOLUME, HIGH_BELOW_LOW, OPEN/CLOSE_OUTSIDE_RANGE', () => {
    const rows = calmRows(10);
    rows[2] = { ...rows[2], l: 0 };
    rows[3] = { ...rows[3], v: -5 };
    rows[4] = { ...rows[4], h: rows[4].l * 0.99 };
    rows[5] = { ...rows[5], o: rows[5].h * 1.01 };
    rows[6] = { ...rows[6], c: rows[6].l * 0.98 };
    // Within rounding tolerance: not an issue.
    rows[7] = { ...rows[7], c: rows[7].h * (1 + 1e-9) };
    const issues = verifyBars(rawOf(rows));
    expect(issues.map((i) => [i.code, i.line, i.severity])).toEqual([
      ['NON_POSITIVE_PRICE', 4, 'error'],
      ['NEGATIVE_VOLUME', 5, 'error'],
      ['HIGH_BELOW_LOW', 6, 'error'],
      ['OPEN_OUTSIDE_RANGE', 7, 'error'],
      ['CLOSE_OUTSIDE_RANGE', 8, 'error'],
    ]);
  });

  it('BAD_TICK: a decimal-shifted close that reverts, a -40% spike that reverts, a shifted high', () => {
    const rows = calmRows(30);
    rows[10] = { ...rows[10], c: rows[10].c / 10, l: rows[10].c / 10 };
    rows[20] = { ...rows[20], c: rows[20].c * 0.6, l: rows[20].c * 0.6 };
    rows[25] = { ...rows[25], h: rows[25].h * 10 };
    const ticks = only(verifyBars(rawOf(rows)), 'BAD_TICK');
    expect(ticks.map((t) => t.barIndex)).toEqual([10, 20, 25]);
    expect(ticks[0].detail).toContain('taken back');
    expect(ticks[2].detail).toContain('high');
    expect(ticks.every((t) => t.severity === 'error')).toBe(true);
  });

  it('a big move that is not taken back and not near a split ratio is a LARGE_GAP warning only', () => {
    const issues = verifyBars(rawOf(scaleFrom(calmRows(40), 20, 1.8)));
    expect(issues.map((i) => [i.code, i.severity])).toEqual([['LARGE_GAP', 'warn']]);
  });

  it('SUSPECT_SPLIT: an unadjusted 2:1 or 3:1 split in a calm stock', () => {
    for (const factor of [1 / 2, 1 / 3, 10]) {
      const issues = verifyBars(rawOf(scaleFrom(calmRows(60), 30, factor)));
      expect(codes(issues)).toEqual(['SUSPECT_SPLIT']);
      expect(issues[0]).toMatchObject({ barIndex: 30, line: 32, severity: 'error' });
    }
    const detail = verifyBars(rawOf(scaleFrom(calmRows(60), 30, 1 / 2)))[0].detail;
    expect(detail).toContain('2:1 split');
  });

  it('no SUSPECT_SPLIT for a crash on heavy dollar volume, or in a stock that moved that much anyway', () => {
    const crash = scaleFrom(calmRows(60), 30, 1 / 2);
    crash[30] = { ...crash[30], v: 40_000_000 };
    expect(only(verifyBars(rawOf(crash)), 'SUSPECT_SPLIT')).toEqual([]);
    // Wild stock: +25% and -20% days; the split lands on a day without its own move.
    const wild = calmRows(60).map((r, k) => {
      const f = [1, 1.25, 1.25, 1][k % 4];
      return { ...r, o: r.c * f, h: r.c * f * 1.01, l: r.c * f * 0.99, c: r.c * f };
    });
    expect(only(verifyBars(rawOf(scaleFrom(wild, 30, 1 / 2))), 'SUSPECT_SPLIT')).toEqual([]);
  });

  it('a split-sized move that is taken back the next bar is a BAD_TICK, not a split', () => {
    const rows = calmRows(40);
    rows[20] = { ...rows[20], o: rows[20].o / 2, h: rows[20].h / 2, l: rows[20].l / 2, c: rows[20].c / 2 };
    expect(codes(verifyBars(rawOf(rows)))).toEqual(['BAD_TICK']);
  });

  it('ZERO_RANGE_BAR: flat with zero volume is a warning; flat with volume is fine', () => {
    const rows = calmRows(10);
    rows[4] = { ...rows[4], o: 100, h: 100, l: 100, c: 100, v: 0 };
    rows[6] = { ...rows[6], o: 100, h: 100, l: 100, c: 100, v: 10 };
    const issues = verifyBars(rawOf(rows));
    expect(issues.map((i) => [i.code, i.severity, i.barIndex])).toEqual([['ZERO_RANGE_BAR', 'warn', 4]]);
  });

  it('MISSING_SESSION: one by one when few, compacted when many', () => {
    const rows = calmRows(40);
    const calendar = Int32Array.from(rows, (r) => parseIsoDay(r.date));
    const few = rawOf(rows.filter((_, k) => k !== 5 && k !== 9));
    const a = verifyBars(few, calendar);
    expect(a.map((i) => [i.code, i.severity, dayToIso(i.day), i.line])).toEqual([
      ['MISSING_SESSION', 'warn', rows[5].date, 7],
      ['MISSING_SESSION', 'warn', rows[9].date, 10],
    ]);
    const many = rawOf(rows.filter((_, k) => k < 3 || k > 30));
    const b = verifyBars(many, calendar);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ code: 'MISSING_SESSION', count: 28, day: parseIsoDay(rows[3].date), barIndex: 3 });
    expect(b[0].detail).toContain('28 sessions missing');
    expect(b[0].detail).toContain(rows[7].date);
    expect(b[0].detail).not.toContain(rows[8].date);
    // Sessions before the first or after the last bar are not missing.
    expect(verifyBars(rawOf(rows.slice(10, 20)), calendar)).toEqual([]);
  });

  it('reports rows of unsorted files by their place in the file', () => {
    const rows = calmRows(30);
    rows[10] = { ...rows[10], c: rows[10].c * 10, h: rows[10].c * 10 };
    const shuffled = [...rows.slice(15), ...rows.slice(0, 15)];
    const ticks = only(verifyBars(rawOf(shuffled)), 'BAD_TICK');
    expect(ticks).toHaveLength(1);
    expect(ticks[0].barIndex).toBe(25);
    expect(ticks[0].line).toBe(27);
  });
});

describe('applyBadDataPolicy', () => {
  const rows = calmRows(40);
  const messy: Row[] = [...rows];
  messy[10] = { ...messy[10], c: messy[10].c / 10, l: messy[10].c / 10 }; // BAD_TICK
  messy[15] = { ...messy[15], o: 100, h: 100, l: 100, c: 100, v: 0 }; // ZERO_RANGE_BAR
  const messyRows = [messy[1], messy[0], ...messy.slice(2, 20), messy[19], ...messy.slice(20)]; // unsorted + identical duplicate
  const raw = rawOf(messyRows);
  const issues = verifyBars(raw);
  /** Only a warning: one flat zero-volume bar. */
  const warnOnly = rawOf(rows.map((r, k) => (k === 7 ? { ...r, o: 100, h: 100, l: 100, c: 100, v: 0 } : r)));

  it('the fixture has what the tests expect', () => {
    expect(codes(issues).sort()).toEqual(['BAD_TICK', 'DUPLICATE_DATE', 'UNSORTED_DATES', 'ZERO_RANGE_BAR']);
  });

  it('warn keeps every bar, sorted, first of duplicate dates', () => {
    const r = applyBadDataPolicy(raw, issues, 'warn');
    expect(r.series!.day.length).toBe(40);
    expect(Array.from(r.series!.day)).toEqual(rows.map((x) => parseIsoDay(x.date)));
    expect(r.series!.close[10]).toBe(messy[10].c);
    expect(r.masked).toBe(0);
    // Errors: BAD_TICK, the duplicate, the unsorted row; warning: the flat bar.
    expect(r.report).toMatchObject({ status: 'ok', errors: 3, warnings: 1, rawBars: 41, bars: 40, masked: 0, reason: null });
  });

  it('mask drops bad bars and flat zero-volume bars, sorts, and keeps one of identical duplicate rows', () => {
    const r = applyBadDataPolicy(raw, issues, 'mask');
    const days = Array.from(r.series!.day);
    expect(days).toHaveLength(38);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(days).toContain(parseIsoDay(rows[19].date));
    expect(days).not.toContain(parseIsoDay(rows[10].date));
    expect(days).not.toContain(parseIsoDay(rows[15].date));
    expect(r.masked).toBe(2);
    expect(r.report).toMatchObject({ status: 'masked', masked: 2, bars: 38 });
  });

  it('mask drops the bars before a suspected split and both rows of a conflicting duplicate', () => {
    const split = scaleFrom(calmRows(60), 30, 1 / 2);
    const withDup = [...split.slice(0, 45), { ...split[44], c: split[44].c * 1.001 }, ...split.slice(45)];
    const r2 = rawOf(withDup);
    const iss = verifyBars(r2);
    expect(codes(iss).sort()).toEqual(['DUPLICATE_DATE', 'SUSPECT_SPLIT']);
    const r = applyBadDataPolicy(r2, iss, 'mask');
    expect(r.series!.day[0]).toBe(parseIsoDay(split[30].date));
    expect(Array.from(r.series!.day)).not.toContain(parseIsoDay(split[44].date));
    expect(r.series!.day.length).toBe(29);
    expect(r.masked).toBe(31);
  });

  it('skip-symbol drops a symbol with errors and keeps one with warnings only', () => {
    const r = applyBadDataPolicy(raw, issues, 'skip-symbol');
    expect(r.series).toBeNull();
    expect(r.report.status).toBe('skipped');
    expect(r.report.reason).toContain('3 data errors, first UNSORTED_DATES');
    const ok = applyBadDataPolicy(warnOnly, verifyBars(warnOnly), 'skip-symbol');
    expect(ok.series!.day.length).toBe(40);
    expect(ok.report.status).toBe('ok');
    const unsorted = rawOf([rows[1], rows[0], ...rows.slice(2)]);
    expect(applyBadDataPolicy(unsorted, verifyBars(unsorted), 'skip-symbol').series).toBeNull();
  });

  it('fail throws an input error naming the file, line and problem', () => {
    const twoErrors = [...messy];
    twoErrors[30] = { ...twoErrors[30], h: twoErrors[30].l * 0.5 };
    const r3 = rawOf(twoErrors);
    let err: KobeError | null = null;
    try {
      applyBadDataPolicy(r3, verifyBars(r3), 'fail');
    } catch (e) {
      err = e as KobeError;
    }
    expect(err).toBeInstanceOf(KobeError);
    expect(err!.kind).toBe('input');
    expect(err!.code).toBe('BAD_DATA');
    expect(err!.file).toBe('/data/tst.us.txt');
    expect(err!.line).toBe(12);
    expect(err!.message).toContain('BAD_TICK');
    expect(err!.message).toContain('and 1 more error');
    expect(err!.describe()).toContain('/data/tst.us.txt:12:');
    // Warnings alone do not fail.
    expect(applyBadDataPolicy(warnOnly, verifyBars(warnOnly), 'fail').series).not.toBeNull();
    // Unsorted dates and duplicate dates (even identical rows) do.
    for (const [bad, code] of [
      [[rows[1], rows[0], ...rows.slice(2)], 'UNSORTED_DATES'],
      [[...rows.slice(0, 5), rows[4], ...rows.slice(5)], 'DUPLICATE_DATE'],
    ] as const) {
      const r4 = rawOf(bad);
      expect(() => applyBadDataPolicy(r4, verifyBars(r4), 'fail')).toThrow(code);
    }
  });

  it('returns views over the raw columns when nothing changes', () => {
    const clean = rawOf(rows);
    const r = applyBadDataPolicy(clean, verifyBars(clean), 'mask');
    expect(r.series!.close).toBe(clean.close);
  });

  it('skips a symbol whose every bar is masked', () => {
    const flat = rawOf(calmRows(3).map((r) => ({ ...r, o: 5, h: 5, l: 5, c: 5, v: 0 })));
    const r = applyBadDataPolicy(flat, verifyBars(flat), 'mask');
    expect(r.series).toBeNull();
    expect(r.report).toMatchObject({ status: 'skipped', masked: 3, bars: 0, reason: 'every bar was masked' });
  });

  it('every policy gives strictly increasing days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ d: fc.integer({ min: 0, max: 60 }), c: fc.double({ min: -1, max: 200, noNaN: true }), v: fc.integer({ min: -1, max: 5 }) }), {
          minLength: 1,
          maxLength: 80,
        }),
        fc.constantFrom('warn', 'mask', 'skip-symbol' as const),
        (spec, policy) => {
          const r = rawOf(spec.map((x) => ({ date: dayToIso(18_000 + x.d), o: x.c, h: x.c * 1.01, l: x.c * 0.99, c: x.c, v: x.v })));
          const out = applyBadDataPolicy(r, verifyBars(r), policy as 'warn' | 'mask' | 'skip-symbol');
          if (out.series === null) return;
          for (let k = 1; k < out.series.day.length; k++) expect(out.series.day[k]).toBeGreaterThan(out.series.day[k - 1]);
          expect(out.series.day.length + out.masked).toBe(timeOrder(r.day).order.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('buildSessionCalendar', () => {
  const s = (days: number[]) => ({ day: Int32Array.from(days) });

  it('is the sorted union of days by default', () => {
    expect(Array.from(buildSessionCalendar([s([1, 3, 5]), s([2, 3, 9]), s([])]))).toEqual([1, 2, 3, 5, 9]);
    expect(buildSessionCalendar([]).length).toBe(0);
  });

  it('with minShare drops a stray day that only one of the symbols trading then has', () => {
    const a = s([1, 2, 3, 4, 5, 8]);
    const b = s([1, 2, 3, 4, 5, 8]);
    const c = s([1, 2, 3, 4, 5, 6, 8]);
    expect(Array.from(buildSessionCalendar([a, b, c]))).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(Array.from(buildSessionCalendar([a, b, c], { minShare: 0.5 }))).toEqual([1, 2, 3, 4, 5, 8]);
    // Only symbols trading at the time count: a late listing's days are sessions.
    const late = s([10, 11, 12]);
    expect(Array.from(buildSessionCalendar([a, b, late], { minShare: 0.5 }))).toEqual([1, 2, 3, 4, 5, 8, 10, 11, 12]);
  });
});

describe('LARGE_GAP vs SUSPECT_SPLIT', () => {
  it('a non-reverting move off the split ratios is a LARGE_GAP warning', () => {
    const issues = verifyBars(rawOf(scaleFrom(calmRows(60), 30, 0.41)));
    expect(issues.map((i) => [i.code, i.severity, i.barIndex])).toEqual([['LARGE_GAP', 'warn', 30]]);
    expect(issues[0].detail).toContain('not near a split ratio');
  });

  it('a split-sized drop that opens near the previous close (a crash during the day) is a LARGE_GAP, not a split', () => {
    const rows = scaleFrom(calmRows(60), 30, 1 / 2);
    const prev = rows[29].c;
    rows[30] = { ...rows[30], o: prev, h: prev * 1.001 };
    const issues = verifyBars(rawOf(rows));
    expect(codes(issues)).toEqual(['LARGE_GAP']);
    expect(issues[0].detail).toContain('did not gap');
  });

  it('an exact unadjusted 2:1 split (every price halved, volume doubled) is still SUSPECT_SPLIT', () => {
    const issues = verifyBars(rawOf(scaleFrom(calmRows(60), 30, 1 / 2)));
    expect(codes(issues)).toEqual(['SUSPECT_SPLIT']);
  });

  it('mask keeps every bar around a LARGE_GAP; skip-symbol and fail do not treat it as an error', () => {
    const raw = rawOf(scaleFrom(calmRows(60), 30, 0.41));
    const issues = verifyBars(raw);
    for (const policy of ['mask', 'skip-symbol', 'fail'] as const) {
      const r = applyBadDataPolicy(raw, issues, policy);
      expect(r.series!.day.length).toBe(60);
      expect(r.masked).toBe(0);
    }
  });
});
