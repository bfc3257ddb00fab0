import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { applyCalibration, calibrateOne, fitCalibration, fitIsotonic, fitPlatt, type Calibration } from './calibration.js';
import { sigmoid } from './logistic.js';
import { brierScore, reliabilityTable } from './scores.js';

// Seeds print on failure; FC_SEED=<seed> replays one.
const fcRuns = fcOptions(200);

/** Outcomes with a KNOWN probability p = sigmoid(a + b x), x standard normal, from the seeded rng. */
function knownProbability(seed: number, n: number, a = -0.3, b = 1.2): { x: Float64Array; p: Float64Array; y: Uint8Array } {
  const rng = createRng(seed);
  const x = new Float64Array(n);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal();
    p[i] = sigmoid(a + b * x[i]);
    y[i] = rng.next() < p[i] ? 1 : 0;
  }
  return { x, p, y };
}

/**
 * Calibrated forecasts match the truth: each reliability bin's observed rate within 4 binomial
 * standard errors (plus the calibrator's own estimation error, ~1/sqrt(n_fit)) of its mean
 * forecast, the mean distance to the true p small, and the Brier close to the true model's.
 */
function expectCalibrated(calibrated: Float64Array, truth: Float64Array, y: Uint8Array, nFit: number, meanAbsTol: number): void {
  const fitErr = 2 / Math.sqrt(nFit);
  for (const bin of reliabilityTable(calibrated, y)) {
    if (bin.count < 50) continue;
    const m = bin.meanPredicted as number;
    const se = Math.sqrt((m * (1 - m)) / bin.count);
    expect(Math.abs((bin.observedRate as number) - m)).toBeLessThan(4 * se + fitErr);
  }
  let dist = 0;
  for (let i = 0; i < truth.length; i++) dist += Math.abs(calibrated[i] - truth[i]);
  expect(dist / truth.length).toBeLessThan(meanAbsTol);
  const brierCal = brierScore(calibrated, y).value as number;
  const brierTrue = brierScore(truth, y).value as number;
  expect(brierCal).toBeGreaterThan(brierTrue - 0.005);
  expect(brierCal).toBeLessThan(brierTrue + 0.002);
}

describe('calibration recovers a known probability', () => {
  const nFit = 20_000;
  const fitFold = knownProbability(11, nFit);
  const heldOut = knownProbability(12, 20_000);
  // An overconfident, shifted model: logit(raw) = 2.5 * (a + b x) + 0.8, monotone in the truth.
  const overconfident = (p: Float64Array) => p.map((q) => sigmoid(2.5 * Math.log(q / (1 - q)) + 0.8));
  // A non-logistic distortion: raw = p^2 (monotone, but no Platt line maps it back).
  const squared = (p: Float64Array) => p.map((q) => q * q);

  it('Platt undoes a logistic distortion: a = 1/2.5, b = -0.8/2.5, calibrated p ~ true p', () => {
    const fit = fitPlatt(overconfident(fitFold.p), fitFold.y);
    expect(fit.status).toBe('converged');
    const cal = fit.calibration as Extract<Calibration, { kind: 'platt' }>;
    expect(cal.a).toBeCloseTo(1 / 2.5, 1);
    expect(cal.b).toBeCloseTo(-0.8 / 2.5, 1);
    const raw = overconfident(heldOut.p);
    // The uncalibrated forecasts are visibly off.
    expect(brierScore(raw, heldOut.y).value as number).toBeGreaterThan((brierScore(heldOut.p, heldOut.y).value as number) + 0.01);
    expectCalibrated(applyCalibration(fit.calibration, raw), heldOut.p, heldOut.y, nFit, 0.02);
  });

  it('isotonic undoes a non-logistic distortion', () => {
    const fit = fitIsotonic(squared(fitFold.p), fitFold.y);
    expectCalibrated(applyCalibration(fit.calibration, squared(heldOut.p)), heldOut.p, heldOut.y, nFit, 0.03);
  });

  it('Platt on already calibrated scores stays close to the identity', () => {
    const fit = fitPlatt(fitFold.p, fitFold.y);
    const cal = fit.calibration as Extract<Calibration, { kind: 'platt' }>;
    expect(Math.abs(cal.a - 1)).toBeLessThan(0.06);
    expect(Math.abs(cal.b)).toBeLessThan(0.06);
  });
});

