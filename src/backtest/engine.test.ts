import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../core/bar-series.js';
import { barsFromColumns, filterBars } from '../core/bar-series.js';
import { createRng } from '../core/rng.js';
import { ibsRsi } from '../strategies/ibs-rsi/ibs-rsi.js';
import { defaultParams, type Params } from '../strategies/params.js';
import type { SymbolSignals } from '../strategies/scan.js';
import { SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_SHORT } from '../strategies/types.js';
import { handStrategy } from '../test-support/hand-strategy.js';
import { alterFuture, fcOptions, flatBars, randomWalkBars } from '../test-support/synthetic-bars.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import { DENIAL_CODES, runEngine, type EngineResult } from './engine.js';
import { sizeOrder } from '../portfolio/sizing.js';
import { recordColumns } from '../portfolio/sleeves.js';
import { backtest } from './backtest.js';
import { MarketContext } from './market-context.js';
import { regimeMask } from './regime.js';
import { buildPanel, type MarketPanel } from './panel.js';
import { buildSignalBook } from './signal-book.js';

const ZERO_COSTS = { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 };
const baseConfig: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, regimeFilter: { enabled: false, smaPeriod: 200 } };
const exitParams = (timeExitBars: number): Params => ({ ...defaultParams(ibsRsi.params), timeExitBars });

/** Signals given as (bar, code) pairs, with a stop `stopDist` away when given. */
function signals(entries: readonly (readonly [number, number])[], stopDist = Number.NaN, targetDist = Number.NaN): SymbolSignals {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  return {
    bar: Int32Array.from(sorted.map((e) => e[0])),
    code: Int8Array.from(sorted.map((e) => e[1])),
    score: new Float64Array(sorted.length),
    stopDist: new Float64Array(sorted.length).fill(stopDist),
    targetDist: new Float64Array(sorted.length).fill(targetDist),
  };
}

function run(panel: MarketPanel, perSymbol: SymbolSignals[], config: EngineConfig, params: Params = exitParams(5), regime: Uint8Array | null = null): EngineResult {
  const legs = [{ strategy: ibsRsi, params, book: buildSignalBook(panel, perSymbol) }];
  const window = { panel, legs, from: 0, to: panel.calendar.length - 1, regime };
  // Kelly sleeves read each strategy's record run on its own, as backtest() builds it.
  const kellyRecords =
    config.sizing.mode === 'kelly' ? [recordColumns(runEngine({ ...window, config: { ...config, sizing: { mode: 'equal-weight' }, recordDecisions: false } }).trades)] : undefined;
  return runEngine({ ...window, config, kellyRecords });
}

/** Equity rebuilt from the trade list alone: capital + realised pnl + open trades marked at the close. */
function equityFromTrades(panel: MarketPanel, r: EngineResult): Float64Array {
  const out = new Float64Array(r.days.length).fill(r.initialCapital);
  const bySymbol = new Map(panel.series.map((s) => [s.symbol, s]));
  for (const t of r.trades) {
    const s = bySymbol.get(t.symbol)!;
    const side = t.side === 'long' ? 1 : -1;
    // Entry and exit commissions are equal for the same share count: the entry half is fees / 2.
    const entryFees = t.fees / 2;
    let lastClose = Number.NaN;
    let bar = 0;
    for (let k = 0; k < r.days.length; k++) {
      const d = r.days[k];
      while (bar < s.day.length && s.day[bar] <= d) lastClose = s.close[bar++];
      if (d < t.entryDay) continue;
      if (d >= t.exitDay) out[k] += t.pnl;
      else out[k] += side * t.shares * (lastClose - t.entryPrice) - entryFees;
    }
  }
  return out;
}

/** Open positions' market values at each close, rebuilt from the trade list: signed (net) and absolute (gross). */
function positionValuesFromTrades(panel: MarketPanel, r: EngineResult): { net: Float64Array; gross: Float64Array } {
  const net = new Float64Array(r.days.length);
  const gross = new Float64Array(r.days.length);
  const bySymbol = new Map(panel.series.map((s) => [s.symbol, s]));
  for (const t of r.trades) {
    const s = bySymbol.get(t.symbol)!;
    const side = t.side === 'long' ? 1 : -1;
    let lastClose = Number.NaN;
    let bar = 0;
    for (let k = 0; k < r.days.length; k++) {
      const d = r.days[k];
      while (bar < s.day.length && s.day[bar] <= d) lastClose = s.close[bar++];
      if (d < t.entryDay || d >= t.exitDay) continue;
      net[k] += side * t.shares * lastClose;
      gross[k] += t.shares * lastClose;
    }
  }
  return { net, gross };
}

