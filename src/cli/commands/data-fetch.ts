import { isAbsolute, join, relative } from 'node:path';
import { isKobeError, type KobeError, usageError } from '../../core/errors.js';
import { redactDeep, redactSecrets } from '../../core/redact.js';
import { checkDateRange, normalizeSymbol } from '../../data/providers/provider.js';
import { type BarProvider, createProviderFromEnv, downloadSymbols, type DownloadResult, type HttpOptions } from '../../data/providers/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { withParamFlag } from '../param-flags.js';
import { logger, makeChalk, Progress, table } from '../render.js';

export interface DataFetchOptions {
  readonly provider: 'polygon' | 'stooq';
  /** Symbols as typed; items may also hold comma- or space-separated lists. */
  readonly symbols: readonly string[];
  readonly from: string;
  readonly to: string;
  /** Relative to io.cwd unless absolute. */
  readonly dataDir: string;
  readonly json: boolean;
  /** Parallel downloads; default 4 (Polygon's free plan allows 5 requests a minute). */
  readonly concurrency?: number;
}

/** Test seams; the CLI passes none. */
export interface DataFetchDeps {
  readonly http?: HttpOptions;
}


function parseSymbols(raw: readonly string[]): string[] {
  const items = raw.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s.length > 0);
  if (items.length === 0) {
    throw usageError('NO_SYMBOLS', 'no symbols given', { flag: '--symbols', hint: 'e.g. --symbols AAPL,MSFT,SPY' });
  }
  return [...new Set(items.map(normalizeSymbol))];
}

function reportUsageError(error: KobeError, opts: DataFetchOptions, io: CliIo): number {
  const e = withParamFlag(error);
  const c = makeChalk(io, 'stderr');
  io.stderr.write(`${c.red('error:')} ${redactSecrets(e.describe())}\n`);
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: false, error: redactDeep(e.toJSON()) }, null, 2)}\n`);
  return EXIT.usage;
}

/**
 * `kobe data fetch`: downloads daily bars for `symbols` into `<dataDir>/<SYMBOL>.csv`.
 * Exit code 0 when every symbol downloaded, 1 when some failed, 2 for a usage or configuration
 * error (bad flags, missing or rejected POLYGON_API_KEY). Reads POLYGON_API_KEY,
 * POLYGON_BASE_URL and STOOQ_BASE_URL from io.env (the caller merges .env into it).
 */
export async function runDataFetch(opts: DataFetchOptions, io: CliIo, deps: DataFetchDeps = {}): Promise<number> {
  const log = logger(io, opts.json);
  let symbols: string[];
  let provider: BarProvider;
  const dataDir = isAbsolute(opts.dataDir) ? opts.dataDir : join(io.cwd, opts.dataDir);
  try {
    if (opts.dataDir.trim() === '') throw usageError('BAD_FLAG', '--data-dir is empty', { flag: '--data-dir' });
    checkDateRange(opts.from, opts.to);
    symbols = parseSymbols(opts.symbols);
    const concurrency = opts.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw usageError('BAD_FLAG', `concurrency must be a positive integer, was ${concurrency}`, { flag: '--concurrency', value: concurrency });
    }
    provider = createProviderFromEnv(opts.provider, io.env, deps.http);
  } catch (e) {
    if (isKobeError(e) && e.kind !== 'runtime') return reportUsageError(e, opts, io);
    throw e;
  }

  const shown = (file: string): string => {
    const rel = relative(io.cwd, file);
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  };
  const c = makeChalk(io, opts.json ? 'stderr' : 'stdout');
  log(`fetching ${symbols.length} symbol${symbols.length === 1 ? '' : 's'} from ${provider.name}, ${opts.from}..${opts.to} -> ${shown(dataDir)}`);
  let done = 0;
  const progress = new Progress(io, 'downloading', symbols.length);
  const results: DownloadResult[] = await downloadSymbols({
    provider,
    symbols,
    fromIso: opts.from,
    toIso: opts.to,
    dataDir,
    concurrency: opts.concurrency ?? 4,
    onResult: () => progress.tick(++done),
  });
  progress.end();

  const failed = results.filter((r) => !r.ok);
  const fatal = results.find((r): r is Extract<DownloadResult, { ok: false }> => !r.ok && r.kind === 'usage');
  const code = fatal !== undefined ? EXIT.usage : failed.length > 0 ? EXIT.runtime : EXIT.ok;

  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          ok: failed.length === 0,
          provider: provider.name,
          from: opts.from,
          to: opts.to,
          dataDir,
          downloaded: results.length - failed.length,
          failed: failed.length,
          results: results.map((r) =>
            r.ok
              ? { symbol: r.symbol, ok: true, file: r.file, bars: r.bars, first: r.firstIso, last: r.lastIso }
              : { symbol: r.symbol, ok: false, code: r.code, error: r.error, hint: r.hint },
          ),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(
      `${table(
        ['symbol', 'status', 'bars', 'first', 'last', 'file / error'],
        results.map((r) =>
          r.ok
            ? [r.symbol, 'ok', r.bars, r.firstIso ?? '', r.lastIso ?? '', shown(r.file)]
            : [r.symbol, r.code, '', '', '', r.error],
        ),
        io,
      )}\n`,
    );
    const summary = `${results.length - failed.length} downloaded, ${failed.length} failed`;
    io.stdout.write(`${failed.length === 0 ? c.green(summary) : c.yellow(summary)}\n`);
  }
  const errc = makeChalk(io, 'stderr');
  if (fatal !== undefined) {
    io.stderr.write(`${errc.red('error:')} ${fatal.error} [${fatal.code}]${fatal.hint ? `\n  hint: ${fatal.hint}` : ''}\n`);
  } else if (failed.length > 0) {
    for (const r of failed) {
      if (!r.ok) io.stderr.write(`${errc.yellow('warning:')} ${r.symbol}: ${r.error} [${r.code}]${r.hint ? `\n  hint: ${r.hint}` : ''}\n`);
    }
  }
  return code;
}
