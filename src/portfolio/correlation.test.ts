import { describe, expect, it } from 'vitest';
import { allocateBars, type BarSeries } from '../core/bar-series.js';
import { buildPanel } from '../backtest/panel.js';
import { randomWalkBars } from '../test-support/synthetic-bars.js';
import { pearson, ReturnPairs } from './correlation.js';

/** A copy of `s` under another name with every price scaled: the same returns. */
function scaled(s: BarSeries, symbol: string, k: number): BarSeries {
  const out = allocateBars(symbol, s.day.length);
  out.day.set(s.day);
  for (const f of ['open', 'high', 'low', 'close'] as const) for (let i = 0; i < s.day.length; i++) out[f][i] = s[f][i] * k;
  out.volume.set(s.volume);
  return out;
}

describe('return correlation', () => {
  it('Pearson matches a worked example and is undefined on a flat series', () => {
    // x = 1..5, y = 2, 4, 5, 4, 5: sxy = 6, sxx = 10, syy = 6 -> r = 6 / sqrt(60).
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], 5)).toBeCloseTo(6 / Math.sqrt(60), 14);
    expect(pearson([1, 2, 3], [3, 2, 1], 3)).toBe(-1);
    expect(Number.isNaN(pearson([1, 2, 3], [4, 4, 4], 3))).toBe(true);
    expect(Number.isNaN(pearson([1, 2], [1, 2], 2))).toBe(true);
  });

  it('reads daily returns up to the close it is asked at, aligned on the calendar', () => {
    const a = randomWalkBars('A', 120, 1);
    const panel = buildPanel([a, scaled(a, 'B', 3), randomWalkBars('C', 120, 2)], null);
    const pairs = new ReturnPairs();
    expect(pairs.returnCorrelation(panel, 0, 1, 100, 60)).toBeCloseTo(1, 12);
    expect(Math.abs(pairs.returnCorrelation(panel, 0, 2, 100, 60))).toBeLessThan(0.4);
    // Too few sessions behind the close: unmeasured.
    expect(Number.isNaN(pairs.returnCorrelation(panel, 0, 1, 20, 60))).toBe(true);
    // Bars after the close do not count: change them and the answer stays.
    const later = scaled(a, 'B', 3);
    for (let i = 101; i < 120; i++) later.close[i] *= i % 2 === 0 ? 1.3 : 0.7;
    const altered = buildPanel([a, later, randomWalkBars('C', 120, 2)], null);
    expect(pairs.returnCorrelation(altered, 0, 1, 100, 60)).toBe(pairs.returnCorrelation(panel, 0, 1, 100, 60));
  });
});