const SIZINGS: EngineConfig['sizing'][] = [
  { mode: 'equal-weight' },
  { mode: 'all-in' },
  { mode: 'fixed-shares', shares: 40 },
  { mode: 'fixed-notional', usd: 15_000 },
  { mode: 'risk-pct', pct: 0.5 },
  { mode: 'kelly', fraction: 0.5 },
];

/** Position limits the properties run under: none, a symbol weight clamp, both (0.1 bites on independent walks). */
const LIMITS: EngineConfig['limits'][] = [
  { maxSymbolWeight: null, maxCorrelation: null },
  { maxSymbolWeight: 0.3, maxCorrelation: null },
  { maxSymbolWeight: 0.15, maxCorrelation: 0.1 },
];

const panelArb = fc.record({
  symbols: fc.integer({ min: 1, max: 4 }),
  length: fc.integer({ min: 30, max: 120 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  signalDensity: fc.double({ min: 0.02, max: 0.3, noNaN: true }),
  timeExit: fc.integer({ min: 0, max: 8 }),
  stopMult: fc.constantFrom(Number.NaN, 1, 3),
  targetMult: fc.constantFrom(Number.NaN, 1, 2.5),
  maxPositions: fc.integer({ min: 1, max: 4 }),
  costs: fc.record({
    commissionPerOrderUsd: fc.double({ min: 0, max: 5, noNaN: true }),
    commissionPerShareUsd: fc.double({ min: 0, max: 0.02, noNaN: true }),
    slippageBps: fc.double({ min: 0, max: 30, noNaN: true }),
  }),
  midpoint: fc.boolean(),
  shorts: fc.boolean(),
  /** Entry strengths: all equal (symbol order decides) or random, so ranking is exercised. */
  scored: fc.boolean(),
  /** A regime mask of random runs, or no filter. */
  regime: fc.boolean(),
  /** Fraction of sessions each symbol misses, and how many sessions later each symbol starts. */
  holes: fc.constantFrom(0, 0.05, 0.2),
  stagger: fc.integer({ min: 0, max: 10 }),
  sizing: fc.constantFrom(...SIZINGS.keys()),
  limits: fc.constantFrom(...LIMITS.keys()),
});

type Scenario = typeof panelArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * A market of random walks on different calendars (staggered starts, missing sessions), random
 * long/short/exit signals with scores, stops and targets, and optionally a regime mask.
 */
function scenario(p: Scenario) {
  const rng = createRng(p.seed + 17);
  const series: BarSeries[] = [];
  const sigs: SymbolSignals[] = [];
  for (let s = 0; s < p.symbols; s++) {
    const walk = randomWalkBars(`S${s}`, p.length, p.seed + s * 7919);
    const keep = Array.from(walk.day, (_, i) => i >= s * p.stagger && (i === s * p.stagger || rng.next() >= p.holes));
    const bars = filterBars(walk, (i) => keep[i]);
    series.push(bars);
    const entries: [number, number, number][] = [];
    for (let i = 0; i < bars.day.length; i++) {
      const u = rng.next();
      if (u >= p.signalDensity) continue;
      const code = p.shorts && u < p.signalDensity / 3 ? SIGNAL_SHORT : u < p.signalDensity * 0.8 ? SIGNAL_LONG : SIGNAL_EXIT;
      entries.push([i, code, code === SIGNAL_EXIT ? 0 : p.scored ? Math.round(rng.next() * 8) : 0]);
    }
    const unit = bars.day.length > 0 ? bars.close[0] * 0.02 : 1;
    sigs.push(withScores(signals(entries.map(([i, c]) => [i, c]), p.stopMult * unit, p.targetMult * unit), entries.map((e) => e[2])));
  }
  const config: EngineConfig = {
    ...baseConfig,
    maxPositions: p.maxPositions,
    costs: p.costs,
    sizing: SIZINGS[p.sizing],
    limits: LIMITS[p.limits],
    fill: p.midpoint ? { kind: 'delay-midpoint', delayBars: 2 } : { kind: 'next-open' },
  };
  const panel = buildPanel(series, null);
  let regime: Uint8Array | null = null;
  if (p.regime) {
    regime = new Uint8Array(panel.calendar.length);
    let state = 1;
    for (let t = 0; t < regime.length; t++) {
      if (rng.next() < 0.15) state = 1 - state;
      regime[t] = state;
    }
  }
  return { panel, sigs, config, params: exitParams(p.timeExit), regime };
}

function withScores(s: SymbolSignals, scores: readonly number[]): SymbolSignals {
  return { ...s, score: Float64Array.from(scores) };
}

/** The signals on bars before k, every field kept. */
function signalsBefore(s: SymbolSignals, k: number): SymbolSignals {
  const keep = Array.from(s.bar.keys()).filter((j) => s.bar[j] < k);
  return {
    bar: Int32Array.from(keep.map((j) => s.bar[j])),
    code: Int8Array.from(keep.map((j) => s.code[j])),
    score: Float64Array.from(keep.map((j) => s.score[j])),
    stopDist: Float64Array.from(keep.map((j) => s.stopDist[j])),
    targetDist: Float64Array.from(keep.map((j) => s.targetDist[j])),
  };
}

describe('engine accounting', () => {
  it('sessions where only prices move (marked in one stretch) give the same result as the full day loop, bit for bit', () => {
    // A time exit that never fires keeps every session in the full loop; without it, sessions with
    // no order, no signal and no stop or target are marked in one stretch.
    fc.assert(
      fc.property(panelArb, (p) => {
        const { panel, sigs, config, regime } = scenario({ ...p, stopMult: Number.NaN, targetMult: Number.NaN });
        const stretched = run(panel, sigs, config, exitParams(0), regime);
        const fullLoop = run(panel, sigs, config, exitParams(1_000_000_000), regime);
        expect(stretched).toEqual(fullLoop);
        for (const k of ['equity', 'cash', 'grossExposureUsd', 'exposureFrac'] as const) {
          expect(Buffer.from(stretched[k].buffer).equals(Buffer.from(fullLoop[k].buffer))).toBe(true);
        }
      }),
      fcOptions(),
    );
  });

  it('cash + marked positions = equity on every bar, rebuilt independently from the trade list', () => {
    fc.assert(
      fc.property(panelArb, (p) => {
        const { panel, sigs, config, params, regime } = scenario(p);
        const r = run(panel, sigs, config, params, regime);
        const rebuilt = equityFromTrades(panel, r);
        for (let k = 0; k < r.days.length; k++) {
          expect(r.equity[k]).toBeCloseTo(rebuilt[k], 6);
        }
        const sumPnl = r.trades.reduce((a, t) => a + t.pnl, 0);
        expect(r.finalEquity).toBeCloseTo(r.initialCapital + sumPnl, 6);
      }),
      fcOptions(150),
    );
  });

  it('equity = cash + signed position values and grossExposureUsd = their absolute sum, on every bar', () => {
    fc.assert(
      fc.property(panelArb, (p) => {
        const { panel, sigs, config, params, regime } = scenario(p);
        const r = run(panel, sigs, config, params, regime);
        const { net, gross } = positionValuesFromTrades(panel, r);
        expect(r.grossExposureUsd).toBeInstanceOf(Float64Array);
        expect(r.grossExposureUsd).toHaveLength(r.days.length);
        for (let k = 0; k < r.days.length; k++) {
          expect(r.equity[k]).toBeCloseTo(r.cash[k] + net[k], 6);
          expect(r.grossExposureUsd[k]).toBeCloseTo(gross[k], 6);
        }
        // The window ends flat.
        expect(r.grossExposureUsd[r.days.length - 1]).toBe(0);
        expect(r.cash[r.days.length - 1]).toBe(r.finalEquity);
      }),
      fcOptions(150),
    );
  });

  it('never fills on the signal bar, never holds more than maxPositions, and accounts for every signal by its code', () => {
    fc.assert(
      fc.property(panelArb, (p) => {
        const { panel, sigs, config, params, regime } = scenario(p);
        const r = run(panel, sigs, config, params, regime);
        for (const t of r.trades) {
          expect(t.entryDay).toBeGreaterThan(t.entrySignalDay);
          expect(t.exitDay).toBeGreaterThanOrEqual(t.entryDay);
          expect(t.shares).toBeGreaterThan(0);
        }
        for (let k = 0; k < r.days.length; k++) expect(r.openPositions[k]).toBeLessThanOrEqual(config.maxPositions);
        // Nothing hides: every entry signal became a trade or was denied with a recorded reason,
        // and each code's count is the number of decisions recorded under that code.
        const denied = Object.values(r.denials).reduce((a, n) => a + n, 0);
        expect(r.trades.length + denied).toBe(r.entrySignals);
        for (const code of DENIAL_CODES) expect(r.decisions.filter((d) => !d.admitted && d.code === code).length, code).toBe(r.denials[code]);
        // Admitted orders either fill (a trade) or are denied later at the fill (NO_FILL_BAR on
        // a missing session, INSUFFICIENT_CASH on a gap) or at the window end.
        const admitted = r.decisions.filter((d) => d.admitted).length;
        const lateDenials = r.decisions.filter((d) => !d.admitted && (d.code === 'WINDOW_END' || d.detail === 'no bar on the fill session' || d.detail.startsWith('open '))).length;
        expect(admitted).toBe(r.trades.length + lateDenials);
        // Code-specific checks.
        const calIndex = new Map(Array.from(panel.calendar, (d, t) => [d, t]));
        if (regime === null) expect(r.denials.REGIME_FILTER).toBe(0);
        for (const d of r.decisions) {
          const t = calIndex.get(d.day)!;
          if (d.code === 'REGIME_FILTER') expect(regime![t]).toBe(d.side === 'long' ? 0 : 1);
          // The regime blocks nothing it allows: an admitted long had an up regime, a short a down one.
          if (d.admitted && regime !== null) expect(regime[t]).toBe(d.side === 'long' ? 1 : 0);
        }
        if (!p.midpoint) expect(r.denials.WINDOW_END).toBe(0);
        if (p.holes === 0 && p.stagger === 0) expect(r.decisions.some((d) => d.detail === 'no bar on the fill session')).toBe(false);
        if (SIZINGS[p.sizing].mode === 'fixed-shares') expect(r.denials.ZERO_SHARES).toBe(0);
        // Ranking: on a day where slots ran out, no signal denied for MAX_POSITIONS outranks one admitted.
        const score = new Map<string, number>();
        sigs.forEach((x, sym) => x.bar.forEach((b, j) => score.set(`${panel.series[sym].day[b]}:${panel.symbols[sym]}`, x.score[j])));
        for (const d of r.decisions) {
          if (d.code !== 'MAX_POSITIONS') continue;
          for (const a of r.decisions) if (a.admitted && a.day === d.day) expect(score.get(`${a.day}:${a.symbol}`)!).toBeGreaterThanOrEqual(score.get(`${d.day}:${d.symbol}`)!);
        }
        // Longs are paid in cash: no margin, so cash never goes below zero.
        if (!p.shorts) for (let k = 0; k < r.days.length; k++) expect(r.cash[k]).toBeGreaterThanOrEqual(-1e-6);
      }),
      fcOptions(150),
    );
  });

  it('altering bars after session k never changes the equity curve before k (no look-ahead in the engine)', () => {
    fc.assert(
      fc.property(panelArb, fc.double({ min: 0.2, max: 0.9, noNaN: true }), (p, cut) => {
        const { panel, sigs, config, params, regime } = scenario(p);
        const k = Math.floor(panel.calendar.length * cut);
        // Bar k of a symbol lies on calendar index k or later (symbols start late or skip sessions).
        const altered = buildPanel(panel.series.map((s, i) => (k < s.day.length ? alterFuture(s, k, p.seed + 31 * i + 1) : s)), null);
        // Signals after k may differ too in an altered world: one run has only those before bar k.
        const a = run(panel, sigs.map((s) => signalsBefore(s, k)), config, params, regime);
        const b = run(altered, sigs, config, params, regime);
        for (let t = 0; t < k; t++) expect(b.equity[t]).toBe(a.equity[t]);
      }),
      fcOptions(100),
    );
  });

  it('a zero-cost round trip on constant prices leaves equity unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 60 }), fc.double({ min: 1, max: 500, noNaN: true }), fc.integer({ min: 0, max: 6 }), (n, price, timeExit) => {
        const panel = buildPanel([flatBars('FLAT', n, price)], null);
        const entries: [number, number][] = [];
        for (let i = 0; i < n; i += 3) entries.push([i, i % 2 === 0 ? SIGNAL_LONG : SIGNAL_EXIT]);
        const r = run(panel, [signals(entries, price * 0.05)], { ...baseConfig, costs: ZERO_COSTS }, exitParams(timeExit));
        expect(r.trades.length).toBeGreaterThan(0);
        for (let k = 0; k < r.days.length; k++) expect(r.equity[k]).toBeCloseTo(baseConfig.initialCapital, 8);
      }),
      fcOptions(100),
    );
  });

  // Stops and targets are laid off the slipped fill price, so with them costs can change which trades
  // happen at all (path dependence). With fixed share counts, ample cash and no stops the trade set is
  // fixed, and then costs can only take money away, trade by trade.
  it('higher costs never raise final equity (same trade set: fixed shares, no stops or targets)', () => {
    fc.assert(
      fc.property(panelArb, fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true }), (p, extraOrder, extraBps) => {
        const { panel, sigs, params, regime } = scenario({ ...p, stopMult: Number.NaN, targetMult: Number.NaN });
        const config: EngineConfig = { ...baseConfig, initialCapital: 1e9, maxPositions: 50, sizing: { mode: 'fixed-shares', shares: 10 }, costs: p.costs };
        const dearer: EngineConfig = { ...config, costs: { ...p.costs, commissionPerOrderUsd: p.costs.commissionPerOrderUsd + extraOrder, slippageBps: p.costs.slippageBps + extraBps } };
        const cheap = run(panel, sigs, config, params, regime);
        const dear = run(panel, sigs, dearer, params, regime);
        expect(dear.trades.length).toBe(cheap.trades.length);
        dear.trades.forEach((t, i) => expect(t.pnl).toBeLessThanOrEqual(cheap.trades[i].pnl + 1e-9));
        expect(dear.finalEquity).toBeLessThanOrEqual(cheap.finalEquity + 1e-6);
      }),
      fcOptions(100),
    );
  });
});

