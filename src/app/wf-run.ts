import { join, resolve } from 'node:path';
import { dayToIso } from '../core/calendar.js';
import { stableStringify } from '../core/stable-json.js';
import type { EngineConfig } from '../backtest/config.js';
import { metricsToJson, type MetricsJson } from '../backtest/metrics.js';
import { runWalkForward, type WalkForwardResult } from '../backtest/walk-forward.js';
import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import { RunStore } from '../store/run-store.js';
import { checkOutDir, pointLatest, publishInTransaction, removeStaleStaging, StagedRun } from './artifacts.js';
import type { AppContext } from './context.js';
import { makeManifest, type Manifest } from './manifest.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import type { MarketSpec } from './market-spec.js';
import { countTradesAcrossGaps, equityCurveCsv, tradeListCsv } from './report-writers.js';
import { requireIndexForRegime, requireStopsForRiskSizing } from './run-checks.js';
import { encodeEngineConfig, type WalkForwardSpec } from './run-spec.js';
import { allocationActive, allocationJson, wfAllocationSummary } from './allocation-view.js';

/** A `kobe wf` run: the market, the engine, the strategies with their base parameters, the windows, where it writes. */
export interface WfJobSpec {
  readonly market: MarketSpec;
  readonly config: EngineConfig;
  readonly strategies: readonly { readonly strategy: Strategy; readonly baseParams: Params }[];
  /** Tune on each train window over the strategy's grid (else trade the base parameters). */
  readonly tune: boolean;
  readonly windows: WalkForwardSpec;
  /** Artifact folder (the run goes to `<outDir>/<runId>/`) and the SQLite store, relative to cwd. */
  readonly outDir: string;
  readonly db: string;
}

export interface WfJobHooks {
  /** The market is loaded and checked (the CLI prints the data check here). */
  readonly loaded?: (run: LoadedRun) => void;
  readonly onFold?: (strategy: string, done: number, total: number) => void;
  /** A strategy's walk-forward is done (its out-of-sample result, before the artifacts are written). */
  readonly strategyDone?: (strategy: string, wf: WalkForwardResult) => void;
}

export interface WfJobResult {
  readonly manifest: Manifest;
  readonly run: LoadedRun;
  readonly results: readonly { readonly strategy: Strategy; readonly wf: WalkForwardResult; readonly ms: number }[];
  /** One summary per strategy, as written to `<strategy>/summary.json` and recorded. */
  readonly summaries: readonly Record<string, unknown>[];
  readonly runDir: string;
}

/**
 * Walks every strategy forward on one market, writes the artifacts (published in one rename)
 * and records the run, the two together or not at all. Same spec and data, same run id.
 */
