import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_VERSION, type CacheWriteEntry, cacheChecksum, contentHashOf, lineSumOf, MarketCache, marketCachePath, writeMarketCache } from './cache.js';
import { parseBarsBytes, type RawBars } from './parse-bars.js';

const root = mkdtempSync(join(tmpdir(), 'kobe-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `n` rows of a Stooq file (n odd leaves a 4-byte pad after the day column). */
const text = (n: number, level: number) =>
  `Date,Open,High,Low,Close,Volume,OpenInt\n${Array.from({ length: n }, (_, k) => `2020-02-${String((k % 28) + 1).padStart(2, '0')},${level + k},${level + 1 + k},${level - 1 + k},${level + 0.5 + k},${1000 + k},0`).join('\n')}\n`;

let n = 0;
let dir = '';
let target = '';
let files: string[] = [];

beforeEach(() => {
  n++;
  dir = join(root, `case-${n}`);
  target = join(dir, 'cache', 'm.kbm');
  files = [join(dir, 'abc.us.txt'), join(dir, 'xyz.us.txt')];
  mkdirSync(join(dir, 'cache'), { recursive: true });
  writeFileSync(files[0], text(41, 10));
  writeFileSync(files[1], text(30, 50));
});

const sourceOf = (path: string) => {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs };
};

function parsed(): { raws: RawBars[]; entries: CacheWriteEntry[] } {
  const raws = files.map((f, k) => parseBarsBytes(readFileSync(f), { file: f, symbol: ['ABC', 'XYZ'][k] }));
  return { raws, entries: raws.map((raw, k) => ({ source: sourceOf(files[k]), raw, contentHash: contentHashOf(raw) })) };
}

async function written() {
  const p = parsed();
  await writeMarketCache(target, p.entries, 'all');
  return p;
}

describe('market cache', () => {
  it('round-trips every entry: columns as aligned views, content hash, and line numbers on demand', async () => {
    const { raws, entries } = await written();
    expect(readdirSync(join(dir, 'cache'))).toEqual(['m.kbm']); // no temp file left
    const m = MarketCache.open(target, 'all')!;
    expect(m).not.toBeNull();
    for (let k = 0; k < 2; k++) {
      const hit = m.lookup(sourceOf(files[k]), raws[k].symbol, files[k])!;
      expect(hit.contentHash).toBe(entries[k].contentHash);
      expect(hit.lineSum).toBe(lineSumOf(raws[k].line));
      expect(hit.raw.line.length).toBe(0);
      expect({ ...hit.raw, line: null }).toEqual({ ...raws[k], line: null });
      expect(hit.raw.close).toBeInstanceOf(Float64Array);
      expect(hit.raw.close.byteOffset % 8).toBe(0);
      expect(contentHashOf(hit.raw)).toBe(entries[k].contentHash);
      expect(m.lines(files[k])).toEqual(raws[k].line);
    }
    m.close();
  });

  it('misses an entry whose source changed size, mtime or path; another adjust mode misses the file', async () => {
    await written();
    const m = MarketCache.open(target, 'all')!;
    const s = sourceOf(files[0]);
    expect(m.lookup({ ...s, size: s.size + 1 }, 'ABC', files[0])).toBeNull();
    expect(m.lookup({ ...s, mtimeMs: s.mtimeMs + 1 }, 'ABC', files[0])).toBeNull();
    expect(m.lookup({ ...s, path: join(dir, 'other.us.txt') }, 'ABC', files[0])).toBeNull();
    expect(m.lookup(sourceOf(files[1]), 'XYZ', files[1])).not.toBeNull();
    m.close();
    expect(MarketCache.open(target, 'none')).toBeNull();
  });

  it('treats truncated, extended, garbage, empty and other-version files as misses', async () => {
    await written();
    const good = readFileSync(target);
    const cases: Buffer[] = [
      good.subarray(0, good.length - 3),
      good.subarray(0, 40),
      Buffer.alloc(0),
      Buffer.alloc(good.length, 0xab),
      Buffer.concat([good, Buffer.alloc(8)]),
    ];
    const other = Buffer.from(good);
    other.writeUInt32LE(CACHE_VERSION + 1, 8);
    cases.push(other);
    for (const bad of cases) {
      writeFileSync(target, bad);
      expect(MarketCache.open(target, 'all')).toBeNull();
    }
    truncateSync(target, 0);
    expect(MarketCache.open(join(dir, 'nope.kbm'), 'all')).toBeNull();
    writeFileSync(target, good);
    expect(MarketCache.open(target, 'all')).not.toBeNull();
  });

  it('a changed byte anywhere is caught: in the header the file misses, in one entry only that entry', async () => {
    await written();
    const good = readFileSync(target);
    const headerBytes = good.readUInt32LE(16);
    const dataFrom = 32 + headerBytes;
    const damage = (at: number) => {
      const bad = Buffer.from(good);
      bad[at] ^= 0x5a;
      writeFileSync(target, bad);
      return MarketCache.open(target, 'all');
    };
    expect(damage(40)).toBeNull(); // the JSON header
    expect(damage(21)).toBeNull(); // the header checksum
    const inFirst = damage(dataFrom + 100)!;
    expect(inFirst.lookup(sourceOf(files[0]), 'ABC', files[0])).toBeNull();
    expect(inFirst.lookup(sourceOf(files[1]), 'XYZ', files[1])).not.toBeNull();
    inFirst.close();
    // The last bytes are the second entry's line numbers: its data still hits, its lines do not.
    const inLines = damage(good.length - 2)!;
    expect(inLines.lookup(sourceOf(files[1]), 'XYZ', files[1])).not.toBeNull();
    expect(inLines.lines(files[1])).toBeNull();
    expect(inLines.lines(files[0])).not.toBeNull();
    inLines.close();
  });

  it('names the file by the source paths in order and the adjust mode', () => {
    const a = marketCachePath('/c', ['/d/a.us.txt', '/d/b.us.txt'], 'all');
    expect(a).toMatch(/^\/c\/market-[0-9a-f]{32}\.kbm$/);
    expect(marketCachePath('/c', ['/d/a.us.txt', '/d/b.us.txt'], 'all')).toBe(a);
    expect(marketCachePath('/c', ['/d/b.us.txt', '/d/a.us.txt'], 'all')).not.toBe(a);
    expect(marketCachePath('/c', ['/d/a.us.txt', '/d/b.us.txt'], 'none')).not.toBe(a);
    expect(marketCachePath('/c', ['/d/a.us.txt'], 'all')).not.toBe(a);
  });
});

describe('cacheChecksum', () => {
  it('changes whenever one 32-bit word changes, and counts block lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 256 }), fc.nat(), fc.integer({ min: 1, max: 0xffffffff }), (bytes, at, flip) => {
        const w = Math.floor((at % Math.floor(bytes.length / 4)) * 4);
        const changed = Uint8Array.from(bytes);
        new DataView(changed.buffer).setUint32(w, new DataView(changed.buffer).getUint32(w) ^ flip);
        expect(cacheChecksum(changed)).not.toEqual(cacheChecksum(bytes));
      }),
    );
    const b = new Uint8Array(16).fill(7);
    expect(cacheChecksum(b.subarray(0, 8), b.subarray(8))).not.toEqual(cacheChecksum(b));
  });
});
