import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { describeFillModel } from '../../backtest/config.js';
import { DENIAL_CODES } from '../../backtest/engine.js';
import { metricsToJson, type Metrics } from '../../backtest/metrics.js';
import { parseParamsFlag } from '../../strategies/params.js';
import { getStrategy, resolveStrategyParams, STRATEGY_NAMES } from '../../strategies/registry.js';
import { dataCheckJson } from '../../app/data-report.js';
import { countTradesAcrossGaps, equityCurveJson, tradesJson } from '../../app/report-writers.js';
import { decisionView } from '../../app/simulate-risk.js';
import { allocationJson } from '../../app/allocation-view.js';
import { allocationLines } from '../allocation-lines.js';
import { runSimulation } from '../../app/simulate-run.js';
import { dataCheckLines } from '../data-check-lines.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addEngineOptions, addMarketOptions, engineConfigFromFlags, numberFlag, type EngineFlags } from '../options.js';
import { monteCarloLines, stressLines } from '../risk-lines.js';
import { DEFAULT_REPORT_RISK, simulateReportData } from '../../app/report/simulate-report.js';
import { runFolder, writeReportFile } from '../../app/report/run-report.js';
import { addMonteCarloOptions, monteCarloFromFlags, type MonteCarloFlags } from '../risk-flags.js';
import { logger, makeChalk, num, pct, table, usd, usdFine } from '../render.js';
import { parseStrategyList } from './wf.js';
import { addOptionFlags, optionLines, optionSettingsFromFlags, optionsJson, type OptionFlags } from './simulate-options.js';

interface SimulateFlags extends MarketFlags, EngineFlags, MonteCarloFlags, OptionFlags {
  strategy: string;
  params?: string;
  showTrades: string;
  db: string;
  stress?: boolean;
  challenger?: string;
  report?: boolean;
  outdir: string;
}

export function registerSimulate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('simulate')
    .description('one backtest of one strategy config that explains every step it takes')
    .option('--strategy <names>', `${STRATEGY_NAMES.join(' | ')}, or a comma list sharing one account`, 'ibs-rsi')
    .option('--params <k=v,...>', 'parameter overrides (one strategy only), e.g. rsiEntry=5,timeExitBars=3')
    .option('--show-trades <n>', 'trades listed in the log (the JSON always has all)', '10');
  addMonteCarloOptions(cmd, '0')
    .option('--stress', 'apply Black Monday, the COVID crash, doubled volatility and a flash crash to the equity path')
    .option('--challenger <spec>', 'run a challenger in shadow beside the strategy: NAME or NAME:k=v,... (only the champion trades)')
    .option('--report', 'also write report.html (equity, drawdown, monthly returns, trades, the Monte Carlo fan, stress) to <outdir>/simulate/<run id>/; resamples 1000 paths when --monte-carlo is 0')
    .option('--outdir <dir>', 'artifact folder for --report', 'wf_outputs');
  addOptionFlags(cmd);
  addMarketOptions(cmd);
  addEngineOptions(cmd);
  cmd.action(async (flags: SimulateFlags, command: Command) => {
    setExit(await runSimulate(flags, io, command));
  });
}

