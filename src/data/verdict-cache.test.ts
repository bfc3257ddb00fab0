import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataIssue } from './data-issue.js';
import { VerdictCache, verdictCachePath, writeVerdictCache } from './verdict-cache.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** sha256 of verify.ts, verify-scan.ts, time-order.ts and data-issue.ts (see the CHECK_VERSION test). */
const CHECK_SOURCES_SHA256 = '6a9549e8ca85d319395ade378c829e45455855e3173558e60a966acd48425f80';

const root = mkdtempSync(join(tmpdir(), 'kobe-verdict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const issue: DataIssue = { symbol: 'ABC', code: 'BAD_TICK', severity: 'error', barIndex: 3, day: 18000, line: 5, detail: 'close 1.5 between 15 and 15.2', count: 1 };
const key = { symbol: 'ABC', contentHash: 'a'.repeat(64), lineSum: '0123456789abcdef' };

describe('verdict cache', () => {
  it('returns the stored issues for exactly the same key, and nothing for any other', async () => {
    const path = join(root, 'v1.kbv');
    await writeVerdictCache(path, [{ ...key, issues: [issue] }, { symbol: 'XYZ', contentHash: 'b'.repeat(64), lineSum: key.lineSum, issues: [] }]);
    const v = VerdictCache.read(path);
    expect(v.get(key)).toEqual([issue]);
    expect(v.get({ ...key, symbol: 'XYZ', contentHash: 'b'.repeat(64) })).toEqual([]);
    expect(v.get({ ...key, contentHash: 'c'.repeat(64) })).toBeNull();
    expect(v.get({ ...key, lineSum: 'fedcba9876543210' })).toBeNull();
    expect(v.get({ ...key, symbol: 'NOPE' })).toBeNull();
  });

  it('a damaged, truncated, foreign or missing file is an empty cache', async () => {
    const path = join(root, 'v2.kbv');
    await writeVerdictCache(path, [{ ...key, issues: [issue] }]);
    const good = readFileSync(path);
    const changed = Buffer.from(good);
    changed[changed.length - 10] ^= 0x01;
    for (const bad of [changed, good.subarray(0, good.length - 1), Buffer.from('hello\n[]'), Buffer.alloc(0)]) {
      writeFileSync(path, bad);
      expect(VerdictCache.read(path).get(key)).toBeNull();
    }
    expect(VerdictCache.read(join(root, 'none.kbv')).get(key)).toBeNull();
  });

  it('names a file per market file, calendar and corporate actions', () => {
    const cal = Int32Array.of(1, 2, 3);
    const p = verdictCachePath('/c/market-x.kbm', cal, '');
    expect(p).toMatch(/^\/c\/market-x-[0-9a-f]{16}\.kbv$/);
    expect(verdictCachePath('/c/market-x.kbm', Int32Array.of(1, 2, 4), '')).not.toBe(p);
    expect(verdictCachePath('/c/market-x.kbm', cal, 'SPL 2:1')).not.toBe(p);
    expect(verdictCachePath('/c/market-y.kbm', cal, '')).not.toBe(p);
  });
});

describe('CHECK_VERSION', () => {
  /**
   * Warm loads reuse cached issues keyed by CHECK_VERSION, so a change to the check that is not
   * followed by a bump would serve stale verdicts. This pins the check's sources: when it fails,
   * decide whether the change can alter any issue (codes, rows, days, lines, details, counts);
   * if so bump CHECK_VERSION in data-issue.ts; either way update the hash here.
   */
  it('is bumped with every change to the check (the sources are pinned)', () => {
    const h = createHash('sha256');
    for (const f of ['verify.ts', 'verify-scan.ts', 'time-order.ts', 'data-issue.ts']) h.update(readFileSync(join(HERE, f)));
    expect(h.digest('hex')).toBe(CHECK_SOURCES_SHA256);
  });
});
