import type { BarSeries } from '../core/bar-series.js';
import { dayToIso } from '../core/calendar.js';
import { atr } from '../indicators/index.js';
import type { IndicatorMemo } from './indicator-memo.js';
import { paramsKey, type Params } from './params.js';
import type { SignalColumns } from './signal-columns.js';
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

function scratch(width: number): void {
  if (scratchCodes.length < width) {
    scratchCodes = new Int8Array(width);
    scratchHits = new Int32Array(width);
  }
}

export function scanSignals(
  strategy: Strategy,
  series: BarSeries,
  p: Params,
  memo: IndicatorMemo,
  fromBar = 0,
  toBar = series.day.length,
): SymbolSignals {
  const prep = strategy.prepare(series, p, memo);
  const start = Math.max(0, fromBar);
  const end = Math.min(series.day.length, toBar);
  // One pass collects the signal bars into scratch space; the details are filled for those few
  // bars only. Scratch is module-level (synchronous use only) so a genome search scanning 900
  // symbols per genome does not allocate three throwaway arrays per symbol.
  const n = collectSignals(strategy, prep, p, start, end);
  return signalDetails(strategy, series, prep, p, memo, n);
}

/** Decides bars [start, end) into scratchHits/scratchCodes; returns how many signalled. */
function collectSignals(strategy: Strategy, prep: unknown, p: Params, start: number, end: number): number {
  const width = Math.max(0, end - start);
  scratch(width);
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
  return n;
}

/** The first `n` scratch signals with their scores and stop/target distances. */
function signalDetails(strategy: Strategy, series: BarSeries, prep: unknown, p: Params, memo: IndicatorMemo, n: number): SymbolSignals {
  const out: SymbolSignals = {
    bar: new Int32Array(n),
    code: new Int8Array(n),
    score: new Float64Array(n),
    stopDist: new Float64Array(n),
    targetDist: new Float64Array(n),
  };
  detailsInto(strategy, series, prep, p, memo, n, out, 0);
  return out;
}

/** Writes the first `n` scratch signals, with their details, into `dst` from index `at`. */
function detailsInto(strategy: Strategy, series: BarSeries, prep: unknown, p: Params, memo: IndicatorMemo, n: number, dst: SymbolSignals, at: number): void {
  if (n === 0) return;
  const needAtr = p.stopAtrMult > 0 || p.takeProfitAtrMult > 0;
  const atrs = needAtr ? memo.get(series, `atr:${p.atrPeriod}`, () => atr(series.high, series.low, series.close, p.atrPeriod)) : null;
  const hits = scratchHits;
  const codes = scratchCodes;
  const { bar, code: codeOut, score, stopDist, targetDist } = dst;
  for (let j = 0; j < n; j++) {
    const i = hits[j];
    const code = codes[j];
    bar[at + j] = i;
    codeOut[at + j] = code;
    score[at + j] = code === SIGNAL_EXIT ? 0 : strategy.score(prep, i);
    const a = atrs === null ? Number.NaN : atrs[i];
    stopDist[at + j] = p.stopAtrMult > 0 && a > 0 ? p.stopAtrMult * a : Number.NaN;
    targetDist[at + j] = p.takeProfitAtrMult > 0 && a > 0 ? p.takeProfitAtrMult * a : Number.NaN;
  }
}

/** Appends the first `n` scratch signals of symbol `sym` to `sink`. */
function appendSignals(strategy: Strategy, series: BarSeries, prep: unknown, p: Params, memo: IndicatorMemo, n: number, sink: SignalColumns, sym: number): void {
  const at = sink.reserve(n);
  sink.sym.fill(sym, at, at + n);
  detailsInto(strategy, series, prep, p, memo, n, sink, at);
  sink.length += n;
}

/** scanSignals appended to `sink` as symbol `sym` (the signal book's input), without a per-symbol copy. */
export function scanSignalsInto(
  strategy: Strategy,
  series: BarSeries,
  p: Params,
  memo: IndicatorMemo,
  fromBar: number,
  toBar: number,
  sink: SignalColumns,
  sym: number,
): void {
  const prep = strategy.prepare(series, p, memo);
  const n = collectSignals(strategy, prep, p, Math.max(0, fromBar), Math.min(series.day.length, toBar));
  appendSignals(strategy, series, prep, p, memo, n, sink, sym);
}

/**
 * scanSignalsInto for several parameter sets of one strategy on one symbol (a tuning grid): the
 * signals of points[k] go to sinks[k], equal to scanSignals for that point. Points that differ
 * only in the strategy's declared thresholds share one scan at their loosest point: its signal
 * bars hold every bar any of them can signal on, so each point is decided on those candidates
 * alone instead of on every bar. The points' indicators come from `memo`, computed once for all.
 */
export function scanSignalsGrid(
  strategy: Strategy,
  series: BarSeries,
  points: readonly Params[],
  memo: IndicatorMemo,
  fromBar: number,
  toBar: number,
  sinks: readonly SignalColumns[],
  sym: number,
): void {
  const start = Math.max(0, fromBar);
  const end = Math.min(series.day.length, toBar);
  for (const group of thresholdGroups(strategy, points)) {
    if (group.length === 1) {
      scanSignalsInto(strategy, series, points[group[0]], memo, start, end, sinks[group[0]], sym);
      continue;
    }
    const loosest = loosestPoint(strategy.thresholds!, group.map((k) => points[k]));
    const n = collectSignals(strategy, strategy.prepare(series, loosest, memo), loosest, start, end);
    const candidates = scratchHits.slice(0, n);
    for (const k of group) {
      const p = points[k];
      const prep = strategy.prepare(series, p, memo);
      const codes = scratchCodes;
      const hits = scratchHits;
      let m = 0;
      for (let j = 0; j < candidates.length; j++) {
        const i = candidates[j];
        const code = strategy.decide(prep, i, p);
        if (code === SIGNAL_NONE) continue;
        hits[m] = i;
        codes[m++] = code;
      }
      appendSignals(strategy, series, prep, p, memo, m, sinks[k], sym);
    }
  }
}

/** Indices of `points` grouped by everything but the strategy's thresholds, in first-seen order. */
function thresholdGroups(strategy: Strategy, points: readonly Params[]): number[][] {
  const thresholds = strategy.thresholds;
  if (thresholds === undefined) return points.map((_, k) => [k]);
  const groups = new Map<string, number[]>();
  points.forEach((p, k) => {
    const rest: Record<string, number> = {};
    for (const name of Object.keys(p)) if (!(name in thresholds)) rest[name] = p[name];
    const key = paramsKey(rest);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [k]);
    else group.push(k);
  });
  return [...groups.values()];
}

function loosestPoint(thresholds: Readonly<Record<string, 'up' | 'down'>>, points: readonly Params[]): Params {
  const loosest: Record<string, number> = { ...points[0] };
  for (const [name, direction] of Object.entries(thresholds)) {
    for (const p of points) {
      const v = p[name];
      if (direction === 'up' ? v > loosest[name] : v < loosest[name]) loosest[name] = v;
    }
  }
  return loosest;
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