describe('Platt scaling', () => {
  it('uses the smoothed targets: on a separable fold it stays finite and below certainty', () => {
    const fit = fitPlatt([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1]);
    expect(fit.status).toBe('converged');
    const p = applyCalibration(fit.calibration, [0.05, 0.95]);
    // The targets are 1/5 and 4/5, so even the extremes stay well inside (0, 1).
    expect(p[0]).toBeGreaterThan(0.01);
    expect(p[1]).toBeLessThan(0.99);
    expect(p[0]).toBeLessThan(0.5);
    expect(p[1]).toBeGreaterThan(0.5);
  });
});

describe('isotonic regression', () => {
  it('pools adjacent violators on a hand case', () => {
    const fit = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 0]);
    // y by score: 0 | 1 0 -> 0.5 | 1 | 1 0 -> pooled with the 1 before: (1+1+0)/3
    expect(fit.calibration).toEqual({
      kind: 'isotonic',
      interpolation: 'linear',
      blocks: [
        { scoreFrom: 0.1, scoreTo: 0.1, value: 0, weight: 1 },
        { scoreFrom: 0.2, scoreTo: 0.3, value: 0.5, weight: 2 },
        { scoreFrom: 0.4, scoreTo: 0.6, value: 2 / 3, weight: 3 },
      ],
    });
  });

  it('interpolates linearly between blocks, constant on a block, clipped beyond', () => {
    const cal = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 0]).calibration;
    expect(calibrateOne(cal, 0)).toBe(0);
    expect(calibrateOne(cal, 0.15)).toBeCloseTo(0.25, 12); // halfway from (0.1, 0) to (0.2, 0.5)
    expect(calibrateOne(cal, 0.25)).toBe(0.5);
    expect(calibrateOne(cal, 0.35)).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(calibrateOne(cal, 0.55)).toBe(2 / 3);
    expect(calibrateOne(cal, 1)).toBe(2 / 3);
  });

  it('pools equal raw probabilities into one point', () => {
    const fit = fitIsotonic([0.4, 0.4, 0.4, 0.9], [1, 0, 0, 1]);
    const cal = fit.calibration as Extract<Calibration, { kind: 'isotonic' }>;
    expect(cal.blocks[0]).toEqual({ scoreFrom: 0.4, scoreTo: 0.4, value: 1 / 3, weight: 3 });
  });

  it('is monotone, keeps the win count, and stays in [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ s: fc.oneof(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), fc.double({ min: 0, max: 1, noNaN: true })), y: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 40 }),
        (rows, queries) => {
          const fit = fitIsotonic(rows.map((r) => r.s), rows.map((r) => r.y));
          const cal = fit.calibration as Extract<Calibration, { kind: 'isotonic' }>;
          let wins = 0;
          for (let b = 0; b < cal.blocks.length; b++) {
            wins += cal.blocks[b].value * cal.blocks[b].weight;
            if (b > 0) {
              expect(cal.blocks[b].value).toBeGreaterThan(cal.blocks[b - 1].value);
              expect(cal.blocks[b].scoreFrom).toBeGreaterThan(cal.blocks[b - 1].scoreTo);
            }
          }
          expect(wins).toBeCloseTo(rows.reduce((s, r) => s + r.y, 0), 9);
          const q = [...queries].sort((a, b) => a - b);
          const out = applyCalibration(cal, q);
          for (let i = 0; i < out.length; i++) {
            expect(out[i]).toBeGreaterThanOrEqual(0);
            expect(out[i]).toBeLessThanOrEqual(1);
            if (i > 0) expect(out[i]).toBeGreaterThanOrEqual(out[i - 1] - 1e-15);
          }
        },
      ),
      fcRuns,
    );
  });
});

describe('validation', () => {
  it('rejects an unknown kind and bad raw probabilities, naming the parameter', () => {
    expect(() => fitCalibration('beta' as 'platt', [0.5], [1])).toThrow(/^kind must be one of platt, isotonic/);
    expect(() => fitPlatt([], [])).toThrow(/^raw is empty/);
    expect(() => fitIsotonic([0.5, 1.5], [0, 1])).toThrow(/^raw\[1\] must be a probability/);
    expect(() => applyCalibration({ kind: 'platt', a: 1, b: 0 }, [Number.NaN])).toThrow(/^raw\[0\]/);
  });
});
