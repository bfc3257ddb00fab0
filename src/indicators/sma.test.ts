import fc from 'fast-check';
import { SMA } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../core/rng.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { plainRollingMean } from './plain-loop.js';
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

  it('is exactly 0 over a window of zeros, never below zero without negative values', () => {
    // A plain running sum of [0.7, 0.1, 0, 0] ends at ((0.7 + 0.1) - 0.7) - 0.1 = -2.8e-17; the
    // exact sum is 0 (and a negative mean of non-negative values would be clamped to 0).
    expect(0.7 + 0.1 - 0.7 - 0.1).toBeLessThan(0);
    expect(sma([0.7, 0.1, 0, 0], 2)[3]).toBe(0);
    const k = new SmaKernel(2);
    expect([0.7, 0.1, 0, 0].map((x) => k.update(x))[3]).toBe(0);
    // Genuinely negative values are left alone.
    expect(Array.from(sma([-1, -3, 0.5], 2))).toEqual([NaN, -2, -1.25]);
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

  it('matches technicalindicators SMA within rounding', () => {
    // technicalindicators keeps a plain running sum, so it carries residue from values that left
    // the window; ours does not, hence "within rounding" and not bit for bit.
    const values = randomWalk(7, 400);
    for (const p of [1, 2, 5, 20, 50]) {
      const theirs = SMA.calculate({ period: p, values });
      const ours = Array.from(sma(values, p)).slice(p - 1);
      expect(ours).toHaveLength(theirs.length);
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThanOrEqual(1e-12 * Math.abs(theirs[i])));
    }
  });
});

// Cents: prices like 12.34, the decimals real closes have.
const centsArb = fc.integer({ min: 1, max: 500_000 }).map((k) => k / 100);

