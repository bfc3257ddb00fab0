import { NEGLIGIBLE_SPREAD_REL } from '../backtest/metric-value.js';

/**
 * The three figures drift.ts watches, computed over a window of trades given as two parallel
 * columns (pnl in USD, return as a fraction of entry notional): the live window and every
 * bootstrap resample go through the same code, so they cannot disagree on a definition.
 *
 * Definitions follow backtest/trade-metrics.ts: a win is pnl > 0 (a zero-pnl trade counts in
 * the denominator only); profit factor = sum of winning pnl / |sum of losing pnl|; the per-trade
 * Sharpe is mean / sample sd (ddof = 1) of returnFrac, not annualised.
 *
 * Inside numeric code: profit factor is +Infinity with wins and no losses (better than any
 * finite figure, which is how the bands rank it) and NaN with neither; the Sharpe is NaN with
 * fewer than 2 trades or a spread too small to divide by. drift.ts turns these into null with a
 * reason before anything leaves the module.
 */

export interface WindowFigures {
  readonly trades: number;
  readonly wins: number;
  readonly winRate: number;
  readonly profitFactor: number;
  readonly sharpePerTrade: number;
}

/** Figures of the trades at rows[0..count) of the columns (rows may repeat: bootstrap draws). */
export function windowFigures(
  pnlUsd: ArrayLike<number>,
  returnFrac: ArrayLike<number>,
  rows: ArrayLike<number>,
  count: number,
): WindowFigures {
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let sumR = 0;
  let sumAbsR = 0;
  for (let k = 0; k < count; k++) {
    const i = rows[k];
    const pnl = pnlUsd[i];
    if (pnl > 0) {
      wins++;
      grossWin += pnl;
    } else if (pnl < 0) grossLoss -= pnl;
    sumR += returnFrac[i];
    sumAbsR += Math.abs(returnFrac[i]);
  }
  let sharpePerTrade = Number.NaN;
  if (count >= 2) {
    const meanR = sumR / count;
    let ss = 0;
    for (let k = 0; k < count; k++) {
      const d = returnFrac[rows[k]] - meanR;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / (count - 1));
    if (sd > NEGLIGIBLE_SPREAD_REL * (sumAbsR / count)) sharpePerTrade = meanR / sd;
  }
  return {
    trades: count,
    wins,
    winRate: count > 0 ? wins / count : Number.NaN,
    profitFactor: profitFactorOf(grossWin, grossLoss),
    sharpePerTrade,
  };
}

/** grossWin / grossLoss (grossLoss as a positive number); +Infinity without losses, NaN without either. */
export function profitFactorOf(grossWin: number, grossLoss: number): number {
  if (grossLoss > 0) return grossWin / grossLoss;
  return grossWin > 0 ? Number.POSITIVE_INFINITY : Number.NaN;
}

/** 0, 1, ..., n - 1. */
export function identityRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/**
 * Type-7 quantile (linear interpolation, Hyndman & Fan 1996, numpy's default) of an ascending
 * array that may end in +Infinity values; q in [0, 1]. An interpolation that touches +Infinity
 * is +Infinity (the band is open on that side).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const h = (n - 1) * q;
  const i = Math.floor(h);
  const f = h - i;
  const v = sorted[i];
  if (f === 0 || i + 1 >= n) return v;
  const w = sorted[i + 1];
  if (w === v) return v;
  if (!Number.isFinite(w)) return w;
  return v + f * (w - v);
}
