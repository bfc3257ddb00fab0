import type { MetricsJson } from '../backtest/metrics.js';
import { stableStringify } from '../core/stable-json.js';
import { metricTiles, performanceSections, type CurveInput, type TradesInput } from './performance.js';
import type { Section } from './report-data.js';
import { finiteOrNull } from './series.js';

export interface WfSplitInput {
  readonly split: number;
  readonly trainStart: string;
  readonly trainEnd: string;
  readonly testStart: string;
  readonly testEnd: string;
  readonly params: unknown;
  readonly tuneNote?: string | null;
  readonly metrics: MetricsJson;
}

/** One strategy of a walk-forward run, as its summary.json, equity_curve.csv and trade_list.csv hold it. */
export interface WfStrategyInput {
  readonly strategy: string;
  readonly splits: readonly WfSplitInput[];
  readonly outOfSample: { readonly start: string; readonly end: string; readonly sessions: number; readonly metrics: MetricsJson; readonly tradesAcrossGaps?: number };
  readonly curve: CurveInput;
  readonly trades: TradesInput;
}

/** The per-split table: windows, chosen parameters and the test window's numbers. */
function splitTable(s: WfStrategyInput): Section {
  return {
    type: 'table',
    title: `${s.strategy}: splits (train, then trade the next test window)`,
    columns: [
      { key: 'split', label: 'split', format: 'int' },
      { key: 'train', label: 'train window', format: 'text' },
      { key: 'test', label: 'test window', format: 'text' },
      { key: 'params', label: 'parameters chosen', format: 'text' },
      { key: 'trades', label: 'trades', format: 'int' },
      { key: 'sharpe', label: 'Sharpe', format: 'ratio' },
      { key: 'ret', label: 'return', format: 'pct' },
      { key: 'dd', label: 'max DD', format: 'pct' },
      { key: 'win', label: 'win rate', format: 'pct' },
    ],
    rows: s.splits.map((p) => ({
      split: p.split,
      train: `${p.trainStart} .. ${p.trainEnd}`,
      test: `${p.testStart} .. ${p.testEnd}`,
      params: `${stableStringify(p.params)}${p.tuneNote ? ` (${p.tuneNote})` : ''}`,
      trades: p.metrics.trades,
      sharpe: finiteOrNull(p.metrics.sharpe),
      ret: finiteOrNull(p.metrics.totalReturnFrac),
      dd: finiteOrNull(p.metrics.maxDrawdownFrac),
      win: finiteOrNull(p.metrics.winRate),
    })),
  };
}

/** Sections of a walk-forward report: per strategy, its stitched out-of-sample record and its splits. */
export function wfSections(strategies: readonly WfStrategyInput[]): Section[] {
  const out: Section[] = [];
  if (strategies.length > 1) {
    out.push({
      type: 'table',
      title: 'Strategies, stitched out of sample',
      columns: [
        { key: 'strategy', label: 'strategy', format: 'text' },
        { key: 'window', label: 'out-of-sample window', format: 'text' },
        { key: 'trades', label: 'trades', format: 'int' },
        { key: 'sharpe', label: 'Sharpe', format: 'ratio' },
        { key: 'cagr', label: 'CAGR', format: 'pct' },
        { key: 'dd', label: 'max DD', format: 'pct' },
        { key: 'pf', label: 'profit factor', format: 'ratio' },
      ],
      rows: strategies.map((s) => {
        const m = s.outOfSample.metrics;
        return { strategy: s.strategy, window: `${s.outOfSample.start} .. ${s.outOfSample.end}`, trades: m.trades, sharpe: finiteOrNull(m.sharpe), cagr: finiteOrNull(m.cagrFrac), dd: finiteOrNull(m.maxDrawdownFrac), pf: finiteOrNull(m.profitFactor) };
      }),
    });
  }
  for (const s of strategies) {
    const oos = s.outOfSample;
    out.push({ type: 'heading', title: s.strategy, text: `stitched out of sample ${oos.start} .. ${oos.end} (${oos.sessions} sessions, ${s.splits.length} splits)` });
    out.push({ type: 'tiles', title: `${s.strategy}: out-of-sample metrics`, tiles: metricTiles(oos.metrics) });
    if ((oos.tradesAcrossGaps ?? 0) > 0) {
      out.push({ type: 'notes', title: `${s.strategy}: data`, items: [`${oos.tradesAcrossGaps} trade(s) were held across a price discontinuity the data check flagged (gap_flags in trade_list.csv): their P&L is the data's, not the rule's`] });
    }
    out.push(...performanceSections(s.strategy, s.curve, s.trades));
    out.push(splitTable(s));
  }
  return out;
}
