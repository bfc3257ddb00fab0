import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFolderReport } from '../../app/report/run-report.js';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { parseParamsFlag } from '../../strategies/params.js';
import { getStrategy, resolveStrategyParams, STRATEGY_NAMES } from '../../strategies/registry.js';
import type { Strategy } from '../../strategies/types.js';
import { dataCheckJson } from '../../app/data-report.js';
import { countTradesAcrossGaps } from '../../app/report-writers.js';
import { allocationActive, wfAllocationSummary } from '../../app/allocation-view.js';
import { wfAllocationLines } from '../allocation-lines.js';
import { runWfJob } from '../../app/wf-run.js';
import { dataCheckLines } from '../data-check-lines.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addEngineOptions, addMarketOptions, addWalkForwardOptions, engineConfigFromFlags, walkForwardFromFlags, type EngineFlags, type WalkForwardFlags } from '../options.js';
import { logger, makeChalk, num, pct, Progress, table } from '../render.js';

interface WfFlags extends MarketFlags, EngineFlags, WalkForwardFlags {
  strategy: string;
  params?: string;
  outdir: string;
  db: string;
  report?: boolean;
}

export function registerWf(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('wf')
    .description('walk-forward backtest: tune on each train window, trade the next test window, stitch the out-of-sample results')
    .option('--strategy <names>', `${STRATEGY_NAMES.join(' | ')} | all, or a comma list`, 'ibs-rsi,turtle-soup')
    .option('--params <k=v,...>', 'fixed parameter overrides (one strategy only), e.g. rsiEntry=5')
    .option('--outdir <dir>', 'artifact folder', 'wf_outputs')
    .option('--report', 'also write report.html into the run folder (stitched out-of-sample equity against the benchmark, drawdown, splits, monthly returns, trade distributions; opens offline)');
  addWalkForwardOptions(cmd);
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
  const windows = walkForwardFromFlags(flags);
  const market = marketSpecFromFlags(flags);
  let progress: Progress | null = null;

  const result = await runWfJob(
    { market, config, strategies: strategies.map((strategy) => ({ strategy, baseParams: baseParams.get(strategy.name)! })), tune: flags.tune, windows, outDir: flags.outdir, db: flags.db },
    cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }),
    {
      loaded: (loaded) => {
        for (const line of dataCheckLines(loaded)) log(line.startsWith('  MASKED') || line.startsWith('  SKIPPED') ? c.yellow(line) : line);
      },
      onFold: (name, done, total) => {
        progress ??= new Progress(io, `${name} splits`, total);
        progress.tick(done);
      },
      strategyDone: () => {
        progress?.end();
        progress = null;
      },
    },
  );
  const { manifest, run, results, summaries, runDir } = result;
  const { panel } = run.ctx;
  const reportFile = flags.report === true ? writeFolderReport('wf', runDir) : null;
  {
    if (json) {
      io.stdout.write(`${JSON.stringify({ runId: manifest.runId, outDir: runDir, report: reportFile, synthetic: run.source.synthetic, dataCheck: dataCheckJson(run), manifest, strategies: summaries }, null, 2)}\n`);
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
      if (allocationActive(config)) for (const line of wfAllocationLines(wfAllocationSummary(config, wf.folds))) log(line);
      const acrossGaps = countTradesAcrossGaps(wf.trades, run.issues);
      if (acrossGaps > 0) log(c.yellow(`${acrossGaps} out-of-sample trade(s) held across a LARGE_GAP or suspected split the data check flagged: their P&L is the data's, not the rule's (gap_flags in trade_list.csv)`));
    }
    log('');
    if (reportFile !== null) log(`report: ${join(flags.outdir, manifest.runId, 'report.html')}`);
    log(`artifacts: ${join(flags.outdir, manifest.runId)}/ (manifest.json, <strategy>/{summary.json,trade_list.csv,equity_curve.csv}, <strategy>/split_NN/...), also ${join(flags.outdir, 'latest')}; recorded in ${flags.db}`);
    return 0;
  }
}

function tunedParamsText(strategy: Strategy, p: Readonly<Record<string, number>>): string {
  const keys = Object.keys(strategy.tuneGrid);
  return keys.map((k) => `${k}=${p[k]}`).join(' ');
}
