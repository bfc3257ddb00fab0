import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TradeRecord } from '../backtest/metrics.js';
import { parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { createRng, type Rng } from '../core/rng.js';
import { normalQuantile } from '../validation/stats/normal.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { binomialCountBand } from './binomial.js';
import { baselineFromBacktestTrades, checkDrift, type BaselineTrade, type DriftBaseline, type DriftReport, type LiveTrade } from './drift.js';

const DAY0 = parseIsoDay('2024-01-02');

/** Trades with returns ~ N(meanFrac, sdFrac) on a $10,000 notional. */
function drawTrades(rng: Rng, count: number, meanFrac: number, sdFrac: number): BaselineTrade[] {
  return Array.from({ length: count }, () => {
    const r = meanFrac + sdFrac * rng.normal();
    return { pnlUsd: r * 10_000, returnFrac: r };
  });
}

const asLive = (trades: readonly BaselineTrade[], firstDay = DAY0): LiveTrade[] =>
  trades.map((t, i) => ({ exitDay: firstDay + i, pnlUsd: t.pnlUsd, returnFrac: t.returnFrac }));

/** 20 trades, 11 winners: a shape the backtest repeats. */
const PATTERN: BaselineTrade[] = [0.031, -0.012, 0.018, -0.02, 0.007, 0.044, -0.009, -0.015, 0.022, 0.012, -0.03, 0.005, 0.016, -0.006, -0.011, 0.027, 0.009, -0.018, 0.013, -0.004].map((r) => ({
  pnlUsd: r * 10_000,
  returnFrac: r,
}));

const repeated = (times: number): DriftBaseline => ({ kind: 'trades', trades: Array.from({ length: times }, () => PATTERN).flat() });

/** Every number in a value, walked recursively. */
function numbersIn(x: unknown, out: number[] = []): number[] {
  if (typeof x === 'number') out.push(x);
  else if (Array.isArray(x)) x.forEach((v) => numbersIn(v, out));
  else if (x !== null && typeof x === 'object') Object.values(x).forEach((v) => numbersIn(v, out));
  return out;
}

describe('checkDrift: windows like the backtest', () => {
  it("calls a window with exactly the backtest's distribution 'ok' on every metric", () => {
    const report = checkDrift(asLive(PATTERN), repeated(10));
    expect(report.verdict).toBe('checked');
    expect(report.reason).toBeNull();
    expect(report.tradesInWindow).toBe(20);
    for (const m of Object.values(report.metrics)) {
      expect(m.status, m.metric).toBe('ok');
      expect(m.band).not.toBeNull();
    }
    expect(report.metrics.winRate.value).toBe(11 / 20);
    expect(report.metrics.winRate.expected).toBe(11 / 20);
    expect(report.metrics.winRate.method).toBe('binomial-exact');
    expect(report.metrics.profitFactor.value).toBeCloseTo(report.metrics.profitFactor.expected!, 12);
    expect(report.metrics.profitFactor.method).toBe('bootstrap-percentile');
    expect(report.standDown).toBe(false);
    expect(report.standDownReason).toBeNull();
  });

  it('puts the expected figure inside each band', () => {
    const report = checkDrift(asLive(PATTERN), repeated(10));
    for (const m of Object.values(report.metrics)) {
      const [lo, hi] = m.band!;
      expect(m.expected!).toBeGreaterThanOrEqual(lo ?? -Infinity);
      expect(m.expected!).toBeLessThanOrEqual(hi ?? Infinity);
    }
  });

  it('uses the exact binomial band of the win count', () => {
    const report = checkDrift(asLive(PATTERN), repeated(10), { windowTrades: 20, confidence: 0.9 });
    const { lo, hi } = binomialCountBand(20, 11 / 20, 0.9);
    expect(report.metrics.winRate.band).toEqual([lo / 20, hi / 20]);
  });

  it('rarely stands down on windows drawn from the backtest itself (calibration)', () => {
    const rng = createRng(11);
    const baseline = drawTrades(rng, 400, 0.004, 0.02);
    const windows = 200;
    let standDowns = 0;
    const below = { winRate: 0, profitFactor: 0, sharpePerTrade: 0 };
    for (let w = 0; w < windows; w++) {
      const window = Array.from({ length: 20 }, () => baseline[rng.int(baseline.length)]);
      const r = checkDrift(asLive(window), { kind: 'trades', trades: baseline }, { bootstrapSamples: 400, seed: w });
      if (r.standDown) standDowns++;
      for (const m of Object.values(r.metrics)) if (m.status === 'below') below[m.metric]++;
    }
    // Each lower tail is 2.5%; allow for sampling noise over 200 windows.
    for (const count of Object.values(below)) expect(count / windows).toBeLessThan(0.06);
    expect(standDowns / windows).toBeLessThan(0.1);
  });
});

describe('checkDrift: windows worse than the backtest', () => {
  it('stands down on a strongly worse window and says which metric and why', () => {
    const rng = createRng(3);
    const baseline: DriftBaseline = { kind: 'trades', trades: drawTrades(rng, 300, 0.006, 0.02) };
    const live = asLive(drawTrades(rng, 20, -0.015, 0.02));
    const report = checkDrift(live, baseline);
    expect(report.standDown).toBe(true);
    expect(report.metrics.sharpePerTrade.status).toBe('below');
    expect(report.metrics.profitFactor.status).toBe('below');
    expect(report.standDownReason).toMatch(/per-trade Sharpe -?[\d.]+ is below its band \[/);
    expect(report.standDownReason).toMatch(/profit factor [\d.]+ is below its band/);
    expect(report.standDownReason).toMatch(/last 20 trades, 95% band/);
  });

  it('stands down on the win rate alone, shown as percentages', () => {
    // 5 big winners, 15 small losers: profit factor 2 and a positive Sharpe, but a 25% win rate
    // against the backtest's 55% (a changed market can do that to a mean-reversion strategy).
    const live = asLive(Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? 0.06 : -0.01)).map((r) => ({ pnlUsd: r * 10_000, returnFrac: r })));
    const report = checkDrift(live, repeated(10));
    expect(report.metrics.winRate.status).toBe('below');
    expect(report.metrics.profitFactor.status).toBe('ok');
    expect(report.metrics.sharpePerTrade.status).toBe('ok');
    expect(report.standDownReason).toBe('win rate 25% is below its band [35%, 75%], backtest 55% (last 20 trades, 95% band)');
  });

  it("reports 'above' without standing down", () => {
    const live = asLive(PATTERN.map((t) => ({ pnlUsd: Math.abs(t.pnlUsd), returnFrac: Math.abs(t.returnFrac) })));
    const report = checkDrift(live, repeated(10));
    expect(report.metrics.winRate.status).toBe('above');
    expect(report.standDown).toBe(false);
    // No losing trades: the window has no profit factor to show, and it is not below anything.
    expect(report.metrics.profitFactor.value).toBeNull();
    expect(report.metrics.profitFactor.note).toContain('the window has no losing trades');
    expect(report.metrics.profitFactor.status).not.toBe('below');
  });
});

