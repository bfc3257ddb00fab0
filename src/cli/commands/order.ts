import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { cancelOrder } from '../../app/orders/manage.js';
import { openOrderSession, openRiskSession, type OrderSession, type RiskSession } from '../../app/orders/session.js';
import { submitIntent, type SubmitOutcome } from '../../app/orders/submit.js';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import { tradingDayOf } from '../../risk/trading-day.js';
import type { OrderRow } from '../../store/order-store.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { logger, table } from '../render.js';

/** The flags every order-path command shares: where the state lives and which broker. */
export interface OrderPathFlags {
  db: string;
  stateDir: string;
  audit: string;
  broker: string;
  mode?: string;
  quotes?: string;
  dataDir?: string;
  prohibited?: string;
  dotenv: string;
  json?: boolean;
}

/** The kill switch and the breaker: where the state lives, no broker (they must work when none can be reached). */
export function addRiskStateOptions(cmd: Command): Command {
  return cmd
    .option('--db <file>', 'SQLite store: the OMS (orders, fills, order_events), the circuit breaker and the paper broker', 'kobe.db')
    .option('--state-dir <dir>', 'folder of the kill switch file KILL_SWITCH and the journal journal.jsonl', 'state')
    .option('--audit <file>', 'hash-chained audit log', 'audit/audit.jsonl')
    .option('--json', 'machine-readable result on stdout');
}

export function addOrderPathOptions(cmd: Command): Command {
  return addRiskStateOptions(cmd)
    .option('--broker <name>', 'paper (SQLite, the default) or alpaca (keys APCA_API_KEY_ID, APCA_API_SECRET_KEY)', 'paper')
    .option('--mode <mode>', 'alpaca: paper (default) or live; live needs KOBE_ALLOW_LIVE=1')
    .option('--quotes <file>', 'paper broker: CSV symbol,bid,ask it prices and fills against')
    .option('--data-dir <dir>', "daily bar files for the gates' last price and 20-day average dollar volume (without it ADV is unknown and entries are denied)")
    .option('--prohibited <file>', 'prohibited list, CSV symbol,reason,expires')
    .option('--dotenv <file>', 'KEY=value file merged under the environment (broker keys)', '.env');
}

/**
 * The context of an order command. TEST HOOK: KOBE_TEST_NOW (an ISO instant) fixes the clock,
 * so tests can submit inside regular trading hours whenever they run; it is refused in live mode.
 */
export function orderContext(io: CliIo, flags: OrderPathFlags, dotenvExplicit: boolean): AppContext {
  const json = flags.json === true;
  const ctx = cliContext(io, logger(io, json), { path: flags.dotenv, explicit: dotenvExplicit });
  const fixed = ctx.env.KOBE_TEST_NOW;
  if (fixed === undefined || fixed === '') return ctx;
  const ms = Date.parse(fixed);
  if (!Number.isFinite(ms)) throw usageError('BAD_TEST_NOW', `KOBE_TEST_NOW must be an ISO instant, was '${fixed}'`, { value: fixed });
  if (flags.mode === 'live') throw usageError('BAD_TEST_NOW', 'KOBE_TEST_NOW (a test hook) is refused in live mode', { value: fixed, hint: 'unset KOBE_TEST_NOW' });
  return { ...ctx, now: () => new Date(ms) };
}

