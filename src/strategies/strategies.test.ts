import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest } from '../backtest/backtest.js';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel } from '../backtest/panel.js';
import { barsFromColumns } from '../core/bar-series.js';
import { isKobeError } from '../core/errors.js';
import { sma } from '../indicators/index.js';
import { alterFuture, fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import { IndicatorMemo } from './indicator-memo.js';
import { defaultParams, expandGrid, parseParamsFlag, resolveParams } from './params.js';
import { getStrategy, resolveStrategyParams, STRATEGIES, STRATEGY_NAMES } from './registry.js';
import { describeSignals, scanSignals } from './scan.js';
import { SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_NONE, SIGNAL_SHORT } from './types.js';

/** Small periods so random series of a few hundred bars produce signals worth comparing. */
const FAST_PARAMS: Record<string, Record<string, number>> = {
  'ibs-rsi': { smaPeriod: 20, rsiEntry: 30, ibsEntry: 0.4 },
  'turtle-soup': { smaPeriod: 20, lookback: 10, allowShort: 1 },
  'sma-cross': { fast: 3, slow: 8 },
};

describe.each(STRATEGY_NAMES)('strategy %s', (name) => {
  const strategy = getStrategy(name);
  const params = resolveStrategyParams(strategy, FAST_PARAMS[name]);

  it('altering future bars never changes past signals (no look-ahead)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 60, max: 400 }), fc.double({ min: 0.1, max: 0.95, noNaN: true }), (seed, n, cut) => {
        const bars = randomWalkBars('X', n, seed);
        const k = Math.floor(n * cut);
        const altered = alterFuture(bars, k, seed + 1);
        const a = scanSignals(strategy, bars, params, new IndicatorMemo());
        const b = scanSignals(strategy, altered, params, new IndicatorMemo());
        const before = (s: typeof a) => Array.from(s.bar).filter((bar) => bar < k).length;
        const m = before(a);
        expect(before(b)).toBe(m);
        for (let j = 0; j < m; j++) {
          expect(b.bar[j]).toBe(a.bar[j]);
          expect(b.code[j]).toBe(a.code[j]);
          expect(b.score[j]).toBe(a.score[j]);
          expect(Object.is(b.stopDist[j], a.stopDist[j]) || b.stopDist[j] === a.stopDist[j]).toBe(true);
        }
      }),
      fcOptions(60),
    );
  });

  it('explains every bar: its entry conditions all hold exactly where decide enters', () => {
    let entries = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const bars = randomWalkBars('X', 300, seed);
      const prep = strategy.prepare(bars, params, new IndicatorMemo());
      for (let i = 0; i < bars.day.length; i++) {
        const code = strategy.decide(prep, i, params);
        const conditions = strategy.explain!(prep, i, params);
        expect(conditions.length).toBeGreaterThan(0);
        const entry = code === SIGNAL_LONG || code === SIGNAL_SHORT;
        if (entry) entries++;
        if (code !== SIGNAL_EXIT) expect(conditions.every((c) => c.met), `bar ${i} code ${code}`).toBe(entry);
        for (const c of conditions) if (c.value !== null) expect(Number.isFinite(c.value)).toBe(true);
      }
    }
    expect(entries).toBeGreaterThan(0);
  });

  it('fires on random data (a rule that never triggers is a bug)', () => {
    let total = 0;
    for (let seed = 1; seed <= 10; seed++) total += scanSignals(strategy, randomWalkBars('X', 400, seed), params, new IndicatorMemo()).bar.length;
    expect(total).toBeGreaterThan(0);
  });

  it('declares defaults inside its bounds and a tuning grid of valid values', () => {
    const d = defaultParams(strategy.params);
    expect(() => resolveStrategyParams(strategy, {})).not.toThrow();
    for (const p of expandGrid(d, strategy.tuneGrid)) expect(() => resolveParams(name, strategy.params, p)).not.toThrow();
    expect(strategy.warmupBars(d)).toBeGreaterThan(0);
  });

  it('gives signals in the user-facing shape with stop below a long entry', () => {
    const bars = randomWalkBars('X', 400, 7);
    const memo = new IndicatorMemo();
    const sigs = scanSignals(strategy, bars, params, memo);
    const out = describeSignals(strategy, bars, params, memo, sigs);
    expect(out).toHaveLength(sigs.bar.length);
    for (const s of out) {
      expect(s.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(s.reason.length).toBeGreaterThan(10);
      if (s.side === 'long' && s.stop !== null) expect(s.stop).toBeLessThan(s.entry);
      if (s.side === 'short' && s.stop !== null) expect(s.stop).toBeGreaterThan(s.entry);
    }
  });
});