describe('checkDrift: reproducibility', () => {
  const rng = createRng(5);
  const baseline: DriftBaseline = { kind: 'trades', trades: drawTrades(rng, 150, 0.003, 0.025) };
  const live = asLive(drawTrades(rng, 25, 0.001, 0.025));

  it('gives the same report for the same seed', () => {
    expect(checkDrift(live, baseline, { seed: 42 })).toEqual(checkDrift(live, baseline, { seed: 42 }));
  });

  it('moves only the bootstrap bands with another seed', () => {
    const a = checkDrift(live, baseline, { seed: 1 });
    const b = checkDrift(live, baseline, { seed: 2 });
    expect(b.metrics.winRate).toEqual(a.metrics.winRate);
    expect(b.metrics.sharpePerTrade.band).not.toEqual(a.metrics.sharpePerTrade.band);
    // ... by Monte Carlo noise only.
    expect(b.metrics.sharpePerTrade.band![0]!).toBeCloseTo(a.metrics.sharpePerTrade.band![0]!, 1);
  });
});

describe('checkDrift: the window', () => {
  it('is insufficient with fewer than N trades, and never stands down', () => {
    const terrible = asLive(drawTrades(createRng(1), 7, -0.05, 0.01));
    const report = checkDrift(terrible, repeated(10));
    expect(report.verdict).toBe('insufficient');
    expect(report.reason).toBe('insufficient: 7 of 20 live trades');
    expect(report.standDown).toBe(false);
    expect(report.metrics.winRate.value).toBe(0);
    for (const m of Object.values(report.metrics)) {
      expect(m.status).toBeNull();
      expect(m.band).toBeNull();
      expect(m.note).toContain('insufficient: 7 of 20');
    }
  });

  it('takes the last N trades by exit, whatever the input order', () => {
    const bad = drawTrades(createRng(2), 10, -0.05, 0.01);
    const trades: LiveTrade[] = [
      ...asLive(PATTERN, DAY0 + 100),
      ...asLive(bad, DAY0), // older: out of the window
    ].reverse();
    const report = checkDrift(trades, repeated(10));
    expect(report.tradesInWindow).toBe(20);
    expect(report.windowFirstExit).toBe('2024-04-11');
    expect(report.metrics.winRate.value).toBe(11 / 20);
    expect(report.standDown).toBe(false);
  });

  it('orders ISO exits and day numbers together', () => {
    const trades: LiveTrade[] = [
      { exitIso: '2024-03-05T20:00:00Z', pnlUsd: -1, returnFrac: -0.01 },
      { exitDay: parseIsoDay('2024-03-05'), pnlUsd: 2, returnFrac: 0.02 },
      { exitIso: '2024-03-04', pnlUsd: 3, returnFrac: 0.03 },
      { exitIso: '2024-03-06T09:30:00-05:00', pnlUsd: 4, returnFrac: 0.04 },
    ];
    const report = checkDrift(trades, repeated(10), { windowTrades: 3 });
    expect(report.windowFirstExit).toBe('2024-03-05');
    expect(report.windowLastExit).toBe('2024-03-06T09:30:00-05:00');
    expect(report.metrics.winRate.value).toBeCloseTo(2 / 3, 12);
  });

  it('gives no verdict against a backtest with too few trades', () => {
    const report = checkDrift(asLive(PATTERN), { kind: 'trades', trades: PATTERN.slice(0, 12) });
    expect(report.verdict).toBe('no-baseline');
    expect(report.reason).toBe('the backtest has 12 trades; the bands need at least 30');
    expect(report.standDown).toBe(false);
    expect(report.metrics.winRate.status).toBeNull();
  });
});

