import { AverageGain, AverageLoss, RSI } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { rsi, RsiKernel } from './rsi.js';
import { randomWalkCloses as randomWalk } from '../test-support/synthetic-bars.js';


describe('rsi', () => {
  it('gives its first value once `period` changes are seen', () => {
    // Changes +1, -1, +2: avgGain 1, avgLoss 1/3, RSI 100 * 1 / (4/3) = 75.
    const out = rsi([10, 11, 10, 12, 11], 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([NaN, NaN, NaN]);
    expect(out[3]).toBeCloseTo(75, 12);
    // Then a -1 change, Wilder smoothing: avgGain (1 * 2 + 0) / 3 = 2/3, avgLoss (1/3 * 2 + 1) / 3 = 5/9.
    expect(out[4]).toBeCloseTo((100 * (2 / 3)) / (2 / 3 + 5 / 9), 12);
  });

  it('is 100 with only gains, 0 with only losses, 50 when nothing moved', () => {
    expect(rsi([1, 2, 3, 4, 5], 3)[4]).toBe(100);
    expect(rsi([5, 4, 3, 2, 1], 3)[4]).toBe(0);
    expect(Array.from(rsi([7, 7, 7, 7, 7], 3))).toEqual([NaN, NaN, NaN, 50, 50]);
    // Period 1: each bar's own change decides.
    expect(Array.from(rsi([1, 2, 2, 1], 1))).toEqual([NaN, 100, 50, 0]);
  });

  it('is poisoned by a NaN close until reset', () => {
    expect(Array.from(rsi([1, 2, 3, 4, NaN, 5, 6], 2))).toEqual([NaN, NaN, 100, 100, NaN, NaN, NaN]);
    const k = new RsiKernel(2);
    [1, NaN, 2, 3, 4].forEach((x) => k.update(x));
    expect(k.update(5)).toBeNaN();
    k.reset();
    expect([1, 2, 3].map((x) => k.update(x))).toEqual([NaN, NaN, 100]);
  });

  it('matches technicalindicators: its averages bit for bit, its RSI within its 2-decimal rounding', () => {
    const values = randomWalk(3, 500);
    for (const p of [2, 7, 14, 30]) {
      const ours = Array.from(rsi(values, p)).slice(p);
      const gains = AverageGain.calculate({ period: p, values });
      const losses = AverageLoss.calculate({ period: p, values });
      expect(ours).toEqual(gains.map((g, i) => 100 * (g / (g + losses[i]))));
      const theirs = RSI.calculate({ period: p, values });
      expect(theirs).toHaveLength(ours.length);
      for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });

  it('differs from technicalindicators on a flat series on purpose (50, where it says 100)', () => {
    const flat = [5, 5, 5, 5, 5, 5];
    expect(rsi(flat, 3)[5]).toBe(50);
    expect(RSI.calculate({ period: 3, values: flat }).at(-1)).toBe(100);
  });
});
