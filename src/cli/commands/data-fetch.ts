import { isAbsolute, relative } from 'node:path';
import { plainContext } from '../../app/context.js';
import { DEFAULT_PROVIDERS, describeRefreshStatus, refreshData, type RefreshReport } from '../../app/data-refresh.js';
import { isKobeError, type KobeError, usageError } from '../../core/errors.js';
import { redactDeep, redactSecrets } from '../../core/redact.js';
import type { HttpOptions } from '../../data/providers/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { flagName, withParamFlag } from '../param-flags.js';
import { logger, makeChalk, Progress, table } from '../render.js';

export interface DataFetchOptions {
  /** One provider or a comma list (the fallback order); default env KOBE_PROVIDERS, else stooq,yahoo. */
  readonly provider?: string;
  /** Symbols as typed; items may also hold comma- or space-separated lists. */
  readonly symbols?: readonly string[];
  /** A universe CSV instead of `symbols`. */
  readonly universe?: string;
  /** First day of a full fetch; under `--since last`, the first day of symbols without a file. */
  readonly from?: string;
  /** Last day; default today (New York). */
  readonly to?: string;
  /** `last` (incremental) or a date (the same as --from). */
  readonly since?: string;
  /** Relative to io.cwd unless absolute. */
  readonly dataDir: string;
  readonly json: boolean;
  /** Parallel symbols; default 4 (Polygon's free plan allows 5 requests a minute). */
  readonly concurrency?: number;
}

/** Test seams; the CLI passes none. */
export interface DataFetchDeps {
  readonly http?: HttpOptions;
  /** The clock "today" comes from. */
  readonly now?: () => Date;
}

export const PROVIDER_HELP = `providers to try per symbol, in order, as a comma list of polygon, stooq, yahoo (default: $KOBE_PROVIDERS, else ${DEFAULT_PROVIDERS.join(',')})`;

function reportUsageError(error: KobeError, opts: DataFetchOptions, io: CliIo): number {
  const e = withParamFlag(error);
  const c = makeChalk(io, 'stderr');
  io.stderr.write(`${c.red('error:')} ${redactSecrets(e.describe())}\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: false, error: redactDeep(e.toJSON()) }, null, 2)}\n`);
  return EXIT.usage;
}

function jsonReport(r: RefreshReport, ok: boolean) {
  return {
    ok,
    provider: r.providers.join(','),
    providers: r.providers,
    skippedProviders: r.skippedProviders,
    since: r.since,
    from: r.fromIso,
    to: r.toIso,
    dataDir: r.dataDir,
    downloaded: r.results.length - r.counts.failed - r.counts.upToDate,
    upToDate: r.counts.upToDate,
    failed: r.counts.failed,
    counts: r.counts,
    results: r.results.map((x) =>
      x.ok
        ? { symbol: x.symbol, ok: true, status: x.status, appended: x.appended, file: x.file, bars: x.bars, first: x.firstIso, last: x.lastIso, provider: x.provider, attempts: x.attempts }
        : { symbol: x.symbol, ok: false, code: x.code, error: x.error, hint: x.hint, file: x.file, attempts: x.attempts },
    ),
  };
}

/**
 * `kobe data fetch`: downloads daily bars into `<dataDir>` (refreshData in src/app does the
 * work). Exit code 0 when every symbol is up to date or downloaded, 1 when some failed, 2 for a
 * usage or configuration error (bad flags, no provider usable, a rejected key with no other
 * provider left). Reads POLYGON_API_KEY, the *_BASE_URL variables and KOBE_PROVIDERS from
 * io.env (the caller merges .env into it).
 */
export async function runDataFetch(opts: DataFetchOptions, io: CliIo, deps: DataFetchDeps = {}): Promise<number> {
  const log = logger(io, opts.json);
  const ctx = plainContext(io.cwd, io.env, {
    log,
    note: (line) => io.stderr.write(`note: ${redactSecrets(line)}\n`),
    now: deps.now ?? (() => new Date()),
    param: flagName,
  });
  let done = 0;
  let progress: Progress | null = null;
  let report: RefreshReport;
  try {
    const since = opts.since ?? opts.from;
    if (since === undefined) {
      throw usageError('BAD_FLAG', '--from is required (the first day), unless --since last refreshes from each file', { flag: '--from', hint: 'e.g. --from 2015-01-01, or --since last' });
    }
    report = await refreshData(
      {
        dataDir: opts.dataDir,
        symbols: opts.symbols,
        universeFile: opts.universe,
        providers: opts.provider,
        since,
        fromIso: opts.since !== undefined ? opts.from : undefined,
        toIso: opts.to,
        concurrency: opts.concurrency,
      },
      ctx,
      {
        http: deps.http,
        onStart: (symbols) => {
          progress = new Progress(io, 'downloading', symbols);
        },
        onResult: () => progress?.tick(++done),
      },
    );
  } catch (e) {
    if (isKobeError(e) && e.kind !== 'runtime') return reportUsageError(e, opts, io);
    throw e;
  }
  (progress as Progress | null)?.end();

  const { results, counts, fatal } = report;
  const failed = results.filter((r) => !r.ok);
  const code = fatal !== null ? EXIT.usage : failed.length > 0 ? EXIT.runtime : EXIT.ok;
  const shown = (file: string): string => {
    const rel = relative(io.cwd, file);
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  };

  if (opts.json) {
    io.stdout.write(`${JSON.stringify(jsonReport(report, failed.length === 0), null, 2)}\n`);
  } else {
    const c = makeChalk(io, 'stdout');
    io.stdout.write(
      `${table(
        ['symbol', 'status', 'bars', 'first', 'last', 'provider', 'file / error'],
        results.map((r) =>
          r.ok
            ? [r.symbol, describeRefreshStatus(r), r.bars, r.firstIso ?? '', r.lastIso ?? '', r.provider ?? '', shown(r.file)]
            : [r.symbol, describeRefreshStatus(r), '', '', '', '', r.error],
        ),
        io,
      )}\n`,
    );
    const downloaded = results.length - counts.failed - counts.upToDate;
    const summary = `${downloaded} downloaded, ${counts.upToDate > 0 ? `${counts.upToDate} up to date, ` : ''}${counts.failed} failed`;
    io.stdout.write(`${failed.length === 0 ? c.green(summary) : c.yellow(summary)}\n`);
  }
  const errc = makeChalk(io, 'stderr');
  if (fatal !== null) {
    io.stderr.write(`${errc.red('error:')} ${fatal.error} [${fatal.code}]${fatal.hint ? `\n  hint: ${fatal.hint}` : ''}\n`);
  } else {
    for (const r of failed) {
      if (!r.ok) io.stderr.write(`${errc.yellow('warning:')} ${r.symbol}: ${r.error} [${r.code}]${r.hint ? `\n  hint: ${r.hint}` : ''}\n`);
    }
  }
  return code;
}
