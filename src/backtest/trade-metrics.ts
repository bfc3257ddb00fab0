import type { Metrics, TradeRecord } from './metrics.js';
import { metric, MetricReason, type MetricValue, NEGLIGIBLE_SPREAD_REL, noMetric } from './metric-value.js';

/** The trade statistics of computeMetrics (metrics.ts), from the trade list alone. */

export type TradeMetrics = Pick<
  Metrics,
  'trades' | 'winRate' | 'avgWinUsd' | 'avgLossUsd' | 'expectancyUsd' | 'expectancyR' | 'profitFactor' | 'sqn' | 'avgBarsHeld'
>;

export function tradeMetrics(trades: readonly TradeRecord[]): TradeMetrics {
  const k = trades.length;
  if (k === 0) {
    const none = (): MetricValue => noMetric(MetricReason.NO_TRADES);
    return {
      trades: 0, winRate: none(), avgWinUsd: none(), avgLossUsd: none(), expectancyUsd: none(),
      expectancyR: none(), profitFactor: none(), sqn: none(), avgBarsHeld: none(),
    };
  }
  let wins = 0;
  let losses = 0;
  let grossWin = 0;
  let grossLoss = 0; // sum of losing pnl, <= 0
  let sumBars = 0;
  let sumR = 0;
  let withRisk = 0;
  for (let i = 0; i < k; i++) {
    const t = trades[i];
    const pnl = t.pnl;
    if (pnl > 0) {
      wins++;
      grossWin += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLoss += pnl;
    }
    sumBars += t.barsHeld;
    const risk = t.initialRiskUsd;
    if (risk !== null && risk > 0) {
      sumR += pnl / risk;
      withRisk++;
    }
  }
  const meanPnl = (grossWin + grossLoss) / k;

  let profitFactor: MetricValue;
  if (losses > 0) profitFactor = metric(grossWin / -grossLoss);
  else profitFactor = noMetric(wins > 0 ? MetricReason.NO_LOSING_TRADES : MetricReason.NO_DECISIVE_TRADES);

  let sqn: MetricValue;
  if (k < 2) sqn = noMetric(MetricReason.FEWER_THAN_2_TRADES);
  else {
    let ss = 0;
    let sumAbs = 0;
    for (let i = 0; i < k; i++) {
      const d = trades[i].pnl - meanPnl;
      ss += d * d;
      sumAbs += Math.abs(trades[i].pnl);
    }
    const sd = Math.sqrt(ss / (k - 1));
    sqn = sd > NEGLIGIBLE_SPREAD_REL * (sumAbs / k)
      ? metric((Math.sqrt(k) * meanPnl) / sd)
      : noMetric(MetricReason.ZERO_PNL_SPREAD);
  }

  return {
    trades: k,
    winRate: metric(wins / k),
    avgWinUsd: wins > 0 ? metric(grossWin / wins) : noMetric(MetricReason.NO_WINNING_TRADES),
    avgLossUsd: losses > 0 ? metric(grossLoss / losses) : noMetric(MetricReason.NO_LOSING_TRADES),
    expectancyUsd: metric(meanPnl),
    expectancyR: withRisk > 0 ? metric(sumR / withRisk) : noMetric(MetricReason.NO_KNOWN_RISK),
    profitFactor,
    sqn,
    avgBarsHeld: metric(sumBars / k),
  };
}
