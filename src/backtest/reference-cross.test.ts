import { describe, expect, it } from 'vitest';
import { generateDemoMarket } from '../demo/demo-market.js';
import { smaCross } from '../strategies/sma-cross/sma-cross.js';
import { resolveStrategyParams } from '../strategies/registry.js';
import { randomWalkBars } from '../test-support/synthetic-bars.js';
import type { BarSeries } from '../core/bar-series.js';
import { backtest } from './backtest.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import { MarketContext } from './market-context.js';
import { buildPanel } from './panel.js';

/**
 * A second, deliberately naive implementation of one sma-cross account (plain arrays of bar
 * objects, a moving average recomputed from scratch each bar, no shared code with the engine),
 * standing in for "another engine": kobe must agree with it trade for trade.
 * Semantics: all-in, whole shares sized at the signal close, cut to the cash at the next open;
 * fills at the next open; the last position is sold at the final close.
 */
function naiveSmaCross(s: BarSeries, fast: number, slow: number, capital: number) {
  const bars = Array.from(s.close, (_, i) => ({ day: s.day[i], open: s.open[i], close: s.close[i] }));
  const mean = (i: number, n: number) => (i + 1 < n ? NaN : bars.slice(i + 1 - n, i + 1).reduce((a, b) => a + b.close, 0) / n);
  let cash = capital;
  let held: { shares: number; price: number; day: number } | null = null;
  let pending: { kind: 'buy' | 'sell'; shares: number } | null = null;
  const trades: { entryDay: number; entryPrice: number; exitDay: number; exitPrice: number; shares: number; pnl: number }[] = [];
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    if (pending !== null) {
      if (pending.kind === 'buy') {
        const shares = Math.min(pending.shares, Math.floor(cash / b.open));
        if (shares > 0) {
          cash -= shares * b.open;
          held = { shares, price: b.open, day: b.day };
        }
      } else if (held !== null) {
        cash += held.shares * b.open;
        trades.push({ entryDay: held.day, entryPrice: held.price, exitDay: b.day, exitPrice: b.open, shares: held.shares, pnl: held.shares * (b.open - held.price) });
        held = null;
      }
      pending = null;
    }
    if (i === bars.length - 1) break;
    const f0 = mean(i - 1, fast);
    const s0 = mean(i - 1, slow);
    const f1 = mean(i, fast);
    const s1 = mean(i, slow);
    if (Number.isNaN(s0)) continue;
    if (f1 > s1 && !(f0 > s0) && held === null) pending = { kind: 'buy', shares: Math.floor(cash / b.close) };
    else if (f1 < s1 && !(f0 < s0) && held !== null) pending = { kind: 'sell', shares: held.shares };
  }
  if (held !== null) {
    const last = bars[bars.length - 1];
    trades.push({ entryDay: held.day, entryPrice: held.price, exitDay: last.day, exitPrice: last.close, shares: held.shares, pnl: held.shares * (last.close - held.price) });
  }
  return trades;
}

const config: EngineConfig = {
  ...DEFAULT_ENGINE_CONFIG,
  maxPositions: 1,
  sizing: { mode: 'all-in' },
  costs: { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 },
  regimeFilter: { enabled: false, smaPeriod: 200 },
};

function compare(series: BarSeries, fast: number, slow: number) {
  const ctx = new MarketContext(buildPanel([series], null));
  const params = resolveStrategyParams(smaCross, { fast, slow });
  const kobe = backtest(ctx, [{ strategy: smaCross, params }], config, 0, ctx.panel.calendar.length - 1).engine.trades;
  const ref = naiveSmaCross(series, fast, slow, config.initialCapital);
  expect(kobe.length).toBe(ref.length);
  kobe.forEach((t, i) => {
    const r = ref[i];
    expect(t.entryDay).toBe(r.entryDay);
    expect(t.exitDay).toBe(r.exitDay);
    expect(t.entryPrice).toBeCloseTo(r.entryPrice, 10);
    expect(t.exitPrice).toBeCloseTo(r.exitPrice, 10);
    expect(t.shares).toBe(r.shares);
    // kobe's SMA is a running sum, the reference's a fresh sum: equal up to rounding, which
    // could only flip a cross on an exact tie (none occur in these series).
    expect(t.pnl).toBeCloseTo(r.pnl, 6);
  });
  return kobe.length;
}

describe('sma-cross agrees trade for trade with an independent naive implementation', () => {
  it('on random walks', () => {
    let total = 0;
    for (let seed = 1; seed <= 8; seed++) total += compare(randomWalkBars('RW', 600, seed), 5, 20);
    expect(total).toBeGreaterThan(20);
  });

  it('on demo market stocks with the default 20/50', () => {
    const demo = generateDemoMarket({ seed: 42 });
    let total = 0;
    for (const s of demo.series.slice(0, 5)) total += compare(s, 20, 50);
    expect(total).toBeGreaterThan(20);
  });
});
