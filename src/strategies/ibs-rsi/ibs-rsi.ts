import type { BarSeries } from '../../core/bar-series.js';
import { ibs, rsi, sma } from '../../indicators/index.js';
import { exitParams } from '../exit-params.js';
import type { IndicatorMemo } from '../indicator-memo.js';
import type { Params } from '../params.js';
import { condition, SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_NONE, type SignalCode, type Strategy } from '../types.js';

export interface IbsRsiPrep {
  readonly close: Float64Array;
  readonly high: Float64Array;
  readonly trend: Float64Array;
  /** SMA(exitSmaPeriod) of the close, or null when that exit is off. */
  readonly exitSma: Float64Array | null;
  readonly rsi: Float64Array;
  readonly ibs: Float64Array;
}

/**
 * Short-term mean reversion in an uptrend: buy a weak close (low IBS) after a sharp two-day
 * selloff (RSI(2) deeply oversold) while the stock is above its long-term average.
 *
 * Exits: the engine's shared ones (stop 2 ATR and a 5-bar time exit by default), plus two optional
 * exit signals from the literature on these systems, both off by default so `wf` and `evolve` can
 * set them against the defaults: `exitPrevHigh` (close above the previous bar's high) and
 * `exitSmaPeriod` (close above SMA(n) of the close, Connors' SMA(5)). Either one decided on the
 * close of bar t from bars up to t is SIGNAL_EXIT, which the engine fills like any strategy exit
 * signal (next open by default). On a bar that meets an exit rule and the entry rule, the exit
 * wins: the bounce the entry waits for has happened, and the engine ignores an exit for a symbol
 * without a position, so an entry there would be bought after its own exit condition.
 */
export const ibsRsi: Strategy<IbsRsiPrep> = {
  name: 'ibs-rsi',
  version: '1.1.0',
  description: 'long when close > SMA(200), IBS < 0.2 and RSI(2) < 10',
  params: {
    smaPeriod: { kind: 'int', default: 200, min: 20, max: 400, step: 10, description: 'trend filter SMA period, in bars' },
    rsiPeriod: { kind: 'int', default: 2, min: 2, max: 14, description: 'Wilder RSI period, in bars' },
    rsiEntry: { kind: 'real', default: 10, min: 1, max: 50, step: 1, description: 'enter when RSI is below this level' },
    ibsEntry: { kind: 'real', default: 0.2, min: 0.01, max: 0.99, step: 0.05, description: 'enter when IBS = (close-low)/(high-low) is below this' },
    exitPrevHigh: { kind: 'bool', default: 0, min: 0, max: 1, description: "exit on a close above the previous bar's high (0 = off)" },
    exitSmaPeriod: { kind: 'int', default: 0, min: 0, max: 20, description: 'exit on a close above the SMA of this many closes (0 = off; 1 is refused)' },
    ...exitParams({ stopAtrMult: 2, timeExitBars: 5 }),
  },
  // The exit rules are not in the grid: it would triple the 9 points wf fits on every split. Compare
  // them with --params (e.g. exitPrevHigh=1,stopAtrMult=0) or let evolve search them.
  tuneGrid: { rsiEntry: [5, 10, 15], ibsEntry: [0.1, 0.2, 0.3] },
  // Both are upper bounds of the entry rule; exit signals do not read them.
  thresholds: { rsiEntry: 'up', ibsEntry: 'up' },
  warmupBars: (p) => Math.max(p.smaPeriod, p.rsiPeriod + 1, p.atrPeriod, p.exitSmaPeriod),
  validate: (p) => (p.exitSmaPeriod === 1 ? 'exitSmaPeriod must be 0 (off) or at least 2, was 1: a close is never above its own SMA(1)' : null),
  prepare(series: BarSeries, p: Params, memo: IndicatorMemo): IbsRsiPrep {
    return {
      close: series.close,
      high: series.high,
      trend: memo.get(series, `sma:${p.smaPeriod}`, () => sma(series.close, p.smaPeriod)),
      exitSma: p.exitSmaPeriod > 0 ? memo.get(series, `sma:${p.exitSmaPeriod}`, () => sma(series.close, p.exitSmaPeriod)) : null,
      rsi: memo.get(series, `rsi:${p.rsiPeriod}`, () => rsi(series.close, p.rsiPeriod)),
      ibs: memo.startInvariant(series, 'ibs', 0, (from) => ibs(series.high, series.low, series.close, from)),
    };
  },
  decide(s: IbsRsiPrep, i: number, p: Params): SignalCode {
    if (exitAt(s, i, p.exitPrevHigh === 1)) return SIGNAL_EXIT;
    // NaN comparisons are false, so warm-up bars never signal.
    return s.close[i] > s.trend[i] && s.ibs[i] < p.ibsEntry && s.rsi[i] < p.rsiEntry ? SIGNAL_LONG : SIGNAL_NONE;
  },
  decideRange(s: IbsRsiPrep, p: Params, from: number, to: number, out: Int8Array): void {
    const { close, trend, ibs: ibsv, rsi: rsiv } = s;
    const ibsEntry = p.ibsEntry;
    const rsiEntry = p.rsiEntry;
    const prevHigh = p.exitPrevHigh === 1;
    const exits = prevHigh || s.exitSma !== null;
    for (let i = from; i < to; i++) {
      if (exits && exitAt(s, i, prevHigh)) out[i - from] = SIGNAL_EXIT;
      else out[i - from] = close[i] > trend[i] && ibsv[i] < ibsEntry && rsiv[i] < rsiEntry ? SIGNAL_LONG : SIGNAL_NONE;
    }
  },
  score: (s, i) => -s.rsi[i] - 10 * s.ibs[i],
  reason(s, i, p) {
    const c = s.close[i];
    if (p.exitPrevHigh === 1 && i > 0 && c > s.high[i - 1]) return `exit: close ${c.toFixed(2)} > previous high ${s.high[i - 1].toFixed(2)}`;
    if (s.exitSma !== null && c > s.exitSma[i]) return `exit: close ${c.toFixed(2)} > SMA(${p.exitSmaPeriod}) ${s.exitSma[i].toFixed(2)}`;
    return `close ${c.toFixed(2)} > SMA(${p.smaPeriod}) ${s.trend[i].toFixed(2)}, IBS ${s.ibs[i].toFixed(3)} < ${p.ibsEntry}, RSI(${p.rsiPeriod}) ${s.rsi[i].toFixed(1)} < ${p.rsiEntry}`;
  },
  // The entry conditions, in decide's order (an exit rule that fires on the bar overrides them).
  explain: (s, i, p) => [
    condition(`close vs SMA(${p.smaPeriod})`, s.close[i], '>', s.trend[i]),
    condition('IBS', s.ibs[i], '<', p.ibsEntry),
    condition(`RSI(${p.rsiPeriod})`, s.rsi[i], '<', p.rsiEntry),
  ],
  smoothingPeriod: (p) => Math.max(p.rsiPeriod, p.atrPeriod),
};

/** The exit rules on the close of bar i, from bars up to i (NaN comparisons are false). */
function exitAt(s: IbsRsiPrep, i: number, prevHigh: boolean): boolean {
  const c = s.close[i];
  return (prevHigh && i > 0 && c > s.high[i - 1]) || (s.exitSma !== null && c > s.exitSma[i]);
}
