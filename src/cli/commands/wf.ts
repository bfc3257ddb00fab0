import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { stableStringify } from '../../core/stable-json.js';
import { metricsToJson, type MetricsJson } from '../../backtest/metrics.js';
import { runWalkForward, type WalkForwardResult } from '../../backtest/walk-forward.js';
import { parseParamsFlag } from '../../strategies/params.js';
import { getStrategy, resolveStrategyParams, STRATEGY_NAMES } from '../../strategies/registry.js';
import type { Strategy } from '../../strategies/types.js';
import { RunStore } from '../../store/run-store.js';
import { checkOutDir, pointLatest, publishInTransaction, removeStaleStaging, StagedRun } from '../../app/artifacts.js';
import { dataCheckJson } from '../../app/data-report.js';
import { dataCheckLines } from '../data-check-lines.js';
import type { CliIo } from '../io.js';
import { makeManifest } from '../../app/manifest.js';
import { encodeEngineConfig } from '../../app/run-spec.js';
import { loadRunMarket } from '../../app/market.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { requireIndexForRegime, requireStopsForRiskSizing } from '../../app/run-checks.js';
import { flagName } from '../param-flags.js';
import { addEngineOptions, addMarketOptions, engineConfigFromFlags, numberFlag, type EngineFlags } from '../options.js';
import { countTradesAcrossGaps, equityCurveCsv, tradeListCsv } from '../../app/report-writers.js';
import { logger, makeChalk, num, pct, Progress, table } from '../render.js';

interface WfFlags extends MarketFlags, EngineFlags {
  strategy: string;
  params?: string;
  trainDays: string;
  testDays: string;
  tune: boolean;
  minTrainTrades: string;
  outdir: string;
  db: string;
}