describe('checkDrift from a backtest summary', () => {
  it("bands the per-trade Sharpe by Lo (2002) and leaves profit factor without a band", () => {
    const summary: DriftBaseline = { kind: 'summary', trades: 250, winRate: 0.55, profitFactor: 1.6, meanReturnFrac: 0.004, sdReturnFrac: 0.02 };
    const report = checkDrift(asLive(PATTERN), summary);
    const sr = 0.2;
    const half = normalQuantile(0.975) * Math.sqrt((1 + (sr * sr) / 2) / 20);
    const [lo, hi] = report.metrics.sharpePerTrade.band!;
    expect(lo).toBeCloseTo(sr - half, 12);
    expect(hi).toBeCloseTo(sr + half, 12);
    expect(report.metrics.sharpePerTrade.method).toBe('normal-lo-2002');
    expect(report.metrics.sharpePerTrade.expected).toBeCloseTo(0.2, 12);
    expect(report.metrics.profitFactor.band).toBeNull();
    expect(report.metrics.profitFactor.status).toBeNull();
    expect(report.metrics.profitFactor.expected).toBe(1.6);
    expect(report.metrics.profitFactor.note).toContain('needs the backtest trade list');
    const { lo: wl, hi: wh } = binomialCountBand(20, 0.55, 0.95);
    expect(report.metrics.winRate.band).toEqual([wl / 20, wh / 20]);
  });

  it('stands down on a summary too', () => {
    const summary: DriftBaseline = { kind: 'summary', trades: 250, winRate: 0.6, profitFactor: null, meanReturnFrac: 0.01, sdReturnFrac: 0.02 };
    const report = checkDrift(asLive(drawTrades(createRng(8), 20, -0.01, 0.02)), summary);
    expect(report.standDown).toBe(true);
    expect(report.metrics.sharpePerTrade.status).toBe('below');
    expect(report.metrics.profitFactor.expected).toBeNull();
    expect(report.metrics.profitFactor.note).toContain('the backtest has no losing trades');
  });
});