describe('engine fills, by hand', () => {
  // Day numbers are consecutive here; the engine only cares about order.
  const bars = (rows: [number, number, number, number][]) =>
    barsFromColumns('HAND', {
      day: rows.map((_, i) => 20_000 + i),
      open: rows.map((r) => r[0]),
      high: rows.map((r) => r[1]),
      low: rows.map((r) => r[2]),
      close: rows.map((r) => r[3]),
    });
  const oneShare: EngineConfig = { ...baseConfig, sizing: { mode: 'fixed-shares', shares: 100 }, costs: ZERO_COSTS };

  it('fills at the next open and exits by time after N bars held, at the open after', () => {
    const b = bars([
      [10, 10, 10, 10],
      [11, 12, 10.5, 11.5],
      [12, 13, 11, 12],
      [13, 14, 12, 13],
      [14, 15, 13, 14],
    ]);
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]])], oneShare, exitParams(2));
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0];
    expect(t.entryDay).toBe(20_001);
    expect(t.entryPrice).toBe(11);
    // Held bars 1 and 2; the exit order from bar 2's close fills at bar 3's open.
    expect(t.exitDay).toBe(20_003);
    expect(t.exitPrice).toBe(13);
    expect(t.pnl).toBeCloseTo(200, 10);
    expect(t.exitReason).toBe('time');
    expect(t.barsHeld).toBe(2);
  });

  it('a gap through the stop fills at the open, not at the stop', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.5, 9.8, 10],
      [8, 8.5, 7.5, 8],
      [8, 8, 8, 8],
    ]);
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]], 1)], oneShare, exitParams(0));
    const t = r.trades[0];
    expect(t.exitReason).toBe('stop');
    expect(t.exitDay).toBe(20_002);
    expect(t.exitPrice).toBe(8);
  });

  it('when stop and target both lie inside one bar, the stop wins', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.2, 9.9, 10],
      [10, 12, 8, 10],
      [10, 10, 10, 10],
    ]);
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]], 1, 1)], oneShare, exitParams(0));
    const t = r.trades[0];
    expect(t.exitReason).toBe('stop');
    expect(t.exitPrice).toBe(9);
  });

  // Shorts mirror longs: the stop lies above the entry and the target below.
  it('a short: when stop and target both lie inside one bar, the stop wins', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.2, 9.9, 10],
      [10, 12, 8, 10],
      [10, 10, 10, 10],
    ]);
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_SHORT]], 1, 1)], oneShare, exitParams(0));
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0];
    expect(t.side).toBe('short');
    expect(t.exitReason).toBe('stop');
    expect(t.exitDay).toBe(20_002);
    expect(t.exitPrice).toBe(11);
    expect(t.pnl).toBeCloseTo(-100, 10);
  });

  it('a short: a target alone inside the bar fills at the target', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.2, 9.9, 10],
      [10, 10.5, 8, 9],
      [9, 9, 9, 9],
    ]);
    const t = run(buildPanel([b], null), [signals([[0, SIGNAL_SHORT]], 1, 1)], oneShare, exitParams(0)).trades[0];
    expect(t.exitReason).toBe('target');
    expect(t.exitPrice).toBe(9);
    expect(t.pnl).toBeCloseTo(100, 10);
  });

  it('a short: a gap up through the stop fills at the open, not at the stop', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.5, 9.8, 10],
      [12, 12.5, 11.5, 12],
      [12, 12, 12, 12],
    ]);
    const t = run(buildPanel([b], null), [signals([[0, SIGNAL_SHORT]], 1)], oneShare, exitParams(0)).trades[0];
    expect(t.side).toBe('short');
    expect(t.exitReason).toBe('stop');
    expect(t.exitDay).toBe(20_002);
    expect(t.exitPrice).toBe(12);
    expect(t.pnl).toBeCloseTo(-200, 10);
  });

  it('a long: a gap up through the target fills at the open (the better price is real)', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10.5, 9.8, 10],
      [12, 12.5, 11.5, 12],
      [12, 12, 12, 12],
    ]);
    const t = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]], 1, 1)], oneShare, exitParams(0)).trades[0];
    expect(t.exitReason).toBe('target');
    expect(t.exitPrice).toBe(12);
  });

  it('delay-midpoint:N fills at (open + close) / 2 of bar t+N', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 11, 9, 11],
      [12, 14, 12, 14],
      [14, 15, 13, 15],
      [15, 15, 15, 15],
    ]);
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]])], { ...oneShare, fill: { kind: 'delay-midpoint', delayBars: 2 } }, exitParams(0));
    expect(r.trades[0].entryDay).toBe(20_002);
    expect(r.trades[0].entryPrice).toBe(13);
    expect(r.trades[0].exitReason).toBe('window_end');
  });

  it('charges per-order and per-share commission and slippage on both sides', () => {
    const b = bars([
      [10, 10, 10, 10],
      [10, 10, 10, 10],
      [10, 10, 10, 10],
      [10, 10, 10, 10],
    ]);
    const costs = { commissionPerOrderUsd: 1, commissionPerShareUsd: 0.01, slippageBps: 10 };
    const r = run(buildPanel([b], null), [signals([[0, SIGNAL_LONG]])], { ...oneShare, costs }, exitParams(1));
    const t = r.trades[0];
    expect(t.entryPrice).toBeCloseTo(10.01, 10);
    expect(t.exitPrice).toBeCloseTo(9.99, 10);
    expect(t.fees).toBeCloseTo(2 * (1 + 0.01 * 100), 10);
    expect(t.pnl).toBeCloseTo(100 * (9.99 - 10.01) - 4, 10);
    expect(r.feesPaidUsd).toBeCloseTo(4, 10);
    expect(r.slippageUsd).toBeCloseTo(2, 10);
  });

  it('records every denied signal with its reason', () => {
    const a = bars([
      [10, 10, 10, 10],
      [10, 10, 10, 10],
      [10, 10, 10, 10],
    ]);
    const b2 = { ...a, symbol: 'OTHER' };
    const panel = buildPanel([a, b2], null);
    const regime = new Uint8Array(panel.calendar.length).fill(1);
    regime[1] = 0;
    const r = runEngine({
      panel,
      legs: [{ strategy: ibsRsi, params: exitParams(0), book: buildSignalBook(panel, [signals([[0, SIGNAL_LONG], [1, SIGNAL_LONG]]), signals([[0, SIGNAL_LONG]])]) }],
      config: { ...oneShare, maxPositions: 1 },
      from: 0,
      to: 2,
      regime,
    });
    expect(r.denials.MAX_POSITIONS).toBe(1);
    expect(r.denials.REGIME_FILTER).toBe(1);
    expect(r.decisions.filter((d) => d.admitted)).toHaveLength(1);
    expect(r.decisions.find((d) => d.code === 'REGIME_FILTER')?.day).toBe(20_001);
  });
});