/** Builds bars from closes, with a given low/high per bar where the test needs one. */
function handBars(closes: number[], lows?: Record<number, number>, highs?: Record<number, number>) {
  return barsFromColumns('HAND', {
    day: closes.map((_, i) => 18_000 + i),
    open: closes,
    high: closes.map((c, i) => highs?.[i] ?? c + 0.5),
    low: closes.map((c, i) => lows?.[i] ?? c - 0.5),
    close: closes,
  });
}

describe('ibs-rsi on hand-made data', () => {
  it('signals on a weak close after a sharp drop in an uptrend, and not without the trend', () => {
    const up = Array.from({ length: 30 }, (_, i) => 100 + i);
    // Two sharp down closes: RSI(2) collapses; the last bar closes at its low (IBS 0).
    // From 129: -4, -4. Wilder RSI(2) falls to 7.7; SMA(20) is 120.75 < 121; IBS is 0.
    const closes = [...up, 125, 121];
    const bars = handBars(closes, { 31: 121 }, { 31: 127 });
    const p = resolveStrategyParams(STRATEGIES['ibs-rsi'], { smaPeriod: 20 });
    const sigs = scanSignals(STRATEGIES['ibs-rsi'], bars, p, new IndicatorMemo());
    expect(Array.from(sigs.bar)).toEqual([31]);
    expect(sigs.code[0]).toBe(SIGNAL_LONG);
    expect(sigs.stopDist[0]).toBeGreaterThan(0);
    const down = handBars([...Array.from({ length: 30 }, (_, i) => 200 - i), 165, 160], { 31: 160 }, { 31: 166 });
    expect(scanSignals(STRATEGIES['ibs-rsi'], down, p, new IndicatorMemo()).bar.length).toBe(0);
  });
});

