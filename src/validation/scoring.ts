/**
 * Seed 003's scoring model: one number that blends Sharpe, return, profit factor, a drawdown
 * penalty and trade depth, each mapped to [0, 1] with a saturation point, plus penalty tags that
 * say in words what is wrong. The tags are stored and shown beside the score.
 *
 *   score = 0.35 s(sharpe / 2) + 0.20 s(cagr / 0.25) + 0.20 s((pf - 1) / 1.0)
 *         + 0.10 s(trades / 100) - 0.25 s(maxDrawdown / 0.30)          s(x) = clamp(x, 0, 1)
 */
export interface ScoreInputs {
  readonly sharpe: number | null;
  readonly cagr: number | null;
  readonly profitFactor: number | null;
  readonly maxDrawdown: number | null;
  readonly trades: number;
  readonly totalPnl: number;
}

export type PenaltyTag =
  | 'negative_pnl'
  | 'profit_factor_below_one'
  | 'insufficient_data'
  | 'deep_drawdown'
  | 'negative_sharpe'
  | 'undefined_metric';

export interface Score {
  readonly score: number;
  readonly tags: PenaltyTag[];
  readonly parts: Readonly<Record<string, number>>;
}

const s = (x: number): number => Math.min(1, Math.max(0, x));

export function scoreStrategy(x: ScoreInputs, minTrades = 30): Score {
  const tags: PenaltyTag[] = [];
  if (x.totalPnl < 0) tags.push('negative_pnl');
  if (x.profitFactor !== null && x.profitFactor < 1) tags.push('profit_factor_below_one');
  if (x.trades < minTrades) tags.push('insufficient_data');
  if (x.maxDrawdown !== null && x.maxDrawdown > 0.3) tags.push('deep_drawdown');
  if (x.sharpe !== null && x.sharpe < 0) tags.push('negative_sharpe');
  if (x.sharpe === null || x.cagr === null || x.maxDrawdown === null) tags.push('undefined_metric');
  // A profit factor that cannot be computed because nothing lost saturates; one with no trades is 0.
  const pf = x.profitFactor ?? (x.trades > 0 && x.totalPnl > 0 ? 2 : 0);
  const parts = {
    sharpe: 0.35 * s((x.sharpe ?? 0) / 2),
    return: 0.2 * s((x.cagr ?? 0) / 0.25),
    profitFactor: 0.2 * s(pf - 1),
    depth: 0.1 * s(x.trades / 100),
    drawdownPenalty: -0.25 * s((x.maxDrawdown ?? 1) / 0.3),
  };
  const score = Object.values(parts).reduce((a, b) => a + b, 0);
  return { score: Number(score.toFixed(6)), tags, parts };
}