/** Bars on the given day numbers, every price `price` (open = high = low = close). */
function flatOn(symbol: string, days: readonly number[], price: number): BarSeries {
  return barsFromColumns(symbol, { day: [...days], open: days.map(() => price), high: days.map(() => price), low: days.map(() => price), close: days.map(() => price) });
}
const DAYS = [20_000, 20_001, 20_002, 20_003, 20_004, 20_005];
const handConfig: EngineConfig = { ...baseConfig, costs: ZERO_COSTS, sizing: { mode: 'fixed-shares', shares: 10 } };

/** Denial counts must equal the recorded decisions, code by code. */
function expectDenials(r: EngineResult, expected: Partial<Record<keyof EngineResult['denials'], number>>) {
  const want = Object.fromEntries(DENIAL_CODES.map((c) => [c, expected[c] ?? 0]));
  expect(r.denials).toEqual(want);
  const recorded = Object.fromEntries(DENIAL_CODES.map((c) => [c, r.decisions.filter((d) => !d.admitted && d.code === c).length]));
  expect(recorded).toEqual(want);
}

describe('engine denials, each by name', () => {
  it('NO_FILL_BAR when the symbol skips the fill session (the day order expires)', () => {
    const a = flatOn('A', DAYS, 10);
    const b = flatOn('B', [20_000, 20_001, 20_003, 20_004, 20_005], 10);
    const r = run(buildPanel([a, b], null), [signals([]), signals([[1, SIGNAL_LONG]])], handConfig, exitParams(0));
    expect(r.trades).toHaveLength(0);
    expectDenials(r, { NO_FILL_BAR: 1 });
    const d = r.decisions.find((x) => !x.admitted)!;
    expect(d).toMatchObject({ symbol: 'B', day: 20_002, detail: 'no bar on the fill session' });
  });

  it('NO_FILL_BAR when the data ends before the fill bar', () => {
    const a = flatOn('A', DAYS, 10);
    const b = flatOn('B', [20_000, 20_001, 20_002], 10);
    const r = run(buildPanel([a, b], null), [signals([]), signals([[2, SIGNAL_LONG]])], handConfig, exitParams(0));
    expectDenials(r, { NO_FILL_BAR: 1 });
    expect(r.decisions.find((x) => !x.admitted)!.detail).toBe('the data ends before the fill bar');
  });

  it('WINDOW_END when the fill would land after the window', () => {
    // The data goes on to bar 5; the window stops at bar 4, and the order from bar 3 is due at bar 5.
    const panel = buildPanel([flatOn('A', DAYS, 10)], null);
    const book = buildSignalBook(panel, [signals([[3, SIGNAL_LONG]])]);
    const r = runEngine({ panel, legs: [{ strategy: ibsRsi, params: exitParams(0), book }], config: { ...handConfig, fill: { kind: 'delay-midpoint', delayBars: 2 } }, from: 0, to: 4, regime: null });
    expect(r.trades).toHaveLength(0);
    expectDenials(r, { WINDOW_END: 1 });
  });

  it('ZERO_SHARES when the sizing buys no whole share', () => {
    const r = run(buildPanel([flatOn('A', DAYS, 50)], null), [signals([[0, SIGNAL_LONG]])], { ...handConfig, sizing: { mode: 'fixed-notional', usd: 40 } }, exitParams(0));
    expectDenials(r, { ZERO_SHARES: 1 });
  });

  it('INSUFFICIENT_CASH when the order costs more than the free cash, counting orders already placed', () => {
    const a = flatOn('A', DAYS, 50);
    const b = flatOn('B', DAYS, 50);
    // 1500 shares at 50 is 75 000 of 100 000: the second order the same evening finds 25 000 free.
    const r = run(buildPanel([a, b], null), [signals([[0, SIGNAL_LONG]]), signals([[0, SIGNAL_LONG]])], { ...handConfig, sizing: { mode: 'fixed-shares', shares: 1500 } }, exitParams(0));
    expect(r.trades.map((t) => t.symbol)).toEqual(['A']);
    expectDenials(r, { INSUFFICIENT_CASH: 1 });
    expect(r.decisions.find((x) => !x.admitted)!.detail).toBe('needs 75000 USD, 25000 free');
  });

  it('ALREADY_IN_POSITION and MAX_POSITIONS', () => {
    const a = flatOn('A', DAYS, 10);
    const b = flatOn('B', DAYS, 10);
    const r = run(buildPanel([a, b], null), [signals([[0, SIGNAL_LONG], [1, SIGNAL_LONG]]), signals([[2, SIGNAL_LONG]])], { ...handConfig, maxPositions: 1 }, exitParams(0));
    expect(r.trades.map((t) => t.symbol)).toEqual(['A']);
    expectDenials(r, { ALREADY_IN_POSITION: 1, MAX_POSITIONS: 1 });
    expect(r.decisions.filter((x) => !x.admitted).map((x) => [x.day, x.code])).toEqual([
      [20_001, 'ALREADY_IN_POSITION'],
      [20_002, 'MAX_POSITIONS'],
    ]);
  });

  it('REGIME_FILTER denies longs below the index SMA and shorts above it, and admits the other side', () => {
    const syms = ['L0', 'S1', 'L1', 'S0'].map((s) => flatOn(s, DAYS, 10));
    const panel = buildPanel(syms, null);
    const regime = Uint8Array.from([0, 1, 1, 0, 1, 1]);
    const r = runEngine({
      panel,
      legs: [{ strategy: ibsRsi, params: exitParams(0), book: buildSignalBook(panel, [signals([[0, SIGNAL_LONG]]), signals([[1, SIGNAL_SHORT]]), signals([[2, SIGNAL_LONG]]), signals([[3, SIGNAL_SHORT]])]) }],
      config: handConfig,
      from: 0,
      to: panel.calendar.length - 1,
      regime,
    });
    expectDenials(r, { REGIME_FILTER: 2 });
    expect(r.decisions.map((d) => [d.symbol, d.side, d.admitted])).toEqual([
      ['L0', 'long', false],
      ['S1', 'short', false],
      ['L1', 'long', true],
      ['S0', 'short', true],
    ]);
    expect(r.trades.map((t) => [t.symbol, t.side])).toEqual([
      ['L1', 'long'],
      ['S0', 'short'],
    ]);
  });
});

