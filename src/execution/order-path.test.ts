import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../backtest/config.js';
import { runEngine } from '../backtest/engine.js';
import { buildPanel } from '../backtest/panel.js';
import { buildSignalBook } from '../backtest/signal-book.js';
import { barsFromColumns } from '../core/bar-series.js';
import { sizeOrder } from '../portfolio/sizing.js';
import type { AccountSnapshot, MarketSnapshot, OrderIntent } from '../risk/checks.js';
import { PRE_TRADE_CHECKS, runAllChecks } from '../risk/pre-trade.js';
import { CHECK_PASSED } from '../risk/denials.js';
import { ibsRsi } from '../strategies/ibs-rsi/ibs-rsi.js';
import { defaultParams } from '../strategies/params.js';
import { SIGNAL_LONG } from '../strategies/types.js';
import { commissionUsd, estimatedCostUsd } from './costs.js';
import { fillDelayBars, intrabarExit, marketFillPrice, slippedPrice, stopLevel, stopsLiveFromBar, targetLevel } from './fill-price.js';

// A paper or live order path uses the engine's stages without its day loop: one hand-made long
// order goes through sizing, the pre-trade checks and the fill model, and must come out with the
// numbers the engine gives the same order.
const rows: [number, number, number, number][] = [
  // open, high, low, close
  [49, 50.5, 48.5, 50], // signal at this close
  [50.4, 51, 49.9, 50.8], // filled at this open; stop 2.5 away not touched
  [50.2, 50.6, 47.1, 47.5], // the low crosses the stop: stopped out at the stop level
  [47, 48, 46, 47.8],
];
const bars = barsFromColumns('PAPER', {
  day: rows.map((_, i) => 20_000 + i),
  open: rows.map((r) => r[0]),
  high: rows.map((r) => r[1]),
  low: rows.map((r) => r[2]),
  close: rows.map((r) => r[3]),
});
const STOP_DIST = 2.5;
const TARGET_DIST = 6;
const config: EngineConfig = {
  ...DEFAULT_ENGINE_CONFIG,
  initialCapital: 50_000,
  maxPositions: 4,
  sizing: { mode: 'equal-weight' },
  costs: { commissionPerOrderUsd: 1.5, commissionPerShareUsd: 0.01, slippageBps: 12 },
  regimeFilter: { enabled: true, smaPeriod: 200 },
};

function engineTrade() {
  const panel = buildPanel([bars], null);
  const signals = {
    bar: Int32Array.of(0),
    code: Int8Array.of(SIGNAL_LONG),
    score: Float64Array.of(0),
    stopDist: Float64Array.of(STOP_DIST),
    targetDist: Float64Array.of(TARGET_DIST),
  };
  const params = { ...defaultParams(ibsRsi.params), timeExitBars: 0 };
  const r = runEngine({ panel, legs: [{ strategy: ibsRsi, params, book: buildSignalBook(panel, [signals]) }], config, from: 0, to: rows.length - 1, regime: Uint8Array.of(1, 1, 1, 1) });
  expect(r.trades).toHaveLength(1);
  return r.trades[0];
}

