import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AdjustMode, FORMAT_CODES } from './csv-format.js';
import type { RawBars } from './parse-bars.js';

/**
 * Binary cache of a whole load's parsed bar files: ONE file per set of source files (their
 * absolute paths in load order and the adjust mode name it), so a warm load reads every
 * symbol's columns in one call instead of opening one file per symbol (on this kind of VM each
 * open costs about 0.3 ms, and 900 of them were a third of a warm load).
 *
 * It stores the PARSED RawBars (before verification): bad-data policies and calendars can
 * change without a re-parse. (The data check's verdict has its own small cache:
 * verdict-cache.ts.)
 *
 * Layout (prefix little-endian; columns in the machine's byte order, which the prefix records):
 * ```
 *  0  8 bytes  magic "KOBEMKT1"
 *  8  u32      CACHE_VERSION (bumped whenever the parser or this layout changes)
 * 12  u32      byte-order mark 0x01020304 written natively
 * 16  u32      header bytes (JSON, space-padded to a multiple of 8)
 * 20  u32 x 2  checksum of bytes 0..20 and the header (cacheChecksum)
 * 28  u32      0
 * 32  header   JSON: adjust, dataBytes, lineBytes, and per entry its source (path, size,
 *              mtimeMs), format, reversed, rows, contentHash, where its columns are and their
 *              checksums
 *     data     per entry: open, high, low, close, volume (rows x f64 each), day (rows x i32),
 *              zero padding to 8 bytes
 *     lines    per entry: line (rows x i32): apart, at the end, because only the data check
 *              reads them (for its messages), and a warm load with a cached verdict does not
 * ```
 * An entry is valid only for the same absolute source path, size and mtimeMs: touching or
 * rewriting the file invalidates that entry (the others still hit; the file is then rewritten
 * whole). A rewrite with the same size inside the same millisecond would go unnoticed; that is
 * the usual make-style trade-off. Files are written to a temp name and renamed, so a reader
 * never sees half a file. A short, truncated or otherwise inconsistent file is a miss, never a
 * crash, and so is an entry whose bytes do not match its checksum (a damaged disk block, a
 * stray write): damaged bars must never be read as data. The checksum is a 4-lane multiply-xor
 * hash over 32-bit words (cacheChecksum); zlib.crc32 measured 2 to 3 times slower here.
 */

export const CACHE_VERSION = 3;
const MAGIC = 'KOBEMKT1';
const PREFIX_BYTES = 32;
/** Bytes of one row in the data region (5 f64 columns and the i32 day). */
const DATA_BYTES_PER_ROW = 5 * 8 + 4;
const BOM = new Uint8Array(new Uint32Array([0x01020304]).buffer);
const EMPTY_LINES = new Int32Array(0);

