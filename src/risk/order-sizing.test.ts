import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { parseIsoDay } from '../core/calendar.js';
import { sizeOrder } from '../portfolio/sizing.js';
import { BREAKER_ACTIVE } from './circuit-breaker.js';
import { DEFAULT_ORDER_GATE_CONFIG, evaluateOrderGates, type OrderGateSnapshot } from './order-gates.js';
import { clampOrderSize } from './order-sizing.js';

const NOW = Date.parse('2017-11-13T15:30:00Z');
const MONDAY = parseIsoDay('2017-11-13');
const snapshot: OrderGateSnapshot = {
  account: {
    equityUsd: 10_000,
    cashUsd: 5_000,
    positions: {},
    submittedNotional: { tradingDay: MONDAY, usd: 0 },
    dayPnlUsd: 0,
    consecutiveLosingTrades: 0,
    errorsToday: 0,
    pdt: { marginAccount: true, flaggedPatternDayTrader: false, dayTradesInWindow: 0, lastEquityUsd: 10_000 },
  },
  market: { priceUsd: 19.9, bidUsd: 19.9, askUsd: 19.98, adv20Usd: 50_000_000 },
  breaker: BREAKER_ACTIVE,
  killSwitchEngaged: false,
  nowUtcMs: NOW,
};
const config = DEFAULT_ORDER_GATE_CONFIG;
const buy = { symbol: 'AAPL', side: 'buy' as const, limitPriceUsd: 20 };

describe('clampOrderSize over the engine sizing', () => {
  it('clamps the engine\'s equal-weight size to $75 and says so', () => {
    const engine = sizeOrder(DEFAULT_ENGINE_CONFIG, 10_000, 5_000, 20, Number.NaN);
    expect(engine).toBeGreaterThan(3);
    const c = clampOrderSize(engine, buy, snapshot, config);
    expect(c).toEqual({ shares: 3, engineShares: engine, clampedBy: ['ORDER_NOTIONAL_LIMIT'], denial: null });
    expect(evaluateOrderGates({ ...buy, shares: c.shares }, snapshot, config).allowed).toBe(true);
  });

  it('names every limit that cut the size; the binding one sets it', () => {
    const tight = { ...snapshot, account: { ...snapshot.account, submittedNotional: { tradingDay: MONDAY, usd: 960 }, cashUsd: 21 } };
    expect(clampOrderSize(10, buy, tight, config)).toEqual({ shares: 1, engineShares: 10, clampedBy: ['ORDER_NOTIONAL_LIMIT', 'DAILY_NOTIONAL_LIMIT', 'INSUFFICIENT_CASH'], denial: null });
  });

  it('denies with SIZE_CLAMPED_TO_ZERO when no whole share fits, ZERO_SHARES when the engine sized none', () => {
    const full = { ...snapshot, account: { ...snapshot.account, submittedNotional: { tradingDay: MONDAY, usd: 990 } } };
    const c = clampOrderSize(5, buy, full, config);
    expect(c.shares).toBe(0);
    expect(c.clampedBy).toEqual(['ORDER_NOTIONAL_LIMIT', 'DAILY_NOTIONAL_LIMIT']);
    expect(c.denial).toEqual({ ok: false, code: 'SIZE_CLAMPED_TO_ZERO', detail: 'ORDER_NOTIONAL_LIMIT, DAILY_NOTIONAL_LIMIT leave no whole share of AAPL at 20.00 (engine sized 5)' });
    expect(clampOrderSize(0, buy, snapshot, config).denial?.code).toBe('ZERO_SHARES');
  });

  it('the position limit counts the shares held; an exit of a held position is not clamped', () => {
    const held = { ...snapshot, account: { ...snapshot.account, positions: { AAPL: { shares: 48, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } } };
    expect(clampOrderSize(3, buy, held, config)).toMatchObject({ shares: 2, clampedBy: ['POSITION_LIMIT'] });
    expect(clampOrderSize(48, { ...buy, side: 'sell' }, held, config)).toEqual({ shares: 48, engineShares: 48, clampedBy: [], denial: null });
  });

  it('property: a clamped size never exceeds the engine\'s and passes every check it was clamped to', () => {
    const sizeCodes = new Set(['ORDER_NOTIONAL_LIMIT', 'DAILY_NOTIONAL_LIMIT', 'ORDER_ABOVE_ADV_FRACTION', 'POSITION_LIMIT', 'INSUFFICIENT_CASH']);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0.5, max: 400, noNaN: true }),
        fc.constantFrom('buy' as const, 'sell' as const),
        fc.integer({ min: -30, max: 30 }),
        fc.double({ min: 0, max: 1_100, noNaN: true }),
        fc.double({ min: 0, max: 20_000, noNaN: true }),
        fc.double({ min: 1_000, max: 1e7, noNaN: true }),
        (engine, price, side, held, submitted, cash, adv) => {
          const s: OrderGateSnapshot = {
            ...snapshot,
            account: { ...snapshot.account, cashUsd: cash, positions: { AAPL: { shares: held, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } }, submittedNotional: { tradingDay: MONDAY, usd: submitted } },
            market: { ...snapshot.market, adv20Usd: adv },
          };
          const c = clampOrderSize(engine, { symbol: 'AAPL', side, limitPriceUsd: price }, s, config);
          expect(c.shares).toBeLessThanOrEqual(engine);
          expect(c.shares === 0).toBe(c.denial !== null);
          if (c.shares > 0) {
            const denied = evaluateOrderGates({ symbol: 'AAPL', side, shares: c.shares, limitPriceUsd: price }, s, config).denials.map((d) => d.code);
            expect(denied.filter((d) => sizeCodes.has(d))).toEqual([]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
