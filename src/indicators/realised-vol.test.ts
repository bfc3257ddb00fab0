import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { realisedVol, RealisedVolKernel, TRADING_DAYS_PER_YEAR } from './realised-vol.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

const fcRuns = fcOptions(150);

/** Straight from the definition: sample std of the last `period` log returns, annualised. */
function naive(close: number[], period: number): number[] {
  return close.map((_, t) => {
    if (t < period) return NaN;
    const r: number[] = [];
    for (let i = t - period + 1; i <= t; i++) r.push(Math.log(close[i] / close[i - 1]));
    const mean = r.reduce((a, b) => a + b, 0) / period;
    const ss = r.reduce((a, b) => a + (b - mean) ** 2, 0);
    return Math.sqrt(ss / (period - 1)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
  });
}

describe('realisedVol', () => {
  it('annualises the sample std of daily log returns', () => {
    // Two returns ln(1.1) and ln(0.9): their sample std is |difference| / sqrt(2).
    const out = realisedVol([100, 110, 99], 2);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo((Math.abs(Math.log(1.1) - Math.log(0.9)) / Math.SQRT2) * Math.sqrt(252), 12);
  });

  it('matches the definition on random closes', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { maxLength: 50 }), fc.integer({ min: 2, max: 10 }), (close, p) => {
        const out = realisedVol(close, p);
        const want = naive(close, p);
        for (let t = 0; t < close.length; t++) {
          if (t < p) expect(out[t]).toBeNaN();
          else expect(Math.abs(out[t] - want[t])).toBeLessThanOrEqual(1e-9 * Math.max(1, want[t]));
        }
      }),
      fcRuns,
    );
  });

  it('recovers a known daily volatility', () => {
    const rng = createRng(17);
    const close = [100];
    for (let i = 0; i < 5000; i++) close.push(close[i] * Math.exp(0.01 * rng.normal()));
    const out = realisedVol(close, 5000);
    expect(out[5000] / (0.01 * Math.sqrt(252))).toBeCloseTo(1, 1);
  });

  it('is exactly 0 when the price does not move', () => {
    expect(Array.from(realisedVol([5, 5, 5, 5], 2))).toEqual([NaN, NaN, 0, 0]);
  });

  it('treats a NaN or non-positive close as two missing returns, then recovers', () => {
    const close = [100, 101, 0, 103, 104, 105, 106];
    const out = realisedVol(close, 2);
    // Returns 2 and 3 touch the bad close; outputs 2..4 have one of them in their window.
    expect(Array.from(out.subarray(0, 5)).every(Number.isNaN)).toBe(true);
    expect(out[5]).toBeCloseTo(naive([103, 104, 105], 2)[2], 12);
    const k = new RealisedVolKernel(2);
    expect([100, NaN, 102, 103, 104, 105].map((c) => Number.isNaN(k.update(c)))).toEqual([true, true, true, true, false, false]);
  });

  it('needs at least two returns', () => {
    let caught: unknown;
    try {
      realisedVol([1, 2, 3], 1);
    } catch (e) {
      caught = e;
    }
    expect(isKobeError(caught) && caught.code).toBe('BAD_PARAM');
    expect((caught as Error).message).toBe('period must be an integer >= 2, was 1');
  });
});

describe('realisedVol after a huge move leaves the window', () => {
  it('does not keep the rounding residue of the move (found by fast-check)', () => {
    const close = [7.151118702079462, 1.0000000000000002, 1.0000000000000016, 1.0000000000000018];
    const out = realisedVol(close, 2);
    const r1 = Math.log(close[2] / close[1]);
    const r2 = Math.log(close[3] / close[2]);
    expect(out[3]).toBeCloseTo((Math.abs(r1 - r2) / Math.SQRT2) * Math.sqrt(252), 20);
  });
});
