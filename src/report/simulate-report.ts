import type { MetricsJson } from '../backtest/metrics.js';
import type { MonteCarloResult, StressReport } from '../validation/monte-carlo/index.js';
import { metricTiles, performanceSections, type CurveInput, type TradesInput } from './performance.js';
import { allocationSections, type AllocationReportInput } from './allocation-report.js';
import type { LineSeries, Section, Tile } from './report-data.js';
import { finiteOrNull, histogram } from './series.js';

export interface SimulateReportInput {
  readonly label: string;
  readonly metrics: MetricsJson;
  readonly curve: CurveInput;
  readonly trades: TradesInput;
  /** With `samples` (keepSamples) for the distributions; null when no resampling was asked for. */
  readonly monteCarlo: MonteCarloResult | null;
  readonly stress: StressReport | null;
  /** The run's own max drawdown, marked among the simulated ones. */
  readonly observedMaxDrawdown: number | null;
  /** `--instrument option`: the synthetic option replay of the same trades; absent for a stock run. */
  readonly options?: OptionReportInput | null;
  /** Position limits and Kelly sleeves, when the run had any. */
  readonly allocation?: AllocationReportInput | null;
}

export interface OptionReportInput {
  /** The replay's one-line statement of what it is and assumes (describeOptionReplay). */
  readonly header: string;
  /** Its settings and counts, one line each. */
  readonly notes: readonly string[];
  readonly metrics: MetricsJson;
  readonly curve: CurveInput;
  readonly trades: TradesInput;
}

/** The option replay: its caveats first, then the same metrics and charts as the stock account. */
export function optionSections(o: OptionReportInput): Section[] {
  const label = 'option replay (SYNTHETIC)';
  return [
    { type: 'heading', title: 'Options (SYNTHETIC)', text: o.header },
    { type: 'notes', title: 'Option replay assumptions', items: o.notes },
    { type: 'tiles', title: `${label}: metrics`, tiles: metricTiles(o.metrics) },
    ...performanceSections(label, o.curve, o.trades),
  ];
}

const mv = (v: { value: number | null }): number | null => finiteOrNull(v.value);

/** Monte Carlo: the risk numbers, the fan of equity paths by trade, and the drawdown and return distributions. */
export function monteCarloSections(mc: MonteCarloResult, observedMaxDrawdown: number | null): Section[] {
  const out: Section[] = [];
  const tiles: Tile[] = [
    { label: 'Simulations', value: mc.simulations, format: 'int', note: `${mc.method} resampling of ${mc.trades} trades, seed ${mc.seed}` },
    { label: 'VaR 95% (final return)', value: mv(mc.var95), format: 'pct', ...(mc.var95.reason ? { note: mc.var95.reason } : {}) },
    { label: 'CVaR 95%', value: mv(mc.cvar95), format: 'pct', ...(mc.cvar95.reason ? { note: mc.cvar95.reason } : {}) },
    { label: 'P(profit)', value: mv(mc.probabilityOfProfit), format: 'pct' },
    {
      label: `P(drawdown >= ${mc.maxDrawdownTolerance === null ? 'n/a' : `${(mc.maxDrawdownTolerance * 100).toFixed(0)}%`})`,
      value: mv(mc.probabilityOfBreach),
      format: 'pct',
      ...(mc.probabilityOfBreach.reason ? { note: mc.probabilityOfBreach.reason } : {}),
    },
    { label: 'Median trades to breach', value: mv(mc.medianTradesToBreach), format: 'int', ...(mc.medianTradesToBreach.reason ? { note: mc.medianTradesToBreach.reason } : {}) },
  ];
  out.push({ type: 'heading', title: 'Monte Carlo', text: `${mc.simulations} resampled trade sequences (${mc.method}), each starting from the initial equity; percentiles across paths, not one path` });
  out.push({ type: 'tiles', title: 'Monte Carlo risk', tiles });
  const bands = mc.equityBands.value;
  if (bands !== null) {
    const series: LineSeries[] = bands.bands.map((b) => ({ label: `p${b.percentile}`, values: b.equity.map(finiteOrNull), dash: b.percentile !== 50 }));
    const pairs: [number, number][] = [];
    for (let i = 0, j = series.length - 1; i < j; i++, j--) pairs.push([i, j]);
    out.push({ type: 'lines', title: 'Monte Carlo fan: equity by trade number (percentile bands)', x: bands.tradeIndex, xLabel: 'trades', series, yFormat: 'usd', bands: pairs });
  } else {
    out.push({ type: 'notes', title: 'Monte Carlo fan', items: [`no fan: ${mc.equityBands.reason ?? 'no paths'}`] });
  }
  if (mc.samples !== undefined) {
    const dd = histogram(mc.samples.maxDrawdown, 40);
    out.push({
      type: 'histogram',
      title: 'Max drawdown across simulated paths',
      edges: dd.edges,
      counts: dd.counts,
      xFormat: 'pct',
      xLabel: 'max drawdown of a path',
      ...(observedMaxDrawdown === null ? {} : { marker: { at: observedMaxDrawdown, label: 'this run' } }),
    });
    const fr = histogram(mc.samples.finalReturn, 40);
    out.push({ type: 'histogram', title: 'Final return across simulated paths', edges: fr.edges, counts: fr.counts, xFormat: 'pct', xLabel: 'final return of a path', marker: { at: 0, label: 'break-even' } });
  }
  const survival = mc.survival.value;
  if (survival !== null) {
    out.push({ type: 'lines', title: 'Survival: paths that never breached the drawdown tolerance', x: survival.tradeIndex, xLabel: 'trades', series: [{ label: 'alive', values: survival.aliveFrac.map(finiteOrNull), fill: true }], yFormat: 'pct' });
  }
  return out;
}

