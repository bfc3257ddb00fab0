import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { parseParamsFlag } from '../../strategies/params.js';
import { resolveStrategyParams, STRATEGIES, STRATEGY_NAMES } from '../../strategies/registry.js';
import { DEFAULT_SCAN_GATES } from '../../risk/scan-gates.js';
import { parseMix } from '../../app/scan/rank.js';
import { runScan, type ScanPick, type ScanResult } from '../../app/scan/run-scan.js';
import { standaloneMorningInput, writeMorningPage } from '../../app/scan/scan-report.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addDataOptions, numberFlag } from '../options.js';
import { logger, table } from '../render.js';
import { parseStrategyList } from './wf.js';

interface ScanFlags extends MarketFlags {
  date?: string;
  strategy?: string;
  params?: string;
  db: string;
  stateDir: string;
  logsDir: string;
  audit: string;
  quotes?: string;
  earnings?: string;
  earningsSessions: string;
  minPrice: string;
  minDollarVolume: string;
  maxSpreadPct: string;
  regimeMaxVol?: string;
  regimeSma: string;
  mix: string;
  ensureTop3: boolean;
  minConfidence: string;
  capital: string;
  explain?: string;
  report?: string | true;
}

/** `kobe scan`; returns the command so subcommands (`scan train`) can be attached to it. */
export function registerScan(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  const g = DEFAULT_SCAN_GATES;
  const cmd = program
    .command('scan')
    .description("today's trade list: every strategy's entry signals on the last session (or --date), gated, ranked, calibrated and explained")
    .option('--date <date>', 'replay this past session, YYYY-MM-DD (default: the last session in the data, which must be the last completed NYSE session)')
    .option('--strategy <names>', `${STRATEGY_NAMES.join(' | ')}, comma list (default: the production roster in --db, else ibs-rsi,turtle-soup)`)
    .option('--params <k=v,...>', 'parameter overrides (one strategy only)')
    .option('--db <file>', 'SQLite store: the production roster is read from it, the scan recorded in its scans table', 'kobe.db')
    .option('--state-dir <dir>', 'folder holding models/active.json, the confidence model', 'state')
    .option('--logs-dir <dir>', 'folder of daily_picks.csv and trade_of_day.csv', 'logs')
    .option('--audit <file>', 'hash-chained audit log', 'audit/audit.jsonl')
    .option('--quotes <file>', 'CSV symbol,bid,ask: enables the spread gate (without it the gate is reported as not evaluated)')
    .option('--earnings <file>', 'CSV symbol,date of earnings reports: enables the earnings gate')
    .option('--earnings-sessions <n>', 'no entry within this many sessions before or after a report', String(g.earningsSessions))
    .option('--min-price <usd>', 'price gate: minimum close, USD', String(g.minPriceUsd))
    .option('--min-dollar-volume <usd>', 'liquidity gate: minimum 20-day average dollar volume, USD', String(g.minAvgDollarVolumeUsd))
    .option('--max-spread-pct <pct>', 'spread gate: maximum spread, percent of mid', String(g.maxSpreadFrac * 100))
    .option('--regime-max-vol <pct>', "regime gate's volatility leg: index realised vol(20), annualised percent, must be below this (default: off)")
    .option('--regime-sma <n>', 'regime gate: the index must close above its SMA of this many sessions (below, for shorts)', '200')
    .option('--mix <spec>', 'Top-3 slots per strategy', 'turtle-soup:2,ibs-rsi:1')
    .option('--no-ensure-top3', 'leave a slot empty when its strategy has too few picks (default: other strategies fill it)')
    .option('--min-confidence <p>', 'trade of the day needs at least this calibrated confidence', '0.6')
    .option('--capital <usd>', 'account size the trade plan sizes shares for (engine sizing, equal-weight)', '100000')
    .option('--report [file]', 'also write the morning report page of this scan, self-contained HTML (default file: reports/scan/<date>.html)')
    .option('--explain <symbol>', 'why (or why not) this symbol: each rule condition, gate, confidence contribution and the trade plan; writes nothing')
    .option('--cap <n>', 'scan only the first N symbols of the universe')
    .option('--index <symbol>', 'index for the regime gate (default SPY, or DEMX on the demo market)')
    .option('--trade-index', 'also scan the index when the universe lists it')
    .option('--types <list>', "scan only these values of the universe file's type column")
    .option('--seed <n>', 'seed of the synthetic demo market', '42');
  addDataOptions(cmd);
  cmd.action(async (flags: ScanFlags, command: Command) => {
    setExit(await runScanCommand(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
  return cmd;
}

async function runScanCommand(flags: ScanFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  let legs = null;
  if (flags.strategy !== undefined) {
    const strategies = parseStrategyList(flags.strategy);
    if (flags.params !== undefined && strategies.length > 1) throw usageError('BAD_FLAG', '--params applies to one strategy', { flag: '--params' });
    const overrides = flags.params === undefined ? {} : parseParamsFlag(flags.params);
    legs = strategies.map((strategy) => ({ strategy, params: resolveStrategyParams(strategy, overrides) }));
  } else if (flags.params !== undefined) {
    throw usageError('BAD_FLAG', '--params needs --strategy (one strategy)', { flag: '--params' });
  }
  const mix = parseMix(flags.mix, (n) => n in STRATEGIES);
  if (typeof mix === 'string') throw usageError('BAD_FLAG', `--mix: ${mix}`, { flag: '--mix', value: flags.mix, hint: 'e.g. turtle-soup:2,ibs-rsi:1' });
  if (flags.report !== undefined && flags.explain !== undefined) throw usageError('BAD_FLAG', '--report and --explain do not go together: --explain writes nothing', { flag: '--report' });
  const minConfidence = numberFlag(flags.minConfidence, '--min-confidence', { min: 0 });
  if (minConfidence > 1) throw usageError('BAD_FLAG', `--min-confidence is a probability in [0, 1], was ${minConfidence}`, { flag: '--min-confidence' });
  const outcome = await runScan(
    {
      market: marketSpecFromFlags(flags),
      date: flags.date ?? null,
      legs,
      db: flags.db,
      stateDir: flags.stateDir,
      logsDir: flags.logsDir,
      audit: flags.audit,
      quotes: flags.quotes ?? null,
      earnings: flags.earnings ?? null,
      gates: {
        minPriceUsd: numberFlag(flags.minPrice, '--min-price', { min: 0 }),
        minAvgDollarVolumeUsd: numberFlag(flags.minDollarVolume, '--min-dollar-volume', { min: 0 }),
        maxSpreadFrac: numberFlag(flags.maxSpreadPct, '--max-spread-pct', { min: 0 }) / 100,
        earningsSessions: numberFlag(flags.earningsSessions, '--earnings-sessions', { integer: true, min: 0 }),
        regimeMaxVol: flags.regimeMaxVol === undefined ? null : numberFlag(flags.regimeMaxVol, '--regime-max-vol', { positive: true }) / 100,
      },
      regimeSmaPeriod: numberFlag(flags.regimeSma, '--regime-sma', { integer: true, positive: true }),
      mix,
      ensureTop3: flags.ensureTop3,
      minConfidence,
      capitalUsd: numberFlag(flags.capital, '--capital', { positive: true }),
      explain: flags.explain === undefined ? null : flags.explain.toUpperCase(),
    },
    cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }),
  );
  if (outcome.kind === 'stale') {
    io.stderr.write(`error: the data is stale: it ends on ${outcome.have}, the last completed NYSE session is ${outcome.expected} (refresh the data, or replay a past day with --date)\n`);
    if (json) io.stdout.write(`${JSON.stringify({ stale: { have: outcome.have, expected: outcome.expected } }, null, 2)}\n`);
    return EXIT.runtime;
  }
  const r = outcome.result;
  if (r.rosterNote !== null) log(`note: ${r.rosterNote}`);
  log(`scan of ${r.date}${r.synthetic ? ' [SYNTHETIC DEMO DATA]' : ''}: ${r.strategies.map((s) => s.name).join(', ')}; ${r.signals.length} signal(s), ${r.signals.filter((x) => x.admitted).length} through every gate; indicators from ${r.historyBars} bars of history`);
  if (r.modelReason !== null) log(`confidence: null (${r.modelReason}${r.model === null ? ': no model in --state-dir models/active.json' : ''}); Top-3 ranked by strength, no trade of the day`);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const row = (x: ScanPick) => [x.symbol, x.strategy, x.side, x.entry.toFixed(2), x.stop?.toFixed(2) ?? '-', x.takeProfit?.toFixed(2) ?? '-', x.timeExit?.exitOn ?? '-', x.strength.toFixed(3), pct(x.confidence.value), x.plan.shares, x.admitted ? 'ok' : x.gates.filter((gt) => gt.ok === false).map((gt) => gt.code).join(' ')];
  const head = ['symbol', 'strategy', 'side', 'entry', 'stop', 'target', 'time exit', 'strength', 'conf', 'shares', 'gates'];
  if (r.explain === null) {
    if (r.signals.length > 0) log(table(head, r.signals.map(row), io, { compact: true }));
    log(`Top-3: ${r.top.length === 0 ? 'none' : r.top.map((x) => `${x.symbol} (${x.strategy})`).join(', ')}`);
    const t = r.tradeOfDay.pick;
    log(`trade of the day: ${t === null ? r.tradeOfDay.reason : `${t.symbol} ${t.side} (${t.strategy}) at ~${t.entry.toFixed(2)}, confidence ${pct(t.confidence.value)}: ${r.tradeOfDay.reason}`}`);
    if (r.written !== null) log(`written: ${r.written.dailyPicks}, ${r.written.tradeOfDay}, scans table in ${r.written.db}, audit ${r.written.audit}`);
    if (flags.report !== undefined) {
      const file = resolve(io.cwd, flags.report === true ? join('reports', 'scan', `${r.date}.html`) : flags.report);
      writeMorningPage(file, standaloneMorningInput(r));
      log(`report: ${file}`);
    }
  } else {
    for (const line of explainLines(r.explain, r.date)) log(line);
  }
  if (json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  return EXIT.ok;
}

function explainLines(e: ScanResult['explain'], date: string): string[] {
  if (e === null) return [];
  const out = [`why ${e.symbol} on ${date}:`];
  const num = (v: number | null) => (v === null ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));
  for (const rule of e.rules) {
    out.push(`  ${rule.strategy}: ${rule.signalled ? `signal (${rule.reason})` : 'no signal'}`);
    for (const c of rule.conditions) out.push(`    ${c.met ? 'yes' : 'no '}  ${c.name}: ${num(c.value)} ${c.op} ${num(c.threshold)}`);
  }
  for (const pk of e.picks) {
    out.push(`  ${pk.strategy} ${pk.side} pick:`);
    for (const gt of pk.gates) out.push(`    gate ${gt.gate}: ${gt.ok === null ? gt.detail : `${gt.ok ? 'pass' : `DENIED ${gt.code}`} (${gt.detail})`}`);
    if (pk.confidence.value === null) out.push(`    confidence: null (${pk.confidence.reason})`);
    else {
      out.push(`    confidence ${(pk.confidence.value * 100).toFixed(1)}% (raw ${(pk.confidence.rawProbability! * 100).toFixed(1)}%), log-odds from intercept ${pk.confidence.intercept!.toFixed(3)} plus:`);
      for (const f of pk.confidence.contributions!) out.push(`      ${f.feature} = ${num(f.value)}: ${f.contribution >= 0 ? '+' : ''}${f.contribution.toFixed(3)}`);
    }
    const pl = pk.plan;
    out.push(`    plan: enter at the next open (reference close ${pl.entryReference.toFixed(2)}), stop ${pl.stop?.toFixed(2) ?? 'none'}, target ${pl.target?.toFixed(2) ?? 'none'}, time exit ${pk.timeExit === null ? 'none' : `after ${pk.timeExit.bars} bars, at the open of ${pk.timeExit.exitOn}`}; ${pl.shares} shares (${pl.sizing} on $${pl.capitalUsd})`);
  }
  return out;
}
