import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel } from '../backtest/panel.js';
import { fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import { IndicatorMemo } from './indicator-memo.js';
import { expandGrid, type Params } from './params.js';
import { getStrategy, resolveStrategyParams, STRATEGY_NAMES } from './registry.js';
import { scanSignals, scanSignalsGrid, type SymbolSignals } from './scan.js';
import { SignalColumns } from './signal-columns.js';
import { SIGNAL_NONE, type Strategy } from './types.js';

/** Small periods, and grids over both thresholds and structure, so a few hundred bars signal. */
const GRIDS: Record<string, { base: Record<string, number>; grid: Record<string, number[]> }> = {
  'ibs-rsi': { base: { smaPeriod: 20 }, grid: { rsiEntry: [5, 20, 35], ibsEntry: [0.2, 0.5], exitPrevHigh: [0, 1], rsiPeriod: [2, 3] } },
  'turtle-soup': { base: { smaPeriod: 20, allowShort: 1 }, grid: { lookback: [8, 12], minBarsSinceLow: [1, 2, 4], trendFilter: [0, 1] } },
  'sma-cross': { base: {}, grid: { fast: [3, 5], slow: [8, 13] } },
};

const columnsOf = (c: SignalColumns): SymbolSignals => ({
  bar: c.bar.slice(0, c.length),
  code: c.code.slice(0, c.length),
  score: c.score.slice(0, c.length),
  stopDist: c.stopDist.slice(0, c.length),
  targetDist: c.targetDist.slice(0, c.length),
});

const gridOf = (strategy: Strategy, name: string): Params[] =>
  expandGrid(resolveStrategyParams(strategy, GRIDS[name].base), GRIDS[name].grid).filter((p) => (strategy.validate?.(p) ?? null) === null);

describe.each(STRATEGY_NAMES)('grid scan of %s', (name) => {
  const strategy = getStrategy(name);

  it('equals scanning each point on its own, bar for bar and value for value', () => {
    const grid = gridOf(strategy, name);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 80 }), (seed, from) => {
        const bars = randomWalkBars('X', 300, seed);
        const sinks = grid.map(() => new SignalColumns());
        scanSignalsGrid(strategy, bars, grid, new IndicatorMemo(), from, 300, sinks, 7);
        grid.forEach((p, k) => {
          const alone = scanSignals(strategy, bars, p, new IndicatorMemo(), from, 300);
          expect(columnsOf(sinks[k])).toEqual(alone);
          expect(Array.from(sinks[k].sym.subarray(0, sinks[k].length)).every((s) => s === 7)).toBe(true);
        });
      }),
      fcOptions(25),
    );
  });
});

describe.each(STRATEGY_NAMES.filter((n) => getStrategy(n).thresholds !== undefined))('declared thresholds of %s', (name) => {
  const strategy = getStrategy(name);

  it('loosening a declared threshold never removes a signal bar', () => {
    const thresholds = Object.entries(strategy.thresholds ?? {});
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: thresholds.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, which, a, b) => {
        const [param, direction] = thresholds[which];
        const spec = strategy.params[param];
        const at = (u: number) => (spec.kind === 'int' ? Math.round(spec.min + u * (spec.max - spec.min)) : spec.min + u * (spec.max - spec.min));
        const base = resolveStrategyParams(strategy, GRIDS[name].base);
        const [lo, hi] = [at(Math.min(a, b)), at(Math.max(a, b))];
        const tight = { ...base, [param]: direction === 'up' ? lo : hi };
        const loose = { ...base, [param]: direction === 'up' ? hi : lo };
        if ((strategy.validate?.(tight) ?? null) !== null || (strategy.validate?.(loose) ?? null) !== null) return;
        const bars = randomWalkBars('X', 300, seed);
        const looseBars = new Set(scanSignals(strategy, bars, loose, new IndicatorMemo()).bar);
        for (const bar of scanSignals(strategy, bars, tight, new IndicatorMemo()).bar) expect(looseBars.has(bar)).toBe(true);
      }),
      fcOptions(60),
    );
  });
});

describe('MarketContext.legs', () => {
  it("builds the same books as one leg at a time, and serves them to later single requests", () => {
    const series = ['A', 'B', 'C', 'D'].map((s, k) => randomWalkBars(s, 260 + 20 * k, 40 + k, 16_000 + 7 * k));
    const panel = buildPanel(series, null);
    for (const name of STRATEGY_NAMES) {
      const strategy = getStrategy(name);
      const grid = gridOf(strategy, name);
      const together = new MarketContext(panel, { from: 30, to: panel.calendar.length - 1 });
      const legs = together.legs(strategy, grid);
      const alone = new MarketContext(panel, { from: 30, to: panel.calendar.length - 1 });
      let signals = 0;
      grid.forEach((p, k) => {
        expect(legs[k].params).toBe(p);
        expect(legs[k].book).toEqual(alone.leg(strategy, p).book);
        expect(together.leg(strategy, p)).toBe(legs[k]);
        signals += legs[k].book.code.filter((c) => c !== SIGNAL_NONE).length;
      });
      expect(signals).toBeGreaterThan(0);
    }
  });
});
