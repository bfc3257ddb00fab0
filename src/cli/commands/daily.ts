import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { sleepSync } from '../../audit/file-lock.js';
import { usageError } from '../../core/errors.js';
import { DAILY_STEPS, type ChallengerPolicy, type DailySpec, type DailyStep, type SubmitMode } from '../../app/daily/daily-spec.js';
import { runDaily, type DailyOutcome } from '../../app/daily/run-daily.js';
import { parseMix } from '../../app/scan/rank.js';
import { DEFAULT_SCAN_GATES } from '../../risk/scan-gates.js';
import { parseParamsFlag } from '../../strategies/params.js';
import { resolveStrategyParams, STRATEGIES, STRATEGY_NAMES } from '../../strategies/registry.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addDataOptions, numberFlag } from '../options.js';
import { logger } from '../render.js';
import { parseStrategyList } from './wf.js';

interface DailyFlags extends MarketFlags {
  date?: string;
  step?: string;
  rerun?: boolean;
  db: string;
  stateDir: string;
  logsDir: string;
  reportsDir: string;
  audit: string;
  broker: string;
  submit: string;
  strategy?: string;
  params?: string;
  challenger?: string;
  challengerParams?: string;
  challengerPolicy: string;
  abSalt: string;
  minPrice: string;
  minDollarVolume: string;
  regimeSma: string;
  mix: string;
  minConfidence: string;
  capital: string;
  limitBufferBps: string;
  providers: string;
  driftWindow: string;
  maxOrderUsd: string;
  maxDailyUsd: string;
  maxPositionPct: string;
  dailyLossLimitUsd: string;
  maxLosingStreak: string;
}

const SUBMIT_MODES: readonly SubmitMode[] = ['trade-of-day', 'top3', 'none'];
const POLICIES: readonly ChallengerPolicy[] = ['champion-primary', 'shadow-only'];

