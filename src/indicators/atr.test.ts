import { ATR } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { atr, AtrKernel } from './atr.js';
import { randomHlc } from '../test-support/synthetic-bars.js';

const randomBars = randomHlc;

describe('atr', () => {
  it('uses high - low for the first bar and Wilder smoothing after the seed', () => {
    const high = [10, 11, 12, 11, 15];
    const low = [8, 9, 10, 8, 14];
    const close = [9, 10.5, 11, 9, 14.5];
    // True ranges: 2 (first bar), 2, 2, max(3, 0, 3) = 3, max(1, |15 - 9|, |14 - 9|) = 6.
    // Seed (2 + 2) / 2 = 2, then 2, 2 + (3 - 2) / 2 = 2.5, 2.5 + (6 - 2.5) / 2 = 4.25.
    expect(Array.from(atr(high, low, close, 2))).toEqual([NaN, 2, 2, 2.5, 4.25]);
    expect(atr(high, low, close, 1)[0]).toBe(2);
  });

  it('equals technicalindicators ATR bit for bit once its input starts with one neutral bar', () => {
    // technicalindicators drops bar 0 (no previous close). A prefix bar with the same range and a
    // close inside it gives bar 0 the true range high - low, which is our convention; from there
    // the two run the same arithmetic, one index apart.
    const b = randomBars(5, 400);
    for (const p of [1, 2, 5, 14, 30]) {
      const ours = Array.from(atr(b.high, b.low, b.close, p)).slice(p - 1);
      const theirs = ATR.calculate({
        period: p,
        high: [b.high[0], ...b.high],
        low: [b.low[0], ...b.low],
        close: [(b.high[0] + b.low[0]) / 2, ...b.close],
      });
      expect(ours).toEqual(theirs);
    }
  });

  it('converges to technicalindicators ATR on the raw input at the rate (1 - 1/period)^k', () => {
    // Its first value is on bar `period` (seeded from true ranges 1..period), ours on bar
    // period - 1 (0..period-1). Both then follow the same linear recursion, so the gap on bar t is
    // the gap on bar `period` times (1 - 1/period)^(t - period).
    const b = randomBars(9, 600);
    const p = 14;
    const ours = atr(b.high, b.low, b.close, p);
    const theirs = ATR.calculate({ period: p, high: b.high, low: b.low, close: b.close });
    expect(theirs).toHaveLength(ours.length - p);
    const gap0 = Math.abs(ours[p] - theirs[0]);
    expect(gap0).toBeGreaterThan(0);
    for (let t = p; t < ours.length; t++) {
      const gap = Math.abs(ours[t] - theirs[t - p]);
      expect(gap).toBeLessThanOrEqual(gap0 * (1 - 1 / p) ** (t - p) + 1e-12);
    }
    expect(Math.abs(ours[ours.length - 1] - theirs[theirs.length - 1])).toBeLessThan(1e-9);
  });

  it('propagates NaN: high/low from that bar on, close from the next bar on', () => {
    const high = [10, 11, 12, 11, 15];
    const low = [8, 9, 10, 8, 14];
    const close = [9, 10.5, 11, 9, 14.5];
    const badClose = close.slice();
    badClose[2] = NaN;
    expect(Array.from(atr(high, low, badClose, 2))).toEqual([NaN, 2, 2, NaN, NaN]);
    const badHigh = high.slice();
    badHigh[2] = NaN;
    expect(Array.from(atr(badHigh, low, close, 2))).toEqual([NaN, 2, NaN, NaN, NaN]);
    const k = new AtrKernel(2);
    k.update(NaN, 1, 1);
    k.update(2, 1, 1);
    expect(k.update(2, 1, 1)).toBeNaN();
    k.reset();
    expect([k.update(10, 8, 9), k.update(11, 9, 10.5)]).toEqual([NaN, 2]);
  });

  it('rejects columns of different lengths', () => {
    let caught: unknown;
    try {
      atr([1, 2], [1, 2], [1], 2);
    } catch (e) {
      caught = e;
    }
    expect(isKobeError(caught) && caught.code).toBe('BAD_COLUMNS');
    expect(String((caught as Error).message)).toBe('input columns differ in length: high has 2, low has 2, close has 1');
  });
});