/** Opens the session, runs `body`, closes the session whatever happens. */
export async function withOrderSession<T>(io: CliIo, flags: OrderPathFlags, command: Command, body: (s: OrderSession, ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = orderContext(io, flags, command.getOptionValueSource('dotenv') === 'cli');
  const session = openOrderSession(
    { db: flags.db, stateDir: flags.stateDir, audit: flags.audit, broker: flags.broker, mode: flags.mode, quotes: flags.quotes, dataDir: flags.dataDir, prohibited: flags.prohibited },
    ctx,
  );
  try {
    return await body(session, ctx);
  } finally {
    session.close();
  }
}

export type RiskStateFlags = Pick<OrderPathFlags, 'db' | 'stateDir' | 'audit' | 'json'>;

/** Opens the risk state only (no broker), runs `body`, closes it. */
export async function withRiskSession<T>(io: CliIo, flags: RiskStateFlags, body: (s: RiskSession, ctx: AppContext) => T): Promise<T> {
  const ctx = orderContext(io, { ...flags, broker: 'paper', dotenv: '.env' }, false);
  const session = openRiskSession({ db: flags.db, stateDir: flags.stateDir, audit: flags.audit }, ctx);
  try {
    return body(session, ctx);
  } finally {
    session.close();
  }
}

interface SubmitFlags extends OrderPathFlags {
  symbol: string;
  side: string;
  shares: string;
  strategy: string;
  intent: string;
  date?: string;
  clamp?: boolean;
}

export function registerOrder(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const order = program.command('order').description('place, cancel and list orders through the pre-trade gates and the OMS (one intent, one order)');
  const submit = order
    .command('submit')
    .description('submit one order intent: every gate runs, denials are recorded (exit 3); the same intent again is the same order')
    .requiredOption('--symbol <symbol>', 'ticker')
    .requiredOption('--side <side>', 'buy or sell')
    .requiredOption('--shares <n>', 'whole shares')
    .option('--strategy <name>', 'the strategy the order is for (part of its identity)', 'manual')
    .option('--intent <intent>', 'entry or exit (part of its identity)', 'entry')
    .option('--date <date>', 'the trading date the order is for, YYYY-MM-DD (default: the trading day now)')
    .option('--clamp', 'cut --shares to the size limits (notional, ADV share, position, cash) instead of being denied; the output names the limits that cut it');
  addOrderPathOptions(submit).action(async (flags: SubmitFlags, command: Command) => {
    setExit(await runSubmit(flags, io, command));
  });
  const cancel = order.command('cancel <id>').description('cancel an order by its client order id (at the broker when it got there)');
  addOrderPathOptions(cancel).action(async (id: string, flags: OrderPathFlags, command: Command) => {
    setExit(await runCancel(id, flags, io, command));
  });
  const list = order.command('list').description("the OMS's orders, oldest first");
  addOrderPathOptions(list).action(async (flags: OrderPathFlags, command: Command) => {
    setExit(await withOrderSession(io, flags, command, async (s) => {
      const orders = s.oms.list();
      if (flags.json === true) io.stdout.write(`${JSON.stringify({ orders }, null, 2)}\n`);
      else logger(io, false)(orders.length === 0 ? 'no orders' : orderTable(orders, io));
      return EXIT.ok;
    }));
  });
}

async function runSubmit(flags: SubmitFlags, io: CliIo, command: Command): Promise<number> {
  if (flags.side !== 'buy' && flags.side !== 'sell') throw usageError('BAD_FLAG', `--side must be buy or sell, was '${flags.side}'`, { flag: '--side', value: flags.side });
  if (!/^\d+$/.test(flags.shares) || Number(flags.shares) < 1 || !Number.isSafeInteger(Number(flags.shares))) {
    throw usageError('BAD_FLAG', `--shares must be a whole number of shares >= 1, was '${flags.shares}'`, { flag: '--shares', value: flags.shares });
  }
  const side = flags.side;
  return withOrderSession(io, flags, command, async (s, ctx) => {
    const tradingDate = flags.date ?? dayToIso(tradingDayOf(ctx.now().getTime()));
    const deps = io.env.KOBE_TEST_CRASH_AFTER_SUBMIT === '1' ? { ...s.deps, afterBrokerSubmit: crashNow } : s.deps;
    const outcome = await submitIntent({ tradingDate, strategy: flags.strategy, symbol: flags.symbol, side, intent: flags.intent, shares: Number(flags.shares), clampToLimits: flags.clamp === true }, ctx, deps);
    printOutcome(outcome, flags.json === true, io);
    if (outcome.kind === 'denied') return EXIT.rejected;
    if (outcome.kind === 'submitted' && outcome.rejection !== null) return EXIT.runtime;
    return EXIT.ok;
  });
}

/**
 * TEST HOOK (KOBE_TEST_CRASH_AFTER_SUBMIT=1): kill this process with SIGKILL right after the
 * broker answered and before the answer is written to the OMS, the worst moment to crash. The
 * idempotency test uses it to prove the next run heals the row instead of sending again.
 */
function crashNow(): void {
  process.kill(process.pid, 'SIGKILL');
}

function printOutcome(outcome: SubmitOutcome, json: boolean, io: CliIo): void {
  const id = outcome.kind === 'denied' ? outcome.clientOrderId : outcome.order.clientOrderId;
  if (json) {
    io.stdout.write(`${JSON.stringify({ clientOrderId: id, outcome: outcome.kind, ...outcome }, null, 2)}\n`);
    return;
  }
  const log = logger(io, false);
  switch (outcome.kind) {
    case 'denied':
      log(`${id}: denied, nothing sent`);
      for (const d of outcome.denials) log(`  ${d.code}: ${d.detail}`);
      return;
    case 'existing':
      log(`${id}: already recorded (${outcome.order.state}); nothing sent`);
      return;
    case 'healed':
      log(`${id}: the broker already had it (${outcome.broker.brokerStatus}); recorded as ${outcome.order.state}, nothing sent`);
      return;
    case 'submitted':
      if (outcome.sizing.clampedBy.length > 0) log(`${id}: sized ${outcome.sizing.shares} of ${outcome.sizing.requestedShares} shares, clamped by ${outcome.sizing.clampedBy.join(', ')}`);
      if (outcome.rejection !== null) log(`${id}: rejected by the broker: ${outcome.rejection.code}: ${outcome.rejection.detail}`);
      else log(`${id}: ${outcome.order.state}, ${outcome.order.filledQty}/${outcome.order.qty} filled${outcome.order.avgFillPrice === null ? '' : ` at ${outcome.order.avgFillPrice}`} (limit ${outcome.order.limitPrice})`);
  }
}

async function runCancel(id: string, flags: OrderPathFlags, io: CliIo, command: Command): Promise<number> {
  return withOrderSession(io, flags, command, async (s, ctx) => {
    const r = await cancelOrder(id, s, ctx);
    if (flags.json === true) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else logger(io, false)(`${id}: ${r.order.state}${r.refusal === null ? '' : ` (${r.refusal.code}: ${r.refusal.detail})`}`);
    return r.order.state === 'cancelled' ? EXIT.ok : EXIT.runtime;
  });
}

function orderTable(orders: readonly OrderRow[], io: CliIo): string {
  return table(
    ['client order id', 'date', 'strategy', 'side', 'qty', 'symbol', 'limit', 'state', 'filled', 'avg'],
    orders.map((o) => [o.clientOrderId, o.tradingDate, o.strategy, o.side, o.qty, o.symbol, o.limitPrice ?? '', o.state, o.filledQty, o.avgFillPrice ?? '']),
    io,
  );
}
