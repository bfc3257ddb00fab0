import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { kellyEstimate, tradeReturnFrac } from './kelly.js';

const repeat = (r: number, n: number) => Array.from({ length: n }, () => r);

describe('Kelly on a trade record', () => {
  it('gives the textbook fraction f* = p - q/R on a known win/loss distribution', () => {
    // 60% winners of +2%, 40% losers of -1%: R = 2, f* = 0.6 - 0.4 / 2 = 0.4.
    const e = kellyEstimate([...repeat(0.02, 6), ...repeat(-0.01, 4)]);
    expect(e.trades).toBe(10);
    expect(e.winRate).toBeCloseTo(0.6, 12);
    expect(e.payoffRatio).toBeCloseTo(2, 12);
    expect(e.kellyFrac).toBeCloseTo(0.4, 12);
    // An even-money coin that wins 55% of the time: f* = 2p - 1 = 0.1 (Thorp's classic case).
    expect(kellyEstimate([...repeat(0.05, 55), ...repeat(-0.05, 45)]).kellyFrac).toBeCloseTo(0.1, 12);
    // A fair coin at even money has no edge, and a losing one has a negative fraction.
    expect(kellyEstimate([...repeat(0.03, 5), ...repeat(-0.03, 5)]).kellyFrac).toBeCloseTo(0, 12);
    expect(kellyEstimate([...repeat(0.02, 3), ...repeat(-0.02, 7)]).kellyFrac).toBeCloseTo(0.3 - 0.7 / 1, 12);
    // Far below zero the fraction is bounded at -1, the value of a record without a win
    // (0.3 - 0.7 / 0.5 = -1.1; one small win among large losses is no better than none).
    expect(kellyEstimate([...repeat(0.01, 3), ...repeat(-0.02, 7)]).kellyFrac).toBe(-1);
    expect(kellyEstimate([0.01, -0.02, -0.02]).kellyFrac).toBe(-1);
  });

  it('handles records without a loss, without a win, and empty ones', () => {
    expect(kellyEstimate([0.01, 0.02, 0]).kellyFrac).toBeCloseTo(2 / 3, 12);
    expect(kellyEstimate([0.01, 0.02]).payoffRatio).toBe(Number.POSITIVE_INFINITY);
    expect(kellyEstimate([-0.01, 0]).kellyFrac).toBe(-1);
    expect(Number.isNaN(kellyEstimate([]).kellyFrac)).toBe(true);
    expect(() => kellyEstimate([0.01, Number.NaN])).toThrow(/trade return 1/);
  });

  it('lies in [-1, 1], is at most the win rate, and grows when a loss turns into a win', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 2, maxLength: 60 }), (rs) => {
        const e = kellyEstimate(rs);
        expect(e.kellyFrac).toBeLessThanOrEqual(1);
        expect(e.kellyFrac).toBeGreaterThanOrEqual(-1);
        expect(e.kellyFrac).toBeLessThanOrEqual(e.winRate + 1e-12);
        const worst = rs.indexOf(Math.min(...rs));
        if (rs[worst] < 0) {
          const better = kellyEstimate(rs.map((r, i) => (i === worst ? 0.01 : r)));
          expect(better.kellyFrac).toBeGreaterThanOrEqual(e.kellyFrac - 1e-12);
        }
      }),
      fcOptions(200),
    );
  });

  it('measures a trade on its cost, net of fees', () => {
    expect(tradeReturnFrac({ pnl: 50, entryPrice: 25, shares: 100 })).toBeCloseTo(0.02, 15);
  });
});
