import type { Command } from 'commander';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../backtest/config.js';
import { checkNumber, type NumberRule } from '../app/check.js';
import { decodeEngineConfig, decodeWalkForwardSpec } from '../app/run-spec.js';
import { flagName } from './param-flags.js';

/**
 * Flags shared by every command that reads a market or runs the engine, declared once so
 * `simulate` and `wf` can never drift apart in names, units or defaults: the data-loading part
 * (addDataOptions) and the trading part (addTradingOptions).
 */
export function addMarketOptions(cmd: Command): Command {
  addDataOptions(cmd);
  return addTradingOptions(cmd);
}

/** Where the bars come from and how they are checked: every command that loads a market. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'folder of daily bar files (aapl.us.txt, AAPL.csv, aapl.csv); default $KOBE_DATA_DIR, else the built-in synthetic demo market')
    .option('--universe <file>', 'CSV with a symbol column (optional name, sector); default <data-dir>/universe.csv when present, else every file in --data-dir')
    .option('--symbols <list>', 'comma-separated symbols instead of a universe file, e.g. AAPL,MSFT')
    .option('--cache <dir>', 'binary bar cache folder, e.g. data/cache (invalidated when a source file changes)')
    .option('--on-bad-data <policy>', 'warn | mask | skip-symbol | fail: what to do with bars the data check flags', 'mask')
    .option('--corporate-actions <file>', 'CSV of known splits to back-adjust for: symbol,date,kind,ratio (kind split | reverse-split | price-factor; see README)')
    .option('--adjust <mode>', 'all | none: all scales Yahoo and AlphaVantage prices by the adjusted close (split- and dividend-adjusted); none reads every file as written', 'all')
    .option('--dotenv <file>', 'read environment variables (KOBE_DATA_DIR, POLYGON_API_KEY, ...) from this file', '.env')
    .option('--json', 'machine-readable result on stdout; logs go to stderr');
}

/** What is traded and when: commands that run the engine. */
export function addTradingOptions(cmd: Command): Command {
  return cmd
    .option('--cap <n>', 'trade only the first N symbols of the universe')
    .option('--index <symbol>', 'index for the regime filter and the benchmark (default SPY, or DEMX on the demo market; without its file a run needs --no-regime-filter and has no benchmark)')
    .option('--trade-index', 'also trade the index when the universe lists it (default: it is the yardstick only; --symbols trades what it names)')
    .option('--types <list>', 'trade only these values of the universe file\'s type column, comma list, e.g. stock or stock,etf')
    .option('--start <date>', 'first session traded, YYYY-MM-DD (default: the first session in the data; bars before it only warm indicators up)')
    .option('--end <date>', 'last session traded, YYYY-MM-DD (default: last bar in the data)')
    .option('--history-bars <n>', 'bars of history before --start that indicators are computed from (default: all; kobe evolve: 756)')
    .option('--seed <n>', 'seed for every random choice (the synthetic demo market is generated from it)', '42');
}

/** The walk-forward windows of `kobe wf` and of `kobe serve`'s jobs, one declaration and one decoder. */
export interface WalkForwardFlags {
  trainDays: string;
  testDays: string;
  minTrainTrades: string;
  tune: boolean;
}

export function addWalkForwardOptions(cmd: Command): Command {
  return cmd
    .option('--train-days <n>', 'sessions in each train window', '252')
    .option('--test-days <n>', 'sessions in each test window (the roll step)', '63')
    .option('--no-tune', 'trade the (default or --params) parameters in every split instead of tuning on the train window')
    .option('--min-train-trades <n>', 'a tuning candidate needs at least this many train trades', '10');
}

export function walkForwardFromFlags(flags: WalkForwardFlags) {
  return decodeWalkForwardSpec({ trainDays: flags.trainDays, testDays: flags.testDays, minTrainTrades: flags.minTrainTrades }, flagName);
}

export function addEngineOptions(cmd: Command): Command {
  const d = DEFAULT_ENGINE_CONFIG;
  return cmd
    .option('--capital <usd>', 'starting capital in USD', String(d.initialCapital))
    .option('--max-positions <n>', 'most positions open (or ordered) at once', String(d.maxPositions))
    .option(
      '--sizing <mode>',
      'equal-weight (equity / max positions) | all-in | fixed-shares:N | fixed-notional:USD | risk-pct:P (P% of equity risked to the stop) | kelly[:F] (strategy sleeves of F x Kelly on each strategy\'s trade record, F default 0.5, at most 25% each)',
      'equal-weight',
    )
    .option('--max-symbol-weight <frac>', 'clamp every new position to this fraction of equity, e.g. 0.15 (default: no limit)')
    .option('--max-correlation <rho>', 'deny a new position whose 60-session daily-return correlation with a held or ordered one exceeds this, e.g. 0.7 (default: no limit)')
    .option('--fill <model>', 'next-open (signal at close t, fill at open t+1) | delay-midpoint:N (fill at (open+close)/2 of bar t+N)', 'next-open')
    .option('--commission-per-order <usd>', 'commission per order, USD', String(d.costs.commissionPerOrderUsd))
    .option('--commission-per-share <usd>', 'commission per share, USD', String(d.costs.commissionPerShareUsd))
    .option('--slippage-bps <bps>', 'adverse slippage on every fill, basis points of price', String(d.costs.slippageBps))
    .option('--no-regime-filter', 'trade regardless of the index trend (default: longs only while the index closes above its SMA)')
    .option('--regime-sma <n>', 'SMA period of the regime filter, in sessions', String(d.regimeFilter.smaPeriod))
    .option('--db <file>', 'SQLite store the run is recorded in', 'kobe.db');
}

export interface EngineFlags {
  capital: string;
  maxPositions: string;
  sizing: string;
  fill: string;
  commissionPerOrder: string;
  commissionPerShare: string;
  slippageBps: string;
  regimeFilter: boolean;
  regimeSma: string;
  maxSymbolWeight?: string;
  maxCorrelation?: string;
}

/** A numeric flag's text as a number, checked by the one number check (errors name `flag`). */
export const numberFlag = (raw: string, flag: string, opts: NumberRule = {}): number => checkNumber(raw, flag, opts);

/** The engine flags as a config, decoded by the engine spec's one decoder (errors name the flags). */
export function engineConfigFromFlags(f: EngineFlags): EngineConfig {
  return decodeEngineConfig(
    {
      initialCapitalUsd: f.capital,
      maxPositions: f.maxPositions,
      sizing: f.sizing,
      fill: f.fill,
      commissionPerOrderUsd: f.commissionPerOrder,
      commissionPerShareUsd: f.commissionPerShare,
      slippageBps: f.slippageBps,
      regimeFilter: f.regimeFilter,
      regimeSmaPeriod: f.regimeSma,
      maxSymbolWeight: f.maxSymbolWeight,
      maxCorrelation: f.maxCorrelation,
    },
    flagName,
  );
}
