import type { BarSeries } from '../../core/bar-series.js';
import { ibs, rsi, sma } from '../../indicators/index.js';
import { exitParams } from '../exit-params.js';
import type { IndicatorMemo } from '../indicator-memo.js';
import type { Params } from '../params.js';
import { SIGNAL_LONG, SIGNAL_NONE, type SignalCode, type Strategy } from '../types.js';

export interface IbsRsiPrep {
  readonly close: Float64Array;
  readonly trend: Float64Array;
  readonly rsi: Float64Array;
  readonly ibs: Float64Array;
}

/**
 * Short-term mean reversion in an uptrend: buy a weak close (low IBS) after a sharp two-day
 * selloff (RSI(2) deeply oversold) while the stock is above its long-term average.
 */
export const ibsRsi: Strategy<IbsRsiPrep> = {
  name: 'ibs-rsi',
  version: '1.0.0',
  description: 'long when close > SMA(200), IBS < 0.2 and RSI(2) < 10',
  params: {
    smaPeriod: { kind: 'int', default: 200, min: 20, max: 400, step: 10, description: 'trend filter SMA period, in bars' },
    rsiPeriod: { kind: 'int', default: 2, min: 2, max: 14, description: 'Wilder RSI period, in bars' },
    rsiEntry: { kind: 'real', default: 10, min: 1, max: 50, step: 1, description: 'enter when RSI is below this level' },
    ibsEntry: { kind: 'real', default: 0.2, min: 0.01, max: 0.99, step: 0.05, description: 'enter when IBS = (close-low)/(high-low) is below this' },
    ...exitParams({ stopAtrMult: 2, timeExitBars: 5 }),
  },
  tuneGrid: { rsiEntry: [5, 10, 15], ibsEntry: [0.1, 0.2, 0.3] },
  warmupBars: (p) => Math.max(p.smaPeriod, p.rsiPeriod + 1, p.atrPeriod),
  prepare(series: BarSeries, p: Params, memo: IndicatorMemo): IbsRsiPrep {
    return {
      close: series.close,
      trend: memo.get(series, `sma:${p.smaPeriod}`, () => sma(series.close, p.smaPeriod)),
      rsi: memo.get(series, `rsi:${p.rsiPeriod}`, () => rsi(series.close, p.rsiPeriod)),
      ibs: memo.startInvariant(series, 'ibs', 0, (from) => ibs(series.high, series.low, series.close, from)),
    };
  },
  decide(s: IbsRsiPrep, i: number, p: Params): SignalCode {
    // NaN comparisons are false, so warm-up bars never signal.
    return s.close[i] > s.trend[i] && s.ibs[i] < p.ibsEntry && s.rsi[i] < p.rsiEntry ? SIGNAL_LONG : SIGNAL_NONE;
  },
  decideRange(s: IbsRsiPrep, p: Params, from: number, to: number, out: Int8Array): void {
    const { close, trend, ibs: ibsv, rsi: rsiv } = s;
    const ibsEntry = p.ibsEntry;
    const rsiEntry = p.rsiEntry;
    for (let i = from; i < to; i++) out[i - from] = close[i] > trend[i] && ibsv[i] < ibsEntry && rsiv[i] < rsiEntry ? SIGNAL_LONG : SIGNAL_NONE;
  },
  score: (s, i) => -s.rsi[i] - 10 * s.ibs[i],
  reason: (s, i, p) =>
    `close ${s.close[i].toFixed(2)} > SMA(${p.smaPeriod}) ${s.trend[i].toFixed(2)}, IBS ${s.ibs[i].toFixed(3)} < ${p.ibsEntry}, RSI(${p.rsiPeriod}) ${s.rsi[i].toFixed(1)} < ${p.rsiEntry}`,
};
