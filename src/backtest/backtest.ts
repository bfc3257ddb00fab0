import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineConfig } from './config.js';
import { recordColumns, type TradeRecordColumns } from '../portfolio/sleeves.js';
import { runEngine, type EngineResult, type Trade } from './engine.js';
import type { MarketContext } from './market-context.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { benchmarkCurve } from './regime.js';

export interface BacktestResult {
  readonly engine: EngineResult;
  /** Kelly sizing only: each strategy's trades run on its own over the window (its record), else null. */
  readonly standaloneTrades: readonly Trade[] | null;
  readonly metrics: Metrics;
  readonly benchmark: Float64Array | null;
}

/** One portfolio run of one or more strategies over calendar indices [from, to]. */
export function backtest(
  ctx: MarketContext,
  runs: readonly { readonly strategy: Strategy; readonly params: Params }[],
  config: EngineConfig,
  from: number,
  to: number,
  /** Kelly sizing: trades of these strategies run on their own before `from` (earlier out-of-sample windows). */
  priorTrades: readonly Trade[] = [],
): BacktestResult {
  if (from < ctx.span.from || to > ctx.span.to) {
    throw new RangeError(`backtest window ${from}..${to} lies outside the context's signal span ${ctx.span.from}..${ctx.span.to}`);
  }
  const legs = runs.map((r) => ctx.leg(r.strategy, r.params));
  const regime = config.regimeFilter.enabled ? ctx.regime(config.regimeFilter.smaPeriod) : null;
  let standaloneTrades: Trade[] | null = null;
  let kellyRecords: TradeRecordColumns[] | undefined;
  if (config.sizing.mode === 'kelly') {
    // Each strategy's record is what it does on its own, sized equal-weight in the same account
    // terms: a sleeve whose weight falls to zero keeps a record, and so a way back.
    const alone = { ...config, sizing: { mode: 'equal-weight' as const }, recordDecisions: false };
    standaloneTrades = [];
    kellyRecords = legs.map((leg) => {
      const own = runEngine({ panel: ctx.panel, legs: [leg], config: alone, from, to, regime }).trades;
      standaloneTrades!.push(...own);
      return recordColumns([...priorTrades.filter((t) => t.strategy === leg.strategy.name), ...own]);
    });
  }
  const engine = runEngine({ panel: ctx.panel, legs, config, from, to, regime, kellyRecords });
  const benchmark = benchmarkCurve(ctx.panel, from, to, config.initialCapital);
  const metrics = computeMetrics({
    days: engine.days,
    equity: engine.equity,
    exposureFrac: engine.exposureFrac,
    initialCapital: config.initialCapital,
    trades: engine.trades,
    feesPaid: engine.feesPaidUsd,
    benchmarkEquity: benchmark ?? undefined,
  });
  return { engine, metrics, benchmark, standaloneTrades };
}
