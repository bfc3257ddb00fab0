import { join } from 'node:path';
import type { MetricsJson } from '../../backtest/metrics.js';
import type { CurveInput, TradesInput } from '../../report/performance.js';
import type { WfSplitInput, WfStrategyInput } from '../../report/wf-report.js';
import type { Manifest } from '../manifest.js';
import { CsvColumns, readArtifact, readJsonArtifact } from './artifact-files.js';

const HINT = 'the run folder is incomplete or was edited: run the walk-forward again (same flags, same run id)';

/** An equity_curve.csv as the report's curve; the engine's initial capital starts the monthly returns. */
export function readEquityCurve(file: string, initialCapital: number, hint = HINT): CurveInput {
  const csv = new CsvColumns(file, readArtifact(file, hint), ['date', 'equity', 'exposure_frac', 'benchmark_equity']);
  const benchmark = csv.number('benchmark_equity');
  const hasBenchmark = benchmark.some((v) => Number.isFinite(v));
  return { dates: csv.text('date'), equity: csv.number('equity'), exposureFrac: csv.number('exposure_frac'), benchmark: hasBenchmark ? benchmark : null, initialCapital };
}

export function readTradeList(file: string, hint = HINT): TradesInput {
  const csv = new CsvColumns(file, readArtifact(file, hint), ['pnl', 'bars_held']);
  return { pnl: csv.number('pnl'), barsHeld: csv.number('bars_held') };
}

interface WfSummaryFile {
  readonly strategy: string;
  readonly splits: WfSplitInput[];
  readonly outOfSample: { start: string; end: string; sessions: number; metrics: MetricsJson; tradesAcrossGaps?: number };
}

/** Every strategy of a wf run folder (`<outDir>/<runId>/<strategy>/...`), in the manifest's order. */
export function readWfRun(runDir: string, manifest: Manifest): WfStrategyInput[] {
  const strategies = (manifest.run as { strategies?: { name: string }[] }).strategies ?? [];
  const initial = manifest.engine.initialCapitalUsd;
  return strategies.map(({ name }) => {
    const dir = join(runDir, name);
    const summary = readJsonArtifact<WfSummaryFile>(join(dir, 'summary.json'), HINT);
    return {
      strategy: name,
      splits: summary.splits,
      outOfSample: summary.outOfSample,
      curve: readEquityCurve(join(dir, 'equity_curve.csv'), initial),
      trades: readTradeList(join(dir, 'trade_list.csv')),
    };
  });
}
