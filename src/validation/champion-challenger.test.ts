import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { backtest } from '../backtest/backtest.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel } from '../backtest/panel.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { resolveStrategyParams, STRATEGIES } from '../strategies/registry.js';
import { assignArm, compareShadow } from './champion-challenger.js';

describe('champion/challenger shadowing', () => {
  it('assigns arms deterministically and about half and half', () => {
    let a = 0;
    for (let d = 0; d < 2000; d++) {
      expect(assignArm('s', 'XYZ', d)).toBe(assignArm('s', 'XYZ', d));
      if (assignArm('s', 'XYZ', d) === 'A') a++;
    }
    expect(a).toBeGreaterThan(900);
    expect(a).toBeLessThan(1100);
    expect([...Array(50).keys()].some((d) => assignArm('s', 'XYZ', d) !== assignArm('t', 'XYZ', d))).toBe(true);
  });

  it('compares two engines on the same market per arm; only the champion is real', () => {
    const demo = generateDemoMarket({ seed: 3 });
    const index = demo.series.find((s) => s.symbol === demo.indexSymbol)!;
    const ctx = new MarketContext(buildPanel(demo.series.filter((s) => s !== index).slice(0, 20), index));
    const to = ctx.panel.calendar.length - 1;
    const s = STRATEGIES['ibs-rsi'];
    const champ = backtest(ctx, [{ strategy: s, params: resolveStrategyParams(s, {}) }], DEFAULT_ENGINE_CONFIG, 300, to);
    const chall = backtest(ctx, [{ strategy: s, params: resolveStrategyParams(s, { rsiEntry: 20, ibsEntry: 0.3 }) }], DEFAULT_ENGINE_CONFIG, 300, to);
    const cmp = compareShadow('pair-1', { strategy: 'champ', ...champ }, { strategy: 'chall', ...chall });
    expect(cmp.champion.real).toBe(true);
    expect(cmp.challenger.real).toBe(false);
    expect(cmp.champion.arms.A.trades + cmp.champion.arms.B.trades).toBe(champ.engine.trades.length);
    expect(cmp.challenger.arms.A.pnl + cmp.challenger.arms.B.pnl).toBeCloseTo(chall.engine.trades.reduce((x, t) => x + t.pnl, 0), 6);
    expect(cmp.sharedTrades).toBeGreaterThan(0);
    expect(compareShadow('pair-1', { strategy: 'champ', ...champ }, { strategy: 'chall', ...chall })).toEqual(cmp);
  });
});
