import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { DEFAULT_GATES, evaluateGates, failedGates, type GateInputs } from './gates.js';
import { reviewStrategy, type LifecycleState } from './roster.js';
import { scoreStrategy } from './scoring.js';

const good: GateInputs = { oosSharpe: 1.4, profitFactor: 1.8, trades: 120, splitsEvaluated: 8, splitsExpected: 8, deflatedSharpe: 0.97, pbo: 0.1 };

describe('promotion gates', () => {
  it('pass a good record and report every failed gate of a bad one with code and measured value', () => {
    expect(failedGates(evaluateGates(good))).toEqual([]);
    const bad = evaluateGates({ oosSharpe: 0.4, profitFactor: null, trades: 12, splitsEvaluated: 7, splitsExpected: 8, deflatedSharpe: 0.5, pbo: 0.6 });
    expect(failedGates(bad).map((g) => g.code)).toEqual([
      'OOS_SHARPE_TOO_LOW',
      'PROFIT_FACTOR_TOO_LOW',
      'TOO_FEW_TRADES',
      'SPLITS_MISSING',
      'DEFLATED_SHARPE_TOO_LOW',
      'BACKTEST_OVERFIT',
    ]);
    expect(bad[0].measured).toBe(0.4);
    expect(bad[0].detail).toMatch(/0\.4 not > 1/);
  });

  it('at the threshold: Sharpe and PF must exceed it, trades and DSR may equal it, PBO may equal its maximum', () => {
    const t = { minOosSharpe: 1, minProfitFactor: 1.5, minTrades: 30, minDeflatedSharpe: 0.95, maxPbo: 0.2 };
    const at: GateInputs = { oosSharpe: 1, profitFactor: 1.5, trades: 30, splitsEvaluated: 8, splitsExpected: 8, deflatedSharpe: 0.95, pbo: 0.2 };
    expect(failedGates(evaluateGates(at, t)).map((g) => g.code)).toEqual(['OOS_SHARPE_TOO_LOW', 'PROFIT_FACTOR_TOO_LOW']);
    expect(failedGates(evaluateGates({ ...at, oosSharpe: 1.0001, profitFactor: 1.5001 }, t))).toEqual([]);
    for (const [change, code] of [
      [{ trades: 29 }, 'TOO_FEW_TRADES'],
      [{ splitsEvaluated: 7 }, 'SPLITS_MISSING'],
      [{ deflatedSharpe: 0.9499 }, 'DEFLATED_SHARPE_TOO_LOW'],
      [{ pbo: 0.2001 }, 'BACKTEST_OVERFIT'],
      [{ deflatedSharpe: null }, 'DEFLATED_SHARPE_TOO_LOW'],
    ] as const) {
      expect(failedGates(evaluateGates({ ...at, oosSharpe: 1.1, profitFactor: 1.6, ...change }, t)).map((g) => g.code)).toEqual([code]);
    }
    // counts are flagged as counts, so they print as integers
    expect(evaluateGates(at, t).filter((g) => g.count).map((g) => g.code)).toEqual(['TOO_FEW_TRADES', 'SPLITS_MISSING']);
  });

  it('are monotone: improving any measure never turns a pass into a fail', () => {
    fc.assert(
      fc.property(
        fc.record({
          oosSharpe: fc.double({ min: -2, max: 4, noNaN: true }),
          profitFactor: fc.double({ min: 0, max: 4, noNaN: true }),
          trades: fc.integer({ min: 0, max: 300 }),
          deflatedSharpe: fc.double({ min: 0, max: 1, noNaN: true }),
          pbo: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (x, bump) => {
          const base: GateInputs = { ...x, splitsEvaluated: 8, splitsExpected: 8 };
          const better: GateInputs = {
            ...base,
            oosSharpe: base.oosSharpe! + bump,
            profitFactor: base.profitFactor! + bump,
            trades: base.trades + Math.round(bump * 10),
            deflatedSharpe: Math.min(1, base.deflatedSharpe! + bump),
            pbo: Math.max(0, base.pbo! - bump),
          };
          const a = evaluateGates(base, DEFAULT_GATES);
          const b = evaluateGates(better, DEFAULT_GATES);
          a.forEach((g, i) => {
            if (g.ok) expect(b[i].ok).toBe(true);
          });
        },
      ),
      fcOptions(200),
    );
  });
});

describe('scoring model', () => {
  it('blends the measures and tags what is wrong', () => {
    const s = scoreStrategy({ sharpe: 2, cagr: 0.25, profitFactor: 2, maxDrawdown: 0, trades: 100, totalPnl: 5000 });
    expect(s.score).toBeCloseTo(0.35 + 0.2 + 0.2 + 0.1, 10);
    expect(s.tags).toEqual([]);
    const bad = scoreStrategy({ sharpe: -0.5, cagr: -0.1, profitFactor: 0.7, maxDrawdown: 0.45, trades: 8, totalPnl: -1200 });
    expect(bad.tags).toEqual(['negative_pnl', 'profit_factor_below_one', 'insufficient_data', 'deep_drawdown', 'negative_sharpe']);
    expect(bad.score).toBeCloseTo(0.1 * 0.08 - 0.25, 10);
    expect(scoreStrategy({ sharpe: null, cagr: null, profitFactor: null, maxDrawdown: null, trades: 0, totalPnl: 0 }).tags).toContain('undefined_metric');
  });
});

describe('roster reviews', () => {
  const pass = { trades: 40, sharpe: 1.2, profitFactor: 1.6 };
  const fail = { trades: 40, sharpe: 0.2, profitFactor: 1.6 };

  it('keep, flag borderline, decay, retire after two consecutive failures, re-enable only after a pass', () => {
    expect(reviewStrategy('production', 0, pass)).toMatchObject({ pass: true, next: 'production', borderline: false });
    expect(reviewStrategy('production', 0, { trades: 40, sharpe: 0.52, profitFactor: 1.6 })).toMatchObject({ pass: true, borderline: true });
    const first = reviewStrategy('production', 0, fail);
    expect(first).toMatchObject({ pass: false, next: 'decaying', consecutiveFailures: 1 });
    expect(first.failures[0]).toMatch(/Sharpe 0.20 not > 0.5/);
    const second = reviewStrategy('decaying', 1, fail);
    expect(second).toMatchObject({ next: 'retired', consecutiveFailures: 2 });
    expect(reviewStrategy('retired', 2, fail).next).toBe('retired');
    expect(reviewStrategy('retired', 2, pass)).toMatchObject({ next: 'production', consecutiveFailures: 0 });
    expect(reviewStrategy('decaying', 1, pass).next).toBe('production');
  });

  it('never retires on a single failure and never promotes a failing strategy', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<LifecycleState>('production', 'decaying', 'retired'),
        fc.integer({ min: 0, max: 3 }),
        fc.record({ trades: fc.integer({ min: 0, max: 100 }), sharpe: fc.option(fc.double({ min: -2, max: 3, noNaN: true })), profitFactor: fc.option(fc.double({ min: 0, max: 3, noNaN: true })) }),
        (state, before, m) => {
          const r = reviewStrategy(state, before, m);
          if (!r.pass) expect(r.next).not.toBe('production');
          if (r.next === 'retired' && state !== 'retired') expect(r.consecutiveFailures).toBeGreaterThanOrEqual(2);
        },
      ),
      fcOptions(300),
    );
  });
});
