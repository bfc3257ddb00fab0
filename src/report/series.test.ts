import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogram, monthlyReturns, percentileSorted, underwater } from './series.js';

describe('monthlyReturns', () => {
  it('compounds each month from the previous month-end, the first from the initial equity, and a year column', () => {
    const dates = ['2020-01-02', '2020-01-31', '2020-02-03', '2020-02-28', '2020-04-01', '2021-01-04'];
    const equity = [101, 110, 120, 99, 108.9, 119.79];
    const { years, cells } = monthlyReturns(dates, equity, 100);
    expect(years).toEqual(['2020', '2021']);
    expect(cells[0][0]).toBeCloseTo(0.1, 12); // 110 / 100
    expect(cells[0][1]).toBeCloseTo(-0.1, 12); // 99 / 110
    expect(cells[0][2]).toBeNull(); // March: no session
    expect(cells[0][3]).toBeCloseTo(0.1, 12); // 108.9 / 99
    expect(cells[0][12]).toBeCloseTo(0.089, 12); // 108.9 / 100
    expect(cells[1][0]).toBeCloseTo(0.1, 12); // 119.79 / 108.9
    expect(cells[1][12]).toBeCloseTo(0.1, 12);
  });

  it('the product of the monthly returns of a year is its year column', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.9, max: 1.1, noNaN: true }), { minLength: 1, maxLength: 300 }), (steps) => {
        const dates: string[] = [];
        const equity: number[] = [];
        let e = 1000;
        steps.forEach((g, i) => {
          e *= g;
          const day = new Date(Date.UTC(2019, 0, 1 + i * 3));
          dates.push(day.toISOString().slice(0, 10));
          equity.push(e);
        });
        const { cells } = monthlyReturns(dates, equity, 1000);
        for (const row of cells) {
          const product = row.slice(0, 12).reduce((a: number, v) => a * (1 + (v ?? 0)), 1);
          expect(product - 1).toBeCloseTo(row[12]!, 9);
        }
      }),
    );
  });
});

describe('histogram', () => {
  it('puts every finite value in exactly one round-edged bin', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.integer({ min: 1, max: 60 }), (values, bins) => {
        const h = histogram(values, bins);
        expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
        expect(h.edges.length).toBe(h.counts.length + 1);
        for (const v of values) expect(v >= h.edges[0] && v <= h.edges[h.edges.length - 1]).toBe(true);
      }),
    );
  });

  it('counts by hand: integers in unit bins, NaN left out, one value alone', () => {
    expect(histogram([1, 2, 2, 5, Number.NaN], 30, true)).toEqual({ edges: [1, 2, 3, 4, 5, 6], counts: [1, 2, 0, 0, 1] });
    expect(histogram([-150, -50, 0, 49, 250], 4)).toEqual({ edges: [-200, -100, 0, 100, 200, 300], counts: [1, 1, 2, 0, 1] });
    expect(histogram([7, 7], 10)).toEqual({ edges: [6.5, 7.5], counts: [2] });
    expect(histogram([], 10)).toEqual({ edges: [], counts: [] });
  });
});

describe('underwater and percentiles', () => {
  it('is 0 at a new high and minus the fall from the running peak below it', () => {
    expect(underwater([100, 110, 99, 121, 110])).toEqual([0, 0, -0.1, 0, -(11 / 121)]);
  });
  it('interpolates between ranks', () => {
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileSorted([1, 2, 3, 4], 100)).toBe(4);
    expect(percentileSorted([5], 5)).toBe(5);
  });
});