describe('ibs-rsi exits', () => {
  const ibsRsi = STRATEGIES['ibs-rsi'];
  // Bars 0-29 climb by 1 (each close 0.5 above the previous high), bar 31 is the entry of the test
  // above, bar 32 closes below the previous high (127), bar 33 above it (122), bar 34 below (123.5).
  const closes = [...Array.from({ length: 30 }, (_, i) => 100 + i), 125, 121, 121.5, 123, 122];
  const bars = handBars(closes, { 31: 121 }, { 31: 127 });
  const codes = (overrides: Record<string, number>) => {
    const p = resolveStrategyParams(ibsRsi, { smaPeriod: 20, ...overrides });
    const prep = ibsRsi.prepare(bars, p, new IndicatorMemo());
    return closes.map((_, i) => ibsRsi.decide(prep, i, p));
  };
  const barsWith = (list: number[], code: number) => list.flatMap((c, i) => (c === code ? [i] : []));

  it('exit on a close above the previous high fires exactly on those bars', () => {
    const on = codes({ exitPrevHigh: 1 });
    expect(barsWith(on, SIGNAL_EXIT)).toEqual([...Array.from({ length: 29 }, (_, i) => i + 1), 33]);
    expect(barsWith(on, SIGNAL_LONG)).toEqual([31]);
    // A close equal to the previous high is not above it.
    const flat = handBars([100, 100.5, 100.5], {}, { 0: 100.5, 1: 101, 2: 101 });
    const p = resolveStrategyParams(ibsRsi, { smaPeriod: 20, exitPrevHigh: 1 });
    const prep = ibsRsi.prepare(flat, p, new IndicatorMemo());
    expect([0, 1, 2].map((i) => ibsRsi.decide(prep, i, p))).toEqual([SIGNAL_NONE, SIGNAL_NONE, SIGNAL_NONE]);
  });

  it('is off by default: the defaults give the entries alone', () => {
    expect(barsWith(codes({}), SIGNAL_EXIT)).toEqual([]);
    expect(barsWith(codes({}), SIGNAL_LONG)).toEqual([31]);
  });

  it('exit rules follow their definitions on random bars, and take precedence over an entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(0, 1), fc.constantFrom(0, 2, 5, 10), (seed, prevHigh, smaExit) => {
        const series = randomWalkBars('X', 200, seed);
        const p = resolveStrategyParams(ibsRsi, { ...FAST_PARAMS['ibs-rsi'], exitPrevHigh: prevHigh, exitSmaPeriod: smaExit });
        const entriesOnly = resolveStrategyParams(ibsRsi, FAST_PARAMS['ibs-rsi']);
        const prep = ibsRsi.prepare(series, p, new IndicatorMemo());
        const plain = ibsRsi.prepare(series, entriesOnly, new IndicatorMemo());
        const average = smaExit > 0 ? sma(series.close, smaExit) : null;
        for (let i = 0; i < 200; i++) {
          const c = series.close[i];
          const exit = (prevHigh === 1 && i > 0 && c > series.high[i - 1]) || (average !== null && c > average[i]);
          expect(ibsRsi.decide(prep, i, p), `bar ${i}`).toBe(exit ? SIGNAL_EXIT : ibsRsi.decide(plain, i, entriesOnly));
        }
      }),
      fcOptions(40),
    );
  });

  it('never looks ahead with its exits on', () => {
    const p = resolveStrategyParams(ibsRsi, { ...FAST_PARAMS['ibs-rsi'], exitPrevHigh: 1, exitSmaPeriod: 5 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 60, max: 400 }), fc.double({ min: 0.1, max: 0.95, noNaN: true }), (seed, n, cut) => {
        const series = randomWalkBars('X', n, seed);
        const k = Math.floor(n * cut);
        const a = scanSignals(ibsRsi, series, p, new IndicatorMemo());
        const b = scanSignals(ibsRsi, alterFuture(series, k, seed + 1), p, new IndicatorMemo());
        const before = (sigs: typeof a) => Array.from(sigs.bar).filter((bar) => bar < k).length;
        expect(before(b)).toBe(before(a));
        for (let j = 0; j < before(a); j++) {
          expect(b.bar[j]).toBe(a.bar[j]);
          expect(b.code[j]).toBe(a.code[j]);
        }
        expect(Array.from(a.code)).toContain(SIGNAL_EXIT);
      }),
      fcOptions(40),
    );
  });

  it('the engine fills the exit at the next open, as for any strategy exit signal', () => {
    const config = { ...DEFAULT_ENGINE_CONFIG, costs: { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 }, regimeFilter: { enabled: false, smaPeriod: 200 } };
    const ctx = new MarketContext(buildPanel([bars], null));
    const run = (overrides: Record<string, number>) =>
      backtest(ctx, [{ strategy: ibsRsi, params: resolveStrategyParams(ibsRsi, { smaPeriod: 20, ...overrides }) }], config, 0, closes.length - 1).engine.trades;
    const [trade] = run({ exitPrevHigh: 1, stopAtrMult: 0, timeExitBars: 0 });
    expect(trade.entryDay).toBe(bars.day[32]);
    expect(trade.exitDay).toBe(bars.day[34]);
    expect(trade.exitReason).toBe('signal');
    expect(trade.exitPrice).toBe(bars.open[34]);
    // With the exits off the same entry is held to the end of the window.
    const [held] = run({ stopAtrMult: 0, timeExitBars: 0 });
    expect(held.exitReason).toBe('window_end');
  });

  it('rejects an exit SMA of one bar (a close is never above itself)', () => {
    let caught: unknown;
    try {
      resolveStrategyParams(ibsRsi, { exitSmaPeriod: 1 });
    } catch (e) {
      caught = e;
    }
    expect(isKobeError(caught) && caught.code).toBe('BAD_PARAM');
    expect(String(caught)).toContain('exitSmaPeriod');
  });
});

