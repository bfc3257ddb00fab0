import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { breakerTradeFacts, closedTrades, type AccountFill } from './realized-trades.js';

const f = (symbol: string, side: 'buy' | 'sell', qty: number, price: number, at: number): AccountFill => ({ symbol, side, qty, price, executedAtMs: at });

describe('closed trades from fills (FIFO per symbol)', () => {
  it('closes long lots oldest first, partially, and keeps the rest open', () => {
    const t = closedTrades([f('AAA', 'buy', 10, 10, 1), f('AAA', 'buy', 10, 12, 2), f('AAA', 'sell', 15, 11, 3), f('BBB', 'buy', 5, 20, 4)]);
    // 10 @ 10 -> 11 (+10), then 5 @ 12 -> 11 (-5).
    expect(t).toEqual([{ symbol: 'AAA', closedAtMs: 3, qty: 15, pnlUsd: 5 }]);
  });

  it('closes a short with a buy (sell high, buy back lower is a gain) and flips through zero', () => {
    const t = closedTrades([f('AAA', 'sell', 10, 50, 1), f('AAA', 'buy', 15, 45, 2), f('AAA', 'sell', 5, 40, 3)]);
    expect(t).toEqual([
      { symbol: 'AAA', closedAtMs: 2, qty: 10, pnlUsd: 50 },
      { symbol: 'AAA', closedAtMs: 3, qty: 5, pnlUsd: -25 },
    ]);
  });

  it('orders fills by execution time, whatever order they are given in', () => {
    expect(closedTrades([f('AAA', 'sell', 10, 9, 2), f('AAA', 'buy', 10, 10, 1)])).toEqual([{ symbol: 'AAA', closedAtMs: 2, qty: 10, pnlUsd: -10 }]);
  });

  it('realized P&L of a flat round trip sequence is what the cash moved (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), qty: fc.integer({ min: 1, max: 20 }), price: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 30 }), (xs) => {
        const fills = xs.map((x, i) => f('AAA', x.side, x.qty, x.price, i));
        const net = fills.reduce((s, x) => s + (x.side === 'buy' ? x.qty : -x.qty), 0);
        // Close whatever is open at price 50, then the cash flow is the whole P&L.
        if (net !== 0) fills.push(f('AAA', net > 0 ? 'sell' : 'buy', Math.abs(net), 50, fills.length));
        const cash = fills.reduce((s, x) => s + (x.side === 'sell' ? 1 : -1) * x.qty * x.price, 0);
        const pnl = closedTrades(fills).reduce((s, t) => s + t.pnlUsd, 0);
        expect(pnl).toBeCloseTo(cash, 9);
      }),
      fcOptions(200),
    );
  });
});

describe('the breaker facts', () => {
  const trades = [
    { symbol: 'A', closedAtMs: 10, qty: 1, pnlUsd: -5 },
    { symbol: 'A', closedAtMs: 20, qty: 1, pnlUsd: 3 },
    { symbol: 'A', closedAtMs: 30, qty: 1, pnlUsd: -2 },
    { symbol: 'A', closedAtMs: 40, qty: 1, pnlUsd: -1 },
  ];
  it('count the losing streak at the end and the P&L of today', () => {
    expect(breakerTradeFacts(trades, (ms) => ms >= 25, Number.NEGATIVE_INFINITY)).toEqual({ dayPnlUsd: -3, consecutiveLosingTrades: 2 });
  });
  it('start again at the last reset', () => {
    expect(breakerTradeFacts(trades, () => true, 35)).toEqual({ dayPnlUsd: -1, consecutiveLosingTrades: 1 });
    expect(breakerTradeFacts(trades, () => true, 50)).toEqual({ dayPnlUsd: 0, consecutiveLosingTrades: 0 });
  });
});
