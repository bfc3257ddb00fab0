import type { KellyAllocationSettings } from '../portfolio/allocation.js';
import type { Section, Tile } from './report-data.js';
import { finiteOrNull } from './series.js';

/** One run's allocation as `simulate --json` writes it: src/app/allocation-view.ts builds it, the report draws it. */
export interface AllocationReportInput {
  readonly limits: {
    readonly maxSymbolWeight: number | null;
    readonly ordersClampedToSymbolWeight: number;
    readonly maxCorrelation: number | null;
    readonly deniedForCorrelation: number;
  };
  readonly kelly: {
    readonly settings: KellyAllocationSettings;
    readonly deniedForStrategyBudget: number;
    readonly rebalances: readonly {
      readonly date: string;
      readonly reason: string;
      readonly equityUsd: number;
      readonly strategies: readonly {
        readonly strategy: string;
        readonly weight: number;
        readonly capitalUsd: number;
        readonly trades: number;
        readonly kellyFrac: number | null;
        readonly fractionalKelly: number | null;
        readonly correlationCut: { readonly with: string; readonly correlation: number; readonly keptFrac: number } | null;
      }[];
    }[];
  } | null;
}

/** The limits and how often they bit; under Kelly sizing each strategy's weight at every rebalance. */
export function allocationSections(a: AllocationReportInput): Section[] {
  const tiles: Tile[] = [];
  const { limits, kelly } = a;
  if (limits.maxSymbolWeight !== null) tiles.push({ label: `Orders clamped to ${(limits.maxSymbolWeight * 100).toFixed(0)}% per symbol`, value: limits.ordersClampedToSymbolWeight, format: 'int' });
  if (limits.maxCorrelation !== null) tiles.push({ label: `Entries denied, correlation > ${limits.maxCorrelation}`, value: limits.deniedForCorrelation, format: 'int', note: '60-session daily returns against each symbol held or ordered (CORRELATION_LIMIT)' });
  const out: Section[] = [{ type: 'heading', title: 'Allocation', text: 'position limits and, under Kelly sizing, the strategy sleeves' }];
  if (kelly !== null) {
    const s = kelly.settings;
    tiles.push(
      { label: 'Kelly fraction (safety factor)', value: s.fraction, format: 'num' },
      { label: 'Rebalances', value: kelly.rebalances.length, format: 'int', note: `every ${s.rebalanceSessions} sessions, or when a sleeve drifts above ${(s.ceilingWeight * 100).toFixed(0)}% of equity` },
      { label: 'Entries denied, sleeve spent', value: kelly.deniedForStrategyBudget, format: 'int', note: 'STRATEGY_BUDGET' },
    );
    out.push({ type: 'tiles', title: 'Allocation', tiles });
    const names = kelly.rebalances[0]?.strategies.map((x) => x.strategy) ?? [];
    out.push({
      type: 'timeseries',
      title: `Strategy weights at each rebalance (${s.fraction} x Kelly, at most ${(s.maxStrategyWeight * 100).toFixed(0)}% each)`,
      dates: kelly.rebalances.map((r) => r.date),
      series: names.map((name, i) => ({ label: name, values: kelly.rebalances.map((r) => finiteOrNull(r.strategies[i].weight)) })),
      yFormat: 'pct',
    });
    out.push({
      type: 'table',
      title: 'Rebalances',
      columns: [
        { key: 'date', label: 'date', format: 'date' },
        { key: 'reason', label: 'reason', format: 'text' },
        { key: 'strategy', label: 'strategy', format: 'text' },
        { key: 'weight', label: 'weight', format: 'pct' },
        { key: 'trades', label: 'record trades', format: 'int' },
        { key: 'kelly', label: 'Kelly f*', format: 'num' },
        { key: 'cut', label: 'correlation cut', format: 'text' },
      ],
      rows: kelly.rebalances.flatMap((r) =>
        r.strategies.map((x) => ({
          date: r.date,
          reason: r.reason,
          strategy: x.strategy,
          weight: finiteOrNull(x.weight),
          trades: x.trades,
          kelly: x.kellyFrac === null ? null : finiteOrNull(x.kellyFrac),
          cut: x.correlationCut === null ? '' : `rho ${x.correlationCut.correlation.toFixed(2)} with ${x.correlationCut.with}: kept ${(x.correlationCut.keptFrac * 100).toFixed(0)}%`,
        })),
      ),
      note: `until a strategy has ${s.minTrades} closed trades its weight is min(${(s.maxStrategyWeight * 100).toFixed(0)}%, 1 / strategies); the record is the strategy's own trades closed by the rebalance's close`,
    });
  } else {
    out.push({ type: 'tiles', title: 'Allocation', tiles });
  }
  return out;
}