async function runSimulate(flags: SimulateFlags, io: CliIo, command: Command): Promise<number> {
  const dotenvExplicit = command.getOptionValueSource('dotenv') === 'cli';
  const optionSettings = optionSettingsFromFlags(flags, command);
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  const strategies = parseStrategyList(flags.strategy);
  if (flags.params !== undefined && strategies.length > 1) {
    throw usageError('BAD_FLAG', '--params applies to one strategy', { flag: '--params' });
  }
  const overrides = flags.params === undefined ? {} : parseParamsFlag(flags.params);
  const runs = strategies.map((strategy) => ({ strategy, params: resolveStrategyParams(strategy, overrides) }));
  const config = engineConfigFromFlags(flags);
  const showTrades = numberFlag(flags.showTrades, '--show-trades', { integer: true, min: 0 });
  const market = marketSpecFromFlags(flags);
  const step = (n: number, text: string) => log(`${c.bold(`[${n}]`)} ${text}`);
  const { simulations, method, maxDrawdownFrac } = monteCarloFromFlags(flags);
  const challenger = flags.challenger === undefined ? null : parseChallenger(flags.challenger);

  const sim = await runSimulation(
    {
      market,
      config,
      legs: runs,
      monteCarlo: { simulations, method },
      stress: flags.stress === true,
      maxDrawdownFrac,
      challenger,
      db: flags.db,
      options: optionSettings,
    },
    cliContext(io, (line) => step(1, line), { path: flags.dotenv, explicit: dotenvExplicit }),
    { loaded: (loaded) => { for (const line of dataCheckLines(loaded)) log(`    ${line}`); } },
  );
  const { run, manifest, result, ms, signalsInRange, monteCarlo, stress, shadow, shadowTrades, options } = sim;
  const { panel } = run.ctx;
  const startIso = dayToIso(panel.calendar[run.from]);
  const endIso = dayToIso(panel.calendar[run.to]);
  for (const r of runs) {
    const p = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ');
    step(2, `strategy ${r.strategy.name} v${r.strategy.version}: ${r.strategy.description}; params ${p}`);
  }

  const e = result.engine;
  const m = result.metrics;
  step(
    3,
    `signals: ${signalsInRange} on ${panel.series.length} symbols over ${startIso}..${endIso}, each from the bars up to its own close; ` +
      `${e.entrySignals} entry and ${e.exitSignals} exit signals came before the last session and were acted on`,
  );
  step(
    4,
    config.regimeFilter.enabled
      ? `regime filter: longs only while ${run.source.index} closes above its SMA(${config.regimeFilter.smaPeriod}); it blocked ${e.denials.REGIME_FILTER} signals`
      : 'regime filter: off (--no-regime-filter)',
  );
  const otherDenials = DENIAL_CODES.filter((d) => d !== 'REGIME_FILTER' && e.denials[d] > 0).map((d) => `${d} ${e.denials[d]}`);
  if (otherDenials.length > 0) log(`    other signals not traded: ${otherDenials.join(', ')}`);
  step(5, `fills: ${describeFillModel(config.fill)}; stops gap-aware (a gap through the stop fills at the open); stop beats target when both lie inside one bar; slippage ${config.costs.slippageBps} bps against every fill`);
  step(6, `costs: ${usd(config.costs.commissionPerOrderUsd)} per order + ${usdFine(config.costs.commissionPerShareUsd)} per share; paid ${usd(e.feesPaidUsd)} in commissions and ${usd(e.slippageUsd)} in slippage`);
  step(7, `trades: ${e.trades.length} closed, ${e.ordersFilled} orders filled; sizing ${flags.sizing}, at most ${config.maxPositions} positions, ${usd(config.initialCapital)} start (${ms.toFixed(0)} ms)`);
  const allocation = allocationJson(config, e, runs.map((r) => r.strategy.name));
  for (const line of allocationLines(allocation)) log(`    ${line}`);
  if (showTrades > 0 && e.trades.length > 0) {
    const shown = e.trades.slice(0, showTrades);
    log(
      table(
        ['symbol', 'side', 'entry', 'price', 'exit', 'price', 'shares', 'pnl', 'why out'],
        shown.map((t) => [t.symbol, t.side, dayToIso(t.entryDay), t.entryPrice.toFixed(2), dayToIso(t.exitDay), t.exitPrice.toFixed(2), t.shares, t.pnl.toFixed(2), t.exitReason]),
        io,
      ),
    );
    if (e.trades.length > shown.length) log(`    ... ${e.trades.length - shown.length} more (all of them in --json)`);
  }
  const acrossGaps = countTradesAcrossGaps(e.trades, run.issues);
  if (acrossGaps > 0) log(`    ${acrossGaps} trade(s) held across a LARGE_GAP or suspected split the data check flagged: their P&L is the data's, not the rule's (gapFlags in --json)`);
  step(8, 'metrics:');
  for (const line of metricsBlock(m, run.indexReason)) log(`    ${line}`);
  const vs = m.excessReturnFrac.value;
  const synthetic = run.source.synthetic ? '  [SYNTHETIC DEMO DATA]' : '';
  step(
    9,
    run.source.index === null
      ? `result: ${usd(config.initialCapital)} -> ${usd(e.finalEquity)} (${pct(m.totalReturnFrac.value)}); benchmark: none (${run.indexReason})${synthetic}`
      : `result: ${usd(config.initialCapital)} -> ${usd(e.finalEquity)} (${pct(m.totalReturnFrac.value)}) against buy-and-hold ${run.source.index} ${pct(m.benchmarkReturnFrac.value)}: ` +
          `${vs === null ? 'no benchmark' : vs >= 0 ? c.green(`ahead by ${pct(vs)}`) : c.red(`behind by ${pct(-vs)}`)}, alpha ${pct(m.alphaAnnualFrac.value)}/yr, portfolio beta ${num(m.beta.value)} (daily equity returns on the index's)${synthetic}`,
  );

  if (monteCarlo !== null) {
    step(10, 'Monte Carlo:');
    for (const line of monteCarloLines(monteCarlo)) log(`    ${line}`);
  }
  if (stress !== null) {
    step(11, 'stress scenarios:');
    for (const line of stressLines(stress)) log(`    ${line}`);
  }
  if (shadow !== null && challenger !== null) {
    step(12, `challenger ${challenger.strategy.name} in shadow (its orders are not real): ${shadow.challenger.trades} trades, return ${pct(shadow.challenger.totalReturnFrac)}, Sharpe ${num(shadow.challenger.sharpe)} against the champion's ${pct(shadow.champion.totalReturnFrac)}, ${num(shadow.champion.sharpe)}`);
    for (const arm of ['A', 'B'] as const) {
      log(`    arm ${arm}: champion ${shadow.champion.arms[arm].trades} trades ${usd(shadow.champion.arms[arm].pnl)}, challenger ${shadow.challenger.arms[arm].trades} trades ${usd(shadow.challenger.arms[arm].pnl)}`);
    }
    log(`    ${shadow.verdict}; ${shadow.sharedTrades} signals traded by both`);
  }

  if (options !== null) {
    const [header, ...rest] = optionLines(options, m, e.finalEquity, showTrades, io);
    step(13, header);
    for (const line of rest) log(line);
  }

  let reportFile: string | null = null;
  if (flags.report === true) {
    const risk = { simulations: simulations > 0 ? simulations : DEFAULT_REPORT_RISK.simulations, method, maxDrawdownFrac, stress: true };
    reportFile = writeReportFile(runFolder('simulate', resolve(io.cwd, flags.outdir), manifest.runId), simulateReportData(manifest, result, risk, options));
    log(`report: ${relative(io.cwd, reportFile)}`);
  }

  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          runId: manifest.runId,
          synthetic: run.source.synthetic,
          report: reportFile,
          manifest,
          dataCheck: dataCheckJson(run),
          signals: signalsInRange,
          denials: e.denials,
          allocation,
          feesPaidUsd: e.feesPaidUsd,
          slippageUsd: e.slippageUsd,
          finalEquityUsd: e.finalEquity,
          metrics: metricsToJson(m),
          benchmark:
            run.source.index === null
              ? null
              : { symbol: run.source.index, returnFrac: m.benchmarkReturnFrac.value, cagrFrac: m.benchmarkCagrFrac.value, sharpe: m.benchmarkSharpe.value },
          benchmarkReason: run.indexReason,
          equityCurve: equityCurveJson(e, result.benchmark),
          trades: tradesJson(e.trades, run.issues),
          decisions: e.decisions.map(decisionView),
          monteCarlo,
          stress: stress === null ? null : { ...stress, betaBasis: 'per unit of exposure: the portfolio beta over the average exposure (1 when either is unknown or not positive)' },
          shadow: shadow === null ? null : { ...shadow, trades: shadowTrades },
          options: options === null ? null : optionsJson(options),
        },
        null,
        2,
      )}\n`,
    );
  }
  return 0;
}

/** `noBenchmark`: why the run has no index, so the benchmark line says that once instead of five n/a. */
function metricsBlock(m: Metrics, noBenchmark: string | null): string[] {
  const v = (x: { value: number | null; reason?: string }, f: (n: number | null) => string) => (x.value === null ? `n/a (${x.reason})` : f(x.value));
  return [
    `trades ${m.trades}, win rate ${v(m.winRate, (n) => pct(n, 1))}, avg win ${v(m.avgWinUsd, usd)}, avg loss ${v(m.avgLossUsd, usd)}`,
    `expectancy ${v(m.expectancyUsd, usd)} per trade (${v(m.expectancyR, (n) => `${num(n)} R`)}), profit factor ${v(m.profitFactor, num)}, SQN ${v(m.sqn, num)}`,
    `total return ${v(m.totalReturnFrac, pct)}, CAGR ${v(m.cagrFrac, pct)}, Sharpe ${v(m.sharpe, num)}, Sortino ${v(m.sortino, num)}`,
    `max drawdown ${v(m.maxDrawdownFrac, pct)} (longest ${v(m.maxDrawdownDays, (n) => `${n} sessions`)} underwater), exposure ${v(m.exposureFrac, pct)} of sessions, avg ${v(m.avgExposureFrac, pct)} invested`,
    `hit rate ${v(m.hitRate, (n) => pct(n, 1))} of invested sessions up, avg hold ${v(m.avgBarsHeld, (n) => `${num(n, 1)} bars`)}, fees ${v(m.feesPaidUsd, usd)}`,
    noBenchmark !== null
      ? `benchmark: none (${noBenchmark})`
      : `benchmark ${v(m.benchmarkReturnFrac, pct)} (CAGR ${v(m.benchmarkCagrFrac, pct)}, Sharpe ${v(m.benchmarkSharpe, num)}), alpha ${v(m.alphaAnnualFrac, pct)}/yr, portfolio beta ${v(m.beta, num)} (daily equity returns on the index's)`,
  ];
}

/** `NAME` or `NAME:k=v,...` */
function parseChallenger(spec: string) {
  const at = spec.indexOf(':');
  const strategy = getStrategy(at < 0 ? spec : spec.slice(0, at), '--challenger');
  const params = resolveStrategyParams(strategy, at < 0 ? {} : parseParamsFlag(spec.slice(at + 1), '--challenger'), '--challenger');
  return { strategy, params };
}
