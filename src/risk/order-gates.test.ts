import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoDay } from '../core/calendar.js';
import { BREAKER_ACTIVE, tripBreaker } from './circuit-breaker.js';
import { CHECK_PASSED } from './denials.js';
import {
  checkOrderGateConfig,
  DEFAULT_ORDER_GATE_CONFIG,
  evaluateOrderGates,
  ORDER_GATE_CHECKS,
  type OrderGateConfig,
  type OrderGateSnapshot,
  type OrderRequest,
} from './order-gates.js';

/** Monday 2017-11-13 10:30 New York (EST): regular hours. */
const NOW = Date.parse('2017-11-13T15:30:00Z');
const MONDAY = parseIsoDay('2017-11-13');
const order: OrderRequest = { symbol: 'AAPL', side: 'buy', shares: 3, limitPriceUsd: 20 };
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
const codes = (o: OrderRequest, s: OrderGateSnapshot, c: OrderGateConfig = config) => evaluateOrderGates(o, s, c).denials.map((d) => d.code);
const withAccount = (a: Partial<OrderGateSnapshot['account']>): OrderGateSnapshot => ({ ...snapshot, account: { ...snapshot.account, ...a } });
const withMarket = (m: Partial<OrderGateSnapshot['market']>): OrderGateSnapshot => ({ ...snapshot, market: { ...snapshot.market, ...m } });

