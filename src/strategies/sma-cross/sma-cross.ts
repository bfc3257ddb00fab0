import type { BarSeries } from '../../core/bar-series.js';
import { sma } from '../../indicators/index.js';
import { exitParams } from '../exit-params.js';
import type { IndicatorMemo } from '../indicator-memo.js';
import type { Params } from '../params.js';
import { condition, SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_NONE, type SignalCode, type Strategy } from '../types.js';

export interface SmaCrossPrep {
  readonly fast: Float64Array;
  readonly slow: Float64Array;
}

/**
 * The reference strategy: simple enough that any other engine can reproduce its trade list, so
 * kobe's fills and accounting can be checked trade for trade. No stop and no time exit by default.
 */
export const smaCross: Strategy<SmaCrossPrep> = {
  name: 'sma-cross',
  version: '1.0.0',
  description: 'long when SMA(fast) crosses above SMA(slow), flat on the opposite cross',
  params: {
    fast: { kind: 'int', default: 20, min: 2, max: 200, description: 'fast SMA period, in bars' },
    slow: { kind: 'int', default: 50, min: 3, max: 400, description: 'slow SMA period, in bars' },
    ...exitParams({ stopAtrMult: 0, timeExitBars: 0 }),
  },
  tuneGrid: { fast: [10, 20], slow: [50, 100] },
  warmupBars: (p) => p.slow + 1,
  validate: (p) => (p.fast >= p.slow ? `fast (${p.fast}) must be less than slow (${p.slow})` : null),
  prepare(series: BarSeries, p: Params, memo: IndicatorMemo): SmaCrossPrep {
    return {
      fast: memo.get(series, `sma:${p.fast}`, () => sma(series.close, p.fast)),
      slow: memo.get(series, `sma:${p.slow}`, () => sma(series.close, p.slow)),
    };
  },
  decide(s: SmaCrossPrep, i: number): SignalCode {
    if (i < 1) return SIGNAL_NONE;
    const above = s.fast[i] > s.slow[i];
    const wasAbove = s.fast[i - 1] > s.slow[i - 1];
    const below = s.fast[i] < s.slow[i];
    const wasBelow = s.fast[i - 1] < s.slow[i - 1];
    if (above && !wasAbove && !Number.isNaN(s.slow[i - 1])) return SIGNAL_LONG;
    if (below && !wasBelow && !Number.isNaN(s.slow[i - 1])) return SIGNAL_EXIT;
    return SIGNAL_NONE;
  },
  score: (s, i) => (s.fast[i] - s.slow[i]) / s.slow[i],
  reason: (s, i, p) =>
    `SMA(${p.fast}) ${s.fast[i].toFixed(2)} crossed ${s.fast[i] > s.slow[i] ? 'above' : 'below'} SMA(${p.slow}) ${s.slow[i].toFixed(2)}`,
  explain: (s, i, p) => [
    condition(`SMA(${p.fast}) vs SMA(${p.slow})`, s.fast[i], '>', s.slow[i]),
    // A cross: on the bar before, the fast SMA was not above the slow one.
    condition(`SMA(${p.fast}) vs SMA(${p.slow}) the bar before`, i > 0 ? s.fast[i - 1] : Number.NaN, '<=', i > 0 ? s.slow[i - 1] : Number.NaN),
  ],
  smoothingPeriod: (p) => p.atrPeriod,
};
