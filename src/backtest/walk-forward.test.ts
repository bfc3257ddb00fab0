import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ibsRsi } from '../strategies/ibs-rsi/ibs-rsi.js';
import { defaultParams } from '../strategies/params.js';
import { resolveStrategyParams } from '../strategies/registry.js';
import { SIGNAL_LONG } from '../strategies/types.js';
import { handStrategy } from '../test-support/hand-strategy.js';
import { alterFuture, fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import { MarketContext } from './market-context.js';
import { buildPanel } from './panel.js';
import { makeFolds, runWalkForward } from './walk-forward.js';

describe('makeFolds', () => {
  it('gives ordered, disjoint test windows, each right after its train window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 100 }), (from, span, train, test) => {
        const to = from + span - 1;
        const folds = makeFolds(from, to, train, test);
        folds.forEach((f, i) => {
          expect(f.index).toBe(i);
          expect(f.trainFrom).toBeGreaterThanOrEqual(from);
          expect(f.trainTo - f.trainFrom + 1).toBe(train);
          expect(f.testFrom).toBe(f.trainTo + 1);
          expect(f.testTo).toBeLessThanOrEqual(to);
          expect(f.testTo).toBeGreaterThanOrEqual(f.testFrom);
          if (i > 0) expect(f.testFrom).toBe(folds[i - 1].testTo + 1);
        });
        // Coverage: no fold is missing while a full test window still fits.
        const lastEnd = folds.length ? folds[folds.length - 1].testTo : from + train - 1;
        expect(to - lastEnd).toBeLessThan(Math.max(test, 5));
      }),
      fcOptions(300),
    );
  });

  it('rejects non-positive window lengths', () => {
    expect(() => makeFolds(0, 100, 0, 10)).toThrow(/--train-days|positive/);
    expect(() => makeFolds(0, 100, 10, -1)).toThrow(/positive/);
  });
});

describe('runWalkForward', () => {
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, regimeFilter: { enabled: false, smaPeriod: 200 } };
  const params = resolveStrategyParams(ibsRsi, { smaPeriod: 20, rsiEntry: 30, ibsEntry: 0.4 });
  const series = (seed: number) => Array.from({ length: 6 }, (_, i) => randomWalkBars(`S${i}`, 700, seed * 31 + i));

  it('chains test windows and stitches them into one out-of-sample curve', () => {
    const ctx = new MarketContext(buildPanel(series(3), null));
    const wf = runWalkForward(ctx, { strategy: ibsRsi, baseParams: params, tune: true, trainDays: 200, testDays: 50, from: 100, to: 699, config, minTrainTrades: 1 });
    expect(wf.folds.length).toBe(8);
    expect(wf.days.length).toBe(wf.folds.reduce((a, f) => a + f.test.engine.days.length, 0));
    for (let i = 1; i < wf.folds.length; i++) {
      expect(wf.folds[i].test.engine.initialCapital).toBeCloseTo(wf.folds[i - 1].test.engine.finalEquity, 9);
    }
    expect(wf.equity[wf.equity.length - 1]).toBeCloseTo(wf.folds[wf.folds.length - 1].test.engine.finalEquity, 9);
    expect(wf.trades.length).toBeGreaterThan(0);
    // Tuned parameters come from the declared grid.
    for (const f of wf.folds) {
      expect([5, 10, 15]).toContain(f.params.rsiEntry);
      expect(f.candidates.length).toBe(9);
    }
    expect(wf.evaluations).toBe(8 * 10);
  });

  it('is deterministic: same data and config give identical results', () => {
    const run = () =>
      runWalkForward(new MarketContext(buildPanel(series(5), null)), { strategy: ibsRsi, baseParams: params, tune: true, trainDays: 150, testDays: 60, from: 50, to: 699, config, minTrainTrades: 1 });
    const a = run();
    const b = run();
    expect(Array.from(b.equity)).toEqual(Array.from(a.equity));
    expect(b.trades).toEqual(a.trades);
  });

  it('altering bars after a fold ends never changes that fold (no look-ahead through tuning)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 300, max: 650 }), (seed, k) => {
        const base = series(seed);
        const a = runWalkForward(new MarketContext(buildPanel(base, null)), { strategy: ibsRsi, baseParams: params, tune: true, trainDays: 150, testDays: 50, from: 50, to: 699, config, minTrainTrades: 1 });
        const altered = base.map((s, i) => alterFuture(s, k, seed + 100 + i));
        const b = runWalkForward(new MarketContext(buildPanel(altered, null)), { strategy: ibsRsi, baseParams: params, tune: true, trainDays: 150, testDays: 50, from: 50, to: 699, config, minTrainTrades: 1 });
        // A fold that ends before k - 1 never saw an altered bar (fills happen at most one bar later).
        for (let i = 0; i < a.folds.length; i++) {
          if (a.folds[i].fold.testTo >= k - 1) break;
          expect(b.folds[i].params).toEqual(a.folds[i].params);
          expect(Array.from(b.folds[i].test.engine.equity)).toEqual(Array.from(a.folds[i].test.engine.equity));
        }
      }),
      fcOptions(20),
    );
  });
});

describe('walk-forward tuning ties', () => {
  it('an exact tie on train Sharpe goes to the earlier grid point', () => {
    // `knob` changes nothing, so every grid point trades identically: all tie in every fold.
    const at: [number, typeof SIGNAL_LONG][] = [];
    for (let i = 5; i < 400; i += 7) at.push([i, SIGNAL_LONG]);
    for (const grid of [[1, 2, 3], [3, 1, 2]]) {
      const strategy = handStrategy(at, { knob: grid });
      const base = { ...defaultParams(strategy.params), timeExitBars: 3 };
      const ctx = new MarketContext(buildPanel([randomWalkBars('A', 400, 7), randomWalkBars('B', 400, 8)], null));
      const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, regimeFilter: { enabled: false, smaPeriod: 200 } };
      const wf = runWalkForward(ctx, { strategy, baseParams: base, tune: true, trainDays: 100, testDays: 50, from: 0, to: 399, config, minTrainTrades: 1 });
      expect(wf.folds.length).toBeGreaterThan(3);
      for (const f of wf.folds) {
        const scores = f.candidates.map((c) => c.score);
        expect(scores[0]).not.toBeNull();
        expect(new Set(scores).size).toBe(1);
        expect(f.params.knob, `fold ${f.fold.index}, grid ${grid.join(',')}`).toBe(grid[0]);
      }
    }
  });
});