describe('checkDrift: invariants (property)', () => {
  const tradeArb = fc.record({
    pnlUsd: fc.oneof(fc.constant(0), fc.double({ min: -5000, max: 5000, noNaN: true })),
    returnFrac: fc.oneof(fc.constant(0.01), fc.double({ min: -0.2, max: 0.2, noNaN: true })),
  });

  it('keeps lo <= hi, a status that matches the band, standDown iff something is below, and no NaN or Infinity', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { minLength: 30, maxLength: 80 }), fc.array(tradeArb, { maxLength: 30 }), fc.integer({ min: 2, max: 25 }), fc.nat(), (base, live, n, seed) => {
        const report: DriftReport = checkDrift(asLive(live), { kind: 'trades', trades: base }, { windowTrades: n, seed, bootstrapSamples: 200 });
        expect(numbersIn(report).every(Number.isFinite)).toBe(true);
        expect(JSON.parse(JSON.stringify(report))).toEqual(report);
        for (const m of Object.values(report.metrics)) {
          if (m.band !== null) {
            const [lo, hi] = m.band;
            if (lo !== null && hi !== null) expect(lo).toBeLessThanOrEqual(hi);
            if (m.status !== null && m.value !== null) {
              const isBelow = lo !== null && m.value < lo;
              const isAbove = hi !== null && m.value > hi;
              expect(m.status).toBe(isBelow ? 'below' : isAbove ? 'above' : 'ok');
            }
          }
          if (m.value === null || m.band === null || m.status === null) expect(m.note).not.toBeNull();
        }
        expect(report.standDown).toBe(Object.values(report.metrics).some((m) => m.status === 'below'));
        expect(report.standDownReason === null).toBe(!report.standDown);
        if (report.verdict !== 'checked') expect(report.standDown).toBe(false);
      }),
      fcOptions(150),
    );
  });
});

describe('baselineFromBacktestTrades', () => {
  const trade = (pnl: number, entryPrice: number, shares: number): TradeRecord => ({
    symbol: 'X', side: 'long', entryDay: DAY0, entryPrice, exitDay: DAY0 + 3, exitPrice: entryPrice, shares, pnl, fees: 1, exitReason: 'signal', initialRiskUsd: null, barsHeld: 3,
  });

  it('divides net pnl by the entry notional', () => {
    const b = baselineFromBacktestTrades([trade(50, 20, 100), trade(-30, 10, 300)]);
    expect(b).toEqual({ kind: 'trades', trades: [{ pnlUsd: 50, returnFrac: 0.025 }, { pnlUsd: -30, returnFrac: -0.01 }] });
  });

  it('rejects a trade without a notional', () => {
    expect(() => baselineFromBacktestTrades([trade(5, 20, 0)])).toThrow(/trades\[0\] has entry notional 0/);
  });
});

describe('checkDrift: bad input', () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(KobeError);
      const k = e as KobeError;
      return { code: k.code, kind: k.kind, param: k.param, message: k.message };
    }
    throw new Error('did not throw');
  };

  it('names the parameter of a bad option', () => {
    expect(codeOf(() => checkDrift([], repeated(2), { windowTrades: 1 }))).toMatchObject({ code: 'BAD_DRIFT_OPTION', kind: 'usage', param: 'windowTrades' });
    expect(codeOf(() => checkDrift([], repeated(2), { confidence: 95 }))).toMatchObject({ code: 'BAD_DRIFT_OPTION', param: 'confidence' });
    expect(codeOf(() => checkDrift([], repeated(2), { seed: -1 }))).toMatchObject({ param: 'seed' });
    expect(codeOf(() => checkDrift([], repeated(2), { bootstrapSamples: 10 }))).toMatchObject({ param: 'bootstrapSamples' });
  });

  it('rejects bad live trades with their index', () => {
    expect(codeOf(() => checkDrift([{ exitDay: DAY0, pnlUsd: Number.NaN, returnFrac: 0 }], repeated(2)))).toMatchObject({
      code: 'BAD_LIVE_TRADE', kind: 'input', param: 'liveTrades', message: 'liveTrades[0]: pnlUsd must be a finite number, was NaN',
    });
    expect(codeOf(() => checkDrift([{ pnlUsd: 1, returnFrac: 0 }], repeated(2))).message).toContain('exactly one of exitDay and exitIso');
    // A timestamp without a zone would be read in the host's zone: refused.
    expect(codeOf(() => checkDrift([{ exitIso: '2024-03-05T20:00:00', pnlUsd: 1, returnFrac: 0 }], repeated(2))).message).toContain('with a zone');
    expect(codeOf(() => checkDrift([{ exitIso: '2024-02-30', pnlUsd: 1, returnFrac: 0 }], repeated(2))).param).toBe('liveTrades');
  });

  it('rejects a bad baseline', () => {
    expect(codeOf(() => checkDrift([], { kind: 'trades', trades: [{ pnlUsd: 1, returnFrac: Infinity }] }))).toMatchObject({ code: 'BAD_DRIFT_BASELINE', param: 'baseline' });
    expect(codeOf(() => checkDrift([], { kind: 'summary', trades: 100, winRate: 55, profitFactor: 1.2, meanReturnFrac: 0, sdReturnFrac: 0.01 })).message).toContain('winRate must be a fraction');
  });
});