export function registerDaily(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const g = DEFAULT_SCAN_GATES;
  const cmd = program
    .command('daily')
    .description('the daily pipeline for cron: refresh, verify, scan, exits, submit, then after the close fill, reconcile and report; one run at a time, resumable, a no-op on market holidays')
    .option('--date <date>', 'replay this trading day on local data, YYYY-MM-DD (nothing is fetched; the paper broker fills from the day\'s bars)')
    .option('--step <names>', `run only these steps, comma list: ${DAILY_STEPS.join(', ')}`)
    .option('--rerun', 'run the chosen steps again even when marked done')
    .option('--db <file>', 'SQLite store: OMS, paper broker, step markers, plans, experiments', 'kobe.db')
    .option('--state-dir <dir>', 'folder of the lock, the journal, the kill switch and the confidence model', 'state')
    .option('--logs-dir <dir>', 'folder of daily_picks.csv and trade_of_day.csv', 'logs')
    .option('--reports-dir <dir>', 'reports go to <dir>/daily: <date>.{md,json,html} at the end of the day, <date>.morning.{html,json} after the scan', 'reports')
    .option('--audit <file>', 'hash-chained audit log', 'audit/audit.jsonl')
    .option('--broker <name>', 'paper (the default) or alpaca', 'paper')
    .option('--submit <what>', `${SUBMIT_MODES.join(' | ')}: which picks become orders`, 'trade-of-day')
    .option('--strategy <names>', `${STRATEGY_NAMES.join(' | ')}, comma list (default: the production roster in --db, else ibs-rsi,turtle-soup)`)
    .option('--params <k=v,...>', 'parameter overrides (one strategy only)')
    .option('--challenger <names>', 'challenger strategies, traded in shadow beside the champion (A/B by a hash of symbol and day)')
    .option('--challenger-params <k=v,...>', "the challenger's parameter overrides (one strategy only)")
    .option('--challenger-policy <policy>', `${POLICIES.join(' | ')}: whether the champion trades for real`, 'champion-primary')
    .option('--ab-salt <text>', 'salt of the arm assignment', 'kobe-ab')
    .option('--min-price <usd>', 'price gate: minimum close, USD', String(g.minPriceUsd))
    .option('--min-dollar-volume <usd>', 'liquidity gate: minimum 20-day average dollar volume, USD', String(g.minAvgDollarVolumeUsd))
    .option('--regime-sma <n>', 'regime gate: the index must close above its SMA of this many sessions', '200')
    .option('--mix <spec>', 'Top-3 slots per strategy', 'turtle-soup:2,ibs-rsi:1')
    .option('--min-confidence <p>', 'trade of the day needs at least this calibrated confidence', '0.6')
    .option('--capital <usd>', 'cash of a new paper account, and what scans size for', '100000')
    .option('--limit-buffer-bps <bps>', 'IOC limit price beyond the quote, basis points (room for the open and the slippage)', '50')
    .option('--max-order-usd <usd>', 'order gate: most notional one order may carry', '15000')
    .option('--max-daily-usd <usd>', 'order gate: most notional the entries of one day may carry together', '50000')
    .option('--max-position-pct <pct>', 'order gate: largest position in one symbol, percent of equity', '15')
    .option('--daily-loss-limit-usd <usd>', "circuit breaker: the day's realized loss that halts new orders", '2000')
    .option('--max-losing-streak <n>', 'circuit breaker: losing round trips in a row that halt new orders', '4')
    .option('--providers <list>', 'refresh: data providers in fallback order', 'stooq,yahoo')
    .option('--drift-window <n>', 'drift monitor: rolling window of trades', '20')
    .option('--cap <n>', 'only the first N symbols of the universe')
    .option('--index <symbol>', 'index for the regime gate (default SPY, or DEMX on the demo market)')
    .option('--types <list>', "only these values of the universe file's type column")
    .option('--seed <n>', 'seed of the synthetic demo market', '42');
  addDataOptions(cmd);
  cmd.action(async (flags: DailyFlags, command: Command) => {
    setExit(await runDailyCommand(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
}

function legsOf(names: string, params: string | undefined, flag: string) {
  const strategies = parseStrategyList(names);
  if (params !== undefined && strategies.length > 1) throw usageError('BAD_FLAG', `${flag} applies to one strategy`, { flag });
  const overrides = params === undefined ? {} : parseParamsFlag(params);
  return strategies.map((strategy) => ({ strategy, params: resolveStrategyParams(strategy, overrides) }));
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError('BAD_FLAG', `${flag} must be one of ${allowed.join(', ')}, was '${value}'`, { flag, value });
  return value as T;
}

/**
 * TEST HOOKS (never set by a user): KOBE_TEST_CRASH_AFTER_SUBMIT=1 kills the process with
 * SIGKILL right after the broker answered a submit and before the OMS records it;
 * KOBE_TEST_CRASH_AFTER_STEP=<step> kills it right after that step's marker is written;
 * KOBE_TEST_WAIT_AFTER_STEP=<step>:<file> writes <file>.reached after that step and waits (up to
 * a minute) for <file> to appear, holding the lock meanwhile.
 */
function crashHooks(env: Readonly<Record<string, string | undefined>>): DailySpec['hooks'] {
  const crash = () => process.kill(process.pid, 'SIGKILL');
  const crashAfter = env.KOBE_TEST_CRASH_AFTER_STEP;
  const [waitStep, waitFile] = (env.KOBE_TEST_WAIT_AFTER_STEP ?? '').split(/:(.*)/s);
  const afterStep = (s: DailyStep): void => {
    if (s === crashAfter) crash();
    if (s === waitStep && waitFile !== undefined && waitFile !== '') {
      writeFileSync(`${waitFile}.reached`, '');
      for (let i = 0; i < 1200 && !existsSync(waitFile); i++) sleepSync(50);
    }
  };
  return {
    ...(env.KOBE_TEST_CRASH_AFTER_SUBMIT === '1' ? { afterBrokerSubmit: crash } : {}),
    ...((crashAfter ?? '') !== '' || (waitStep ?? '') !== '' ? { afterStep } : {}),
  };
}

async function runDailyCommand(flags: DailyFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const steps = flags.step === undefined ? null : flags.step.split(',').map((s) => oneOf(s.trim(), DAILY_STEPS, '--step'));
  if (flags.params !== undefined && flags.strategy === undefined) throw usageError('BAD_FLAG', '--params needs --strategy (one strategy)', { flag: '--params' });
  const mix = parseMix(flags.mix, (n) => n in STRATEGIES);
  if (typeof mix === 'string') throw usageError('BAD_FLAG', `--mix: ${mix}`, { flag: '--mix', value: flags.mix });
  const minConfidence = numberFlag(flags.minConfidence, '--min-confidence', { min: 0 });
  if (minConfidence > 1) throw usageError('BAD_FLAG', `--min-confidence is a probability in [0, 1], was ${minConfidence}`, { flag: '--min-confidence' });
  const ctx = cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit });
  const spec: DailySpec = {
    date: flags.date ?? null,
    steps,
    rerun: flags.rerun === true,
    market: marketSpecFromFlags(flags),
    db: flags.db,
    stateDir: flags.stateDir,
    logsDir: flags.logsDir,
    reportsDir: flags.reportsDir,
    audit: flags.audit,
    broker: oneOf(flags.broker, ['paper', 'alpaca'], '--broker'),
    submit: oneOf(flags.submit, SUBMIT_MODES, '--submit'),
    legs: flags.strategy === undefined ? null : legsOf(flags.strategy, flags.params, '--params'),
    gates: {
      ...DEFAULT_SCAN_GATES,
      minPriceUsd: numberFlag(flags.minPrice, '--min-price', { min: 0 }),
      minAvgDollarVolumeUsd: numberFlag(flags.minDollarVolume, '--min-dollar-volume', { min: 0 }),
    },
    regimeSmaPeriod: numberFlag(flags.regimeSma, '--regime-sma', { integer: true, positive: true }),
    mix,
    minConfidence,
    capitalUsd: numberFlag(flags.capital, '--capital', { positive: true }),
    limitBufferFrac: numberFlag(flags.limitBufferBps, '--limit-buffer-bps', { min: 0 }) / 10_000,
    orderLimits: {
      maxOrderUsd: numberFlag(flags.maxOrderUsd, '--max-order-usd', { positive: true }),
      maxDailyUsd: numberFlag(flags.maxDailyUsd, '--max-daily-usd', { positive: true }),
      maxPositionFrac: numberFlag(flags.maxPositionPct, '--max-position-pct', { positive: true }) / 100,
      dailyLossLimitUsd: numberFlag(flags.dailyLossLimitUsd, '--daily-loss-limit-usd', { positive: true }),
      maxConsecutiveLosses: numberFlag(flags.maxLosingStreak, '--max-losing-streak', { integer: true, positive: true }),
    },
    providers: flags.providers.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    challenger:
      flags.challenger === undefined
        ? null
        : { legs: legsOf(flags.challenger, flags.challengerParams, '--challenger-params'), policy: oneOf(flags.challengerPolicy, POLICIES, '--challenger-policy'), salt: flags.abSalt },
    driftWindow: numberFlag(flags.driftWindow, '--drift-window', { integer: true, positive: true }),
    hooks: crashHooks(io.env),
  };
  const outcome = await runDaily(spec, ctx);
  if (json) io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  return render(outcome, io, log);
}

function render(outcome: DailyOutcome, io: CliIo, log: (line: string) => void): number {
  switch (outcome.kind) {
    case 'not-a-session':
      log(`${outcome.date} is not a trading day (${outcome.reason}): nothing to do`);
      return EXIT.ok;
    case 'locked': {
      const h = outcome.holder;
      io.stderr.write(`kobe daily: another run holds ${outcome.lockFile}${h === null ? '' : ` (pid ${h.pid} on ${h.host}, since ${h.startedAt ?? 'unknown'})`}; this run did nothing\n`);
      return EXIT.locked;
    }
    case 'ran': {
      if (outcome.recoveredLockFrom !== null) log(`note: broke a stale lock of pid ${outcome.recoveredLockFrom.pid} (it is not running)`);
      log(`kobe daily ${outcome.tradingDate}${outcome.replay ? ' (replay)' : ''}: signals from the ${outcome.signalDate} close`);
      for (const s of outcome.steps) {
        log(`  ${s.step.padEnd(14)} ${s.status}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`);
        for (const line of s.lines) log(`      ${line}`);
      }
      return outcome.failed ? EXIT.runtime : EXIT.ok;
    }
  }
}
