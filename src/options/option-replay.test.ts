import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barsFromColumns, type BarSeries } from '../core/bar-series.js';
import { isKobeError } from '../core/errors.js';
import type { Trade } from '../backtest/engine-types.js';
import { buildPanel } from '../backtest/panel.js';
import { bsGreeks, bsPrice } from '../pricing/black-scholes.js';
import { alterFuture, fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import { DEFAULT_OPTION_REPLAY, optionMetrics, replayAsOptions, volatilityAt, type OptionReplaySettings } from './option-replay.js';
import { listedStrikes } from './strike-selection.js';

const fcRuns = fcOptions(60);
const CAPITAL = 100_000;

/** A stock trade as the engine would report it: signal at bar `sig`, filled at the next open, out at bar `exit`'s open. */
function stockTrade(s: BarSeries, side: 'long' | 'short', sig: number, exit: number): Trade {
  const sign = side === 'long' ? 1 : -1;
  return {
    symbol: s.symbol,
    strategy: 'hand',
    side,
    entrySignalDay: s.day[sig],
    entryDay: s.day[sig + 1],
    entryPrice: s.open[sig + 1],
    exitDay: s.day[exit],
    exitPrice: s.open[exit],
    shares: 100,
    pnl: sign * 100 * (s.open[exit] - s.open[sig + 1]),
    fees: 0,
    exitReason: 'SIGNAL',
    initialRiskUsd: null,
    barsHeld: exit - sig - 1,
  };
}

function replay(series: BarSeries, trades: Trade[], settings: Partial<OptionReplaySettings> = {}, capital = CAPITAL) {
  const panel = buildPanel([series], null);
  return replayAsOptions({ panel, trades, from: 0, to: panel.calendar.length - 1, initialCapitalUsd: capital, settings: { ...DEFAULT_OPTION_REPLAY, ...settings } });
}

/** Close-to-close volatility of closes (sig - n, sig], two-pass, from its definition. */
function referenceCloseVol(s: BarSeries, sig: number, n: number): number {
  const r: number[] = [];
  for (let i = sig - n + 1; i <= sig; i++) r.push(Math.log(s.close[i] / s.close[i - 1]));
  const mean = r.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt((252 * r.reduce((a, b) => a + (b - mean) ** 2, 0)) / (n - 1));
}

/** The listed strike whose delta is nearest the target, by trying them all. */
function bruteForceStrike(kind: 'call' | 'put', spot: number, days: number, vol: number, target: number): number {
  let best = Number.NaN;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const k of listedStrikes(spot)) {
    const gap = Math.abs(bsGreeks({ kind, spot, strike: k, yearsToExpiry: days / 365, volFrac: vol, rateFrac: 0.02 }).delta - target);
    if (gap < bestGap) [best, bestGap] = [k, gap];
  }
  return best;
}

