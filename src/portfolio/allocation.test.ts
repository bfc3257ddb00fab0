import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { kellySettings, strategyWeights, type KellyAllocationSettings } from './allocation.js';
import { kellyEstimate, type KellyEstimate } from './kelly.js';

const s = kellySettings(0.5);
const est = (kellyFrac: number, trades = 100): KellyEstimate => ({ trades, winRate: 0.5, meanWinFrac: 0.01, meanLossFrac: 0.01, payoffRatio: 1, kellyFrac });
const noCorrelation = () => Number.NaN;

describe('strategy weights from fractional Kelly', () => {
  it('takes fraction x Kelly, caps it at 25%, and gives no capital to a strategy without edge', () => {
    const w = strategyWeights([est(0.3), est(0.8), est(-0.2), est(0.1)], noCorrelation, s);
    expect(w.map((x) => x.weight)).toEqual([0.15, 0.25, 0, 0.05]);
    expect(w[1].fractionalKelly).toBeCloseTo(0.4, 12);
    expect(w[2].fractionalKelly).toBeCloseTo(-0.1, 12);
  });

  it('gives a strategy with a thin record the start weight min(cap, 1/strategies)', () => {
    const w = strategyWeights([est(-0.5, 19), est(0.3, 20)], noCorrelation, s);
    expect(w[0]).toMatchObject({ weight: 0.25, fractionalKelly: null, trades: 19 });
    expect(w[1].weight).toBeCloseTo(0.15, 12);
    expect(strategyWeights([est(0, 0), est(0, 0), est(0, 0), est(0, 0), est(0, 0), est(0, 0), est(0, 0), est(0, 0)], noCorrelation, s).map((x) => x.weight)).toEqual(Array(8).fill(1 / 8));
  });

  it('cuts back the smaller of two strategies whose returns correlate above 0.7, continuously', () => {
    const rho = (r: number) => (i: number, j: number) => (i !== j ? r : 1);
    const kept = (r: number) => strategyWeights([est(0.2), est(0.4)], rho(r), s);
    // The larger (leg 1, 20%... capped at 0.2) goes first; leg 0 (10%) is cut by (1 - rho) / (1 - 0.7).
    expect(kept(0.7)[0].weight).toBeCloseTo(0.1, 12);
    expect(kept(0.7)[0].correlationCut).toBeNull();
    expect(kept(0.85)[0].weight).toBeCloseTo(0.05, 12);
    expect(kept(0.85)[0].correlationCut).toMatchObject({ withLeg: 1, correlation: 0.85 });
    expect(kept(0.85)[0].correlationCut!.factor).toBeCloseTo(0.5, 12);
    expect(kept(1)[0].weight).toBe(0);
    expect(kept(0.85)[1]).toMatchObject({ weight: 0.2, correlationCut: null });
    // A strategy with no capital cuts no one.
    expect(strategyWeights([est(-1), est(0.4)], rho(0.99), s)[1].weight).toBeCloseTo(0.2, 12);
  });

  it('never exceeds its caps, never goes negative and never levers (property)', () => {
    const settingsArb: fc.Arbitrary<KellyAllocationSettings> = fc
      .record({ fraction: fc.double({ min: 0.01, max: 1, noNaN: true }), cap: fc.double({ min: 0.01, max: 1, noNaN: true }), limit: fc.double({ min: 0.05, max: 0.95, noNaN: true }) })
      .map(({ fraction, cap, limit }) => ({ ...kellySettings(fraction), maxStrategyWeight: cap, ceilingWeight: Math.max(cap, 0.4), correlationLimit: limit }));
    const recordArb = fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { maxLength: 60 });
    fc.assert(
      fc.property(settingsArb, fc.array(recordArb, { minLength: 1, maxLength: 12 }), fc.integer(), (settings, records, seed) => {
        const corr = (i: number, j: number) => Math.sin(seed + 7 * Math.min(i, j) + 13 * Math.max(i, j));
        const w = strategyWeights(records.map((r) => kellyEstimate(r)), corr, settings);
        let sum = 0;
        for (const x of w) {
          expect(x.weight).toBeGreaterThanOrEqual(0);
          expect(x.weight).toBeLessThanOrEqual(settings.maxStrategyWeight + 1e-12);
          sum += x.weight;
        }
        expect(sum).toBeLessThanOrEqual(1 + 1e-9);
      }),
      fcOptions(300),
    );
  });

  it('refuses settings outside their ranges, naming the parameter', () => {
    expect(() => strategyWeights([], noCorrelation, { ...s, fraction: 0 })).toThrow(/fraction must be in \(0, 1\]/);
    expect(() => strategyWeights([], noCorrelation, { ...s, ceilingWeight: 0.2 })).toThrow(/ceilingWeight/);
    expect(() => strategyWeights([], noCorrelation, { ...s, correlationLimit: 1 })).toThrow(/correlationLimit/);
  });
});
