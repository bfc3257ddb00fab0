import { usageError } from '../core/errors.js';
import { expandGrid, paramsKey, type Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import { backtest, type BacktestResult } from './backtest.js';
import type { EngineConfig } from './config.js';
import type { Trade } from './engine.js';
import type { MarketContext } from './market-context.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { benchmarkCurve } from './regime.js';

/** Calendar index ranges, inclusive. Train always ends the session before its test begins. */
export interface Fold {
  readonly index: number;
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
}

/** A trailing test window shorter than this many sessions is dropped, not reported. */
export const MIN_TEST_SESSIONS = 5;

/**
 * Rolling folds over sessions [from, to]: train on `trainDays` sessions, test on the next
 * `testDays`, then roll forward by `testDays`. Test windows are disjoint, ordered and together
 * cover the span after the first train window.
 */
export function makeFolds(from: number, to: number, trainDays: number, testDays: number): Fold[] {
  for (const [param, v] of [['trainDays', trainDays], ['testDays', testDays]] as const) {
    if (!Number.isInteger(v) || v < 1) throw usageError('BAD_PARAM', `must be a positive whole number of sessions, was ${v}`, { param, value: v });
  }
  const folds: Fold[] = [];
  for (let trainFrom = from; ; trainFrom += testDays) {
    const trainTo = trainFrom + trainDays - 1;
    const testFrom = trainTo + 1;
    if (testFrom > to) break;
    const testTo = Math.min(testFrom + testDays - 1, to);
    if (testTo - testFrom + 1 < Math.min(MIN_TEST_SESSIONS, testDays)) break;
    folds.push({ index: folds.length, trainFrom, trainTo, testFrom, testTo });
  }
  return folds;
}

export interface TuneCandidate {
  readonly params: Params;
  /** Train-window Sharpe, or null when it could not be computed or trades were too few. */
  readonly score: number | null;
  readonly trades: number;
}

export interface FoldResult {
  readonly fold: Fold;
  readonly params: Params;
  readonly tuneNote: string;
  readonly candidates: readonly TuneCandidate[];
  readonly test: BacktestResult;
}

export interface WalkForwardOptions {
  readonly strategy: Strategy;
  readonly baseParams: Params;
  /** Tune on each train window over the strategy's declared grid; false trades baseParams. */
  readonly tune: boolean;
  readonly trainDays: number;
  readonly testDays: number;
  readonly from: number;
  readonly to: number;
  readonly config: EngineConfig;
  /** A grid candidate needs at least this many train trades to be chosen. */
  readonly minTrainTrades: number;
  /** Called after each fold (for progress display); must not affect the run. */
  readonly onFold?: (done: number, total: number) => void;
}

export interface WalkForwardResult {
  readonly folds: readonly FoldResult[];
  readonly days: Int32Array;
  readonly equity: Float64Array;
  readonly exposureFrac: Float64Array;
  readonly benchmark: Float64Array | null;
  readonly trades: readonly Trade[];
  readonly metrics: Metrics;
  readonly evaluations: number;
}

/**
 * Walk-forward: each fold picks parameters on its train window (highest Sharpe among grid
 * candidates with enough trades; ties go to the earlier grid entry) and trades its test window
 * with them. Test windows are chained: each starts with the equity the previous one ended with,
 * and ends flat, so the stitched out-of-sample curve is just their concatenation.
 */
export function runWalkForward(ctx: MarketContext, o: WalkForwardOptions): WalkForwardResult {
  const folds = makeFolds(o.from, o.to, o.trainDays, o.testDays);
  if (folds.length === 0) {
    throw usageError('NO_FOLDS', `the span has ${o.to - o.from + 1} sessions, fewer than one train window (${o.trainDays}) plus a test window`, {
      param: 'trainDays',
      hint: 'widen the span (from, to) or shorten trainDays/testDays',
    });
  }
  const grid = o.tune ? expandGrid(o.baseParams, o.strategy.tuneGrid).filter((p) => (o.strategy.validate?.(p) ?? null) === null) : [o.baseParams];
  // Every book the folds can ask for, in one pass (the test windows trade a grid point or the base).
  ctx.legs(o.strategy, grid.some((p) => paramsKey(p) === paramsKey(o.baseParams)) ? grid : [...grid, o.baseParams]);
  let capital = o.config.initialCapital;
  const oosTrades: Trade[] = [];
  let evaluations = 0;
  const results: FoldResult[] = [];
  for (const fold of folds) {
    const candidates: TuneCandidate[] = [];
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    if (grid.length > 1) {
      for (const params of grid) {
        const r = backtest(ctx, [{ strategy: o.strategy, params }], { ...o.config, recordDecisions: false }, fold.trainFrom, fold.trainTo);
        evaluations++;
        const enough = r.engine.trades.length >= o.minTrainTrades;
        const score = enough ? r.metrics.sharpe.value : null;
        candidates.push({ params, score, trades: r.engine.trades.length });
        if (score !== null && score > bestScore) {
          bestScore = score;
          best = candidates.length - 1;
        }
      }
    }
    const params = best >= 0 ? grid[best] : o.baseParams;
    const tuneNote =
      grid.length <= 1
        ? 'fixed parameters (no tuning)'
        : best >= 0
          ? `best train Sharpe ${bestScore.toFixed(2)} of ${grid.length} candidates`
          : `no candidate had ${o.minTrainTrades}+ train trades and a Sharpe; traded the defaults`;
    // Kelly sizing reads the out-of-sample record: the strategy's trades in the earlier test windows.
    const test = backtest(ctx, [{ strategy: o.strategy, params }], { ...o.config, initialCapital: capital }, fold.testFrom, fold.testTo, oosTrades);
    evaluations++;
    capital = test.engine.finalEquity;
    if (test.standaloneTrades !== null) oosTrades.push(...test.standaloneTrades);
    results.push({ fold, params, tuneNote, candidates, test });
    o.onFold?.(results.length, folds.length);
  }
  return { ...stitch(ctx, results, o.config), folds: results, evaluations };
}

function stitch(ctx: MarketContext, folds: readonly FoldResult[], config: EngineConfig) {
  const total = folds.reduce((a, f) => a + f.test.engine.days.length, 0);
  const days = new Int32Array(total);
  const equity = new Float64Array(total);
  const exposureFrac = new Float64Array(total);
  const trades: Trade[] = [];
  let k = 0;
  let fees = 0;
  for (const f of folds) {
    days.set(f.test.engine.days, k);
    equity.set(f.test.engine.equity, k);
    exposureFrac.set(f.test.engine.exposureFrac, k);
    k += f.test.engine.days.length;
    trades.push(...f.test.engine.trades);
    fees += f.test.engine.feesPaidUsd;
  }
  const first = folds[0].fold.testFrom;
  const last = folds[folds.length - 1].fold.testTo;
  const benchmark = benchmarkCurve(ctx.panel, first, last, config.initialCapital);
  const metrics = computeMetrics({
    days,
    equity,
    exposureFrac,
    initialCapital: config.initialCapital,
    trades,
    feesPaid: fees,
    benchmarkEquity: benchmark ?? undefined,
  });
  return { days, equity, exposureFrac, benchmark, trades, metrics };
}