export async function runWfJob(spec: WfJobSpec, ctx: AppContext, hooks: WfJobHooks = {}): Promise<WfJobResult> {
  const { market, config, strategies, tune } = spec;
  const { trainDays, testDays, minTrainTrades } = spec.windows;
  const baseParams = new Map(strategies.map((s) => [s.strategy.name, s.baseParams]));
  requireStopsForRiskSizing(config, strategies.map((s) => ({ name: s.strategy.name, params: s.baseParams })), ctx.param);
  const run = await loadRunMarket(market, ctx);
  requireIndexForRegime(config, run.source.index, market.index, ctx.param);
  // Everything the run will write is checked before it computes: a bad output folder or database fails
  // now, with its path, not after minutes of backtesting.
  const outDir = resolve(ctx.cwd, spec.outDir);
  checkOutDir(outDir);
  const store = new RunStore(resolve(ctx.cwd, spec.db));
  try {
    hooks.loaded?.(run);
    const { panel } = run.ctx;
    const manifest = makeManifest({
      command: 'wf',
      seed: market.seed,
      data: { ...run.source, start: dayToIso(panel.calendar[run.from]), end: dayToIso(panel.calendar[run.to]) },
      engine: encodeEngineConfig(config),
      run: {
        strategies: strategies.map(({ strategy: s }) => ({ name: s.name, version: s.version, baseParams: baseParams.get(s.name), tuneGrid: tune ? s.tuneGrid : null })),
        trainDays,
        testDays,
        tune,
        minTrainTrades,
      },
    });
    ctx.log(`run ${manifest.runId}: ${strategies.map((s) => s.strategy.name).join(', ')}, train ${trainDays} / test ${testDays} sessions, ${tune ? 'tuned per split' : 'fixed parameters'}`);

    const results: { strategy: Strategy; wf: WalkForwardResult; ms: number }[] = [];
    for (const { strategy } of strategies) {
      const t0 = performance.now();
      const wf = runWalkForward(run.ctx, {
        strategy,
        baseParams: baseParams.get(strategy.name)!,
        tune,
        trainDays,
        testDays,
        from: run.from,
        to: run.to,
        config,
        minTrainTrades,
        onFold: (done, total) => hooks.onFold?.(strategy.name, done, total),
      });
      hooks.strategyDone?.(strategy.name, wf);
      results.push({ strategy, wf, ms: performance.now() - t0 });
    }

    removeStaleStaging(outDir);
    const stage = new StagedRun(outDir, manifest.runId);
    const summaries: Record<string, unknown>[] = [];
    try {
      for (const { strategy, wf } of results) {
        const splitRows = wf.folds.map((f) => splitRow(panel.calendar, f, metricsToJson(f.test.metrics)));
        const summary = {
          runId: manifest.runId,
          strategy: strategy.name,
          synthetic: run.source.synthetic,
          splits: splitRows,
          outOfSample: {
            start: dayToIso(wf.days[0]),
            end: dayToIso(wf.days[wf.days.length - 1]),
            sessions: wf.days.length,
            metrics: metricsToJson(wf.metrics),
            tradesAcrossGaps: countTradesAcrossGaps(wf.trades, run.issues),
          },
          evaluations: wf.evaluations,
          // Only when set, so a run without Kelly sizing or limits writes what it always wrote.
          ...(allocationActive(config) ? { allocation: wfAllocationSummary(config, wf.folds) } : {}),
        };
        summaries.push(summary);
        const base = strategy.name;
        wf.folds.forEach((f, i) => {
          const dir = `${base}/split_${String(f.fold.index).padStart(2, '0')}`;
          stage.write(`${dir}/trade_list.csv`, tradeListCsv(f.test.engine.trades, run.issues));
          stage.write(`${dir}/equity_curve.csv`, equityCurveCsv(f.test.engine.days, f.test.engine.equity, f.test.engine.exposureFrac, f.test.benchmark, f.test.engine.cash));
          const allocation = allocationActive(config) ? { allocation: allocationJson(config, f.test.engine, [strategy.name]) } : {};
          stage.write(`${dir}/metrics.json`, `${stableStringify({ ...splitRows[i], denials: f.test.engine.denials, tuning: f.candidates, ...allocation }, 2)}\n`);
        });
        stage.write(`${base}/equity_curve.csv`, equityCurveCsv(wf.days, wf.equity, wf.exposureFrac, wf.benchmark));
        stage.write(`${base}/trade_list.csv`, tradeListCsv(wf.trades, run.issues));
        stage.write(`${base}/summary.json`, `${stableStringify(summary, 2)}\n`);
        stage.write(`${base}/manifest.json`, `${stableStringify(manifest, 2)}\n`);
      }
      stage.write('manifest.json', `${stableStringify(manifest, 2)}\n`);
    } catch (e) {
      stage.abort();
      throw e;
    }

    // The run's rows and its folder appear together or not at all (see publishInTransaction).
    publishInTransaction(stage, (inside) =>
      store.recordRun(
        { runId: manifest.runId, command: 'wf', manifestJson: stableStringify(manifest), summaryJson: stableStringify(summaries) },
        results.flatMap(({ strategy, wf }) =>
          wf.folds.map((f) => ({
            runId: manifest.runId,
            strategy: strategy.name,
            split: f.fold.index,
            trainStart: dayToIso(panel.calendar[f.fold.trainFrom]),
            trainEnd: dayToIso(panel.calendar[f.fold.trainTo]),
            testStart: dayToIso(panel.calendar[f.fold.testFrom]),
            testEnd: dayToIso(panel.calendar[f.fold.testTo]),
            paramsJson: stableStringify(f.params),
            metricsJson: stableStringify(metricsToJson(f.test.metrics)),
          })),
        ),
        ctx.now().toISOString(),
        inside,
      ),
    );
    // A convenience pointer, moved only to a run both recorded and complete on disk.
    pointLatest(outDir, manifest.runId);
    const runDir = join(outDir, manifest.runId);

    return { manifest, run, results, summaries, runDir };
  } finally {
    store.close();
  }
}

function splitRow(calendar: Int32Array, f: WalkForwardResult['folds'][number], metrics: MetricsJson) {
  return {
    split: f.fold.index,
    trainStart: dayToIso(calendar[f.fold.trainFrom]),
    trainEnd: dayToIso(calendar[f.fold.trainTo]),
    testStart: dayToIso(calendar[f.fold.testFrom]),
    testEnd: dayToIso(calendar[f.fold.testTo]),
    params: f.params,
    tuneNote: f.tuneNote,
    metrics,
  };
}