describe('an order through the stages without the engine loop', () => {
  it('sizing, every pre-trade check and the fill model give the numbers the engine gives', () => {
    const signalBar = 0;
    const refPrice = bars.close[signalBar];
    const account: AccountSnapshot = { equityUsd: config.initialCapital, freeCashUsd: config.initialCapital, positionsUsed: 0, symbolPositions: 0 };
    const market: MarketSnapshot = { regime: 1 };
    const shares = sizeOrder(config, account.equityUsd, account.freeCashUsd, refPrice, STOP_DIST);
    const order: OrderIntent = { side: 1, refPrice, shares, estimatedCostUsd: estimatedCostUsd(config.costs, shares, refPrice) };
    const checks = runAllChecks(order, account, market, config);
    expect(checks).toHaveLength(PRE_TRADE_CHECKS.length);
    for (const c of checks) expect(c).toBe(CHECK_PASSED);

    // The fill: the open of the next bar, moved against the buyer by slippage.
    const fillBar = signalBar + fillDelayBars(config.fill);
    const entryPrice = slippedPrice(config.costs, marketFillPrice(config.fill, bars.open[fillBar], bars.close[fillBar]), 1);
    const entryFees = commissionUsd(config.costs, shares);
    // The protective stop, checked bar by bar from the fill bar on (the fill bar's open is the fill).
    const stop = stopLevel(1, entryPrice, STOP_DIST);
    const target = targetLevel(1, entryPrice, TARGET_DIST);
    const hit = { price: Number.NaN, reason: null as 'stop' | 'target' | null };
    let exitBar = stopsLiveFromBar(config.fill, fillBar);
    for (; exitBar < rows.length; exitBar++) {
      intrabarExit(1, stop, target, bars.open[exitBar], bars.high[exitBar], bars.low[exitBar], exitBar > fillBar, hit);
      if (hit.reason !== null) break;
    }
    expect(hit.reason).toBe('stop');
    const exitPrice = slippedPrice(config.costs, hit.price, -1);
    const exitFees = commissionUsd(config.costs, shares);

    const t = engineTrade();
    expect(t.shares).toBe(shares);
    expect(t.entryDay).toBe(bars.day[fillBar]);
    expect(t.entryPrice).toBe(entryPrice);
    expect(t.exitDay).toBe(bars.day[exitBar]);
    expect(t.exitReason).toBe('stop');
    expect(t.exitPrice).toBe(exitPrice);
    expect(t.fees).toBe(entryFees + exitFees);
    expect(t.pnl).toBe(shares * (exitPrice - entryPrice) - entryFees - exitFees);
    expect(t.initialRiskUsd).toBe(STOP_DIST * shares);
  });

  it('runAllChecks reports every denial; the engine records the first of them', () => {
    const refPrice = bars.close[0];
    // Index below its SMA and a full book: two denials for one long order.
    const account: AccountSnapshot = { equityUsd: 50_000, freeCashUsd: 50_000, positionsUsed: config.maxPositions, symbolPositions: 0 };
    const shares = sizeOrder(config, account.equityUsd, account.freeCashUsd, refPrice, STOP_DIST);
    const order: OrderIntent = { side: 1, refPrice, shares, estimatedCostUsd: estimatedCostUsd(config.costs, shares, refPrice) };
    const denied = runAllChecks(order, account, { regime: 0 }, config).filter((c) => !c.ok);
    expect(denied.map((d) => (d.ok ? null : d.code))).toEqual(['REGIME_FILTER', 'MAX_POSITIONS']);

    // In the engine: a position in PAPER fills the book (maxPositions 1), then OTHER signals with
    // the index below its SMA. Both checks deny it; the engine records the first, REGIME_FILTER.
    const other = barsFromColumns('OTHER', { day: bars.day, open: bars.open, high: bars.high, low: bars.low, close: bars.close });
    const panel = buildPanel([bars, other], null);
    const at = (bar: number) => ({ bar: Int32Array.of(bar), code: Int8Array.of(SIGNAL_LONG), score: Float64Array.of(0), stopDist: Float64Array.of(Number.NaN), targetDist: Float64Array.of(Number.NaN) });
    const run = (regimeOnSecondSignal: number) =>
      runEngine({
        panel,
        legs: [{ strategy: ibsRsi, params: { ...defaultParams(ibsRsi.params), timeExitBars: 0 }, book: buildSignalBook(panel, [at(0), at(1)]) }],
        config: { ...config, maxPositions: 1 },
        from: 0,
        to: rows.length - 1,
        regime: Uint8Array.of(1, regimeOnSecondSignal, 1, 1),
      }).decisions.map((d) => [d.symbol, d.code, d.detail]);
    const maxDenial = runAllChecks(order, account, { regime: 1 }, { ...config, maxPositions: 1 }).find((c) => !c.ok);
    expect(run(0)).toEqual([
      ['PAPER', null, expect.any(String)],
      ['OTHER', 'REGIME_FILTER', denied[0].ok ? '' : denied[0].detail],
    ]);
    // With the index above its SMA the same signal meets the full book.
    expect(run(1)[1]).toEqual(['OTHER', 'MAX_POSITIONS', maxDenial?.ok === false ? maxDenial.detail : '']);
  });
});
