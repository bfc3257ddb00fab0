import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../app/artifacts.js';
import { pipelineStatus, type StatusReport } from '../../app/daily/status.js';
import { breakerText, killSwitchText, levelText, lockText, markerText, planProtection, renderStatusMarkdown } from '../../app/daily/status-markdown.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { logger, num, table, usd } from '../render.js';

interface StatusFlags {
  db: string;
  stateDir: string;
  reportsDir: string;
  broker?: string;
  date?: string;
  json?: boolean;
  md?: string | boolean;
  dotenv: string;
}

export const STATUS_MD_FILE = 'STATUS.md';

export function registerStatus(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('status')
    .description("the daily pipeline at a glance, read-only: positions and open plans, the day's orders and fills, breaker and kill switch, each step's last run, the lock, recent alerts, the newest report")
    .option('--db <file>', 'SQLite store of kobe daily (never created by status)', 'kobe.db')
    .option('--state-dir <dir>', 'folder of the lock, the kill switch and alerts.jsonl', 'state')
    .option('--reports-dir <dir>', 'where kobe daily writes daily/<date>.md', 'reports')
    .option('--broker <name>', 'paper: read the paper broker\'s tables (the default when the database has them); alpaca: fetch the Alpaca account\'s positions (keys APCA_API_KEY_ID, APCA_API_SECRET_KEY)')
    .option('--date <date>', "the trading day whose orders, fills and step markers to show, YYYY-MM-DD (default: today in New York)")
    .option('--json', 'the status report as JSON on stdout')
    .option('--md [file]', `also write it as Markdown (default ${STATUS_MD_FILE})`)
    .option('--dotenv <file>', 'KEY=value file merged under the environment (broker keys)', '.env')
    .action(async (flags: StatusFlags, command: Command) => {
      const json = flags.json === true;
      const log = logger(io, json);
      const ctx = cliContext(io, log, { path: flags.dotenv, explicit: command.getOptionValueSource('dotenv') === 'cli' });
      const report = await pipelineStatus({ db: flags.db, stateDir: flags.stateDir, reportsDir: flags.reportsDir, broker: flags.broker ?? null, date: flags.date ?? null }, ctx);
      if (flags.md !== undefined && flags.md !== false) {
        const file = resolve(io.cwd, flags.md === true ? STATUS_MD_FILE : flags.md);
        writeFileAtomic(file, renderStatusMarkdown(report));
        log(`wrote ${file}`);
      }
      if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else render(report, io, log);
      setExit(EXIT.ok);
    });
}

const price = (x: number | null): string => (x === null ? '' : usd(x));

function render(r: StatusReport, io: CliIo, log: (line: string) => void): void {
  log(`kobe status ${r.tradingDate}${r.closed === null ? '' : ` (not a session: ${r.closed})`}`);
  for (const n of r.notes) log(`note: ${n}`);

  const b = r.broker;
  log('');
  log(`positions (broker ${b.name ?? 'none'}${b.cashUsd === null ? '' : `, cash ${usd(b.cashUsd)}`})${b.note === null ? '' : `: ${b.note}`}`);
  const omsQty = new Map(r.omsPositions.map((p) => [p.symbol, p.qty]));
  const symbols = [...new Set([...b.positions.map((p) => p.symbol), ...r.omsPositions.map((p) => p.symbol)])].sort();
  if (symbols.length === 0) log('  none');
  else
    log(
      table(
        ['symbol', 'broker shares', 'avg entry', 'OMS shares'],
        symbols.map((s) => {
          const p = b.positions.find((x) => x.symbol === s);
          return [s, p === undefined ? (b.fetched ? 0 : 'n/a') : p.qty, p === undefined ? '' : price(p.avgEntryPriceUsd), omsQty.get(s) ?? 0];
        }),
        io,
        { compact: true },
      ),
    );

  log('');
  log('open plans');
  if (r.plans.length === 0) log('  none');
  else
    log(
      table(
        ['symbol', 'strategy', 'status', 'shares', 'entered', 'entry', 'stop', 'target', 'time exit', 'protection'],
        r.plans.map((p) => [p.symbol, p.strategy, p.status, p.shares, p.entryDate ?? '', price(p.entryPrice), levelText(p.stopPriceUsd, p.stopDist), levelText(p.targetPriceUsd, p.targetDist), `${p.timeExitBars} bars`, planProtection(p)]),
        io,
        { compact: true },
      ),
    );

  log('');
  log(`orders on ${r.tradingDate}`);
  if (r.orders.length === 0) log('  none');
  else
    log(
      table(
        ['order', 'symbol', 'side', 'intent', 'type', 'shares', 'state', 'filled', 'avg price', 'fills'],
        r.orders.map((o) => [o.clientOrderId, o.symbol, o.side, o.intent, o.orderType, o.qty, o.state, o.filledQty, price(o.avgFillPrice), o.fills.map((f) => `${f.qty} @ ${num(f.price)}`).join(', ') || 'none']),
        io,
        { compact: true },
      ),
    );

  log('');
  log(`circuit breaker: ${breakerText(r.risk)}; order errors in the trading day: ${r.risk.errorsToday ?? 'n/a'}`);
  log(`kill switch: ${killSwitchText(r.risk.killSwitch)}`);

  log('');
  log('steps');
  log(table(['step', r.tradingDate, 'last run', 'last date'], r.steps.map((s) => [s.step, markerText(s.today), markerText(s.last), s.last?.tradingDate ?? '']), io, { compact: true }));

  log('');
  log(`lock ${r.lock.file}: ${lockText(r.lock)}`);
  log(`alerts: ${r.alerts.total} in ${r.alerts.file}, ${r.alerts.pending} not delivered`);
  for (const a of r.alerts.recent.slice(0, 5)) log(`  ${a.at}  ${a.kind}  ${a.title}: ${a.outcome}${a.detail === null ? '' : ` (${a.detail})`}`);
  log(`newest report: ${r.reports.newest?.markdown ?? `none in ${r.reports.dir}`}`);
}