/** Stress: each historical shock inserted where it hurts most and in the middle of the path. */
export function stressSections(st: StressReport): Section[] {
  const rows: Record<string, number | string | null>[] = [];
  const base = st.baseline.value;
  if (base !== null) rows.push({ scenario: 'no shock (the run)', placed: '', model: '', dd: finiteOrNull(base.maxDrawdownFrac), ret: finiteOrNull(base.finalReturnFrac), worst: finiteOrNull(base.worstSession.returnFrac), survived: base.survived.value === null ? 'n/a' : base.survived.value ? 'yes' : 'no' });
  for (const s of st.scenarios) {
    for (const [placed, o] of [['worst', s.worst], ['middle', s.middle]] as const) {
      const v = o.value;
      rows.push({
        scenario: s.name,
        placed,
        model: s.model,
        dd: v === null ? null : finiteOrNull(v.maxDrawdownFrac),
        ret: v === null ? null : finiteOrNull(v.finalReturnFrac),
        worst: v === null ? null : finiteOrNull(v.worstSession.returnFrac),
        survived: v === null ? (o.reason ?? 'n/a') : v.survived.value === null ? 'n/a' : v.survived.value ? 'yes' : 'no',
      });
    }
  }
  return [
    {
      type: 'table',
      title: 'Stress scenarios',
      columns: [
        { key: 'scenario', label: 'scenario', format: 'text' },
        { key: 'placed', label: 'placed', format: 'text' },
        { key: 'model', label: 'model', format: 'text' },
        { key: 'dd', label: 'max DD', format: 'pct' },
        { key: 'ret', label: 'final return', format: 'pct' },
        { key: 'worst', label: 'worst session', format: 'pct' },
        { key: 'survived', label: 'within tolerance', format: 'text' },
      ],
      rows,
      note: `shocks scale with exposure and a position beta of ${st.beta.toFixed(2)}; tolerance ${st.maxDrawdownTolerance === null ? 'none' : `${(st.maxDrawdownTolerance * 100).toFixed(0)}%`}`,
    },
  ];
}

export function simulateSections(input: SimulateReportInput): Section[] {
  const out: Section[] = [{ type: 'tiles', title: `${input.label}: metrics`, tiles: metricTiles(input.metrics) }, ...performanceSections(input.label, input.curve, input.trades)];
  if (input.allocation !== undefined && input.allocation !== null) out.push(...allocationSections(input.allocation));
  if (input.monteCarlo !== null) out.push(...monteCarloSections(input.monteCarlo, input.observedMaxDrawdown));
  if (input.stress !== null) out.push({ type: 'heading', title: 'Stress' }, ...stressSections(input.stress));
  if (input.options !== undefined && input.options !== null) out.push(...optionSections(input.options));
  return out;
}