describe('sma depends only on the values in its window', () => {
  it('gives exactly v for a window of equal values v, whatever came before', () => {
    // fl(fl(0.1 + 0.1 + 0.1) / 3) is 0.10000000000000002; the mean is corrected to the exact sum.
    expect(sma([0.1, 0.1, 0.1], 3)[2]).toBe(0.1);
    // After cancellation the running sum alone is 5e-15 here; the window's sum is exactly 0.
    expect(sma([128, 0.01, ...new Array<number>(12).fill(0)], 12)[13]).toBe(0);
    // Within the dynamic range rolling-sum.ts proves exact: |v| >= 1e-6 after closes up to 5000
    // (and -0 read as 0: a sum of zeros is +0).
    fc.assert(
      fc.property(fc.array(centsArb, { maxLength: 60 }), fc.oneof(centsArb, fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => x === 0 || Math.abs(x) >= 1e-6).map((x) => x + 0)), fc.integer({ min: 1, max: 40 }), (history, v, p) => {
        const values = [...history, ...Array.from({ length: p }, () => v)];
        expect(sma(values, p)[values.length - 1]).toBe(v);
        const k = new SmaKernel(p);
        let last = Number.NaN;
        for (const x of values) last = k.update(x);
        expect(last).toBe(v);
      }),
      fcRuns,
    );
  });

  it('gives equal means for windows holding the same values, in any order, after any history', () => {
    fc.assert(
      fc.property(
        fc.array(centsArb, { maxLength: 60 }),
        fc.array(centsArb, { maxLength: 60 }),
        fc.array(centsArb, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (historyA, historyB, window, seed) => {
          const shuffled = window.slice();
          const rng = createRng(seed);
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = rng.int(i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          const p = window.length;
          const a = sma([...historyA, ...window], p);
          const b = sma([...historyB, ...shuffled], p);
          expect(b[b.length - 1]).toBe(a[a.length - 1]);
        },
      ),
      fcRuns,
    );
  });

  it('has SMA(10) == SMA(30) on a bar where their exact decimal means are equal', () => {
    // A random walk in cents; bar 30 is then set so that the 20 closes before the last 10 sum to
    // twice the last 10: 3 * sum10 = sum30, so the decimal means of the last 10 and 30 are equal.
    const rng = createRng(5);
    const cents: number[] = [];
    let c = 1234;
    for (let i = 0; i < 60; i++) {
      c = Math.max(500, c + Math.round((rng.next() - 0.5) * 60));
      cents.push(c);
    }
    const sum = (from: number, to: number) => cents.slice(from, to).reduce((s, x) => s + x, 0);
    cents[30] = 2 * sum(50, 60) - sum(31, 50);
    expect(cents[30]).toBeGreaterThan(0);
    expect(3 * sum(50, 60)).toBe(sum(30, 60));
    const closes = cents.map((k) => k / 100);
    const t = closes.length - 1;
    // The plain running sum (the old kernel, bit for bit) leaves residue and calls them unequal.
    expect(plainRollingMean(closes, 10)[t]).not.toBe(plainRollingMean(closes, 30)[t]);
    expect(sma(closes, 10)[t]).toBe(sma(closes, 30)[t]);
    const fast = new SmaKernel(10);
    const slow = new SmaKernel(30);
    let f = Number.NaN;
    let s = Number.NaN;
    for (const x of closes) {
      f = fast.update(x);
      s = slow.update(x);
    }
    expect(f).toBe(s);
  });

  it('does not drift over 20 000 volume-like values: each mean equals the mean of its window alone', () => {
    const rng = createRng(17);
    const n = 20_000;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.next() < 0.05 ? 1e9 * rng.next() : rng.next() < 0.2 ? 0 : 1e3 * rng.next();
    for (const p of [2, 5, 20, 60]) {
      const out = sma(values, p);
      for (let t = n - 1; t >= p - 1; t -= 97) {
        const alone = sma(values.subarray(t - p + 1, t + 1), p)[p - 1];
        expect(out[t], `period ${p}, bar ${t}`).toBe(alone);
      }
    }
  });
});

describe.runIf(sharedDataAvailable())('sma on ../shared/data/us-equities-stooq', () => {
  it('has SMA(10) == SMA(30) on nearly every bar where the decimal closes say they are equal', () => {
    // Closes as written in the files (decimal text), summed exactly as integers of the smallest
    // decimal unit: on a bar where 3 * sum10 == sum30 the decimal means are equal. The doubles for
    // those decimals are not the decimals, so exact binary arithmetic can still land one ulp apart
    // (about 1 bar in 10); a plain running sum is unequal on almost all of them.
    let bars = 0;
    let plainUnequal = 0;
    let smaUnequal = 0;
    for (const file of readdirSync(SHARED_STOOQ_DIR).filter((f) => f.endsWith('.txt'))) {
      const text = readFileSync(join(SHARED_STOOQ_DIR, file), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[4]);
      const decimals = Math.max(...text.map((t) => (t.includes('.') ? t.split('.')[1].length : 0)));
      const units = text.map((t) => {
        const [whole, frac = ''] = t.split('.');
        return BigInt(whole + frac.padEnd(decimals, '0'));
      });
      const closes = Float64Array.from(text, Number);
      const [plain10, plain30, fast, slow] = [plainRollingMean(closes, 10), plainRollingMean(closes, 30), sma(closes, 10), sma(closes, 30)];
      let sum10 = 0n;
      let sum30 = 0n;
      for (let i = 0; i < units.length; i++) {
        sum10 += units[i] - (i >= 10 ? units[i - 10] : 0n);
        sum30 += units[i] - (i >= 30 ? units[i - 30] : 0n);
        if (i < 29 || 3n * sum10 !== sum30) continue;
        bars++;
        if (plain10[i] !== plain30[i]) plainUnequal++;
        if (fast[i] !== slow[i]) smaUnequal++;
      }
    }
    expect(bars).toBeGreaterThan(100);
    expect(plainUnequal / bars).toBeGreaterThan(0.9);
    expect(smaUnequal / bars, `${smaUnequal} of ${bars} bars unequal`).toBeLessThan(0.15);
  });
});

