import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel, calendarRange } from '../backtest/panel.js';
import { parseIsoDay } from '../core/calendar.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { defaultParams } from '../strategies/params.js';
import { getStrategy } from '../strategies/registry.js';
import { evaluateGenome, type FitnessSettings } from './fitness.js';

describe('split consistency (the share of test splits with a positive return)', () => {
  it('does not count a split without trades (return exactly 0) as positive', () => {
    const demo = generateDemoMarket({ seed: 42 });
    const index = demo.series.find((s) => s.symbol === demo.indexSymbol)!;
    const panel = buildPanel(demo.series.filter((s) => s !== index).slice(0, 3), index);
    const range = calendarRange(panel, parseIsoDay('2016-01-01'), parseIsoDay('2021-12-31'))!;
    const settings: FitnessSettings = { ...range, trainDays: 252, testDays: 63, config: { ...DEFAULT_ENGINE_CONFIG, recordDecisions: false }, minTrainTrades: 0, blowUpFrac: 0.9 };
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
