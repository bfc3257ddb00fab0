import type { EngineConfig } from '../backtest/config.js';
import type { MarketContext } from '../backtest/market-context.js';
import { metricsToJson, type MetricsJson } from '../backtest/metrics.js';
import { entrySignalCount } from '../backtest/signal-book.js';
import { makeFolds, runWalkForward, type WalkForwardResult } from '../backtest/walk-forward.js';
import { dayToIso } from '../core/calendar.js';
import { fingerprint } from './fingerprint.js';
import type { Genome } from './genome.js';
import { genomeStrategy } from './operators.js';

/** How a genome is judged; part of every evaluation's identity (see contextHash in the store). */
export interface FitnessSettings {
  readonly from: number;
  readonly to: number;
  readonly trainDays: number;
  readonly testDays: number;
  readonly config: EngineConfig;
  /** Prune when the median train window has fewer entry signals than this (so fewer trades). */
  readonly minTrainTrades: number;
  /** Prune when any test split loses more than this fraction of its starting equity. */
  readonly blowUpFrac: number;
}

export interface Objectives {
  /** Stitched out-of-sample Sharpe (annualised, daily); 0 when undefined. */
  readonly sharpe: number;
  /** Fraction of test splits with a positive return. */
  readonly consistency: number;
  /** Out-of-sample maximum drawdown, a fraction. */
  readonly maxDrawdown: number;
  /** Traded notional (entries and exits) per year over average equity. */
  readonly turnover: number;
}

export interface SplitOutcome {
  readonly split: number;
  readonly testStart: string;
  readonly testEnd: string;
  readonly trades: number;
  readonly returnFrac: number;
  readonly sharpe: number | null;
  readonly maxDrawdownFrac: number | null;
}

export interface EvalResult {
  readonly fingerprint: string;
  readonly status: 'ok' | 'pruned';
  readonly reason: string | null;
  readonly fitness: number | null;
  readonly objectives: Objectives | null;
  readonly sqn: number | null;
  readonly trades: number;
  readonly splits: readonly SplitOutcome[];
  readonly oos: MetricsJson | null;
}

/**
 * The score the search maximises, one documented formula (seed 004's ingredients):
 *   fitness = sharpe * (0.5 + 0.5 * consistency) - 2 * maxDrawdown - 0.01 * max(0, turnover - 25)
 * Sharpe is the core; a record that only works in a few splits keeps half of it; a drawdown of
 * 10% costs 0.2 Sharpe points; turnover beyond 25x equity a year (where costs and capacity start
 * to bite even for liquid names) is charged a little. The Pareto front over the four objectives
 * is reported beside it, so no trader has to accept these weights.
 */
export function fitnessScore(o: Objectives): number {
  return o.sharpe * (0.5 + 0.5 * o.consistency) - 2 * o.maxDrawdown - 0.01 * Math.max(0, o.turnover - 25);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Walk-forward, out of sample, with the engine's costs: exactly what `kobe wf --no-tune` with
 * the genome's parameters would report, so a user can reproduce any fitness by hand. Cheap checks
 * first: a genome whose median train window has too few signals is pruned before any backtest.
 */
export function evaluateGenome(ctx: MarketContext, genome: Genome, s: FitnessSettings): EvalResult {
  const fp = fingerprint(genome);
  const { strategy, params } = genomeStrategy(genome);
  const folds = makeFolds(s.from, s.to, s.trainDays, s.testDays);
  const leg = ctx.leg(strategy, params);
  // Entries only: a rule whose exit fires on most bars must not pass for an active one.
  const trainSignals = folds.map((f) => entrySignalCount(leg.book, f.trainFrom, f.trainTo));
  const pruned = (reason: string, trades = 0, splits: SplitOutcome[] = []): EvalResult => ({
    fingerprint: fp,
    status: 'pruned',
    reason,
    fitness: null,
    objectives: null,
    sqn: null,
    trades,
    splits,
    oos: null,
  });
  const medianSignals = median(trainSignals);
  if (medianSignals < s.minTrainTrades) {
    return pruned(`too few trades on the train windows: median ${medianSignals} signals per window < ${s.minTrainTrades}`);
  }
  const wf = genomeWalkForward(ctx, genome, s);
  const cal = ctx.panel.calendar;
  const splits: SplitOutcome[] = wf.folds.map((f) => ({
    split: f.fold.index,
    testStart: dayToIso(cal[f.fold.testFrom]),
    testEnd: dayToIso(cal[f.fold.testTo]),
    trades: f.test.engine.trades.length,
    returnFrac: f.test.engine.finalEquity / f.test.engine.initialCapital - 1,
    sharpe: f.test.metrics.sharpe.value,
    maxDrawdownFrac: f.test.metrics.maxDrawdownFrac.value,
  }));
  const blown = splits.find((x) => x.returnFrac <= -s.blowUpFrac);
  if (blown !== undefined) {
    return pruned(`split ${blown.split} blew up: ${(blown.returnFrac * 100).toFixed(1)}% (limit -${(s.blowUpFrac * 100).toFixed(0)}%)`, wf.trades.length, splits);
  }
  const m = wf.metrics;
  let notional = 0;
  for (const t of wf.trades) notional += t.shares * (t.entryPrice + t.exitPrice);
  let equitySum = 0;
  for (let i = 0; i < wf.equity.length; i++) equitySum += wf.equity[i];
  const years = wf.equity.length / 252;
  const objectives: Objectives = {
    sharpe: m.sharpe.value ?? 0,
    consistency: splits.filter((x) => x.returnFrac > 0).length / Math.max(1, splits.length),
    maxDrawdown: m.maxDrawdownFrac.value ?? 0,
    turnover: years > 0 && equitySum > 0 ? notional / (equitySum / wf.equity.length) / years : 0,
  };
  return {
    fingerprint: fp,
    status: 'ok',
    reason: null,
    fitness: fitnessScore(objectives),
    objectives,
    sqn: m.sqn.value,
    trades: wf.trades.length,
    splits,
    oos: metricsToJson(m),
  };
}

/** The out-of-sample walk-forward a genome is judged by (no tuning: the genome is the parameters). */
export function genomeWalkForward(ctx: MarketContext, genome: Genome, s: FitnessSettings): WalkForwardResult {
  const { strategy, params } = genomeStrategy(genome);
  return runWalkForward(ctx, {
    strategy,
    baseParams: params,
    tune: false,
    trainDays: s.trainDays,
    testDays: s.testDays,
    from: s.from,
    to: s.to,
    config: { ...s.config, recordDecisions: false },
    minTrainTrades: 0,
  });
}

/** Objectives are better when higher (sharpe, consistency) or lower (drawdown, turnover). */
export function dominates(a: Objectives, b: Objectives): boolean {
  const ge = a.sharpe >= b.sharpe && a.consistency >= b.consistency && a.maxDrawdown <= b.maxDrawdown && a.turnover <= b.turnover;
  const gt = a.sharpe > b.sharpe || a.consistency > b.consistency || a.maxDrawdown < b.maxDrawdown || a.turnover < b.turnover;
  return ge && gt;
}

/** The non-dominated results (ties kept), in input order. */
export function paretoFront<T extends { objectives: Objectives | null }>(xs: readonly T[]): T[] {
  const ok = xs.filter((x) => x.objectives !== null);
  return ok.filter((x) => !ok.some((y) => y !== x && dominates(y.objectives!, x.objectives!)));
}
