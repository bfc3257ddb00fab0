#!/usr/bin/env node
// Replays a span of trading days with the daily pipeline (`kobe daily --date D` for every NYSE
// session, paper broker, in a fresh working folder) and compares the paper account with the
// backtest of the same picks under the same fill model: every round trip, the open positions and
// the cash, to the cent. Not part of the test suite (a year takes minutes); run it after `npm run
// build`:
//
//   node scripts/replay-year.mjs --data-dir ../shared/data/us-equities-stooq --from 2016-01-04 --to 2016-12-30 [--cap 300] [--submit top3] [--workdir DIR]
//
// Prints one line per day and, at the end, the comparison; exit code 1 when any difference is found.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { plainContext } from '../dist/app/context.js';
import { decodeMarketSpec } from '../dist/app/market-spec.js';
import { compareReplayWithBacktest, replaySessions } from '../dist/app/daily/replay-check.js';
import { DEFAULT_SCAN_GATES } from '../dist/risk/scan-gates.js';

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    cap: { type: 'string', default: '300' },
    submit: { type: 'string', default: 'top3' },
    workdir: { type: 'string' },
    'max-losing-streak': { type: 'string', default: '4' },
  },
});
if (!a['data-dir'] || !a.from || !a.to) {
  process.stderr.write('usage: node scripts/replay-year.mjs --data-dir DIR --from YYYY-MM-DD --to YYYY-MM-DD [--cap N] [--submit top3|trade-of-day] [--workdir DIR] [--max-losing-streak N]\n');
  process.exit(2);
}
const work = a.workdir ? resolve(a.workdir) : mkdtempSync(join(tmpdir(), 'kobe-replay-'));
const spec = {
  steps: null,
  rerun: false,
  market: decodeMarketSpec({ dataDir: resolve(a['data-dir']), types: 'stock', cap: Number(a.cap), cache: join(work, 'cache') }),
  db: 'kobe.db',
  stateDir: 'state',
  logsDir: 'logs',
  reportsDir: 'reports',
  audit: 'audit/audit.jsonl',
  broker: 'paper',
  submit: a.submit,
  legs: null,
  gates: DEFAULT_SCAN_GATES,
  regimeSmaPeriod: 200,
  mix: [{ strategy: 'turtle-soup', count: 2 }, { strategy: 'ibs-rsi', count: 1 }],
  minConfidence: 0.6,
  capitalUsd: 100_000,
  limitBufferFrac: 0.005,
  orderLimits: { maxOrderUsd: 15_000, maxDailyUsd: 50_000, maxPositionFrac: 0.15, dailyLossLimitUsd: 2_000, maxConsecutiveLosses: Number(a['max-losing-streak']) },
  providers: ['stooq'],
  challenger: null,
  driftWindow: 20,
};
const ctx = plainContext(work);
const started = Date.now();
process.stdout.write(`replaying ${a.from}..${a.to} in ${work}\n`);
const days = await replaySessions(spec, a.from, a.to, ctx, (o) => {
  if (o.kind !== 'ran') return;
  const submit = o.steps.find((s) => s.step === 'submit');
  process.stdout.write(`${o.tradingDate}: ${submit?.lines.join('; ') ?? ''}\n`);
});
const c = await compareReplayWithBacktest(spec, days[0], days[days.length - 1], ctx);
process.stdout.write(`\n${days.length} sessions in ${((Date.now() - started) / 1000).toFixed(0)} s; ${c.picks} picks sent, ${c.deniedByOrderPath} denied by the order path (left out of both sides)\n`);
process.stdout.write(`paper:    ${c.paper.closedTrades} round trips, ${c.paper.openPositions} open, realized ${c.paper.realizedPnlUsd.toFixed(2)}, liquidation value ${c.paper.liquidationValueUsd.toFixed(2)}\n`);
process.stdout.write(`backtest: ${c.backtest.closedTrades} round trips, ${c.backtest.openPositions} open, realized ${c.backtest.realizedPnlUsd.toFixed(2)}, final equity ${c.backtest.finalEquityUsd.toFixed(2)}\n`);
if (c.differences.length === 0) process.stdout.write('no difference: the paper account agrees with the backtest to the cent\n');
else for (const d of c.differences) process.stdout.write(`DIFFERENCE ${d}\n`);
process.exitCode = c.differences.length === 0 ? 0 : 1;
