import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { auc, baseRateBrier, baseRateLogLoss, brierScore, brierSkillScore, logLoss, reliabilityTable, scoreForecasts, ScoreReason } from './scores.js';

// Seeds print on failure; FC_SEED=<seed> replays one.
const fcRuns = fcOptions(200);

describe('Brier score and log loss on hand cases', () => {
  it('Brier', () => {
    // (0.9-1)^2 + (0.2-0)^2 + (0.6-0)^2 + (0.5-1)^2 = 0.01 + 0.04 + 0.36 + 0.25 = 0.66
    expect(brierScore([0.9, 0.2, 0.6, 0.5], [1, 0, 0, 1]).value).toBeCloseTo(0.66 / 4, 15);
    expect(brierScore([1, 0], [1, 0]).value).toBe(0);
    expect(brierScore([0, 1], [1, 0]).value).toBe(1);
    expect(brierScore([], [])).toEqual({ value: null, reason: ScoreReason.NO_FORECASTS });
  });

  it('log loss, clipped', () => {
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.5)) / 4;
    expect(logLoss([0.9, 0.2, 0.6, 0.5], [1, 0, 0, 1]).value).toBeCloseTo(expected, 14);
    // A certain miss costs ln(1/eps), finite.
    expect(logLoss([0], [1]).value).toBeCloseTo(-Math.log(1e-15), 10);
    expect(logLoss([0], [1], 1e-3).value).toBeCloseTo(-Math.log(1e-3), 12);
    expect(logLoss([1, 0], [1, 0]).value).toBeCloseTo(-Math.log(1 - 1e-15), 20);
  });

  it('base rate and skill: the training base rate for everyone', () => {
    const y = [1, 0, 0, 1, 1];
    // base 0.4: wins cost 0.36, losses 0.16 -> (3 * 0.36 + 2 * 0.16) / 5 = 0.28
    expect(baseRateBrier(0.4, y).value).toBeCloseTo(0.28, 15);
    expect(baseRateLogLoss(0.4, y).value).toBeCloseTo(-(3 * Math.log(0.4) + 2 * Math.log(0.6)) / 5, 14);
    const p = [0.8, 0.3, 0.1, 0.7, 0.9];
    const b = brierScore(p, y);
    expect(brierSkillScore(b, baseRateBrier(0.4, y)).value).toBeCloseTo(1 - (b.value as number) / 0.28, 14);
    expect(brierSkillScore(b, baseRateBrier(1, [1, 1]))).toEqual({ value: null, reason: ScoreReason.PERFECT_BASE_RATE });
  });
});

describe('AUC', () => {
  const y = [0, 0, 1, 0, 1, 1, 0, 1];
  const ranked = y.map((v, i) => (v === 1 ? 10 + i : i));

  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for a constant', () => {
    expect(auc(ranked, y).value).toBe(1);
    expect(auc(ranked.map((s) => -s), y).value).toBe(0);
    expect(auc(new Array(y.length).fill(0.3), y).value).toBe(0.5);
  });

  it('counts ties half, on a hand case', () => {
    // wins 0.8, 0.5; losses 0.5, 0.2: pairs (0.8>0.5) 1, (0.8>0.2) 1, (0.5=0.5) 0.5, (0.5>0.2) 1 -> 3.5 / 4
    expect(auc([0.8, 0.5, 0.5, 0.2], [1, 1, 0, 0]).value).toBe(0.875);
  });

  it('is null with one class', () => {
    expect(auc([0.1, 0.2], [1, 1])).toEqual({ value: null, reason: ScoreReason.ONE_CLASS });
    expect(auc([], [])).toEqual({ value: null, reason: ScoreReason.NO_FORECASTS });
  });

  it('equals the pairwise count (wins above losses, ties half) on random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ s: fc.integer({ min: 0, max: 6 }), y: fc.integer({ min: 0, max: 1 }) }), { minLength: 2, maxLength: 60 }),
        (rows) => {
          const s = rows.map((r) => r.s / 6);
          const lab = rows.map((r) => r.y);
          let pairs = 0;
          let score = 0;
          for (let i = 0; i < s.length; i++) {
            for (let j = 0; j < s.length; j++) {
              if (lab[i] !== 1 || lab[j] !== 0) continue;
              pairs++;
              score += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
            }
          }
          const a = auc(s, lab);
          if (pairs === 0) expect(a.value).toBeNull();
          else expect(a.value).toBeCloseTo(score / pairs, 12);
        },
      ),
      fcRuns,
    );
  });
});

describe('reliability table', () => {
  it('puts each forecast in its tenth, 1 in the last bin, and reports empty bins as null', () => {
    const p = [0, 0.05, 0.1, 0.15, 0.95, 1, 0.55];
    const y = [0, 0, 1, 0, 1, 1, 0];
    const t = reliabilityTable(p, y);
    expect(t).toHaveLength(10);
    expect(t[0]).toEqual({ from: 0, to: 0.1, count: 2, meanPredicted: 0.025, observedRate: 0 });
    expect(t[1].count).toBe(2);
    expect(t[1].meanPredicted).toBeCloseTo(0.125, 15);
    expect(t[1].observedRate).toBe(0.5);
    expect(t[5]).toMatchObject({ count: 1, meanPredicted: 0.55, observedRate: 0 });
    expect(t[9]).toMatchObject({ count: 2, meanPredicted: 0.975, observedRate: 1 });
    expect(t[3]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
    expect(t.reduce((s, b) => s + b.count, 0)).toBe(p.length);
  });
});

describe('scoreForecasts and validation', () => {
  it('collects every score', () => {
    const s = scoreForecasts([0.8, 0.3, 0.1, 0.7], [1, 0, 0, 1], 0.25);
    expect(s.n).toBe(4);
    expect(s.observedRate).toBe(0.5);
    expect(s.auc.value).toBe(1);
    expect(s.baseRateBrier.value).toBeCloseTo((2 * 0.75 ** 2 + 2 * 0.25 ** 2) / 4, 15);
    expect(s.reliability).toHaveLength(10);
  });

  it.each([
    ['probabilities[1]', () => brierScore([0.5, 1.2], [0, 1])],
    ['probabilities[0]', () => logLoss([Number.NaN], [0])],
    ['labels[0]', () => brierScore([0.5], [2])],
    ['labels', () => brierScore([0.5, 0.5], [1])],
    ['baseRate', () => baseRateBrier(-0.1, [1])],
    ['scores[0]', () => auc([Number.POSITIVE_INFINITY, 1], [0, 1])],
  ])('a bad value is a typed error naming %s', (parameter, fn) => {
    try {
      fn();
      throw new Error('expected an error');
    } catch (e) {
      expect(isKobeError(e) && e.code === 'BAD_CONFIDENCE_INPUT' && e.message.startsWith(parameter)).toBe(true);
    }
  });
});