describe('order gates on constructed cases', () => {
  it('a plain $60 order passes every check, each with the shared CHECK_PASSED', () => {
    const r = evaluateOrderGates(order, snapshot, config);
    expect(r.allowed).toBe(true);
    expect(r.results.map((x) => x.result)).toEqual(ORDER_GATE_CHECKS.map(() => CHECK_PASSED));
    expect(r.results.map((x) => x.gate)).toEqual(['policy', 'policy', 'policy', 'liquidity', 'liquidity', 'liquidity', 'compliance', 'compliance', 'compliance', 'compliance', 'compliance', 'compliance', 'circuit-breaker', 'kill-switch']);
  });

  it('BAD_ORDER', () => {
    expect(codes({ ...order, shares: 1.5 }, snapshot)).toContain('BAD_ORDER');
    expect(codes({ ...order, shares: 0 }, snapshot)).toContain('BAD_ORDER');
    expect(codes({ ...order, limitPriceUsd: Number.NaN }, snapshot)).toContain('BAD_ORDER');
  });

  it('ORDER_NOTIONAL_LIMIT at $75 an order', () => {
    expect(codes({ ...order, shares: 3, limitPriceUsd: 25 }, snapshot)).toEqual([]);
    const d = evaluateOrderGates({ ...order, shares: 4, limitPriceUsd: 19 }, snapshot, config).denials;
    expect(d).toEqual([{ ok: false, code: 'ORDER_NOTIONAL_LIMIT', detail: 'order notional $76.00 (4 x $19.00) exceeds the per-order limit $75.00' }]);
  });

  it('DAILY_NOTIONAL_LIMIT at $1,000 a trading day; yesterday\'s counter does not count', () => {
    expect(codes(order, withAccount({ submittedNotional: { tradingDay: MONDAY, usd: 940 } }))).toEqual([]);
    expect(codes(order, withAccount({ submittedNotional: { tradingDay: MONDAY, usd: 941 } }))).toEqual(['DAILY_NOTIONAL_LIMIT']);
    expect(codes(order, withAccount({ submittedNotional: { tradingDay: parseIsoDay('2017-11-10'), usd: 1_000 } }))).toEqual([]);
  });

  it('ADV_UNKNOWN, ADV_BELOW_MIN, ORDER_ABOVE_ADV_FRACTION', () => {
    expect(codes(order, withMarket({ adv20Usd: Number.NaN }))).toEqual(['ADV_UNKNOWN', 'ADV_UNKNOWN']);
    expect(codes(order, withMarket({ adv20Usd: 4_999_999 }))).toEqual(['ADV_BELOW_MIN']);
    const cfg = { ...config, minAdvUsd: 1_000 };
    expect(codes(order, withMarket({ adv20Usd: 6_000 }), cfg)).toEqual([]);
    expect(codes(order, withMarket({ adv20Usd: 5_999 }), cfg)).toEqual(['ORDER_ABOVE_ADV_FRACTION']);
  });

  it('QUOTE_INVALID and SPREAD_TOO_WIDE (2% of the mid)', () => {
    expect(codes(order, withMarket({ bidUsd: 20, askUsd: 19.9 }))).toEqual(['QUOTE_INVALID']);
    expect(codes(order, withMarket({ bidUsd: 0, askUsd: 19.9 }))).toEqual(['QUOTE_INVALID']);
    expect(codes(order, withMarket({ bidUsd: 19.8, askUsd: 20.2 }))).toEqual([]);
    expect(codes(order, withMarket({ bidUsd: 19.79, askUsd: 20.2 }))).toEqual(['SPREAD_TOO_WIDE']);
  });

  it('POSITION_LIMIT (10% of equity after the order), PRICE_BELOW_MIN ($5), INSUFFICIENT_CASH', () => {
    expect(codes(order, withAccount({ positions: { AAPL: { shares: 47, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } }))).toEqual([]);
    expect(codes(order, withAccount({ positions: { AAPL: { shares: 48, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } }))).toEqual(['POSITION_LIMIT']);
    expect(codes(order, withAccount({ equityUsd: 0 }))).toEqual(['POSITION_LIMIT']);
    expect(codes({ ...order, limitPriceUsd: 4.99, shares: 5 }, withMarket({ priceUsd: 4.99, bidUsd: 4.98, askUsd: 4.99 }))).toEqual(['PRICE_BELOW_MIN']);
    expect(codes(order, withAccount({ cashUsd: 59.99 }))).toEqual(['INSUFFICIENT_CASH']);
  });

  it('OUTSIDE_REGULAR_HOURS: before the open, after the close, on a weekend', () => {
    expect(codes(order, { ...snapshot, nowUtcMs: Date.parse('2017-11-13T14:29:59Z') })).toEqual(['OUTSIDE_REGULAR_HOURS']);
    expect(codes(order, { ...snapshot, nowUtcMs: Date.parse('2017-11-13T14:30:00Z') })).toEqual([]);
    expect(codes(order, { ...snapshot, nowUtcMs: Date.parse('2017-11-13T21:00:00Z') })).toEqual(['OUTSIDE_REGULAR_HOURS']);
    expect(codes(order, { ...snapshot, nowUtcMs: Date.parse('2017-11-11T15:30:00Z') })).toEqual(['OUTSIDE_REGULAR_HOURS']);
  });

  it('PATTERN_DAY_TRADER: the fourth day trade in five sessions under $25k, or any day trade when flagged', () => {
    const boughtToday = { AAPL: { shares: 3, longOpenedTodayShares: 3, shortOpenedTodayShares: 0 } };
    const sell: OrderRequest = { ...order, side: 'sell' };
    const pdt = (p: Partial<OrderGateSnapshot['account']['pdt']>, equityUsd = 10_000) =>
      withAccount({ equityUsd, positions: boughtToday, pdt: { ...snapshot.account.pdt, ...p } });
    expect(codes(sell, pdt({ dayTradesInWindow: 2 }))).toEqual([]);
    const d = evaluateOrderGates(sell, pdt({ dayTradesInWindow: 3 }), config).denials;
    expect(d.map((x) => x.code)).toEqual(['PATTERN_DAY_TRADER']);
    expect(d[0].detail).toMatch(/day trade 4 in 5 sessions.*FINRA 4210/);
    expect(codes(sell, pdt({ flaggedPatternDayTrader: true }))).toEqual(['PATTERN_DAY_TRADER']);
    // Not a day trade (held overnight), a cash account, or $25k at the previous close and now: no limit.
    expect(codes(sell, withAccount({ positions: { AAPL: { shares: 3, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } }, pdt: { ...snapshot.account.pdt, dayTradesInWindow: 3 } }))).toEqual([]);
    expect(codes(sell, pdt({ dayTradesInWindow: 3, marginAccount: false }))).toEqual([]);
    expect(codes(sell, pdt({ dayTradesInWindow: 3, lastEquityUsd: 25_000 }, 25_000))).toEqual([]);
    expect(codes(sell, pdt({ dayTradesInWindow: 3, lastEquityUsd: 25_000 }, 24_999))).toEqual(['PATTERN_DAY_TRADER']);
    // A buy to open is not a day trade; buying back a short sold today is.
    expect(codes(order, pdt({ dayTradesInWindow: 3 }))).toEqual([]);
    const shortToday = withAccount({ positions: { AAPL: { shares: -3, longOpenedTodayShares: 0, shortOpenedTodayShares: 3 } }, pdt: { ...snapshot.account.pdt, dayTradesInWindow: 3 } });
    expect(codes(order, shortToday)).toEqual(['PATTERN_DAY_TRADER']);
  });

  it('PROHIBITED_SYMBOL while the entry applies (through its expiry date), not after', () => {
    const entry = { symbol: 'AAPL', reason: 'earnings blackout', expiresDay: MONDAY, source: 'prohibited.csv:2' };
    const cfg = { ...config, prohibited: [entry] };
    const d = evaluateOrderGates(order, snapshot, cfg).denials;
    expect(d).toEqual([{ ok: false, code: 'PROHIBITED_SYMBOL', detail: 'AAPL is on the prohibited list (earnings blackout; until 2017-11-13; prohibited.csv:2)' }]);
    expect(codes(order, snapshot, { ...config, prohibited: [{ ...entry, expiresDay: MONDAY - 1 }] })).toEqual([]);
    expect(codes(order, snapshot, { ...config, prohibited: [{ ...entry, expiresDay: null }] })).toEqual(['PROHIBITED_SYMBOL']);
    expect(codes({ ...order, symbol: 'MSFT' }, snapshot, cfg)).toEqual([]);
  });

  it('CIRCUIT_BREAKER_HALTED, and DAILY_LOSS_LIMIT / CONSECUTIVE_LOSSES / ERROR_LIMIT from the facts', () => {
    expect(codes(order, { ...snapshot, breaker: tripBreaker(BREAKER_ACTIVE, 'manual', NOW) })).toEqual(['CIRCUIT_BREAKER_HALTED']);
    expect(codes(order, withAccount({ dayPnlUsd: -100 }))).toEqual(['DAILY_LOSS_LIMIT']);
    expect(codes(order, withAccount({ consecutiveLosingTrades: 4 }))).toEqual(['CONSECUTIVE_LOSSES']);
    expect(codes(order, withAccount({ errorsToday: 3 }))).toEqual(['ERROR_LIMIT']);
  });

  it('a halted or tripping breaker lets an order that only reduces a held position through; more than is held is new risk', () => {
    const held = withAccount({ positions: { AAPL: { shares: 100, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } });
    const halted = { ...held, breaker: tripBreaker(BREAKER_ACTIVE, 'manual', NOW) };
    expect(codes({ ...order, side: 'sell', shares: 100 }, halted)).toEqual([]);
    expect(codes({ ...order, side: 'sell', shares: 101 }, halted)).toContain('CIRCUIT_BREAKER_HALTED');
    expect(codes(order, halted)).toContain('CIRCUIT_BREAKER_HALTED');
    const losing = withAccount({ consecutiveLosingTrades: 4, positions: { AAPL: { shares: 100, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } });
    expect(codes({ ...order, side: 'sell', shares: 40 }, losing)).toEqual([]);
  });

  it('KILL_SWITCH_ENGAGED blocks every order, an exit too', () => {
    expect(codes(order, { ...snapshot, killSwitchEngaged: true })).toEqual(['KILL_SWITCH_ENGAGED']);
    const exit = withAccount({ positions: { AAPL: { shares: 100, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } });
    expect(codes({ ...order, side: 'sell', shares: 100 }, { ...exit, killSwitchEngaged: true })).toEqual(['KILL_SWITCH_ENGAGED']);
  });

  it('an exit of a held position is not trapped by the size, liquidity and position limits', () => {
    const exit = withAccount({ positions: { AAPL: { shares: 100, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 } } });
    const sell: OrderRequest = { ...order, side: 'sell', shares: 100 };
    expect(codes(sell, { ...exit, market: { ...exit.market, adv20Usd: 1_000, priceUsd: 3, bidUsd: 2.5, askUsd: 3 } }, { ...config, prohibited: [{ symbol: 'AAPL', reason: 'x', expiresDay: null, source: null }] })).toEqual([]);
    // Selling more than is held opens a short: that is an entry.
    expect(codes({ ...sell, shares: 101 }, exit)).toContain('ORDER_NOTIONAL_LIMIT');
  });

  it('the configuration is checked once, naming the parameter', () => {
    expect(checkOrderGateConfig(config)).toBe(config);
    expect(() => checkOrderGateConfig({ ...config, maxSpreadFrac: 0 })).toThrow(/maxSpreadFrac must be a finite number > 0, was 0/);
    expect(() => checkOrderGateConfig({ ...config, maxConsecutiveLosses: 2.5 })).toThrow(/maxConsecutiveLosses must be an integer >= 1/);
    expect(() => checkOrderGateConfig({ ...config, maxOrderNotionalUsd: 2_000 })).toThrow(/exceeds maxDailyNotionalUsd/);
  });
});

describe('order gate properties', () => {
  const arbOrder = fc.record({
    symbol: fc.constantFrom('AAPL', 'MSFT', 'XYZ'),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    shares: fc.integer({ min: -2, max: 400 }),
    limitPriceUsd: fc.oneof(fc.double({ min: 0.5, max: 500, noNaN: true }), fc.constant(Number.NaN)),
  });
  const arbSnapshot = fc
    .record({
      equityUsd: fc.double({ min: -100, max: 100_000, noNaN: true }),
      cashUsd: fc.double({ min: 0, max: 50_000, noNaN: true }),
      held: fc.integer({ min: -50, max: 50 }),
      openedToday: fc.integer({ min: 0, max: 50 }),
      submittedUsd: fc.double({ min: 0, max: 1_200, noNaN: true }),
      dayPnlUsd: fc.double({ min: -300, max: 300, noNaN: true }),
      losses: fc.integer({ min: 0, max: 6 }),
      errors: fc.integer({ min: 0, max: 5 }),
      dayTrades: fc.integer({ min: 0, max: 5 }),
      flagged: fc.boolean(),
      price: fc.double({ min: 1, max: 300, noNaN: true }),
      spreadFrac: fc.double({ min: -0.01, max: 0.05, noNaN: true }),
      adv: fc.oneof(fc.double({ min: 0, max: 1e8, noNaN: true }), fc.constant(Number.NaN)),
      halted: fc.boolean(),
      kill: fc.boolean(),
      minuteOfWeek: fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
    })
    .map(
      (x): OrderGateSnapshot => ({
        account: {
          equityUsd: x.equityUsd,
          cashUsd: x.cashUsd,
          positions: { AAPL: { shares: x.held, longOpenedTodayShares: x.openedToday, shortOpenedTodayShares: x.openedToday } },
          submittedNotional: { tradingDay: MONDAY, usd: x.submittedUsd },
          dayPnlUsd: x.dayPnlUsd,
          consecutiveLosingTrades: x.losses,
          errorsToday: x.errors,
          pdt: { marginAccount: true, flaggedPatternDayTrader: x.flagged, dayTradesInWindow: x.dayTrades, lastEquityUsd: x.equityUsd },
        },
        market: { priceUsd: x.price, bidUsd: x.price, askUsd: x.price * (1 + x.spreadFrac), adv20Usd: x.adv },
        breaker: x.halted ? tripBreaker(BREAKER_ACTIVE, 'test', NOW) : BREAKER_ACTIVE,
        killSwitchEngaged: x.kill,
        nowUtcMs: Date.parse('2017-11-12T05:00:00Z') + x.minuteOfWeek * 60_000,
      }),
    );

  it('all gates evaluated, any denial blocks: one result per check in order, allowed iff every one passed', () => {
    fc.assert(
      fc.property(arbOrder, arbSnapshot, (o, s) => {
        const r = evaluateOrderGates(o, s, config);
        expect(r.results.map((x) => `${x.gate}/${x.check}`)).toEqual(ORDER_GATE_CHECKS.map((c) => `${c.gate}/${c.check}`));
        expect(r.allowed).toBe(r.results.every((x) => x.result.ok));
        expect(r.denials.length).toBe(r.results.filter((x) => !x.result.ok).length);
        if (s.killSwitchEngaged || s.breaker.state === 'HALTED') expect(r.allowed).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('monotone: a larger order never passes a notional, ADV-share, position or cash check a smaller one failed', () => {
    const sizeCodes = ['ORDER_NOTIONAL_LIMIT', 'DAILY_NOTIONAL_LIMIT', 'ORDER_ABOVE_ADV_FRACTION', 'POSITION_LIMIT', 'INSUFFICIENT_CASH'];
    fc.assert(
      fc.property(arbOrder, arbSnapshot, fc.integer({ min: 0, max: 200 }), (o, s, extra) => {
        // Entries only (no position to reduce), so that size is the only thing that changes.
        const flat: OrderGateSnapshot = { ...s, account: { ...s.account, positions: {} } };
        const small = { ...o, shares: Math.max(1, o.shares) };
        const large = { ...small, shares: small.shares + extra };
        const failed = new Set(evaluateOrderGates(small, flat, config).denials.map((d) => d.code));
        const failedLarge = new Set(evaluateOrderGates(large, flat, config).denials.map((d) => d.code));
        for (const c of sizeCodes) if (failed.has(c as never)) expect(failedLarge.has(c as never), c).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
