import type { BarSeries } from '../../core/bar-series.js';
import { atr, donchianHigh, donchianLow, sma } from '../../indicators/index.js';
import { exitParams } from '../exit-params.js';
import type { IndicatorMemo } from '../indicator-memo.js';
import type { Params } from '../params.js';
import { condition, SIGNAL_LONG, SIGNAL_NONE, SIGNAL_SHORT, type RuleCondition, type SignalCode, type Strategy } from '../types.js';

export interface TurtleSoupPrep {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly close: Float64Array;
  readonly trend: Float64Array;
  readonly atr: Float64Array;
  /** Lowest low of the `lookback` bars before bar i. */
  readonly chanLow: Float64Array;
  /** Lowest low of the window's older part, bars [i-lookback, i-minAge]: read at index i-minAge+1. */
  readonly olderLow: Float64Array;
  /** The short side's mirror images; null unless allowShort (half the work when unused). */
  readonly chanHigh: Float64Array | null;
  readonly olderHigh: Float64Array | null;
}

/**
 * ICT Turtle Soup: a false breakdown. Bar i trades below the lowest low of the prior `lookback`
 * bars, where that low was made at least `minBarsSinceLow` bars earlier, and closes back above
 * it: the breakout traders are trapped and price tends to revert. Long only unless allowShort.
 *
 * "Made at least k bars earlier" is computed without a rolling argmin: the window's low sits in
 * its older part (bars at least k before i) iff that part's low equals the whole window's low.
 */
