import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barColumns, barsFromColumns, filterBars, takeBars } from './bar-series.js';

const series = (n: number) =>
  barsFromColumns('T', {
    day: Array.from({ length: n }, (_, i) => 100 + i),
    open: Array.from({ length: n }, (_, i) => 10 + i),
    high: Array.from({ length: n }, (_, i) => 11 + i),
    low: Array.from({ length: n }, (_, i) => 9 + i),
    close: Array.from({ length: n }, (_, i) => 10.5 + i),
    volume: Array.from({ length: n }, (_, i) => 1000 * i),
  });

describe('bar series helpers', () => {
  it('takeBars copies the rows asked for, in that order, every column from the same row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.nat({ max: n - 1 }), { maxLength: 60 }))), ([n, rows]) => {
        const s = series(n);
        const t = takeBars(s, Int32Array.from(rows));
        expect(t.symbol).toBe('T');
        expect(Array.from(t.day)).toEqual(rows.map((i) => s.day[i]));
        for (const col of ['open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(t[col])).toEqual(rows.map((i) => s[col][i]));
        if (n > 0 && rows.length > 0) expect(t.close.buffer).not.toBe(s.close.buffer);
      }),
    );
  });

  it('filterBars keeps the bars the predicate keeps, in order', () => {
    const s = series(10);
    const odd = filterBars(s, (i) => i % 2 === 1);
    expect(Array.from(odd.day)).toEqual([101, 103, 105, 107, 109]);
    expect(Array.from(odd.volume)).toEqual([1000, 3000, 5000, 7000, 9000]);
  });

  it('barColumns keeps the same arrays and drops other fields', () => {
    const s = series(5);
    const raw = { ...s, line: new Int32Array(5), file: 'f.csv' };
    const b = barColumns(raw);
    expect(Object.keys(b).sort()).toEqual(['close', 'day', 'high', 'low', 'open', 'symbol', 'volume']);
    for (const col of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) expect(b[col]).toBe(s[col]);
  });
});
