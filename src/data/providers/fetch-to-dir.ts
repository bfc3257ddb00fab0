import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ErrorKind, inputError, isKobeError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';
import { ProviderChainError } from './chain.js';
import { mapUntilFatal } from './pool.js';
import { type BarProvider, checkDateRange, fetchTraced, normalizeSymbol, type ProviderAttempt, summarizeCsv } from './provider.js';

/**
 * Downloads symbols into `<dataDir>/<SYMBOL>.csv`. Each file is written to a temp name in the
 * same directory and renamed into place, so a reader never sees half a file and a failed or
 * interrupted download leaves the previous file (if any) untouched. At most `concurrency`
 * requests run at once. A 'usage' error (a missing or rejected API key) stops the run: symbols
 * not yet started are reported as SKIPPED instead of failing the same way one by one.
 */
export interface DownloadOptions {
  readonly provider: BarProvider;
  readonly symbols: readonly string[];
  readonly fromIso: string;
  readonly toIso: string;
  readonly dataDir: string;
  /** Parallel downloads; default 4. */
  readonly concurrency?: number;
  /** Called as each symbol finishes, in completion order. */
  readonly onResult?: (result: DownloadResult) => void;
}

export type DownloadResult =
  | {
      readonly symbol: string;
      readonly ok: true;
      readonly file: string;
      readonly bars: number;
      readonly firstIso: string | null;
      readonly lastIso: string | null;
      /** The provider that served the bars (one of a chain's). */
      readonly provider: string;
      /** Providers of a chain tried before it that failed (redacted). */
      readonly attempts: readonly ProviderAttempt[];
    }
  | DownloadFailure;

export interface DownloadFailure {
  readonly symbol: string;
  readonly ok: false;
  readonly code: string;
  readonly kind: ErrorKind;
  readonly error: string;
  readonly hint: string | null;
  /** Every provider tried, in order (empty when none was: SKIPPED, a write failure's cause aside). */
  readonly attempts: readonly ProviderAttempt[];
}

/**
 * A failure as a result value. Results are printed and written as JSON: no secret may be in
 * them, so every text is redacted here.
 */
export function failureResult(symbol: string, e: unknown, provider: string | null): DownloadFailure {
  if (isKobeError(e)) {
    const attempts =
      e instanceof ProviderChainError ? e.attempts : provider === null ? [] : [{ provider, code: e.code, error: redactSecrets(e.message) }];
    return { symbol, ok: false, code: e.code, kind: e.kind, error: redactSecrets(e.message), hint: e.hint === undefined ? null : redactSecrets(e.hint), attempts };
  }
  const message = redactSecrets(e instanceof Error ? e.message : String(e));
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'DOWNLOAD_FAILED';
  return { symbol, ok: false, code, kind: 'runtime', error: message, hint: null, attempts: provider === null ? [] : [{ provider, code, error: message }] };
}

/** The result of a symbol never started because an earlier one stopped the run. */
export function skippedResult(symbol: string, fatal: DownloadFailure | null): DownloadFailure {
  const cause = fatal !== null ? `${fatal.code}: ${fatal.error}` : 'an earlier error';
  return { symbol, ok: false, code: 'SKIPPED', kind: 'runtime', error: `not attempted after ${cause}`, hint: null, attempts: [] };
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/** Results in the order of `symbols` (normalised to upper case, duplicates dropped). */
export async function downloadSymbols(options: DownloadOptions): Promise<DownloadResult[]> {
  checkDateRange(options.fromIso, options.toIso);
  const symbols = [...new Set(options.symbols.map(normalizeSymbol))];
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  try {
    await mkdir(options.dataDir, { recursive: true });
  } catch (e) {
    throw inputError('DATA_DIR_NOT_WRITABLE', `cannot create the data folder: ${(e as Error).message}`, {
      file: options.dataDir,
      cause: e,
      hint: 'choose a data folder (dataDir) that is a folder, or can become one, you can write to',
    });
  }

  const downloadOne = async (symbol: string): Promise<DownloadResult> => {
    let served: string | null = null;
    try {
      const got = await fetchTraced(options.provider, symbol, options.fromIso, options.toIso);
      served = got.provider;
      const file = join(options.dataDir, `${symbol}.csv`);
      await writeFileAtomic(file, got.csv);
      return { symbol, ok: true, file, ...summarizeCsv(got.csv), provider: got.provider, attempts: got.attempts };
    } catch (e) {
      // A chain names its attempts itself; a plain provider that threw was the one attempt,
      // and a write failure after a download is no provider's.
      return failureResult(symbol, e, served === null && options.provider.fetchDailyTraced === undefined ? options.provider.name : null);
    }
  };

  return mapUntilFatal(
    symbols,
    concurrency,
    downloadOne,
    (r) => !r.ok && r.kind === 'usage',
    (symbol, fatal) => skippedResult(symbol, fatal !== null && !fatal.ok ? fatal : null),
    options.onResult,
  );
}
