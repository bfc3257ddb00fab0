import { usageError } from '../core/errors.js';

/**
 * The Kelly criterion on a trade record, in the form traders quote it (Kelly 1956; Thorp, "The
 * Kelly criterion in blackjack, sports betting and the stock market", 2006):
 *
 *   f* = p - q / R,   p = winning trades / trades, q = 1 - p, R = mean win / mean loss
 *
 * with wins and losses measured as returns on the position's cost. For a bet that wins R per unit
 * staked or loses the stake this is the growth-optimal fraction of capital staked; for trades that
 * lose a fraction L of the position on average, the growth-optimal position is f* / L of capital,
 * so f* is the fraction of capital *at risk*. kobe uses f* as a strategy's share of equity: the
 * conservative reading, and the one the caps are written for.
 */
export interface KellyEstimate {
  readonly trades: number;
  /** Trades with a positive return / all trades (a flat trade counts in the denominator only). */
  readonly winRate: number;
  /** Mean return of the winning trades, fraction of cost (NaN without a win). */
  readonly meanWinFrac: number;
  /** Mean loss of the losing trades as a positive fraction of cost (NaN without a loss). */
  readonly meanLossFrac: number;
  /** meanWin / meanLoss; Infinity without a loss, NaN without a win. */
  readonly payoffRatio: number;
  /** f* (full Kelly) in [-1, 1]: negative means no edge (bounded at -1, see kellyEstimate); NaN for an empty record. */
  readonly kellyFrac: number;
}

/** Kelly's fraction of a record of trade returns (each a fraction of the position's cost). */
export function kellyEstimate(returnsFrac: ArrayLike<number>): KellyEstimate {
  const n = returnsFrac.length;
  let wins = 0;
  let losses = 0;
  let winSum = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const r = returnsFrac[i];
    if (!Number.isFinite(r)) throw usageError('BAD_PARAM', `trade return ${i} is not a finite number, was ${r}`, { param: 'returnsFrac', value: r });
    if (r > 0) {
      wins++;
      winSum += r;
    } else if (r < 0) {
      losses++;
      lossSum -= r;
    }
  }
  const p = n === 0 ? Number.NaN : wins / n;
  const meanWin = wins === 0 ? Number.NaN : winSum / wins;
  const meanLoss = losses === 0 ? Number.NaN : lossSum / losses;
  const payoff = wins === 0 ? Number.NaN : losses === 0 ? Number.POSITIVE_INFINITY : meanWin / meanLoss;
  // p - q/R runs to -infinity as the mean win shrinks (and is -infinity without a win). Any value
  // under zero already means no capital, so it is bounded at -1, the value of a record without a
  // win: bounded this way it stays monotone (a loss turned into a win never lowers it) and finite.
  const kelly = n === 0 ? Number.NaN : wins === 0 ? -1 : losses === 0 ? p : Math.max(-1, p - (1 - p) / payoff);
  return { trades: n, winRate: p, meanWinFrac: meanWin, meanLossFrac: meanLoss, payoffRatio: payoff, kellyFrac: kelly };
}

/** A trade's return on the cost of its position, net of fees: what kellyEstimate reads. */
export const tradeReturnFrac = (t: { readonly pnl: number; readonly entryPrice: number; readonly shares: number }): number =>
  t.pnl / (t.entryPrice * t.shares);