describe('turtle-soup on hand-made data', () => {
  const ts = STRATEGIES['turtle-soup'];
  const p = resolveStrategyParams(ts, { lookback: 5, minBarsSinceLow: 3, trendFilter: 0 });

  it('fires when the bar breaks the prior low (made >= 3 bars earlier) and closes back above it', () => {
    // Bars 0..5: the 5-bar low before bar 6 is bar 2's low of 95 (4 bars earlier).
    const bars = handBars([100, 100, 100, 100, 100, 100, 100], { 2: 95, 6: 94 });
    const sigs = scanSignals(ts, bars, p, new IndicatorMemo());
    expect(Array.from(sigs.bar)).toEqual([6]);
  });

  it('does not fire when the low was made too recently', () => {
    // Bar 5 breaks the flat 99.5 lows (old enough) and reclaims: a signal. Bar 6 breaks bar 5's
    // low of 95, made only 1 bar earlier: no signal.
    const bars = handBars([100, 100, 100, 100, 100, 100, 100], { 5: 95, 6: 94 });
    expect(Array.from(scanSignals(ts, bars, p, new IndicatorMemo()).bar)).toEqual([5]);
  });

  it('does not fire when the bar closes below the broken low (a real breakdown)', () => {
    const bars = handBars([100, 100, 100, 100, 100, 100, 94.5], { 2: 95, 6: 94 });
    expect(scanSignals(ts, bars, p, new IndicatorMemo()).bar.length).toBe(0);
  });

  it('mirrors short only behind the flag', () => {
    const bars = handBars([100, 100, 100, 100, 100, 100, 100], undefined, { 2: 105, 6: 106 });
    expect(scanSignals(ts, bars, p, new IndicatorMemo()).bar.length).toBe(0);
    const sigs = scanSignals(ts, bars, { ...p, allowShort: 1 }, new IndicatorMemo());
    expect(Array.from(sigs.code)).toEqual([SIGNAL_SHORT]);
  });
});

describe('sma-cross on hand-made data', () => {
  it('enters on the up-cross and exits on the down-cross', () => {
    const closes = [10, 10, 10, 10, 9, 8, 9, 11, 13, 14, 13, 11, 9, 8];
    const p = resolveStrategyParams(STRATEGIES['sma-cross'], { fast: 2, slow: 4 });
    const sigs = scanSignals(STRATEGIES['sma-cross'], handBars(closes), p, new IndicatorMemo());
    // SMA2 vs SMA4: equal at bar 3, below at bar 4 (9.5 vs 9.75: an exit with nothing to exit),
    // above at bar 7 (10 vs 9.25), below again at bar 11 (12 vs 12.75).
    expect(Array.from(sigs.bar)).toEqual([4, 7, 11]);
    expect(Array.from(sigs.code)).toEqual([SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_EXIT]);
  });
});

