import { dayToIso } from '../core/calendar.js';
import type { EngineConfig } from '../backtest/config.js';
import type { EngineResult } from '../backtest/engine.js';
import { KELLY_ALLOCATION_DEFAULTS } from '../portfolio/allocation.js';
import type { AllocationReportInput } from '../report/allocation-report.js';

/**
 * What the allocation did in one engine run, for `--json` and artifacts: the position limits and
 * how often they bit, and under Kelly sizing the settings and every rebalance with each strategy's
 * weight and why. `strategies` names the legs in order.
 */
export function allocationJson(config: EngineConfig, e: Pick<EngineResult, 'allocation' | 'denials' | 'sizeClamps'>, strategies: readonly string[]): AllocationReportInput {
  return {
    limits: {
      maxSymbolWeight: config.limits.maxSymbolWeight,
      ordersClampedToSymbolWeight: e.sizeClamps,
      maxCorrelation: config.limits.maxCorrelation,
      deniedForCorrelation: e.denials.CORRELATION_LIMIT,
    },
    kelly:
      config.sizing.mode !== 'kelly' || e.allocation === null
        ? null
        : {
            settings: { fraction: config.sizing.fraction, ...KELLY_ALLOCATION_DEFAULTS },
            deniedForStrategyBudget: e.denials.STRATEGY_BUDGET,
            rebalances: e.allocation.map((ev) => ({
              date: dayToIso(ev.day),
              reason: ev.reason,
              equityUsd: ev.equityUsd,
              strategies: ev.legs.map((l, i) => ({
                strategy: strategies[i],
                weight: l.weight,
                capitalUsd: l.capitalUsd,
                trades: l.trades,
                kellyFrac: l.kellyFrac,
                fractionalKelly: l.fractionalKelly,
                correlationCut: l.correlationCut === null ? null : { with: strategies[l.correlationCut.withLeg], correlation: l.correlationCut.correlation, keptFrac: l.correlationCut.factor },
              })),
            })),
          },
  };
}

/** True when a run has anything to report about allocation (Kelly sizing or a position limit). */
export const allocationActive = (config: EngineConfig): boolean =>
  config.sizing.mode === 'kelly' || config.limits.maxSymbolWeight !== null || config.limits.maxCorrelation !== null;

/**
 * A walk-forward's allocation over its test windows: how often each limit bit, and under Kelly
 * sizing the strategy's weight as each split's first rebalance set it (from the out-of-sample
 * record of the splits before it and the window's own closed trades).
 */
export function wfAllocationSummary(config: EngineConfig, folds: readonly { readonly fold: { readonly index: number }; readonly test: { readonly engine: EngineResult } }[]) {
  const sum = (f: (e: EngineResult) => number) => folds.reduce((a, x) => a + f(x.test.engine), 0);
  return {
    maxSymbolWeight: config.limits.maxSymbolWeight,
    ordersClampedToSymbolWeight: sum((e) => e.sizeClamps),
    maxCorrelation: config.limits.maxCorrelation,
    deniedForCorrelation: sum((e) => e.denials.CORRELATION_LIMIT),
    kelly:
      config.sizing.mode !== 'kelly'
        ? null
        : {
            settings: { fraction: config.sizing.fraction, ...KELLY_ALLOCATION_DEFAULTS },
            deniedForStrategyBudget: sum((e) => e.denials.STRATEGY_BUDGET),
            splits: folds.map((x) => {
              const first = x.test.engine.allocation?.[0];
              const leg = first?.legs[0];
              return {
                split: x.fold.index,
                date: first === undefined ? null : dayToIso(first.day),
                weight: leg?.weight ?? null,
                trades: leg?.trades ?? null,
                kellyFrac: leg?.kellyFrac ?? null,
                fractionalKelly: leg?.fractionalKelly ?? null,
              };
            }),
          },
  };
}
