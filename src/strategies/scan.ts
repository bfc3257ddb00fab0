import type { BarSeries } from '../core/bar-series.js';
import { dayToIso } from '../core/calendar.js';
import { atr } from '../indicators/index.js';
import type { IndicatorMemo } from './indicator-memo.js';
import type { Params } from './params.js';
import { SIGNAL_EXIT, SIGNAL_LONG, SIGNAL_NONE, type Signal, type Strategy } from './types.js';

/**
 * The signals of one strategy on one symbol, as parallel typed arrays (one entry per signal bar).
 * Stop and target distances are measured on the signal bar (ATR known at its close); the engine
 * lays them off the actual fill price.
 */
export interface SymbolSignals {
  readonly bar: Int32Array;
  readonly code: Int8Array;
  readonly score: Float64Array;
  /** Price distance from the fill to the stop; NaN = no stop. */
  readonly stopDist: Float64Array;
  /** Price distance from the fill to the take-profit; NaN = none. */
  readonly targetDist: Float64Array;
}

let scratchCodes = new Int8Array(0);
let scratchHits = new Int32Array(0);

export function scanSignals(
  strategy: Strategy,
  series: BarSeries,
  p: Params,
  memo: IndicatorMemo,
  fromBar = 0,
  toBar = series.day.length,
): SymbolSignals {
  const prep = strategy.prepare(series, p, memo);
  const needAtr = p.stopAtrMult > 0 || p.takeProfitAtrMult > 0;
  const atrs = needAtr ? memo.get(series, `atr:${p.atrPeriod}`, () => atr(series.high, series.low, series.close, p.atrPeriod)) : null;
  const start = Math.max(0, fromBar);
  const end = Math.min(series.day.length, toBar);
  // One pass collects the signal bars into scratch space; the details are filled for those few
  // bars only. Scratch is module-level (synchronous use only) so a genome search scanning 900
  // symbols per genome does not allocate three throwaway arrays per symbol.
  const width = Math.max(0, end - start);
  if (scratchCodes.length < width) {
    scratchCodes = new Int8Array(width);
    scratchHits = new Int32Array(width);
  }
  const hits = scratchHits;
  const codes = scratchCodes;
  let n = 0;
  if (strategy.decideRange !== undefined) {
    strategy.decideRange(prep, p, start, end, codes);
    for (let k = 0; k < width; k++) {
      if (codes[k] === SIGNAL_NONE) continue;
      hits[n] = start + k;
      codes[n++] = codes[k];
    }
  } else {
    for (let i = start; i < end; i++) {
      const code = strategy.decide(prep, i, p);
      if (code === SIGNAL_NONE) continue;
      hits[n] = i;
      codes[n++] = code;
    }
  }
  const out: SymbolSignals = {
    bar: hits.slice(0, n),
    code: codes.slice(0, n),
    score: new Float64Array(n),
    stopDist: new Float64Array(n),
    targetDist: new Float64Array(n),
  };
  for (let j = 0; j < n; j++) {
    const i = hits[j];
    const code = codes[j];
    out.score[j] = code === SIGNAL_EXIT ? 0 : strategy.score(prep, i);
    const a = atrs === null ? Number.NaN : atrs[i];
    out.stopDist[j] = p.stopAtrMult > 0 && a > 0 ? p.stopAtrMult * a : Number.NaN;
    out.targetDist[j] = p.takeProfitAtrMult > 0 && a > 0 ? p.takeProfitAtrMult * a : Number.NaN;
  }
  return out;
}

/** Signals in the user-facing shape, for logs, `--json` and `kobe scan`. */
export function describeSignals(strategy: Strategy, series: BarSeries, p: Params, memo: IndicatorMemo, sigs: SymbolSignals): Signal[] {
  const prep = strategy.prepare(series, p, memo);
  const out: Signal[] = [];
  for (let j = 0; j < sigs.bar.length; j++) {
    const i = sigs.bar[j];
    const code = sigs.code[j];
    const entry = series.close[i];
    const dir = code === SIGNAL_LONG ? 1 : -1;
    const stop = Number.isNaN(sigs.stopDist[j]) || code === SIGNAL_EXIT ? null : entry - dir * sigs.stopDist[j];
    const target = Number.isNaN(sigs.targetDist[j]) || code === SIGNAL_EXIT ? null : entry + dir * sigs.targetDist[j];
    out.push({
      date: dayToIso(series.day[i]),
      symbol: series.symbol,
      strategy: strategy.name,
      side: code === SIGNAL_EXIT ? 'exit' : code === SIGNAL_LONG ? 'long' : 'short',
      entry,
      stop,
      takeProfit: target,
      score: sigs.score[j],
      reason: strategy.reason(prep, i, p),
    });
  }
  return out;
}
