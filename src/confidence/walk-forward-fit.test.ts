import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { chooseCuts, splitByDates, splitFolds, trainingRowsFor, type TradeDays } from './walk-forward-fit.js';

// Seeds print on failure; FC_SEED=<seed> replays one.
const fcRuns = fcOptions(300);

const tradesArb = fc
  .array(fc.record({ signal: fc.integer({ min: 0, max: 200 }), held: fc.integer({ min: 0, max: 30 }) }), { maxLength: 120 })
  .map((rows): TradeDays => ({
    signalDays: Int32Array.from(rows.map((r) => r.signal)),
    closeDays: Int32Array.from(rows.map((r) => r.signal + r.held)),
  }));

describe('the training set for day D', () => {
  it('is exactly the trades closed before D, never one closed on or after D (property)', () => {
    fc.assert(
      fc.property(tradesArb, fc.integer({ min: -5, max: 240 }), (days, d) => {
        const rows = new Set(trainingRowsFor(days, d));
        for (let i = 0; i < days.closeDays.length; i++) expect(rows.has(i)).toBe(days.closeDays[i] < d);
      }),
      fcRuns,
    );
  });

  it('excludes a trade still open on D and one closing on D', () => {
    const days: TradeDays = { signalDays: Int32Array.of(1, 5, 8, 9), closeDays: Int32Array.of(4, 10, 9, 12) };
    expect(Array.from(trainingRowsFor(days, 10))).toEqual([0, 2]);
  });
});

describe('fit / calibrate / held-out folds', () => {
  it('partition the rows; no fold learns from a trade closed on or after the next fold starts (property)', () => {
    fc.assert(
      fc.property(tradesArb, fc.integer({ min: 0, max: 230 }), fc.integer({ min: 1, max: 100 }), (days, c, gap) => {
        const h = c + gap;
        const s = splitByDates(days, c, h);
        const seen = new Set<number>();
        for (const part of [s.fit, s.calibrate, s.heldOut, s.purged]) {
          for (const i of part) {
            expect(seen.has(i)).toBe(false);
            seen.add(i);
          }
        }
        expect(seen.size).toBe(days.signalDays.length);
        for (const i of s.fit) expect(days.closeDays[i]).toBeLessThan(c);
        for (const i of s.calibrate) {
          expect(days.signalDays[i]).toBeGreaterThanOrEqual(c);
          expect(days.closeDays[i]).toBeLessThan(h);
        }
        for (const i of s.heldOut) expect(days.signalDays[i]).toBeGreaterThanOrEqual(h);
        // Every held-out signal is scored by a model + calibration that saw only closed trades.
        for (const i of s.heldOut) {
          for (const j of [...s.fit, ...s.calibrate]) expect(days.closeDays[j]).toBeLessThan(days.signalDays[i]);
        }
        // Purged rows are exactly those open across a cut.
        for (const i of s.purged) {
          const across = (cut: number) => days.signalDays[i] < cut && days.closeDays[i] >= cut;
          expect(across(c) || across(h)).toBe(true);
        }
        // The fit fold is the training set for the first calibrate day.
        expect(Array.from(s.fit)).toEqual(Array.from(trainingRowsFor(days, c)));
      }),
      fcRuns,
    );
  });

  it('returns the cuts and each fold\'s window', () => {
    const days: TradeDays = {
      signalDays: Int32Array.of(0, 2, 4, 6, 8, 10, 12, 14, 16, 18),
      closeDays: Int32Array.of(1, 3, 7, 7, 9, 11, 13, 15, 17, 19),
    };
    const s = splitFolds(days, { fitFrac: 0.5, calibrateFrac: 0.3 });
    expect(s.calibrateFrom).toBe(10);
    expect(s.heldOutFrom).toBe(16);
    expect(Array.from(s.fit)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.calibrate)).toEqual([5, 6, 7]);
    expect(Array.from(s.heldOut)).toEqual([8, 9]);
    expect(s.windows).toEqual({ fit: { from: 0, to: 9 }, calibrate: { from: 10, to: 15 }, heldOut: { from: 16, to: 19 } });
  });

  it('purges a trade open across a cut', () => {
    const days: TradeDays = { signalDays: Int32Array.of(0, 3, 5, 7, 9), closeDays: Int32Array.of(1, 6, 6, 10, 9) };
    const s = splitByDates(days, 5, 9);
    expect(Array.from(s.fit)).toEqual([0]);
    expect(Array.from(s.purged)).toEqual([1, 3]);
    expect(Array.from(s.calibrate)).toEqual([2]);
    expect(Array.from(s.heldOut)).toEqual([4]);
  });

  it('rejects bad input, naming the parameter', () => {
    const days: TradeDays = { signalDays: Int32Array.of(0, 1, 2), closeDays: Int32Array.of(0, 1, 2) };
    expect(() => splitByDates({ signalDays: Int32Array.of(3), closeDays: Int32Array.of(2) }, 1, 2)).toThrow(/^closeDays\[0\] \(2\) is before its signal day/);
    expect(() => splitByDates(days, 2, 2)).toThrow(/^heldOutFrom/);
    expect(() => trainingRowsFor(days, 1.5)).toThrow(/^day must be a whole day number/);
    expect(() => chooseCuts(days, { fitFrac: 0, calibrateFrac: 0.2 })).toThrow(/^fitFrac/);
    expect(() => chooseCuts(days, { fitFrac: 0.6, calibrateFrac: 0.4 })).toThrow(/^calibrateFrac/);
    expect(() => chooseCuts(days, { fitFrac: 0.5, calibrateFrac: 0.1 })).toThrow(/^signalDays hold 3 distinct days, too few/);
  });
});
