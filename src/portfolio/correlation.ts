import type { MarketPanel } from '../backtest/panel.js';

/**
 * Return correlations the allocation limits read: Pearson's correlation of daily returns over a
 * trailing window that ends at the decision's close, so a limit never reads a later bar.
 */

/**
 * Pearson's correlation of x[0..n) and y[0..n), with both means taken first (two passes: a
 * one-pass sum of products loses digits on returns that are all of one sign). NaN when n < 3 or
 * either side is constant (a correlation with a flat series is undefined, not zero).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  if (n < 3) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return Number.NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  // Rounding can carry |r| a hair past 1 on identical series.
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/** Reused buffers of pairwise returns: one pair of arrays per window length, grown on demand. */
export class ReturnPairs {
  private a = new Float64Array(0);
  private b = new Float64Array(0);

  /**
   * Correlation of the close-to-close returns of symbols `symA` and `symB` over the `sessions`
   * calendar sessions ending at calendar index `t` (inclusive). A session counts when both
   * symbols have a bar on it; each return is from the symbol's previous bar (a skipped session is
   * spanned, not invented). NaN when fewer than half the sessions pair up or a side is flat.
   */
  returnCorrelation(panel: MarketPanel, symA: number, symB: number, t: number, sessions: number): number {
    if (this.a.length < sessions) {
      this.a = new Float64Array(sessions);
      this.b = new Float64Array(sessions);
    }
    const mapA = panel.barAt[symA];
    const mapB = panel.barAt[symB];
    const closeA = panel.series[symA].close;
    const closeB = panel.series[symB].close;
    let n = 0;
    for (let k = Math.max(0, t - sessions + 1); k <= t; k++) {
      const i = mapA[k];
      const j = mapB[k];
      if (i < 1 || j < 1) continue;
      this.a[n] = closeA[i] / closeA[i - 1] - 1;
      this.b[n] = closeB[j] / closeB[j - 1] - 1;
      n++;
    }
    return n * 2 < sessions ? Number.NaN : pearson(this.a, this.b, n);
  }
}
