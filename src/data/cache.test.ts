import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_VERSION, CacheReader, cacheFilePath, contentHashOf, decodeBarsCache, readBarsCache, writeBarsCache } from './cache.js';
import { parseBarsBytes } from './parse-bars.js';

const root = mkdtempSync(join(tmpdir(), 'kobe-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEXT = 'Date,Open,High,Low,Close,Volume,OpenInt\n2020-01-02,10,11,9,10.5,1000,0\n2020-01-03,10.5,12,10,11.25,2000,0\n2020-01-06,11,11.5,10.75,11.125,1500,0\n';

let n = 0;
let src = '';
let cacheDir = '';

beforeEach(() => {
  n++;
  src = join(root, `src-${n}.us.txt`);
  cacheDir = join(root, `cache-${n}`);
  writeFileSync(src, TEXT);
});

const sourceOf = (path: string) => {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs };
};

function coldWrite() {
  const raw = parseBarsBytes(readFileSync(src), { file: src, symbol: 'ABC' });
  const hash = contentHashOf(raw);
  writeBarsCache(cacheDir, 'ABC', sourceOf(src), raw, hash);
  return { raw, hash };
}

describe('bars cache', () => {
  it('misses when empty, then hits with identical columns and hash', () => {
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).toBeNull();
    const { raw, hash } = coldWrite();
    const hit = readBarsCache(cacheDir, 'ABC', src, sourceOf(src));
    expect(hit).not.toBeNull();
    expect(hit!.contentHash).toBe(hash);
    expect(hit!.raw).toEqual(raw);
    expect(hit!.raw.close).toBeInstanceOf(Float64Array);
    expect(hit!.raw.day).toBeInstanceOf(Int32Array);
    expect(contentHashOf(hit!.raw)).toBe(hash);
    // Only the final file is left: no temp files.
    expect(readdirSync(cacheDir)).toEqual(['ABC.kbc']);
  });

  it('misses when the source is touched (mtime) or rewritten (size)', () => {
    coldWrite();
    const later = new Date(statSync(src).mtimeMs + 5_000);
    utimesSync(src, later, later);
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).toBeNull();
    coldWrite();
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).not.toBeNull();
    writeFileSync(src, `${TEXT}2020-01-07,11,12,10,11.5,1000,0\n`);
    utimesSync(src, later, later); // same mtime as the cache entry, different size
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).toBeNull();
  });

  it('misses for another source path', () => {
    coldWrite();
    const other = join(root, `other-${n}.us.txt`);
    writeFileSync(other, TEXT);
    const st = sourceOf(src);
    expect(readBarsCache(cacheDir, 'ABC', other, { ...st, path: other })).toBeNull();
  });

  it('treats truncated, garbage, empty and old-version files as misses', () => {
    coldWrite();
    const file = cacheFilePath(cacheDir, 'ABC');
    const good = readFileSync(file);
    const s = sourceOf(src);
    truncateSync(file, good.length - 3);
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    writeFileSync(file, good.subarray(0, 40));
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    writeFileSync(file, '');
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    writeFileSync(file, Buffer.alloc(good.length, 0xab));
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    const old = Buffer.from(good);
    old.writeUInt32LE(CACHE_VERSION + 1, 8);
    writeFileSync(file, old);
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    const extra = Buffer.concat([good, Buffer.alloc(8)]);
    writeFileSync(file, extra);
    expect(readBarsCache(cacheDir, 'ABC', src, s)).toBeNull();
    writeFileSync(file, good);
    expect(readBarsCache(cacheDir, 'ABC', src, s)).not.toBeNull();
  });

  it('misses when bytes of the payload are changed (same size, same mtime)', () => {
    // A bigger file, so 400 changed bytes fit inside the column block.
    const rows = Array.from({ length: 40 }, (_, k) => `2020-02-${String((k % 28) + 1).padStart(2, '0')},${10 + k},${11 + k},${9 + k},${10.5 + k},${1000 + k},0`);
    writeFileSync(src, `Date,Open,High,Low,Close,Volume,OpenInt\n${rows.join('\n')}\n`);
    const { raw } = coldWrite();
    const file = cacheFilePath(cacheDir, 'ABC');
    const good = readFileSync(file);
    const st = statSync(file);
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).not.toBeNull();
    for (const [from, count] of [
      [good.length - 400, 400], // 400 bytes of the columns
      [good.length - 1, 1], // one byte of the last line number
      [120, 1], // one byte of the first column
      [50, 1], // the content hash in the header
    ]) {
      const bad = Buffer.from(good);
      for (let i = from; i < from + count; i++) bad[i] ^= 0x5a;
      writeFileSync(file, bad);
      utimesSync(file, st.atime, st.mtime);
      expect(statSync(file).size).toBe(st.size);
      expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))).toBeNull();
      expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src), new CacheReader())).toBeNull();
    }
    writeFileSync(file, good);
    expect(readBarsCache(cacheDir, 'ABC', src, sourceOf(src))!.raw).toEqual(raw);
  });

  it('copes with a column block that is not 8-byte aligned in memory', () => {
    const { raw } = coldWrite();
    const bytes = readFileSync(cacheFilePath(cacheDir, 'ABC'));
    const odd = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
    expect(odd.byteOffset % 8).not.toBe(0);
    expect(decodeBarsCache(odd, 'ABC', src, sourceOf(src))!.raw).toEqual(raw);
  });

  it('reads entries through a shared CacheReader as views into aligned slabs', () => {
    const { raw, hash } = coldWrite();
    writeBarsCache(cacheDir, 'XYZ', sourceOf(src), raw, hash);
    const reader = new CacheReader();
    const a = readBarsCache(cacheDir, 'ABC', src, sourceOf(src), reader)!;
    const b = readBarsCache(cacheDir, 'XYZ', src, sourceOf(src), reader)!;
    expect(a.raw).toEqual(raw);
    expect(b.raw).toEqual({ ...raw, symbol: 'XYZ' });
    expect(a.raw.close.buffer).toBe(b.raw.close.buffer);
    expect(a.raw.close.byteOffset % 8).toBe(0);
    expect(b.raw.close.byteOffset % 8).toBe(0);
    expect(readBarsCache(cacheDir, 'NONE', src, sourceOf(src), reader)).toBeNull();
  });

  it('names cache files by symbol, keeping them inside the folder', () => {
    expect(cacheFilePath('/c', 'brk.b')).toBe(join('/c', 'BRK.B.kbc'));
    expect(cacheFilePath('/c', '../x')).toBe(join('/c', '.._X.kbc'));
  });
});
