import type { Params } from '../../strategies/params.js';
import type { Strategy } from '../../strategies/types.js';

/**
 * How many bars before the scanned day a scan computes its indicators from.
 *
 * Windowed indicators (SMA, channels, IBS, rolling vol) are exact once their window is full: the
 * strategy's `warmupBars` covers them. Recursive smoothers are not: a Wilder average (ATR, RSI;
 * EMA forgets faster, 2/(n+1) > 1/n) started k bars later than the full-history one differs from
 * it by its seed difference times (1 - 1/n)^k. The seed difference is at most of the order of
 * the value itself (a volatility regime change can make it a few times larger), so we ask for
 * (1 - 1/n)^k < 1e-10, ten times tighter than the 1e-9 relative agreement the scan promises:
 *   k = ceil(ln(1e-10) / ln(1 - 1/n))   (n = 14: 311 bars; n = 2: 34 bars).
 * The history is warmup + k, counted back from the first bar the warm-up needs, so every value
 * read on the scanned day has had k bars of smoothing after its window first filled.
 */
export const SMOOTHING_TOLERANCE = 1e-10;

/** Bars after which a Wilder smoother of period n has forgotten its start to `tolerance`. */
export function convergenceBars(period: number, tolerance = SMOOTHING_TOLERANCE): number {
  if (period <= 1) return 0;
  return Math.ceil(Math.log(tolerance) / Math.log(1 - 1 / period));
}

/** History one strategy leg needs before the scanned day. */
export function legHistoryBars(strategy: Strategy, params: Params): number {
  const warmup = strategy.warmupBars(params);
  // Without a declared smoothing period, the warm-up bounds every indicator period of the rule.
  const smoothing = Math.max(strategy.smoothingPeriod?.(params) ?? warmup, params.atrPeriod ?? 0);
  return warmup + convergenceBars(smoothing);
}

/**
 * The confidence features (confidence/features.ts) read SMA(200) and a Wilder ATR(14) of the
 * symbol, RSI(2), 20-bar windows and the index's SMA(200); the regime reads the index's
 * SMA(regimeSma) and its 20-bar realised vol.
 */
export function featureHistoryBars(regimeSmaPeriod: number): number {
  return Math.max(200, regimeSmaPeriod, 21) + convergenceBars(14);
}

/** The history a scan of these legs needs: the most any of them, the features or the regime need. */
export function scanHistoryBars(legs: readonly { readonly strategy: Strategy; readonly params: Params }[], regimeSmaPeriod: number): number {
  let bars = featureHistoryBars(regimeSmaPeriod);
  for (const leg of legs) bars = Math.max(bars, legHistoryBars(leg.strategy, leg.params));
  return bars;
}
