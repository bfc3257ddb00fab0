import { usageError } from '../core/errors.js';
import type { KellyEstimate } from './kelly.js';

/**
 * Capital across strategies: each strategy trading in the account gets a share of equity (its
 * sleeve) from fractional Kelly on its trade record, capped, cut back when it moves with a
 * strategy already weighted, and reset on a schedule or when drift carries it past a ceiling.
 */
export interface KellyAllocationSettings {
  /** The safety factor on Kelly's fraction: 0.5 trades half Kelly. In (0, 1]. */
  readonly fraction: number;
  /** Most of equity one strategy is given at a rebalance. */
  readonly maxStrategyWeight: number;
  /** A sleeve that drifts above this share of equity forces a rebalance (an absolute ceiling). */
  readonly ceilingWeight: number;
  /** Sessions between scheduled rebalances (21 is about a month). */
  readonly rebalanceSessions: number;
  /** Below this many closed trades the record is too thin for Kelly: the strategy gets the start weight. */
  readonly minTrades: number;
  /** A strategy whose daily-return correlation with a weighted one exceeds this is cut back. */
  readonly correlationLimit: number;
  /** Sessions of daily sleeve returns the correlation reads. */
  readonly correlationSessions: number;
}

/** Everything but the fraction, which `--sizing kelly[:fraction]` gives (0.5 when left out). */
export const KELLY_ALLOCATION_DEFAULTS: Omit<KellyAllocationSettings, 'fraction'> = {
  maxStrategyWeight: 0.25,
  ceilingWeight: 0.4,
  rebalanceSessions: 21,
  minTrades: 20,
  correlationLimit: 0.7,
  correlationSessions: 60,
};

export const DEFAULT_KELLY_FRACTION = 0.5;

export const kellySettings = (fraction: number): KellyAllocationSettings => ({ fraction, ...KELLY_ALLOCATION_DEFAULTS });

/** Why a strategy has the weight it has. */
export interface StrategyWeight {
  /** Share of equity, in [0, maxStrategyWeight]. */
  readonly weight: number;
  /** fraction x Kelly before the cap; null while the record is too thin (weight = start weight). */
  readonly fractionalKelly: number | null;
  readonly trades: number;
  /** The strongest correlation with a strategy weighted before it, when that cut this one back. */
  readonly correlationCut: { readonly withLeg: number; readonly correlation: number; readonly factor: number } | null;
}

/**
 * Weights for strategies with Kelly estimates `estimates` (one per strategy, in leg order) and
 * pairwise sleeve-return correlations `correlation(i, j)` (NaN when unknown: no cut):
 *   1. a strategy with fewer than `minTrades` trades gets min(cap, 1 / strategies), so a new
 *      strategy can trade and build the record its Kelly fraction needs;
 *   2. otherwise fraction x f*, clamped to [0, cap] (no edge, no capital);
 *   3. strategies are visited from the largest weight down; one whose correlation with an
 *      already-weighted strategy exceeds the limit keeps (1 - rho) / (1 - limit) of its weight:
 *      nothing at rho = 1, all of it at the limit, so the cut has no jump;
 *   4. if the weights add to more than 1 they are scaled to add to 1 (never leverage).
 */
export function strategyWeights(estimates: readonly KellyEstimate[], correlation: (i: number, j: number) => number, s: KellyAllocationSettings): StrategyWeight[] {
  checkKellySettings(s);
  const n = estimates.length;
  const start = Math.min(s.maxStrategyWeight, 1 / Math.max(1, n));
  const raw = estimates.map((e) => {
    if (e.trades < s.minTrades || Number.isNaN(e.kellyFrac)) return { weight: start, fractionalKelly: null };
    const fk = s.fraction * e.kellyFrac;
    return { weight: Math.min(s.maxStrategyWeight, Math.max(0, fk)), fractionalKelly: fk };
  });
  const order = raw.map((_, i) => i).sort((a, b) => raw[b].weight - raw[a].weight || a - b);
  const weights = new Float64Array(n);
  const cuts: (StrategyWeight['correlationCut'])[] = new Array(n).fill(null);
  const placed: number[] = [];
  for (const i of order) {
    let w = raw[i].weight;
    let worst = -1;
    let worstRho = Number.NEGATIVE_INFINITY;
    for (const j of placed) {
      if (weights[j] <= 0) continue;
      const rho = correlation(i, j);
      if (rho > worstRho) {
        worstRho = rho;
        worst = j;
      }
    }
    if (worst >= 0 && worstRho > s.correlationLimit) {
      const factor = Math.max(0, (1 - worstRho) / (1 - s.correlationLimit));
      w *= factor;
      cuts[i] = { withLeg: worst, correlation: worstRho, factor };
    }
    weights[i] = w;
    placed.push(i);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  if (sum > 1) for (let i = 0; i < n; i++) weights[i] /= sum;
  return estimates.map((e, i) => ({ weight: weights[i], fractionalKelly: raw[i].fractionalKelly, trades: e.trades, correlationCut: cuts[i] }));
}

export function checkKellySettings(s: KellyAllocationSettings): void {
  const bad = (param: string, value: number, rule: string) => {
    throw usageError('BAD_PARAM', `${param} must be ${rule}, was ${value}`, { param, value });
  };
  if (!(s.fraction > 0 && s.fraction <= 1)) bad('fraction', s.fraction, 'in (0, 1]');
  if (!(s.maxStrategyWeight > 0 && s.maxStrategyWeight <= 1)) bad('maxStrategyWeight', s.maxStrategyWeight, 'in (0, 1]');
  if (!(s.ceilingWeight >= s.maxStrategyWeight && s.ceilingWeight <= 1)) bad('ceilingWeight', s.ceilingWeight, 'in [maxStrategyWeight, 1]');
  if (!(Number.isInteger(s.rebalanceSessions) && s.rebalanceSessions >= 1)) bad('rebalanceSessions', s.rebalanceSessions, 'a whole number >= 1');
  if (!(Number.isInteger(s.minTrades) && s.minTrades >= 1)) bad('minTrades', s.minTrades, 'a whole number >= 1');
  if (!(s.correlationLimit > 0 && s.correlationLimit < 1)) bad('correlationLimit', s.correlationLimit, 'in (0, 1)');
  if (!(Number.isInteger(s.correlationSessions) && s.correlationSessions >= 3)) bad('correlationSessions', s.correlationSessions, 'a whole number >= 3');
}