describe('replayAsOptions on a hand-checked trade', () => {
  const s = randomWalkBars('AAA', 120, 7);
  const sig = 60;
  const exit = 70;

  it('buys the call nearest delta 0.4 with the signal-bar volatility and prices entry and exit by Black-Scholes', () => {
    const settings = { volEstimator: 'close-close', volBars: 20 } as const;
    const r = replay(s, [stockTrade(s, 'long', sig, exit)], settings);
    expect(r.skips).toEqual([]);
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0];
    const vol = referenceCloseVol(s, sig, 20);
    expect(t.volFrac).toBeCloseTo(vol, 12);
    const expiryDay = s.day[sig + 1] + 30;
    expect(t.expiryDay).toBe(expiryDay);
    expect(t.kind).toBe('call');
    expect(t.strike).toBe(bruteForceStrike('call', s.close[sig], expiryDay - s.day[sig], vol, 0.4));
    const spec = { kind: 'call', strike: t.strike, volFrac: vol, rateFrac: 0.02 } as const;
    const entry = bsPrice({ ...spec, spot: s.open[sig + 1], yearsToExpiry: 30 / 365 });
    const exitPremium = bsPrice({ ...spec, spot: s.open[exit], yearsToExpiry: (expiryDay - s.day[exit]) / 365 });
    expect(t.entryPrice).toBeCloseTo(entry, 12);
    expect(t.exitPrice).toBeCloseTo(exitPremium, 12);
    // 2 % of the account at the signal close, priced at that close.
    const signalPremium = bsPrice({ ...spec, spot: s.close[sig], yearsToExpiry: (expiryDay - s.day[sig]) / 365 });
    expect(t.contracts).toBe(Math.floor((0.02 * CAPITAL) / (100 * signalPremium + 0.65)));
    expect(t.contracts).toBeGreaterThan(0);
    expect(t.pnl).toBeCloseTo(t.contracts * 100 * (exitPremium - entry) - 2 * 0.65 * t.contracts, 8);
    expect(t.fees).toBeCloseTo(2 * 0.65 * t.contracts, 12);
    expect(t.initialRiskUsd).toBeCloseTo(t.contracts * 100 * entry, 8);
    const g = bsGreeks({ ...spec, spot: s.open[sig + 1], yearsToExpiry: 30 / 365 });
    expect(t.greeksAtEntry.delta).toBeCloseTo(g.delta, 12);
    expect(t.positionGreeksAtEntry.deltaShares).toBeCloseTo(g.delta * t.contracts * 100, 8);
    expect(t.positionGreeksAtEntry.thetaUsdPerDay).toBeCloseTo(g.thetaPerDay * t.contracts * 100, 8);
    expect(t.positionGreeksAtEntry.vegaUsdPerPoint).toBeCloseTo(g.vegaPerPoint * t.contracts * 100, 8);
    expect(t.settledAtExpiry).toBe(false);
    expect(t.barsHeld).toBe(exit - sig - 1);
    // The account: flat before the entry, marked by BSM with the entry vol while open, cash after.
    expect(r.equity[sig]).toBe(CAPITAL);
    const mid = sig + 4;
    const cashWhileOpen = CAPITAL - t.contracts * 100 * entry - 0.65 * t.contracts;
    expect(r.cash[mid]).toBeCloseTo(cashWhileOpen, 8);
    const mark = bsPrice({ ...spec, spot: s.close[mid], yearsToExpiry: (expiryDay - s.day[mid]) / 365 });
    expect(r.equity[mid]).toBeCloseTo(cashWhileOpen + t.contracts * 100 * mark, 8);
    expect(r.exposureFrac[mid]).toBeCloseTo((t.contracts * 100 * mark) / r.equity[mid], 12);
    expect(r.finalEquity).toBeCloseTo(CAPITAL + t.pnl, 8);
    const m = optionMetrics(r, null);
    expect(m.trades).toBe(1);
    expect(m.totalReturnFrac.value).toBeCloseTo(t.pnl / CAPITAL, 10);
  });

  it("sizes each trade on the option account's equity at its signal, not the capital", () => {
    const first = stockTrade(s, 'long', sig, exit);
    const second = stockTrade(s, 'long', exit + 5, exit + 10);
    // Half the account per trade, so the first trade's P&L moves the second's size.
    const r = replay(s, [first, second], { premiumRiskFrac: 0.5 });
    expect(r.trades).toHaveLength(2);
    const [a, b] = r.trades;
    const equityAtSignal = r.equity[exit + 5];
    expect(equityAtSignal).toBeCloseTo(CAPITAL + a.pnl, 8);
    const signalPremium = bsPrice({ kind: 'call', spot: s.close[exit + 5], strike: b.strike, yearsToExpiry: (b.expiryDay - s.day[exit + 5]) / 365, volFrac: b.volFrac, rateFrac: 0.02 });
    const onCapital = Math.floor((0.5 * CAPITAL) / (100 * signalPremium + 0.65));
    expect(b.contracts).toBe(Math.floor((0.5 * equityAtSignal) / (100 * signalPremium + 0.65)));
    expect(b.contracts).not.toBe(onCapital);
  });

  it('buys a put for a short, nearest delta -0.4', () => {
    const r = replay(s, [stockTrade(s, 'short', sig, exit)], { volEstimator: 'close-close' });
    const t = r.trades[0];
    expect(t.kind).toBe('put');
    const vol = referenceCloseVol(s, sig, 20);
    const expiryDay = s.day[sig + 1] + 30;
    expect(t.strike).toBe(bruteForceStrike('put', s.close[sig], expiryDay - s.day[sig], vol, -0.4));
    expect(t.signalDelta).toBeLessThan(0);
    expect(Math.abs(t.signalDelta + 0.4)).toBeLessThan(0.1);
    expect(t.entryPrice).toBeCloseTo(bsPrice({ kind: 'put', spot: s.open[sig + 1], strike: t.strike, yearsToExpiry: 30 / 365, volFrac: vol, rateFrac: 0.02 }), 12);
    expect(t.greeksAtEntry.delta).toBeLessThan(0);
  });

  it('settles an option the stock trade outlives at intrinsic value on the last session on or before expiry', () => {
    const dte = 10;
    const r = replay(s, [stockTrade(s, 'long', sig, sig + 20)], { daysToExpiry: dte });
    const t = r.trades[0];
    const expiryDay = s.day[sig + 1] + dte;
    let last = sig + 1;
    while (s.day[last + 1] <= expiryDay) last++;
    expect(t.settledAtExpiry).toBe(true);
    expect(t.exitReason).toBe('EXPIRY');
    expect(t.exitDay).toBe(s.day[last]);
    expect(t.exitSpot).toBe(s.close[last]);
    expect(t.exitPrice).toBe(Math.max(0, s.close[last] - t.strike));
    // No closing commission: nothing is traded at expiry.
    expect(t.fees).toBeCloseTo(0.65 * t.contracts, 12);
    expect(t.pnl).toBeCloseTo(t.contracts * 100 * (t.exitPrice - t.entryPrice) - 0.65 * t.contracts, 8);
    // Flat from the settlement on, though the stock trade is still open.
    expect(r.exposureFrac[last]).toBe(0);
    expect(r.equity[last + 1]).toBeCloseTo(CAPITAL + t.pnl, 8);
  });

  it('skips with a code when 2 % of equity buys no contract, and when the volatility window is short', () => {
    const r = replay(s, [stockTrade(s, 'long', sig, exit), stockTrade(s, 'long', 5, 12)], {}, 1_000);
    expect(r.trades).toEqual([]);
    expect(r.skipCounts).toEqual({ NO_VOLATILITY: 1, PREMIUM_BELOW_TICK: 0, ONE_CONTRACT_OVER_BUDGET: 1, INSUFFICIENT_CASH: 0 });
    expect(r.skips.map((x) => x.code)).toEqual(['NO_VOLATILITY', 'ONE_CONTRACT_OVER_BUDGET']);
    expect(r.skips[1].detail).toMatch(/over the budget of 20\.00 USD/);
    expect(Array.from(r.equity).every((e) => e === 1_000)).toBe(true);
  });

  it('does not buy a premium under one tick (a coarse grid far from the target delta)', () => {
    // A $2.50 stock moving +-2 % a day: the $1 grid offers the 2 (delta ~1) and the 3 (delta ~0.03, worth ~$0.001).
    const n = 40;
    const close = Array.from({ length: n }, (_, i) => 2.5 * Math.exp(0.01 * (i % 2 === 0 ? 1 : -1)));
    const cheap = barsFromColumns('CHP', { day: Array.from({ length: n }, (_, i) => 16_000 + i), open: close, high: close, low: close, close });
    const r = replay(cheap, [stockTrade(cheap, 'long', 30, 35)], { volEstimator: 'close-close' });
    expect(r.trades).toEqual([]);
    expect(r.skips.map((x) => x.code)).toEqual(['PREMIUM_BELOW_TICK']);
    expect(r.skips[0].detail).toMatch(/call at 3 \(delta 0\.0\d\d/);
  });

  it('rejects settings outside their domain, naming the parameter', () => {
    const cases: [Partial<OptionReplaySettings>, string][] = [
      [{ targetAbsDelta: 1 }, 'targetAbsDelta'],
      [{ targetAbsDelta: 0 }, 'targetAbsDelta'],
      [{ daysToExpiry: 0 }, 'daysToExpiry'],
      [{ daysToExpiry: 2.5 }, 'daysToExpiry'],
      [{ volEstimator: 'garch' as never }, 'volEstimator'],
      [{ volBars: 1 }, 'volBars'],
      [{ rateFrac: Number.NaN }, 'rateFrac'],
      [{ premiumRiskFrac: 0 }, 'premiumRiskFrac'],
      [{ commissionPerContractUsd: -1 }, 'commissionPerContractUsd'],
    ];
    for (const [bad, param] of cases) {
      try {
        replay(s, [], bad);
        expect.fail(`accepted ${JSON.stringify(bad)}`);
      } catch (e) {
        expect(isKobeError(e) && e.code === 'BAD_PARAM' && e.param === param, String(e)).toBe(true);
      }
    }
  });
});

