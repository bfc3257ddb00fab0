import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barsFromColumns, type BarSeries } from '../../core/bar-series.js';
import { createRng } from '../../core/rng.js';
import { IndicatorMemo } from '../../strategies/indicator-memo.js';
import { defaultParams } from '../../strategies/params.js';
import { scanSignals } from '../../strategies/scan.js';
import { alterFuture, fcOptions, randomWalkBars } from '../../test-support/synthetic-bars.js';
import { compileRule } from './rule-compile.js';
import { crossRules, mutateRule, randomRule, conditionsOf, MAX_CONDITIONS } from './rule-ops.js';
import { CONDITION_GENES, CONDITION_KINDS, EXIT_GENES, type Condition, type RuleSpec } from './rule-spec.js';

const EXIT = { stopAtrMult: 2, takeProfitAtrMult: 0, timeExitBars: 5 };
const signalBars = (cond: Condition, bars: BarSeries): number[] => {
  const strategy = compileRule({ entry: cond, trendPeriod: 0, exit: EXIT }, 'test');
  return Array.from(scanSignals(strategy as never, bars, defaultParams(strategy.params), new IndicatorMemo()).bar);
};

/** Closes given; highs and lows 1% around them, volume constant unless given. */
function hand(closes: number[], volume?: number[]): BarSeries {
  return barsFromColumns('HAND', {
    day: closes.map((_, i) => 19_000 + i),
    open: closes,
    high: closes.map((c) => c * 1.01),
    low: closes.map((c) => c * 0.99),
    close: closes,
    volume: volume ?? closes.map(() => 1e6),
  });
}

const flat = (n: number, v = 100) => Array.from({ length: n }, () => v);
const ramp = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

// Seed 004's lesson: a rule that can never trigger is a bug. Each primitive fires where a trader
// would expect it to, on data simple enough to check by eye, and not on the bar before.
describe('every rule primitive fires on simple hand-made data', () => {
  it('emaCross: on the bar the fast EMA crosses above the slow one', () => {
    const bars = hand([...ramp(40, 100, -0.5), ...ramp(20, 80, 2)]);
    const hits = signalBars({ kind: 'emaCross', fast: 3, slow: 10 }, bars);
    expect(hits.length).toBe(1);
    expect(hits[0]).toBeGreaterThan(40);
  });

  it('breakout: when the close clears the high of the bars before (the channel excludes bar t)', () => {
    const hits = signalBars({ kind: 'breakout', period: 20 }, hand([...flat(30), 105]));
    expect(hits).toEqual([30]);
  });

  it('rsi: oversold after a drop, overbought after a rally', () => {
    expect(signalBars({ kind: 'rsi', period: 2, op: 'lt', level: 10 }, hand([...flat(10), 98, 95, 90]))).toEqual([10, 11, 12]);
    expect(signalBars({ kind: 'rsi', period: 2, op: 'gt', level: 90 }, hand([...flat(10), 102, 105]))).toEqual([10, 11]);
  });

  it('stoch: %K low when the close sits at the bottom of its range', () => {
    expect(signalBars({ kind: 'stoch', period: 5, op: 'lt', level: 20 }, hand([...flat(10), 96, 92]))).toContain(11);
  });

  it('aboveSma: once the close is above its average', () => {
    const hits = signalBars({ kind: 'aboveSma', period: 10 }, hand([...flat(12), 101]));
    expect(hits).toEqual([12]);
  });

  it('ichimoku: above the cloud after a long rally, below it after a long fall', () => {
    expect(signalBars({ kind: 'ichimoku', op: 'above' }, hand(ramp(120, 50, 1))).length).toBeGreaterThan(0);
    expect(signalBars({ kind: 'ichimoku', op: 'below' }, hand(ramp(120, 200, -1))).length).toBeGreaterThan(0);
    expect(signalBars({ kind: 'ichimoku', op: 'above' }, hand(ramp(120, 200, -1))).length).toBe(0);
  });

  it('vwapReversion: a close well below the rolling VWAP', () => {
    expect(signalBars({ kind: 'vwapReversion', period: 10, deviationPct: 3 }, hand([...flat(15), 95]))).toEqual([15]);
  });

  it('volatility: calm after a quiet stretch, active after swings', () => {
    const calm = hand(ramp(40, 100, 0.05));
    expect(signalBars({ kind: 'volatility', period: 20, op: 'lt', levelPct: 10 }, calm).length).toBeGreaterThan(0);
    const swings = hand(Array.from({ length: 40 }, (_, i) => (i % 2 ? 100 : 106)));
    expect(signalBars({ kind: 'volatility', period: 20, op: 'gt', levelPct: 50 }, swings).length).toBeGreaterThan(0);
    expect(signalBars({ kind: 'volatility', period: 20, op: 'lt', levelPct: 10 }, swings).length).toBe(0);
  });

  it('covers every kind in the rule language', () => {
    expect(CONDITION_KINDS.sort()).toEqual(['aboveSma', 'breakout', 'emaCross', 'ichimoku', 'rsi', 'stoch', 'volatility', 'vwapReversion']);
  });
});

describe('rule genomes', () => {
  it('never look ahead: altering future bars never changes past signals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.2, max: 0.95, noNaN: true }), (ruleSeed, barSeed, cut) => {
        const r = randomRule(createRng(ruleSeed));
        const strategy = compileRule(r, 'prop');
        const p = defaultParams(strategy.params);
        const bars = randomWalkBars('X', 400, barSeed);
        const k = Math.floor(400 * cut);
        const a = Array.from(scanSignals(strategy as never, bars, p, new IndicatorMemo()).bar).filter((b) => b < k);
        const b = Array.from(scanSignals(strategy as never, alterFuture(bars, k, barSeed + 1), p, new IndicatorMemo()).bar).filter((x) => x < k);
        expect(b).toEqual(a);
      }),
      fcOptions(60),
    );
  });

  it('stay inside the gene bounds and the size limit under mutation and crossover', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = createRng(seed);
        let a = randomRule(rng);
        let b = randomRule(rng);
        for (let i = 0; i < 20; i++) {
          a = mutateRule(a, rng);
          b = crossRules(b, a, rng);
          for (const r of [a, b]) checkBounds(r);
        }
      }),
      fcOptions(60),
    );
  });
});

function checkBounds(r: RuleSpec): void {
  expect(conditionsOf(r.entry).length).toBeLessThanOrEqual(MAX_CONDITIONS);
  for (const c of conditionsOf(r.entry)) {
    for (const [name, spec] of Object.entries(CONDITION_GENES[c.kind])) {
      const v = (c as unknown as Record<string, number>)[name];
      expect(v).toBeGreaterThanOrEqual(spec.min);
      expect(v).toBeLessThanOrEqual(spec.max);
      if (spec.kind === 'int') expect(Number.isInteger(v)).toBe(true);
    }
    if (c.kind === 'emaCross') expect(c.fast).toBeLessThan(c.slow);
  }
  for (const [name, spec] of Object.entries(EXIT_GENES)) {
    const v = r.exit[name as keyof typeof r.exit];
    expect(v).toBeGreaterThanOrEqual(spec.min);
    expect(v).toBeLessThanOrEqual(spec.max);
  }
  expect(r.exit.stopAtrMult + r.exit.takeProfitAtrMult + r.exit.timeExitBars).toBeGreaterThan(0);
}