describe('regimeMask', () => {
  it('is 1 where the index closed above its SMA, 0 otherwise and during warm-up, carried over index holes', () => {
    // Index closes 1 2 3 2 1 on days 0,1,2,4,5 (no bar on day 3); SMA(2) = NaN 1.5 2.5 2.5 1.5.
    const index = barsFromColumns('IDX', { day: [20_000, 20_001, 20_002, 20_004, 20_005], open: [1, 2, 3, 2, 1], high: [1, 2, 3, 2, 1], low: [1, 2, 3, 2, 1], close: [1, 2, 3, 2, 1] });
    const panel = buildPanel([flatOn('A', DAYS, 10)], index);
    expect(Array.from(regimeMask(panel, 2)!)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(regimeMask(buildPanel([flatOn('A', DAYS, 10)], null), 2)).toBeNull();
  });

  it('the backtest applies it when the filter is on, and not when it is off', () => {
    const index = barsFromColumns('IDX', { day: DAYS, open: [5, 4, 3, 2, 1, 1], high: [5, 4, 3, 2, 1, 1], low: [5, 4, 3, 2, 1, 1], close: [5, 4, 3, 2, 1, 1] });
    const ctx = new MarketContext(buildPanel([flatOn('A', DAYS, 10)], index));
    const strategy = handStrategy([[2, SIGNAL_LONG]]);
    const on = backtest(ctx, [{ strategy, params: defaultParams(strategy.params) }], { ...handConfig, regimeFilter: { enabled: true, smaPeriod: 2 } }, 0, 5);
    const off = backtest(ctx, [{ strategy, params: defaultParams(strategy.params) }], { ...handConfig, regimeFilter: { enabled: false, smaPeriod: 2 } }, 0, 5);
    expect(on.engine.denials.REGIME_FILTER).toBe(1);
    expect(on.engine.trades).toHaveLength(0);
    expect(off.engine.trades).toHaveLength(1);
  });
});

describe('sizing, exact share counts', () => {
  const costs = { commissionPerOrderUsd: 1, commissionPerShareUsd: 0.01, slippageBps: 10 };
  const cfg = (sizing: EngineConfig['sizing']): EngineConfig => ({ ...baseConfig, costs, sizing });

  it('risk-pct: equity * pct / stop distance, capped by what the free cash buys', () => {
    // 1% of 100 000 = 1000 USD at risk over a 2.5 stop = 400 shares.
    expect(sizeOrder(cfg({ mode: 'risk-pct', pct: 1 }), 100_000, 100_000, 50, 2.5)).toBe(400);
    // Cash cap: (10 000 - 1) / (50 * 1.001 + 0.01) = 199.7 -> 199 shares.
    expect(sizeOrder(cfg({ mode: 'risk-pct', pct: 1 }), 100_000, 10_000, 50, 2.5)).toBe(199);
    // No stop, no risk distance: nothing.
    expect(sizeOrder(cfg({ mode: 'risk-pct', pct: 1 }), 100_000, 100_000, 50, Number.NaN)).toBe(0);
  });

  it('fixed-notional: the amount (or the free cash, if less) over the all-in share price', () => {
    // (5000 - 1) / 50.06 = 99.86 -> 99.
    expect(sizeOrder(cfg({ mode: 'fixed-notional', usd: 5000 }), 100_000, 100_000, 50, Number.NaN)).toBe(99);
    // (3000 - 1) / 50.06 = 59.9 -> 59.
    expect(sizeOrder(cfg({ mode: 'fixed-notional', usd: 5000 }), 100_000, 3000, 50, Number.NaN)).toBe(59);
  });

  it('the engine trades those share counts', () => {
    const panel = buildPanel([flatOn('A', DAYS, 50)], null);
    const zero = { ...baseConfig, costs: ZERO_COSTS };
    const risk = run(panel, [signals([[0, SIGNAL_LONG]], 2.5)], { ...zero, sizing: { mode: 'risk-pct', pct: 1 } }, exitParams(0));
    expect(risk.trades[0].shares).toBe(400);
    expect(risk.trades[0].initialRiskUsd).toBeCloseTo(1000, 9);
    const capped = run(panel, [signals([[0, SIGNAL_LONG]], 2.5)], { ...zero, sizing: { mode: 'risk-pct', pct: 10 } }, exitParams(0));
    expect(capped.trades[0].shares).toBe(2000);
    const notional = run(panel, [signals([[0, SIGNAL_LONG]])], { ...zero, sizing: { mode: 'fixed-notional', usd: 5000 } }, exitParams(0));
    expect(notional.trades[0].shares).toBe(100);
  });
});