describe('replayAsOptions properties', () => {
  it('is causal: bars after the signal change neither the contract nor the entry premium', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 25, max: 150 }), fc.constantFrom('close-close', 'parkinson', 'garman-klass', 'rogers-satchell', 'yang-zhang'), (seed, seed2, sig, est) => {
        const s = randomWalkBars('AAA', 200, seed);
        const altered = alterFuture(s, sig + 1, seed2);
        // The engine's fills are given, not read from the bars: the same trade against both.
        const trade = stockTrade(s, 'long', sig, sig + 8);
        const a = replay(s, [trade], { volEstimator: est });
        const b = replay(altered, [trade], { volEstimator: est });
        expect(b.trades).toHaveLength(a.trades.length);
        if (a.trades.length === 0) return;
        for (const k of ['strike', 'expiryDay', 'volFrac', 'signalDelta', 'contracts', 'entryPrice'] as const) expect(b.trades[0][k], k).toBe(a.trades[0][k]);
        expect(volatilityAt(altered, sig, est, 20)).toBe(volatilityAt(s, sig, est, 20));
      }),
      fcRuns,
    );
  });

  it('keeps the books: final equity is the capital plus every trade P&L; premiums are positive and below spot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.array(fc.tuple(fc.integer({ min: 21, max: 180 }), fc.integer({ min: 1, max: 40 }), fc.boolean()), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 60 }), (seed, spec, dte) => {
        const s = randomWalkBars('AAA', 240, seed);
        const trades = spec.map(([sig, hold, long]) => stockTrade(s, long ? 'long' : 'short', sig, Math.min(sig + 1 + hold, 239)));
        const r = replay(s, trades, { daysToExpiry: dte });
        expect(r.trades.length + r.skips.length).toBe(trades.length);
        const pnl = r.trades.reduce((a, t) => a + t.pnl, 0);
        expect(r.finalEquity).toBeCloseTo(CAPITAL + pnl, 6);
        for (const t of r.trades) {
          expect(t.entryPrice).toBeGreaterThan(0);
          expect(t.entryPrice).toBeLessThan(t.entrySpot);
          expect(t.exitPrice).toBeGreaterThanOrEqual(0);
          expect(t.exitDay).toBeLessThanOrEqual(t.expiryDay);
          expect(t.pnl).toBeCloseTo(t.shares * (t.exitPrice - t.entryPrice) - t.fees, 8);
        }
        for (let i = 0; i < r.equity.length; i++) expect(r.equity[i]).toBeGreaterThanOrEqual(r.cash[i] - 1e-9);
      }),
      fcRuns,
    );
  });
});
