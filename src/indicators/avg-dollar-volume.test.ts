import fc from 'fast-check';
import { SMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { avgDollarVolume, AvgDollarVolumeKernel } from './avg-dollar-volume.js';
import { sma } from './sma.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);

const barArb = fc.record({
  close: fc.double({ min: 0.01, max: 1e4, noNaN: true }),
  volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e8, noNaN: true })),
});

describe('avgDollarVolume', () => {
  it('averages close * volume', () => {
    expect(Array.from(avgDollarVolume([10, 20, 30], [1, 2, 3], 2))).toEqual([NaN, 25, 65]);
  });

  it('is the SMA of the products, bit for bit, and technicalindicators agrees within its residue', () => {
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (bars, p) => {
        const close = bars.map((b) => b.close);
        const volume = bars.map((b) => b.volume);
        const dollars = bars.map((b) => b.close * b.volume);
        const out = avgDollarVolume(close, volume, p);
        expect(Array.from(out)).toEqual(Array.from(sma(dollars, p)));
        // Theirs is a plain running sum: residue from the largest products seen so far, and no
        // clamp below zero. Ours has neither, so they agree within that residue.
        const theirs = SMA.calculate({ period: p, values: dollars });
        let largest = 0;
        theirs.forEach((v, i) => {
          for (let k = 0; k <= i + p - 1; k++) largest = Math.max(largest, dollars[k]);
          expect(out[i + p - 1]).toBeGreaterThanOrEqual(0);
          expect(Math.abs(out[i + p - 1] - v)).toBeLessThanOrEqual(1e-12 * largest);
        });
      }),
      fcRuns,
    );
  });

  it('is 0 for a window without volume, even after heavy trading', () => {
    const out = avgDollarVolume([70.3, 10.7, 5, 5, 5], [1e7, 3.3e6, 0, 0, 0], 2);
    expect(out[4]).toBe(0);
  });

  it('is NaN while a NaN close or volume is in the window', () => {
    expect(Array.from(avgDollarVolume([1, 2, 3, 4], [1, NaN, 1, 1], 2))).toEqual([NaN, NaN, NaN, 3.5]);
    const k = new AvgDollarVolumeKernel(2);
    expect([k.update(NaN, 1), k.update(2, 1), k.update(3, 1)]).toEqual([NaN, NaN, 2.5]);
  });

  it('rejects columns of different lengths', () => {
    let caught: unknown;
    try {
      avgDollarVolume([1, 2, 3], [1, 2], 2);
    } catch (e) {
      caught = e;
    }
    expect(isKobeError(caught) && caught.code).toBe('BAD_COLUMNS');
  });
});