/** Identifies the source a cache entry was parsed from. */
export interface CacheSource {
  /** Absolute path of the source file. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A parsed file as the loader keeps it. */
export interface CachedBars {
  /**
   * The bars. On a cache hit `line` is empty until `MarketCache.lines` supplies it (the
   * verifier is its only reader).
   */
  readonly raw: RawBars;
  /** sha256 of the parsed content (contentHashOf). */
  readonly contentHash: string;
  /** Checksum of the line column (hex): with contentHash it identifies everything the check reads. */
  readonly lineSum: string;
}

interface Entry {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly format: number;
  readonly reversed: boolean;
  readonly rows: number;
  readonly contentHash: string;
  readonly dataAt: number;
  readonly lineAt: number;
  readonly dataSum: readonly [number, number];
  readonly lineSum: readonly [number, number];
}

interface Header {
  readonly adjust: AdjustMode;
  readonly dataBytes: number;
  readonly lineBytes: number;
  readonly entries: readonly Entry[];
}

/** sha256 of the parsed content (format, order flag, dates and OHLCV; not the line numbers). */
export function contentHashOf(raw: RawBars): string {
  const h = createHash('sha256');
  h.update(`${raw.format}\n${raw.reversed ? 1 : 0}\n${raw.day.length}\n`);
  for (const col of [raw.day, raw.open, raw.high, raw.low, raw.close, raw.volume]) h.update(bytesOf(col));
  return h.digest('hex');
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sumHex = ([lo, hi]: readonly [number, number]): string => lo.toString(16).padStart(8, '0') + hi.toString(16).padStart(8, '0');

/** The data region's columns of one entry, in their order there. */
const dataColumns = (raw: RawBars): Uint8Array[] => [raw.open, raw.high, raw.low, raw.close, raw.volume, raw.day].map(bytesOf);

/** The line checksum of parsed bars (CachedBars.lineSum). */
export function lineSumOf(line: Int32Array): string {
  return sumHex(cacheChecksum(bytesOf(line)));
}

/** The cache file of a load of `sources` (absolute paths, in load order) read with `adjust`. */
export function marketCachePath(cacheDir: string, sources: readonly string[], adjust: AdjustMode): string {
  const h = createHash('sha256');
  h.update(`kobe-market-cache\n${CACHE_VERSION}\n${adjust}\n`);
  for (const s of sources) h.update(`${s}\n`);
  return join(cacheDir, `market-${h.digest('hex').slice(0, 32)}.kbm`);
}

const isU32 = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
const isSum = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && isU32(x[0]) && isU32(x[1]);

/** The header if it is consistent with itself and the file's size, else null. */
function validHeader(h: unknown, adjust: AdjustMode, regionBytes: number): Header | null {
  if (typeof h !== 'object' || h === null) return null;
  const { adjust: a, dataBytes, lineBytes, entries } = h as Record<string, unknown>;
  if (a !== adjust || !Number.isSafeInteger(dataBytes) || !Number.isSafeInteger(lineBytes) || !Array.isArray(entries)) return null;
  if ((dataBytes as number) < 0 || (lineBytes as number) < 0 || (dataBytes as number) + (lineBytes as number) !== regionBytes) return null;
  for (const e of entries as Record<string, unknown>[]) {
    if (typeof e !== 'object' || e === null || typeof e.path !== 'string' || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number') return null;
    if (!isU32(e.rows) || !isU32(e.format) || e.format >= FORMAT_CODES.length || typeof e.reversed !== 'boolean') return null;
    if (typeof e.contentHash !== 'string' || !/^[0-9a-f]{64}$/.test(e.contentHash) || !isSum(e.dataSum) || !isSum(e.lineSum)) return null;
    if (!Number.isSafeInteger(e.dataAt) || (e.dataAt as number) < 0 || (e.dataAt as number) % 8 !== 0 || (e.dataAt as number) + e.rows * DATA_BYTES_PER_ROW > (dataBytes as number)) return null;
    if (!Number.isSafeInteger(e.lineAt) || (e.lineAt as number) < 0 || (e.lineAt as number) % 4 !== 0 || (e.lineAt as number) + e.rows * 4 > (lineBytes as number)) return null;
  }
  return h as Header;
}

/**
 * An open market cache file: its header and data region (read whole, in one call: the bars
 * become views into it), the line region read only when asked for.
 */
export class MarketCache {
  private readonly byPath: Map<string, Entry>;
  private lineRegion: Uint8Array | null = null;

  private constructor(
    private readonly fd: number,
    private readonly header: Header,
    private readonly linesFrom: number,
    private readonly data: Uint8Array,
  ) {
    this.byPath = new Map(header.entries.map((e) => [e.path, e]));
  }

  /** The cache file at `path` if it is a valid one for `adjust`, else null (no file, damaged, another version). */
  static open(path: string, adjust: AdjustMode): MarketCache | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    let keep = false;
    try {
      const size = fstatSync(fd).size;
      const prefix = Buffer.alloc(PREFIX_BYTES);
      if (size < PREFIX_BYTES || readFully(fd, prefix, 0) !== PREFIX_BYTES || prefix.toString('latin1', 0, 8) !== MAGIC) return null;
      if (prefix.readUInt32LE(8) !== CACHE_VERSION) return null;
      for (let k = 0; k < 4; k++) if (prefix[12 + k] !== BOM[k]) return null;
      const headerBytes = prefix.readUInt32LE(16);
      if (headerBytes % 8 !== 0 || PREFIX_BYTES + headerBytes > size) return null;
      const headerBuf = Buffer.alloc(headerBytes);
      if (readFully(fd, headerBuf, PREFIX_BYTES) !== headerBytes) return null;
      const [lo, hi] = cacheChecksum(prefix.subarray(0, 20), headerBuf);
      if (prefix.readUInt32LE(20) !== lo || prefix.readUInt32LE(24) !== hi) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(headerBuf.toString('utf8'));
      } catch {
        return null;
      }
      const header = validHeader(parsed, adjust, size - PREFIX_BYTES - headerBytes);
      if (header === null) return null;
      const dataFrom = PREFIX_BYTES + headerBytes;
      // A fresh ArrayBuffer: 8-byte aligned, so the Float64 columns are views, not copies.
      const data = new Uint8Array(header.dataBytes);
      if (readFully(fd, data, dataFrom) !== header.dataBytes) return null;
      keep = true;
      return new MarketCache(fd, header, dataFrom + header.dataBytes, data);
    } catch {
      return null;
    } finally {
      if (!keep) closeSync(fd);
    }
  }

  /**
   * The entry for `source` (same path, size and mtime) whose data bytes match their checksum,
   * as RawBars with `symbol` and `file` set (and no lines yet), or null.
   */
  lookup(source: CacheSource, symbol: string, file: string): CachedBars | null {
    const e = this.byPath.get(source.path);
    if (e === undefined || e.size !== source.size || e.mtimeMs !== source.mtimeMs) return null;
    const n = e.rows;
    const ab = this.data.buffer;
    const base = this.data.byteOffset + e.dataAt;
    const f64 = (k: number) => new Float64Array(ab, base + k * n * 8, n);
    const raw: RawBars = {
      symbol,
      file,
      format: FORMAT_CODES[e.format],
      reversed: e.reversed,
      open: f64(0),
      high: f64(1),
      low: f64(2),
      close: f64(3),
      volume: f64(4),
      day: new Int32Array(ab, base + n * 40, n),
      line: EMPTY_LINES,
    };
    // Column by column, as written (the checksum counts block lengths).
    const [lo, hi] = cacheChecksum(...dataColumns(raw));
    if (lo !== e.dataSum[0] || hi !== e.dataSum[1]) return null;
    return { raw, contentHash: e.contentHash, lineSum: sumHex(e.lineSum) };
  }

  /** The line column of the entry at `path`, or null when it cannot be read or is damaged. */
  lines(path: string): Int32Array | null {
    const e = this.byPath.get(path);
    if (e === undefined) return null;
    if (this.lineRegion === null) {
      const region = new Uint8Array(this.header.lineBytes);
      try {
        if (readFully(this.fd, region, this.linesFrom) !== region.length) return null;
      } catch {
        return null;
      }
      this.lineRegion = region;
    }
    const bytes = this.lineRegion.subarray(e.lineAt, e.lineAt + e.rows * 4);
    const [lo, hi] = cacheChecksum(bytes);
    if (lo !== e.lineSum[0] || hi !== e.lineSum[1]) return null;
    return new Int32Array(bytes.buffer, bytes.byteOffset, e.rows);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
}

function readFully(fd: number, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** One entry to write: its source and its bars with their line numbers. */
export interface CacheWriteEntry {
  readonly source: CacheSource;
  readonly raw: RawBars;
  readonly contentHash: string;
}

const ZERO_PAD = new Uint8Array(8);
/** writev's buffers per call (IOV_MAX is 1024 on Linux). */
const WRITEV_BATCH = 512;

/** The file's pieces (prefix, header, then views of the columns: no copy of the bars). */
export function encodeMarketCache(entries: readonly CacheWriteEntry[], adjust: AdjustMode): Uint8Array[] {
  const data: Uint8Array[] = [];
  const lines: Uint8Array[] = [];
  const headerEntries: Entry[] = [];
  let dataAt = 0;
  let lineAt = 0;
  for (const { source, raw, contentHash } of entries) {
    const n = raw.day.length;
    if (raw.line.length !== n) throw new Error(`cache entry ${source.path} has no line numbers`);
    const cols = dataColumns(raw);
    const pad = (8 - ((n * DATA_BYTES_PER_ROW) % 8)) % 8;
    const lineBytes = bytesOf(raw.line);
    headerEntries.push({
      path: source.path,
      size: source.size,
      mtimeMs: source.mtimeMs,
      format: FORMAT_CODES.indexOf(raw.format),
      reversed: raw.reversed,
      rows: n,
      contentHash,
      dataAt,
      lineAt,
      dataSum: cacheChecksum(...cols),
      lineSum: cacheChecksum(lineBytes),
    });
    data.push(...cols);
    if (pad > 0) data.push(ZERO_PAD.subarray(0, pad));
    lines.push(lineBytes);
    dataAt += n * DATA_BYTES_PER_ROW + pad;
    lineAt += lineBytes.length;
  }
  const json = JSON.stringify({ adjust, dataBytes: dataAt, lineBytes: lineAt, entries: headerEntries });
  const jsonBytes = Buffer.from(json, 'utf8');
  const headerBuf = Buffer.alloc(Math.ceil(jsonBytes.length / 8) * 8, 0x20);
  jsonBytes.copy(headerBuf);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(CACHE_VERSION, 8);
  prefix.set(BOM, 12);
  prefix.writeUInt32LE(headerBuf.length, 16);
  const [lo, hi] = cacheChecksum(prefix.subarray(0, 20), headerBuf);
  prefix.writeUInt32LE(lo, 20);
  prefix.writeUInt32LE(hi, 24);
  return [prefix, headerBuf, ...data, ...lines];
}

let tempCounter = 0;
const tempPath = (target: string) => `${target}.${process.pid}.${++tempCounter}.tmp`;

/**
 * Writes the market cache file (temp file + rename, so a reader never sees half a file): the
 * columns go out as they are (writev), without first being copied into one buffer. The folder
 * must exist. Rejects with the fs error.
 */
export async function writeMarketCache(target: string, entries: readonly CacheWriteEntry[], adjust: AdjustMode): Promise<void> {
  const pieces = encodeMarketCache(entries, adjust);
  const temp = tempPath(target);
  try {
    const fh = await open(temp, 'w');
    try {
      for (let k = 0; k < pieces.length; k += WRITEV_BATCH) {
        const batch = pieces.slice(k, k + WRITEV_BATCH);
        const want = batch.reduce((a, b) => a + b.length, 0);
        const { bytesWritten } = await fh.writev(batch);
        if (bytesWritten !== want) throw new Error(`short write to ${temp}: ${bytesWritten} of ${want} bytes`);
      }
    } finally {
      await fh.close();
    }
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

const P1 = 0x01000193;
const P2 = 0x9e3779b1 | 0;
const P3 = 0x85ebca6b | 0;
const P4 = 0xc2b2ae35 | 0;

/** murmur3's 32-bit finaliser (a bijection). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, P3);
  h ^= h >>> 13;
  h = Math.imul(h, P4);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The whole 32-bit words of `bytes` (a view when aligned, else a copy). */
function words(bytes: Uint8Array): Int32Array {
  const n = bytes.byteLength >> 2;
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, n);
  // A copy (Buffer#slice would be a view of the same unaligned memory).
  const copy = new Uint8Array(n * 4);
  copy.set(bytes.subarray(0, n * 4));
  return new Int32Array(copy.buffer);
}

/**
 * A 64-bit checksum (two u32) of the byte blocks, for detecting damage, not tampering: four
 * independent FNV-style multiply-xor lanes over 32-bit words (one word in four each, so the
 * multiplications pipeline), each lane finalised by a bijection and the lanes folded together.
 * Every step is a bijection of a lane's state for a fixed word, so any change confined to one
 * word (one to four flipped bytes) always changes the result; wider damage slips through with
 * odds of about 2^-32 or less. Blocks' lengths are mixed in, so moving bytes between blocks or
 * truncating counts too.
 */
export function cacheChecksum(...blocks: readonly Uint8Array[]): [number, number] {
  let a = 0x811c9dc5 | 0;
  let b = 0x2545f491;
  let c = 0x3c6ef372;
  let d = 0x7f4a7c15;
  for (const block of blocks) {
    const w = words(block);
    const n = w.length;
    const n4 = n & ~3;
    let i = 0;
    for (; i < n4; i += 4) {
      a = Math.imul(a ^ w[i], P1);
      b = Math.imul(b ^ w[i + 1], P2);
      c = Math.imul(c ^ w[i + 2], P3);
      d = Math.imul(d ^ w[i + 3], P4);
    }
    for (; i < n; i++) a = Math.imul(a ^ w[i], P1);
    for (let k = n * 4; k < block.byteLength; k++) b = Math.imul(b ^ block[k], P2);
    c = Math.imul(c ^ block.byteLength, P3);
  }
  const lo = (fmix(a) ^ fmix(c + 0x6b43a9b5)) >>> 0;
  const hi = (fmix(b ^ lo) ^ fmix(d)) >>> 0;
  return [lo, hi];
}
