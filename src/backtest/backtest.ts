import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineConfig } from './config.js';
import { runEngine, type EngineResult } from './engine.js';
import type { MarketContext } from './market-context.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { benchmarkCurve } from './regime.js';

export interface BacktestResult {
  readonly engine: EngineResult;
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
): BacktestResult {
  if (from < ctx.span.from || to > ctx.span.to) {
    throw new RangeError(`backtest window ${from}..${to} lies outside the context's signal span ${ctx.span.from}..${ctx.span.to}`);
  }
  const legs = runs.map((r) => ctx.leg(r.strategy, r.params));
  const regime = config.regimeFilter.enabled ? ctx.regime(config.regimeFilter.smaPeriod) : null;
  const engine = runEngine({ panel: ctx.panel, legs, config, from, to, regime });
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
  return { engine, metrics, benchmark };
}
