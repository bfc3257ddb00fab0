import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { RunStore } from '../../store/run-store.js';
import type { CliIo } from '../io.js';
import type { Manifest } from '../../app/manifest.js';
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
    .description('the run registry: every recorded kobe wf, simulate and evolve run, newest first; `kobe runs show ID` for one')
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

/** Key out-of-sample numbers of one strategy (wf) or of the whole portfolio (simulate). */
interface KeyMetrics {
  readonly strategy: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly sharpe: number | null;
  readonly totalReturnFrac: number | null;
  readonly maxDrawdownFrac: number | null;
  readonly trades: number | null;
}

interface RunListing {
  readonly runId: string;
  readonly command: string;
  readonly strategies: string[];
  readonly start: string;
  readonly end: string;
  readonly synthetic: boolean;
  readonly metrics: KeyMetrics[];
  readonly recordedAt: string;
}

type MetricsLike = { sharpe?: number | null; totalReturnFrac?: number | null; maxDrawdownFrac?: number | null; trades?: number | null };

const keyMetrics = (strategy: string, m: MetricsLike | undefined, start: string | null, end: string | null): KeyMetrics => ({
  strategy,
  start,
  end,
  sharpe: m?.sharpe ?? null,
  totalReturnFrac: m?.totalReturnFrac ?? null,
  maxDrawdownFrac: m?.maxDrawdownFrac ?? null,
  trades: m?.trades ?? null,
});

/** What a listing shows of a recorded run, read from its manifest and summary whatever command wrote it. */
function describeRun(row: { runId: string; command: string; manifestJson: string; summaryJson: string; recordedAt: string }): RunListing {
  const manifest = JSON.parse(row.manifestJson) as Manifest;
  const summary = JSON.parse(row.summaryJson) as unknown;
  const run = manifest.run as { strategies?: { name: string }[]; space?: { kind: string; strategy?: string } };
  const declared = run.space !== undefined ? [run.space.kind === 'rules' ? 'free rules' : `${run.space.strategy} parameters`] : (run.strategies ?? []).map((s) => s.name);
  let metrics: KeyMetrics[];
  if (row.command === 'evolve') {
    // evolve: its best genome so far, judged on the walk-forward's out-of-sample record.
    const ev = summary as { status: string; best: { fingerprint: string; oos: (MetricsLike & { start?: string; end?: string }) | null } | null };
    const best = ev.best;
    metrics = [keyMetrics(best === null ? `no genome scored (${ev.status})` : `best ${best.fingerprint.slice(0, 12)} (${ev.status})`, best?.oos ?? undefined, null, null)];
  } else if (Array.isArray(summary)) {
    // wf: one summary per strategy, judged on its stitched out-of-sample test windows.
    metrics = (summary as { strategy: string; outOfSample?: { start: string; end: string; metrics: MetricsLike } }[]).map((s) =>
      keyMetrics(s.strategy, s.outOfSample?.metrics, s.outOfSample?.start ?? null, s.outOfSample?.end ?? null),
    );
  } else {
    // simulate: one portfolio over the whole span.
    metrics = [keyMetrics(declared.join('+'), summary as MetricsLike, manifest.data.start, manifest.data.end)];
  }
  return {
    runId: row.runId,
    command: row.command,
    strategies: declared,
    start: manifest.data.start,
    end: manifest.data.end,
    synthetic: manifest.data.synthetic,
    metrics,
    recordedAt: row.recordedAt,
  };
}

function listRuns(flags: RunsFlags, io: CliIo): number {
  const json = flags.json === true;
  const limit = numberFlag(flags.limit, '--limit', { integer: true, positive: true });
  const store = new RunStore(resolve(io.cwd, flags.db), { mustExist: true });
  let runs: RunListing[];
  try {
    runs = store.listRuns(limit).map(describeRun);
  } finally {
    store.close();
  }
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
        r.command === 'wf' ? lines(r, (m) => m.strategy) : r.command === 'evolve' ? `${r.strategies.join(', ')}: ${r.metrics[0].strategy}` : r.strategies.join(', '),
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
  const store = new RunStore(resolve(io.cwd, flags.db), { mustExist: true });
  let row;
  try {
    const ids = store.runIdsWithPrefix(prefix);
    if (ids.length === 0) throw usageError('UNKNOWN_RUN', `no run in ${flags.db} starts with ${prefix}`, { flag: 'id', value: id, hint: 'kobe runs lists them' });
    if (ids.length > 1) {
      throw usageError('AMBIGUOUS_RUN_ID', `${ids.length === 10 ? '10 or more' : ids.length} runs start with ${prefix}: ${ids.join(', ')}`, { flag: 'id', value: id, hint: 'give more characters of the id' });
    }
    row = store.getRun(ids[0])!;
  } finally {
    store.close();
  }
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
