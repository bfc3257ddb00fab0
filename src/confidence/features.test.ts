import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sliceBars } from '../core/bar-series.js';
import { fcOptions, randomWalkBars } from '../test-support/synthetic-bars.js';
import { featureNames, MARKET_FEATURES, signalFeatureRow, symbolFeatureColumns } from './features.js';

describe('signal features', () => {
  const bars = randomWalkBars('AAA', 400, 7, 17_000);
  const index = randomWalkBars('IDX', 420, 8, 16_990);

  it('are causal: the bars up to t give the same features on t as the whole series', () => {
    const whole = symbolFeatureColumns(bars, index);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: bars.day.length }), (cut) => {
        const part = symbolFeatureColumns(sliceBars(bars, 0, cut), index);
        for (const f of MARKET_FEATURES) expect(Array.from(part.columns[f])).toEqual(Array.from(whole.columns[f].subarray(0, cut)));
      }),
      fcOptions(30),
    );
  });

  it('give no row during warm-up and a one-hot strategy column after it', () => {
    const cols = symbolFeatureColumns(bars, index);
    const strategies = ['ibs-rsi', 'turtle-soup'];
    expect(signalFeatureRow(cols, 150, 'ibs-rsi', strategies)).toBeNull();
    const row = signalFeatureRow(cols, 399, 'turtle-soup', strategies)!;
    expect(row).toHaveLength(featureNames(strategies).length);
    expect(Array.from(row.subarray(MARKET_FEATURES.length))).toEqual([0, 1]);
    expect(row[MARKET_FEATURES.indexOf('ibs')]).toBeCloseTo((bars.close[399] - bars.low[399]) / (bars.high[399] - bars.low[399]), 12);
  });

  it('read no index when there is none', () => {
    const cols = symbolFeatureColumns(bars, null);
    expect(cols.columns.indexDistSma200.every((v) => Number.isNaN(v))).toBe(true);
    expect(signalFeatureRow(cols, 399, 'ibs-rsi', ['ibs-rsi'])).toBeNull();
  });
});
