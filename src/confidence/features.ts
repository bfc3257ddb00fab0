import type { BarSeries } from '../core/bar-series.js';
import { lowerBound } from '../core/calendar.js';
import { atr } from '../indicators/atr.js';
import { ibs } from '../indicators/ibs.js';
import { realisedVol } from '../indicators/realised-vol.js';
import { rollingStd } from '../indicators/rolling-std.js';
import { rsi } from '../indicators/rsi.js';
import { sma } from '../indicators/sma.js';

/**
 * The features of a signal that the confidence model reads, all known at the signal bar's
 * close (each indicator is causal: bar t and earlier). One definition for the rows the model is
 * trained on (historical signals that became trades) and for today's scan, so the two can never
 * disagree on what a feature means.
 *
 * Strategy enters as one indicator column per strategy name, in the order given, so a model
 * trained on {ibs-rsi, turtle-soup} reads the same columns at scan time.
 */
export const MARKET_FEATURES = [
  'rsi2',
  'ibs',
  'distSma200Atr',
  'atrPctOfPrice',
  'realisedVol20',
  'volumeZ20',
  'indexDistSma200',
] as const;

export type MarketFeature = (typeof MARKET_FEATURES)[number];

/** Feature names of a model over these strategies: the market features, then one column per strategy. */
export function featureNames(strategies: readonly string[]): string[] {
  return [...MARKET_FEATURES, ...strategies.map((s) => `strategy:${s}`)];
}

/** Per-bar feature columns of one symbol (batch indicators, computed once per symbol). */
export interface SymbolFeatureColumns {
  readonly day: Int32Array;
  readonly columns: Readonly<Record<MarketFeature, Float64Array>>;
}

/**
 * Computes every market feature for every bar of `bars`; `index` (the regime index) gives
 * indexDistSma200 on the symbol's days (the index's last close on or before each day; NaN
 * without an index or before its SMA(200) exists). NaN marks "not known yet" (warm-up).
 */
export function symbolFeatureColumns(bars: BarSeries, index: BarSeries | null): SymbolFeatureColumns {
  const n = bars.day.length;
  const atr14 = atr(bars.high, bars.low, bars.close, 14);
  const sma200 = sma(bars.close, 200);
  const volMean = sma(bars.volume, 20);
  const volStd = rollingStd(bars.volume, 20);
  const distSma200Atr = new Float64Array(n);
  const atrPct = new Float64Array(n);
  const volumeZ = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = bars.close[i];
    distSma200Atr[i] = atr14[i] > 0 ? (c - sma200[i]) / atr14[i] : Number.NaN;
    atrPct[i] = c > 0 ? atr14[i] / c : Number.NaN;
    volumeZ[i] = volStd[i] > 0 ? (bars.volume[i] - volMean[i]) / volStd[i] : Number.NaN;
  }
  const indexDist = new Float64Array(n).fill(Number.NaN);
  if (index !== null && index.day.length > 0) {
    const isma = sma(index.close, 200);
    for (let i = 0; i < n; i++) {
      // The index's bar on this day, or its last one before (an index hole never reads ahead).
      const k = lowerBound(index.day, bars.day[i] + 1) - 1;
      if (k >= 0 && isma[k] > 0) indexDist[i] = index.close[k] / isma[k] - 1;
    }
  }
  return {
    day: bars.day,
    columns: {
      rsi2: rsi(bars.close, 2),
      ibs: ibs(bars.high, bars.low, bars.close),
      distSma200Atr,
      atrPctOfPrice: atrPct,
      realisedVol20: realisedVol(bars.close, 20),
      volumeZ20: volumeZ,
      indexDistSma200: indexDist,
    },
  };
}

/**
 * One signal's feature row (names as `featureNames(strategies)`), or null when a market
 * feature is not known yet on that bar (warm-up): such a signal gets no confidence, it is not
 * scored on made-up zeros.
 */
export function signalFeatureRow(cols: SymbolFeatureColumns, bar: number, strategy: string, strategies: readonly string[]): Float64Array | null {
  const row = new Float64Array(MARKET_FEATURES.length + strategies.length);
  for (let f = 0; f < MARKET_FEATURES.length; f++) {
    const v = cols.columns[MARKET_FEATURES[f]][bar];
    if (!Number.isFinite(v)) return null;
    row[f] = v;
  }
  const s = strategies.indexOf(strategy);
  if (s >= 0) row[MARKET_FEATURES.length + s] = 1;
  return row;
}
