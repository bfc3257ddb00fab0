import { describe, expect, it } from 'vitest';
import { MarketContext } from '../backtest/market-context.js';
import { defaultParams } from '../strategies/params.js';
import { getStrategy } from '../strategies/registry.js';
import { demoFitness } from '../test-support/demo-fitness.js';
import { evaluateGenome } from './fitness.js';

describe('split consistency (the share of test splits with a positive return)', () => {
  it('does not count a split without trades (return exactly 0) as positive', () => {
    const { panel, range, settings } = demoFitness({ seed: 42, symbols: 3, start: '2016-01-01', end: '2021-12-31', testDays: 63, minTrainTrades: 0, blowUpFrac: 0.9 });
    // Few symbols and a strict entry: many test splits see no trade at all.
    const params = { ...defaultParams(getStrategy('ibs-rsi').params), rsiEntry: 3, ibsEntry: 0.1 };
    const r = evaluateGenome(new MarketContext(panel, range), { kind: 'params', strategy: 'ibs-rsi', params }, settings);
    expect(r.status, r.reason ?? '').toBe('ok');
    const zero = r.splits.filter((x) => x.returnFrac === 0).length;
    const positive = r.splits.filter((x) => x.returnFrac > 0).length;
    // the case this test is about: splits with a zero return, beside positive ones
    expect(zero).toBeGreaterThan(0);
    expect(positive).toBeGreaterThan(0);
    expect(r.objectives!.consistency).toBe(positive / r.splits.length);
  });
});