describe('parameters', () => {
  it('rejects unknown names, out-of-bounds and non-integer values with the flag named', () => {
    const s = STRATEGIES['ibs-rsi'];
    expect(() => resolveStrategyParams(s, { nope: 1 })).toThrow(/no parameter 'nope'/);
    expect(() => resolveStrategyParams(s, { rsiPeriod: 0 })).toThrow(/rsiPeriod must be in \[2, 14\], was 0/);
    expect(() => resolveStrategyParams(s, { smaPeriod: 20.5 })).toThrow(/integer/);
    expect(() => resolveStrategyParams(STRATEGIES['sma-cross'], { fast: 50, slow: 20 })).toThrow(/fast \(50\) must be less than slow/);
    expect(() => parseParamsFlag('rsiEntry')).toThrow(/key=value/);
    expect(() => parseParamsFlag('rsiEntry=abc')).toThrow(/must be a number/);
    expect(parseParamsFlag('rsiEntry=5, allowShort=true')).toEqual({ rsiEntry: 5, allowShort: 1 });
    expect(() => getStrategy('nope')).toThrow(/unknown strategy 'nope'/);
  });

  it('expands a grid in a fixed order', () => {
    const g = expandGrid({ a: 0, b: 0, c: 9 }, { b: [1, 2], a: [3, 4] });
    expect(g).toEqual([
      { a: 3, b: 1, c: 9 },
      { a: 3, b: 2, c: 9 },
      { a: 4, b: 1, c: 9 },
      { a: 4, b: 2, c: 9 },
    ]);
  });
});

describe('signals inside a span equal those of a whole-history scan', () => {
  it.each(STRATEGY_NAMES)('%s', (name) => {
    const strategy = getStrategy(name);
    const params = resolveStrategyParams(strategy, FAST_PARAMS[name]);
    for (let seed = 1; seed <= 5; seed++) {
      const bars = randomWalkBars('X', 500, seed);
      const full = scanSignals(strategy, bars, params, new IndicatorMemo());
      for (const first of [0, 1, 37, 250, 499]) {
        const part = scanSignals(strategy, bars, params, new IndicatorMemo(() => first), first);
        const expected = Array.from(full.bar).filter((b) => b >= first);
        expect(Array.from(part.bar)).toEqual(expected);
        const offset = full.bar.length - expected.length;
        expected.forEach((_, j) => {
          expect(part.score[j]).toBe(full.score[j + offset]);
          expect(part.code[j]).toBe(full.code[j + offset]);
        });
      }
    }
  });
});

describe('IndicatorMemo', () => {
  it('reuses arrays and evicts the least recently used beyond its byte budget', () => {
    const s = randomWalkBars('X', 100, 1);
    const memo = new IndicatorMemo(() => 0, 2 * 800);
    let computed = 0;
    const get = (k: string) => memo.get(s, k, () => (computed++, new Float64Array(100)));
    const a = get('a');
    get('b');
    expect(get('a')).toBe(a);
    expect(computed).toBe(2);
    const c = get('c');
    // Over budget: least recently used first ('b', then 'a') until three quarters of it remain.
    expect(memo.evictions).toBe(2);
    expect(memo.heldBytes).toBeLessThanOrEqual(1200);
    expect(get('c')).toBe(c);
    expect(computed).toBe(3);
    get('b');
    expect(computed).toBe(4);
  });
});

describe('batch decide equals per-bar decide', () => {
  it.each(STRATEGY_NAMES.filter((n) => getStrategy(n).decideRange !== undefined))('%s', (name) => {
    const strategy = getStrategy(name);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), (seed, short, filter) => {
        const overrides: Record<string, number> = { ...FAST_PARAMS[name] };
        if ('allowShort' in strategy.params) overrides.allowShort = short;
        if ('trendFilter' in strategy.params) overrides.trendFilter = filter;
        if ('exitPrevHigh' in strategy.params) overrides.exitPrevHigh = short;
        if ('exitSmaPeriod' in strategy.params) overrides.exitSmaPeriod = filter * 5;
        const p = resolveStrategyParams(strategy, overrides);
        const bars = randomWalkBars('X', 300, seed);
        const prep = strategy.prepare(bars, p, new IndicatorMemo());
        const from = seed % 50;
        const out = new Int8Array(300 - from);
        strategy.decideRange!(prep, p, from, 300, out);
        for (let i = from; i < 300; i++) expect(out[i - from]).toBe(strategy.decide(prep, i, p));
      }),
      fcOptions(60),
    );
  });
});
