import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import {
  checkAlreadyInPosition,
  checkCorrelation,
  checkInsufficientCash,
  checkMaxPositions,
  checkRegime,
  checkStrategyBudget,
  checkZeroShares,
  type AccountSnapshot,
  type OrderIntent,
} from './checks.js';
import { CHECK_PASSED, DENIAL_CODES } from './denials.js';
import { PRE_TRADE_CHECKS, runAllChecks } from './pre-trade.js';

const config = { ...DEFAULT_ENGINE_CONFIG, maxPositions: 3, sizing: { mode: 'fixed-shares', shares: 200 } } as const;
const order: OrderIntent = { side: 1, refPrice: 41.237, shares: 200, estimatedCostUsd: 8_259.5 };
const account: AccountSnapshot = { equityUsd: 100_000, freeCashUsd: 50_000, positionsUsed: 1, symbolPositions: 0 };
const noFilter = { regime: -1 };

describe('pre-trade checks', () => {
  it('a pass is the one frozen shared result', () => {
    expect(Object.isFrozen(CHECK_PASSED)).toBe(true);
    expect(runAllChecks(order, account, { regime: 1 }, config)).toEqual(PRE_TRADE_CHECKS.map(() => CHECK_PASSED));
    for (const r of runAllChecks(order, account, { regime: 1 }, config)) expect(r).toBe(CHECK_PASSED);
  });

  it('REGIME_FILTER: longs only above the index SMA, shorts only below, anything without a filter', () => {
    const short: OrderIntent = { ...order, side: -1 };
    expect(checkRegime(order, account, { regime: 1 }, config)).toBe(CHECK_PASSED);
    expect(checkRegime(order, account, { regime: 0 }, config)).toEqual({ ok: false, code: 'REGIME_FILTER', detail: 'index closed below its SMA' });
    expect(checkRegime(short, account, { regime: 0 }, config)).toBe(CHECK_PASSED);
    expect(checkRegime(short, account, { regime: 1 }, config)).toEqual({ ok: false, code: 'REGIME_FILTER', detail: 'index closed above its SMA' });
    expect(checkRegime(order, account, noFilter, config)).toBe(CHECK_PASSED);
    expect(checkRegime(short, account, noFilter, config)).toBe(CHECK_PASSED);
  });

  it('ALREADY_IN_POSITION and MAX_POSITIONS count positions held or ordered', () => {
    expect(checkAlreadyInPosition(order, { ...account, symbolPositions: 1 }, noFilter, config)).toEqual({ ok: false, code: 'ALREADY_IN_POSITION', detail: 'symbol already held or ordered' });
    expect(checkMaxPositions(order, { ...account, positionsUsed: 2 }, noFilter, config)).toBe(CHECK_PASSED);
    const full = checkMaxPositions(order, { ...account, positionsUsed: 3 }, noFilter, config);
    expect(full).toEqual({ ok: false, code: 'MAX_POSITIONS', detail: '3 positions held or ordered' });
    // A full book denies without allocating: the same denial each time for the same limit.
    expect(checkMaxPositions(order, { ...account, positionsUsed: 4 }, noFilter, config)).toBe(full);
    expect(checkMaxPositions(order, { ...account, positionsUsed: 5 }, noFilter, { ...config, maxPositions: 5 })).toEqual({ ok: false, code: 'MAX_POSITIONS', detail: '5 positions held or ordered' });
  });

  it('ZERO_SHARES and INSUFFICIENT_CASH quote their numbers, as plain JSON too', () => {
    const zero = checkZeroShares({ ...order, shares: 0 }, account, noFilter, config);
    expect(zero.ok).toBe(false);
    expect(JSON.parse(JSON.stringify(zero))).toEqual({ ok: false, code: 'ZERO_SHARES', detail: 'sizing fixed-shares gives no whole share at 41.24' });
    const cash = checkInsufficientCash(order, { ...account, freeCashUsd: 8_000.4 }, noFilter, config);
    expect(cash.ok === false && [cash.code, cash.detail]).toEqual(['INSUFFICIENT_CASH', 'needs 8260 USD, 8000 free']);
    expect(checkInsufficientCash(order, { ...account, freeCashUsd: 8_259.5 }, noFilter, config)).toBe(CHECK_PASSED);
  });

  it('CORRELATION_LIMIT: only above a set limit, naming the symbol it moves with', () => {
    const limited = { ...config, limits: { maxSymbolWeight: null, maxCorrelation: 0.7 } };
    const denied = checkCorrelation(order, account, { regime: -1, maxCorrelation: 0.8123, correlatedSymbol: 'MSFT' }, limited);
    expect(JSON.parse(JSON.stringify(denied))).toEqual({ ok: false, code: 'CORRELATION_LIMIT', detail: 'daily-return correlation 0.81 with MSFT (held or ordered) exceeds 0.7' });
    // At the limit, unmeasured (NaN) or without a limit: no denial.
    expect(checkCorrelation(order, account, { regime: -1, maxCorrelation: 0.7, correlatedSymbol: 'MSFT' }, limited)).toBe(CHECK_PASSED);
    expect(checkCorrelation(order, account, { regime: -1, maxCorrelation: Number.NaN, correlatedSymbol: '' }, limited)).toBe(CHECK_PASSED);
    expect(checkCorrelation(order, account, { regime: -1, maxCorrelation: 0.99, correlatedSymbol: 'MSFT' }, config)).toBe(CHECK_PASSED);
  });

  it('STRATEGY_BUDGET: a Kelly sleeve must buy a share; no sleeve, no check', () => {
    const denied = checkStrategyBudget(order, { ...account, strategyBudgetUsd: 40, strategy: 'ibs-rsi' }, noFilter, config);
    expect(JSON.parse(JSON.stringify(denied))).toEqual({ ok: false, code: 'STRATEGY_BUDGET', detail: "ibs-rsi's Kelly sleeve has no room: 40 USD usable (under half a position, or under one share)" });
    expect(checkStrategyBudget(order, { ...account, strategyBudgetUsd: 41.237, strategy: 'ibs-rsi' }, noFilter, config)).toBe(CHECK_PASSED);
    expect(checkStrategyBudget(order, { ...account, strategyBudgetUsd: Number.NaN }, noFilter, config)).toBe(CHECK_PASSED);
    expect(checkStrategyBudget(order, account, noFilter, config)).toBe(CHECK_PASSED);
  });

  it('every code a check issues is a known denial code', () => {
    const bad = runAllChecks(
      { ...order, shares: 0, estimatedCostUsd: 1e9 },
      { ...account, positionsUsed: 9, symbolPositions: 1, strategyBudgetUsd: 0, strategy: 'x' },
      { regime: 0, maxCorrelation: 0.95, correlatedSymbol: 'Y' },
      { ...config, limits: { maxSymbolWeight: null, maxCorrelation: 0.7 } },
    );
    expect(bad.every((r) => !r.ok)).toBe(true);
    for (const r of bad) if (!r.ok) expect(DENIAL_CODES).toContain(r.code);
  });
});