export function registerWf(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('wf')
    .description('walk-forward backtest: tune on each train window, trade the next test window, stitch the out-of-sample results')
    .option('--strategy <names>', `${STRATEGY_NAMES.join(' | ')} | all, or a comma list`, 'ibs-rsi,turtle-soup')
    .option('--params <k=v,...>', 'fixed parameter overrides (one strategy only), e.g. rsiEntry=5')
    .option('--train-days <n>', 'sessions in each train window', '252')
    .option('--test-days <n>', 'sessions in each test window (the roll step)', '63')
    .option('--no-tune', 'trade the (default or --params) parameters in every split instead of tuning on the train window')
    .option('--min-train-trades <n>', 'a tuning candidate needs at least this many train trades', '10')
    .option('--outdir <dir>', 'artifact folder', 'wf_outputs');
  addMarketOptions(cmd);
  addEngineOptions(cmd);
  cmd.action(async (flags: WfFlags, command: Command) => {
    setExit(await runWf(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
}

export function parseStrategyList(text: string): Strategy[] {
  const names = text === 'all' ? STRATEGY_NAMES : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw usageError('UNKNOWN_STRATEGY', 'no strategy given', { flag: '--strategy' });
  return [...new Set(names)].map((n) => getStrategy(n));
}

async function runWf(flags: WfFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  const strategies = parseStrategyList(flags.strategy);
  if (flags.params !== undefined && strategies.length > 1) {
    throw usageError('BAD_FLAG', '--params applies to one strategy; run one --strategy at a time to override parameters', { flag: '--params' });
  }
  const overrides = flags.params === undefined ? {} : parseParamsFlag(flags.params);
  const baseParams = new Map(strategies.map((s) => [s.name, resolveStrategyParams(s, overrides)]));
  const config = engineConfigFromFlags(flags);
  const trainDays = numberFlag(flags.trainDays, '--train-days', { integer: true, positive: true });
  const testDays = numberFlag(flags.testDays, '--test-days', { integer: true, positive: true });
  const minTrainTrades = numberFlag(flags.minTrainTrades, '--min-train-trades', { integer: true, min: 0 });
  requireStopsForRiskSizing(config, strategies.map((s) => ({ name: s.name, params: baseParams.get(s.name)! })), flagName);
  const market = marketSpecFromFlags(flags);

  const run = await loadRunMarket(market, cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }));
  requireIndexForRegime(config, run.source.index, market.index, flagName);
  // Everything the run will write is checked before it computes: a bad --outdir or --db fails
  // now, with its path, not after minutes of backtesting.
  const outDir = resolve(io.cwd, flags.outdir);
  checkOutDir(outDir);
  const store = new RunStore(resolve(io.cwd, flags.db));
  try {
    for (const line of dataCheckLines(run)) log(line.startsWith('  MASKED') || line.startsWith('  SKIPPED') ? c.yellow(line) : line);
    const { panel } = run.ctx;
    const seed = market.seed;
    const manifest = makeManifest({
      command: 'wf',
      seed,
      data: { ...run.source, start: dayToIso(panel.calendar[run.from]), end: dayToIso(panel.calendar[run.to]) },
      engine: encodeEngineConfig(config),
      run: {
        strategies: strategies.map((s) => ({ name: s.name, version: s.version, baseParams: baseParams.get(s.name), tuneGrid: flags.tune ? s.tuneGrid : null })),
        trainDays,
        testDays,
        tune: flags.tune,
        minTrainTrades,
      },
    });
    log(`run ${manifest.runId}: ${strategies.map((s) => s.name).join(', ')}, train ${trainDays} / test ${testDays} sessions, ${flags.tune ? 'tuned per split' : 'fixed parameters'}`);

    const results: { strategy: Strategy; wf: WalkForwardResult; ms: number }[] = [];
    for (const strategy of strategies) {
      const t0 = performance.now();
      const progress = { bar: null as Progress | null };
      const wf = runWalkForward(run.ctx, {
        strategy,
        baseParams: baseParams.get(strategy.name)!,
        tune: flags.tune,
        trainDays,
        testDays,
        from: run.from,
        to: run.to,
        config,
        minTrainTrades,
        onFold: (done, total) => {
          progress.bar ??= new Progress(io, `${strategy.name} splits`, total);
          progress.bar.tick(done);
        },
      });
      progress.bar?.end();
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
        };
        summaries.push(summary);
        const base = strategy.name;
        wf.folds.forEach((f, i) => {
          const dir = `${base}/split_${String(f.fold.index).padStart(2, '0')}`;
          stage.write(`${dir}/trade_list.csv`, tradeListCsv(f.test.engine.trades, run.issues));
          stage.write(`${dir}/equity_curve.csv`, equityCurveCsv(f.test.engine.days, f.test.engine.equity, f.test.engine.exposureFrac, f.test.benchmark, f.test.engine.cash));
          stage.write(`${dir}/metrics.json`, `${stableStringify({ ...splitRows[i], denials: f.test.engine.denials, tuning: f.candidates }, 2)}\n`);
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
        new Date().toISOString(),
        inside,
      ),
    );
    // A convenience pointer, moved only to a run both recorded and complete on disk.
    pointLatest(outDir, manifest.runId);
    const runDir = join(outDir, manifest.runId);

    if (json) {
      io.stdout.write(`${JSON.stringify({ runId: manifest.runId, outDir: runDir, synthetic: run.source.synthetic, dataCheck: dataCheckJson(run), manifest, strategies: summaries }, null, 2)}\n`);
      return 0;
    }
    for (const { strategy, wf, ms } of results) {
      log('');
      log(c.bold(`${strategy.name}: ${wf.folds.length} splits, ${wf.evaluations} backtests in ${ms.toFixed(0)} ms${run.source.synthetic ? '  [SYNTHETIC DEMO DATA]' : ''}`));
      log(
        table(
          ['split', 'train', 'test', 'params (tuned)', 'trades', 'return', 'sharpe', 'max dd', 'bench'],
          wf.folds.map((f) => {
            const m = f.test.metrics;
            return [
              f.fold.index,
              `${dayToIso(panel.calendar[f.fold.trainFrom])}..${dayToIso(panel.calendar[f.fold.trainTo])}`,
              `${dayToIso(panel.calendar[f.fold.testFrom])}..${dayToIso(panel.calendar[f.fold.testTo])}`,
              tunedParamsText(strategy, f.params),
              m.trades,
              pct(m.totalReturnFrac.value),
              num(m.sharpe.value),
              pct(m.maxDrawdownFrac.value),
              pct(m.benchmarkReturnFrac.value),
            ];
          }),
          io,
          { compact: true },
        ),
      );
      const m = wf.metrics;
      log(
        `out of sample ${dayToIso(wf.days[0])}..${dayToIso(wf.days[wf.days.length - 1])}: trades ${m.trades}, return ${pct(m.totalReturnFrac.value)} (CAGR ${pct(m.cagrFrac.value)}), ` +
          `Sharpe ${num(m.sharpe.value)}, max DD ${pct(m.maxDrawdownFrac.value)}, PF ${num(m.profitFactor.value)}, win ${pct(m.winRate.value, 1)}, ` +
          `benchmark ${pct(m.benchmarkReturnFrac.value)}, alpha ${pct(m.alphaAnnualFrac.value)}/yr`,
      );
      const acrossGaps = countTradesAcrossGaps(wf.trades, run.issues);
      if (acrossGaps > 0) log(c.yellow(`${acrossGaps} out-of-sample trade(s) held across a LARGE_GAP or suspected split the data check flagged: their P&L is the data's, not the rule's (gap_flags in trade_list.csv)`));
    }
    log('');
    log(`artifacts: ${join(flags.outdir, manifest.runId)}/ (manifest.json, <strategy>/{summary.json,trade_list.csv,equity_curve.csv}, <strategy>/split_NN/...), also ${join(flags.outdir, 'latest')}; recorded in ${flags.db}`);
    return 0;
  } finally {
    store.close();
  }
}

function tunedParamsText(strategy: Strategy, p: Readonly<Record<string, number>>): string {
  const keys = Object.keys(strategy.tuneGrid);
  return keys.map((k) => `${k}=${p[k]}`).join(' ');
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
