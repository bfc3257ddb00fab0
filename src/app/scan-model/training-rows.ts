import { lowerBound } from '../../core/calendar.js';
import { sha256Hex, stableStringify } from '../../core/stable-json.js';
import { backtest } from '../../backtest/backtest.js';
import type { EngineConfig } from '../../backtest/config.js';
import type { MarketContext } from '../../backtest/market-context.js';
import { featureNames, signalFeatureRow, symbolFeatureColumns, type SymbolFeatureColumns } from '../../confidence/features.js';
import type { TrainingRows } from '../../confidence/train.js';
import type { Params } from '../../strategies/params.js';
import type { Strategy } from '../../strategies/types.js';

export type Leg = { readonly strategy: Strategy; readonly params: Params };

/**
 * The rows a confidence model learns from: the engine's own closed trades over the market's
 * history, under the configuration the scan trades with. Each trade is one row: its features at
 * the close of its signal bar (`signalFeatureRow` on the symbol's bar of `entrySignalDay`, the
 * same definition the scan reads today), label 1 when its P&L after costs is positive, its signal
 * day and the day it closed.
 *
 * Two kinds of trade are not rows, and are counted:
 * - `window_end`: the engine sells what is still open at the last session of the run; that P&L is
 *   an artefact of where the data ends, not the trade's outcome under its rules;
 * - warm-up: a market feature not yet known on the signal bar (e.g. SMA(200) in the first 200
 *   bars); the scan gives such a signal no confidence either.
 */
export interface BuiltTrainingRows {
  readonly rows: TrainingRows;
  /** Strategy names in the order of their feature columns. */
  readonly strategies: readonly string[];
  readonly trades: number;
  readonly droppedWarmup: number;
  readonly droppedOpenAtEnd: number;
  /** sha256 of the market's data hash, the engine config, the legs and every row. */
  readonly dataHash: string;
}

/** Strategy names, each once, in leg order: the model's strategy columns. */
export function legStrategyNames(legs: readonly Leg[]): string[] {
  return [...new Set(legs.map((l) => l.strategy.name))];
}

export function buildTrainingRows(market: MarketContext, legs: readonly Leg[], config: EngineConfig, from: number, to: number, sourceDataHash: string): BuiltTrainingRows {
  const { panel } = market;
  const strategies = legStrategyNames(legs);
  const names = featureNames(strategies);
  const cols = names.length;
  const result = backtest(market, legs, { ...config, recordDecisions: false }, from, to);
  const symbolIndex = new Map(panel.symbols.map((s, i) => [s, i]));
  const features = new Map<number, SymbolFeatureColumns>();
  const data: number[] = [];
  const labels: number[] = [];
  const signalDays: number[] = [];
  const closeDays: number[] = [];
  let droppedWarmup = 0;
  let droppedOpenAtEnd = 0;
  for (const t of result.engine.trades) {
    if (t.exitReason === 'window_end') {
      droppedOpenAtEnd++;
      continue;
    }
    const sym = symbolIndex.get(t.symbol);
    if (sym === undefined) throw new Error(`trade of ${t.symbol}, a symbol the panel does not hold`);
    const bars = panel.series[sym];
    const bar = lowerBound(bars.day, t.entrySignalDay);
    if (bars.day[bar] !== t.entrySignalDay) throw new Error(`trade of ${t.symbol} signalled on day ${t.entrySignalDay}, a day without a bar of it`);
    let colsOf = features.get(sym);
    if (colsOf === undefined) {
      colsOf = symbolFeatureColumns(bars, panel.index);
      features.set(sym, colsOf);
    }
    const row = signalFeatureRow(colsOf, bar, t.strategy, strategies);
    if (row === null) {
      droppedWarmup++;
      continue;
    }
    for (let f = 0; f < cols; f++) data.push(row[f]);
    labels.push(t.pnl > 0 ? 1 : 0);
    signalDays.push(t.entrySignalDay);
    closeDays.push(t.exitDay);
  }
  const rows: TrainingRows = {
    x: { data: Float64Array.from(data), rows: labels.length, cols },
    featureNames: names,
    labels: Uint8Array.from(labels),
    signalDays: Int32Array.from(signalDays),
    closeDays: Int32Array.from(closeDays),
  };
  const dataHash = sha256Hex(
    stableStringify({
      source: sourceDataHash,
      config: { ...config, recordDecisions: false },
      legs: legs.map((l) => ({ name: l.strategy.name, version: l.strategy.version, params: l.params })),
      featureNames: names,
      rows: sha256Hex(new Uint8Array(rows.x.data.buffer)) + sha256Hex(rows.labels) + sha256Hex(new Uint8Array(rows.signalDays.buffer)) + sha256Hex(new Uint8Array(rows.closeDays.buffer)),
    }),
  );
  return { rows, strategies, trades: result.engine.trades.length, droppedWarmup, droppedOpenAtEnd, dataHash };
}
