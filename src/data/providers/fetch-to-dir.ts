import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ErrorKind, inputError, isKobeError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';
import { type BarProvider, checkDateRange, normalizeSymbol, summarizeCsv } from './provider.js';

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
    }
  | {
      readonly symbol: string;
      readonly ok: false;
      readonly code: string;
      readonly kind: ErrorKind;
      readonly error: string;
      readonly hint: string | null;
    };

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

  const results: (DownloadResult | undefined)[] = new Array(symbols.length);
  let nextIndex = 0;
  let fatal: DownloadResult | null = null;

  const downloadOne = async (symbol: string): Promise<DownloadResult> => {
    try {
      const csv = await options.provider.fetchDaily(symbol, options.fromIso, options.toIso);
      const file = join(options.dataDir, `${symbol}.csv`);
      await writeFileAtomic(file, csv);
      return { symbol, ok: true, file, ...summarizeCsv(csv) };
    } catch (e) {
      // Results are printed and written as JSON: no secret may be in them.
      if (isKobeError(e)) {
        return { symbol, ok: false, code: e.code, kind: e.kind, error: redactSecrets(e.message), hint: e.hint === undefined ? null : redactSecrets(e.hint) };
      }
      const message = redactSecrets(e instanceof Error ? e.message : String(e));
      const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'DOWNLOAD_FAILED';
      return { symbol, ok: false, code, kind: 'runtime', error: message, hint: null };
    }
  };

  const worker = async (): Promise<void> => {
    while (fatal === null && nextIndex < symbols.length) {
      const i = nextIndex++;
      const result = await downloadOne(symbols[i]);
      results[i] = result;
      if (!result.ok && result.kind === 'usage' && fatal === null) fatal = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, symbols.length) }, worker));

  return symbols.map((symbol, i) => {
    const r = results[i];
    if (r !== undefined) return r;
    const cause = fatal !== null && !fatal.ok ? `${fatal.code}: ${fatal.error}` : 'an earlier error';
    const skipped: DownloadResult = { symbol, ok: false, code: 'SKIPPED', kind: 'runtime', error: `not attempted after ${cause}`, hint: null };
    options.onResult?.(skipped);
    return skipped;
  });
}
