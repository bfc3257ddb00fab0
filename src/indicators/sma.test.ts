import fc from 'fast-check';
import { SMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { sma, SmaKernel } from './sma.js';
import { fcOptions, randomWalkCloses as randomWalk } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);


describe('sma', () => {
  it('averages the last `period` values', () => {
    expect(Array.from(sma([1, 2, 3, 4, 5], 3))).toEqual([NaN, NaN, 2, 3, 4]);
    expect(Array.from(sma([4, 8], 2))).toEqual([NaN, 6]);
  });

  it('is the identity for period 1 and all NaN when the period exceeds the data', () => {
    expect(Array.from(sma([3, 1, 4], 1))).toEqual([3, 1, 4]);
    expect(Array.from(sma([3, 1, 4], 4))).toEqual([NaN, NaN, NaN]);
    expect(sma([], 3)).toHaveLength(0);
  });

  it('is NaN while a NaN is in the window, then recovers', () => {
    expect(Array.from(sma([1, NaN, 3, 4, 5, 6], 2))).toEqual([NaN, NaN, NaN, 3.5, 4.5, 5.5]);
    const k = new SmaKernel(2);
    expect([1, NaN, 3, 4].map((x) => k.update(x))).toEqual([NaN, NaN, NaN, 3.5]);
  });

  it('clamps rounding residue below zero when no value in the window is negative', () => {
    // The running sum of [0.7, 0.1, 0, 0] ends at ((0.7 + 0.1) - 0.7) - 0.1 = -2.8e-17.
    expect(0.7 + 0.1 - 0.7 - 0.1).toBeLessThan(0);
    expect(sma([0.7, 0.1, 0, 0], 2)[3]).toBe(0);
    const k = new SmaKernel(2);
    expect([0.7, 0.1, 0, 0].map((x) => k.update(x))[3]).toBe(0);
    // Genuinely negative values are left alone.
    expect(Array.from(sma([-1, -3, 0.5], 2))).toEqual([NaN, -2, -1.25]);
  });

  it('matches technicalindicators SMA bit for bit', () => {
    const values = randomWalk(7, 400);
    for (const p of [1, 2, 5, 20, 50]) {
      const ours = Array.from(sma(values, p)).slice(p - 1);
      expect(ours).toEqual(SMA.calculate({ period: p, values }));
    }
  });

  it('matches a naive window mean within rounding', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (values, p) => {
        const out = sma(values, p);
        const scale = Math.max(1, ...values.map(Math.abs));
        for (let t = p - 1; t < values.length; t++) {
          let s = 0;
          for (let i = t - p + 1; i <= t; i++) s += values[i];
          expect(Math.abs(out[t] - s / p)).toBeLessThanOrEqual(1e-9 * scale);
        }
      }),
      fcRuns,
    );
  });
});
