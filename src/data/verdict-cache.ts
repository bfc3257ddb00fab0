import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { cacheChecksum } from './cache.js';
import { CHECK_VERSION, type DataIssue } from './data-issue.js';

/**
 * Cache of the data check's verdict (verifyBars' issues) per symbol, so a warm load of
 * unchanged data does not re-run the check. The issues depend on the symbol, its parsed bars
 * with their line numbers (contentHash and the line checksum), the session calendar, the
 * corporate actions applied, and the checker itself (CHECK_VERSION); the bad-data policy is
 * not among them: it is applied to the issues afresh on every load (applyBadDataPolicy), so a
 * changed policy needs no new verdict and its outcome is computed exactly as on a cold load.
 *
 * One small file per (market cache file, calendar, corporate actions): a first line
 * `KOBEVERDICT <version> <checksum>` then JSON. A damaged or foreign file is a miss.
 */

const MAGIC = 'KOBEVERDICT';
const FORMAT_VERSION = 1;

/** What one symbol's verdict was computed from. */
export interface VerdictKey {
  readonly symbol: string;
  readonly contentHash: string;
  readonly lineSum: string;
}

interface Stored extends VerdictKey {
  readonly issues: DataIssue[];
}

const sameKey = (a: VerdictKey, b: VerdictKey) => a.symbol === b.symbol && a.contentHash === b.contentHash && a.lineSum === b.lineSum;

/** The verdict file beside the market cache file `marketPath`, for this calendar and these corporate actions. */
export function verdictCachePath(marketPath: string, calendar: Int32Array, actionsFingerprint: string): string {
  const h = createHash('sha256');
  h.update(`kobe-verdict\n${FORMAT_VERSION}\n${CHECK_VERSION}\n${actionsFingerprint}\n`);
  h.update(new Uint8Array(calendar.buffer, calendar.byteOffset, calendar.byteLength));
  return `${marketPath.replace(/\.kbm$/, '')}-${h.digest('hex').slice(0, 16)}.kbv`;
}

const checksumHex = (bytes: Uint8Array): string => cacheChecksum(bytes).map((x) => x.toString(16).padStart(8, '0')).join('');

/** The stored verdicts, by symbol. */
export class VerdictCache {
  private constructor(private readonly bySymbol: Map<string, Stored>) {}

  /** The file's verdicts; an empty cache when there is no valid file. */
  static read(path: string): VerdictCache {
    const empty = new VerdictCache(new Map());
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return empty;
    }
    const eol = bytes.indexOf(10);
    if (eol < 0) return empty;
    const [magic, version, sum] = bytes.toString('latin1', 0, eol).split(' ');
    const body = bytes.subarray(eol + 1);
    if (magic !== MAGIC || version !== String(FORMAT_VERSION) || sum !== checksumHex(body)) return empty;
    try {
      const rows = JSON.parse(body.toString('utf8')) as Stored[];
      if (!Array.isArray(rows)) return empty;
      for (const r of rows) if (typeof r?.symbol !== 'string' || !Array.isArray(r.issues)) return empty;
      return new VerdictCache(new Map(rows.map((r) => [r.symbol, r])));
    } catch {
      return empty;
    }
  }

  /** The issues stored for exactly this key (a fresh array), else null. */
  get(key: VerdictKey): DataIssue[] | null {
    const s = this.bySymbol.get(key.symbol);
    return s !== undefined && sameKey(s, key) ? [...s.issues] : null;
  }
}

let tempCounter = 0;

/** Writes the verdicts (temp file + rename). Rejects with the fs error. */
export async function writeVerdictCache(path: string, verdicts: ReadonlyArray<VerdictKey & { readonly issues: readonly DataIssue[] }>): Promise<void> {
  const body = Buffer.from(JSON.stringify(verdicts.map(({ symbol, contentHash, lineSum, issues }) => ({ symbol, contentHash, lineSum, issues }))), 'utf8');
  const temp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  try {
    await writeFile(temp, Buffer.concat([Buffer.from(`${MAGIC} ${FORMAT_VERSION} ${checksumHex(body)}\n`, 'latin1'), body]));
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
