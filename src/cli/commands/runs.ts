import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { describeRun, findRecordedRun, listRecordedRuns, type KeyMetrics, type RunListing } from '../../app/runs.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { numberFlag } from '../options.js';
import { logger, num, pct, table } from '../render.js';

interface RunsFlags {
  db: string;
  limit: string;
  json?: boolean;
}

export function registerRuns(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const runs = program
    .command('runs')
    .description('the run registry: every recorded kobe wf, simulate, evolve and promote run, newest first; `kobe runs show ID` for one')
    .option('--db <file>', 'SQLite store the runs were recorded in', 'kobe.db')
    .option('--limit <n>', 'list at most this many runs', '20')
    .option('--json', 'machine-readable result on stdout')
    .action((flags: RunsFlags) => {
      setExit(listRuns(flags, io));
    });
  runs
    .command('show <id>')
    .description('the manifest and summary of one run (a unique prefix of its id is enough); takes --db and --json')
    // --db and --json belong to `runs` (commander parses a parent's options after the subcommand too).
    .action((id: string, _flags: unknown, command: Command) => {
      setExit(showRun(id, command.optsWithGlobals<RunsFlags>(), io));
    });
}

function listRuns(flags: RunsFlags, io: CliIo): number {
  const json = flags.json === true;
  const limit = numberFlag(flags.limit, '--limit', { integer: true, positive: true });
  const runs = listRecordedRuns(flags.db, limit, cliContext(io, () => undefined));
  if (json) {
    io.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
    return 0;
  }
  const log = logger(io, false);
  if (runs.length === 0) {
    log(`no runs recorded in ${flags.db}`);
    return 0;
  }
  const lines = (r: RunListing, f: (m: KeyMetrics) => string) => r.metrics.map(f).join('\n');
  log(
    table(
      ['run', 'command', 'strategies', 'data', 'Sharpe', 'return', 'max dd', 'trades', 'recorded'],
      runs.map((r) => [
        r.runId,
        r.command,
        r.command === 'wf' ? lines(r, (m) => m.strategy) : r.command === 'evolve' || r.command === 'promote' ? `${r.strategies.join(', ')}: ${r.metrics[0].strategy}` : r.strategies.join(', '),
        `${r.start}..${r.end}${r.synthetic ? ' (demo)' : ''}`,
        lines(r, (m) => num(m.sharpe)),
        lines(r, (m) => pct(m.totalReturnFrac)),
        lines(r, (m) => pct(m.maxDrawdownFrac)),
        lines(r, (m) => (m.trades === null ? 'n/a' : String(m.trades))),
        r.recordedAt.replace('T', ' ').slice(0, 19),
      ]),
      io,
      { compact: true },
    ),
  );
  return 0;
}

function showRun(id: string, flags: Omit<RunsFlags, 'limit'>, io: CliIo): number {
  const json = flags.json === true;
  const prefix = id.trim();
  if (prefix === '') throw usageError('BAD_RUN_ID', 'name a run: its id or a unique prefix of it', { flag: 'id', value: id, hint: 'kobe runs lists them' });
  const row = findRecordedRun(prefix, flags.db, cliContext(io, () => undefined));
  const listing = describeRun(row);
  const manifest = JSON.parse(row.manifestJson) as unknown;
  const summary = JSON.parse(row.summaryJson) as unknown;
  if (json) {
    io.stdout.write(`${JSON.stringify({ run: listing, manifest, summary }, null, 2)}\n`);
    return 0;
  }
  const log = logger(io, false);
  log(`run ${listing.runId}: kobe ${listing.command} of ${listing.strategies.join(', ')} on ${listing.start}..${listing.end}${listing.synthetic ? ' [SYNTHETIC DEMO DATA]' : ''}, recorded ${listing.recordedAt}`);
  log(
    table(
      ['strategy', 'out of sample', 'Sharpe', 'return', 'max dd', 'trades'],
      listing.metrics.map((m) => [m.strategy, m.start === null ? 'n/a' : `${m.start}..${m.end}`, num(m.sharpe), pct(m.totalReturnFrac), pct(m.maxDrawdownFrac), m.trades === null ? 'n/a' : String(m.trades)]),
      io,
      { compact: true },
    ),
  );
  log('manifest:');
  log(JSON.stringify(manifest, null, 2));
  log('summary:');
  log(JSON.stringify(summary, null, 2));
  return 0;
}