export const turtleSoup: Strategy<TurtleSoupPrep> = {
  name: 'turtle-soup',
  version: '1.0.0',
  description: 'false breakdown below the prior 20-bar low (made >= 3 bars earlier) that closes back above it',
  params: {
    lookback: { kind: 'int', default: 20, min: 5, max: 100, description: 'channel length: bars before the signal bar' },
    minBarsSinceLow: { kind: 'int', default: 3, min: 1, max: 50, description: 'the channel extreme must be at least this many bars old' },
    smaPeriod: { kind: 'int', default: 200, min: 20, max: 400, step: 10, description: 'trend filter SMA period, in bars' },
    trendFilter: { kind: 'bool', default: 1, min: 0, max: 1, description: 'longs only above the SMA (shorts only below)' },
    allowShort: { kind: 'bool', default: 0, min: 0, max: 1, description: 'also trade the mirrored false breakout short' },
    ...exitParams({ stopAtrMult: 2, timeExitBars: 5 }),
  },
  tuneGrid: { lookback: [20, 40], minBarsSinceLow: [3, 5] },
  // A younger extreme allowed means a longer older part of the window, whose low equals the
  // channel's whenever a shorter one's does: a smaller minBarsSinceLow only adds signals.
  thresholds: { minBarsSinceLow: 'down' },
  warmupBars: (p) => Math.max(p.lookback + 1, p.trendFilter ? p.smaPeriod : 0, p.atrPeriod),
  validate: (p) =>
    p.minBarsSinceLow > p.lookback ? `minBarsSinceLow (${p.minBarsSinceLow}) must not exceed lookback (${p.lookback})` : null,
  prepare(series: BarSeries, p: Params, memo: IndicatorMemo): TurtleSoupPrep {
    const olderLen = p.lookback - p.minBarsSinceLow + 1;
    // Channel extremes are exact whatever bar they start from, so only the bars a run reads
    // (plus the lookback before them) are computed.
    const before = p.lookback + 1;
    const dl = (n: number) => memo.startInvariant(series, `donchianLow:${n}`, before, (from) => donchianLow(series.low, n, from));
    const dh = (n: number) => memo.startInvariant(series, `donchianHigh:${n}`, before, (from) => donchianHigh(series.high, n, from));
    return {
      low: series.low,
      high: series.high,
      close: series.close,
      trend: memo.get(series, `sma:${p.smaPeriod}`, () => sma(series.close, p.smaPeriod)),
      atr: memo.get(series, `atr:${p.atrPeriod}`, () => atr(series.high, series.low, series.close, p.atrPeriod)),
      chanLow: dl(p.lookback),
      olderLow: dl(olderLen),
      chanHigh: p.allowShort ? dh(p.lookback) : null,
      olderHigh: p.allowShort ? dh(olderLen) : null,
    };
  },
  decide(s: TurtleSoupPrep, i: number, p: Params): SignalCode {
    const k = p.minBarsSinceLow;
    const older = i - k + 1;
    if (older < 0) return SIGNAL_NONE;
    const chanLow = s.chanLow[i];
    if (s.low[i] < chanLow && s.close[i] > chanLow && s.olderLow[older] === chanLow) {
      if (!p.trendFilter || s.close[i] > s.trend[i]) return SIGNAL_LONG;
    }
    if (s.chanHigh !== null && s.olderHigh !== null) {
      const chanHigh = s.chanHigh[i];
      if (s.high[i] > chanHigh && s.close[i] < chanHigh && s.olderHigh[older] === chanHigh) {
        if (!p.trendFilter || s.close[i] < s.trend[i]) return SIGNAL_SHORT;
      }
    }
    return SIGNAL_NONE;
  },
  decideRange(s: TurtleSoupPrep, p: Params, from: number, to: number, out: Int8Array): void {
    const { low, high, close, trend, chanLow, olderLow, chanHigh, olderHigh } = s;
    const k1 = p.minBarsSinceLow - 1;
    const filter = p.trendFilter === 1;
    for (let i = from; i < to; i++) {
      let code: SignalCode = SIGNAL_NONE;
      const older = i - k1;
      if (older >= 0) {
        const cl = chanLow[i];
        if (low[i] < cl && close[i] > cl && olderLow[older] === cl && (!filter || close[i] > trend[i])) code = SIGNAL_LONG;
        else if (chanHigh !== null && olderHigh !== null) {
          const ch = chanHigh[i];
          if (high[i] > ch && close[i] < ch && olderHigh[older] === ch && (!filter || close[i] < trend[i])) code = SIGNAL_SHORT;
        }
      }
      out[i - from] = code;
    }
  },
  // How far the close reclaimed the broken level, in ATRs: a strong reclaim ranks first.
  score(s, i) {
    const a = s.atr[i];
    const longSide = s.low[i] < s.chanLow[i];
    const reclaim = longSide ? s.close[i] - s.chanLow[i] : s.chanHigh![i] - s.close[i];
    return a > 0 ? reclaim / a : 0;
  },
  reason(s, i, p) {
    if (s.low[i] < s.chanLow[i]) {
      return `low ${s.low[i].toFixed(2)} broke the ${p.lookback}-bar low ${s.chanLow[i].toFixed(2)} and closed back above at ${s.close[i].toFixed(2)}`;
    }
    return `high ${s.high[i].toFixed(2)} broke the ${p.lookback}-bar high ${s.chanHigh![i].toFixed(2)} and closed back below at ${s.close[i].toFixed(2)}`;
  },
  // The long side's conditions; the short side's when they all hold there (decide's order), or
  // when only the high broke out.
  explain(s, i, p) {
    const older = i - p.minBarsSinceLow + 1;
    const side = (low: boolean): RuleCondition[] => {
      const lvl = low ? s.chanLow[i] : s.chanHigh![i];
      const what = `${p.lookback}-bar ${low ? 'low' : 'high'}`;
      const olderLvl = older < 0 ? Number.NaN : low ? s.olderLow[older] : s.olderHigh![older];
      const out = [
        low ? condition(`low vs ${what}`, s.low[i], '<', lvl) : condition(`high vs ${what}`, s.high[i], '>', lvl),
        condition(`close vs ${what}`, s.close[i], low ? '>' : '<', lvl),
        condition(`${low ? 'low' : 'high'} of bars ${p.minBarsSinceLow}+ back vs ${what}`, olderLvl, '==', lvl),
      ];
      if (p.trendFilter) out.push(condition(`close vs SMA(${p.smaPeriod})`, s.close[i], low ? '>' : '<', s.trend[i]));
      return out;
    };
    const long = side(true);
    if (s.chanHigh === null || long.every((c) => c.met)) return long;
    const short = side(false);
    return short.every((c) => c.met) || (!(s.low[i] < s.chanLow[i]) && s.high[i] > s.chanHigh[i]) ? short : long;
  },
  smoothingPeriod: (p) => p.atrPeriod,
};
