import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayToIso, isWeekend, parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { type LoadedMarket, loadMarket } from './load.js';
import { readUniverseFile, universeFromDataDir } from './universe.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';

const root = mkdtempSync(join(tmpdir(), 'kobe-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Bar {
  date: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** `n` calm weekday bars from 2021-01-04 around `level`. */
function bars(n: number, level: number): Bar[] {
  const out: Bar[] = [];
  let prev = level;
  for (let d = parseIsoDay('2021-01-04'); out.length < n; d++) {
    if (isWeekend(d)) continue;
    const c = Number((level * (1 + 0.004 * ((out.length % 3) - 1))).toFixed(4));
    out.push({ date: dayToIso(d), o: prev, h: Number((Math.max(prev, c) * 1.003).toFixed(4)), l: Number((Math.min(prev, c) * 0.997).toFixed(4)), c, v: 1_000_000 });
    prev = c;
  }
  return out;
}

const stooq = (rows: Bar[]) => `Date,Open,High,Low,Close,Volume,OpenInt\r\n${rows.map((r) => `${r.date},${r.o},${r.h},${r.l},${r.c},${r.v},0`).join('\r\n')}\r\n`;
const yahoo = (rows: Bar[]) => `Date,Open,High,Low,Close,Adj Close,Volume\n${rows.map((r) => `${r.date},${r.o},${r.h},${r.l},${r.c},${r.c},${r.v}`).join('\n')}\n`;
const alpha = (rows: Bar[]) =>
  `timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n${[...rows]
    .reverse()
    .map((r) => `${r.date},${r.o},${r.h},${r.l},${r.c},${r.c},${r.v},0.0000,1.0`)
    .join('\n')}\n`;

function makeDataDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const base = bars(40, 100);
  writeFileSync(join(dir, 'spy.us.txt'), stooq(bars(40, 300)));
  writeFileSync(join(dir, 'aapl.us.txt'), stooq(base));
  writeFileSync(join(dir, 'MSFT.csv'), yahoo(bars(40, 200)));
  writeFileSync(join(dir, 'ibm.csv'), alpha(bars(40, 120)));
  // BAD: a decimal-shifted close on line 12 and no bar for the 20th session.
  const bad = bars(40, 50);
  bad[10] = { ...bad[10], c: bad[10].c / 10, l: bad[10].c / 10 };
  writeFileSync(join(dir, 'bad.us.txt'), stooq(bad.filter((_, k) => k !== 20)));
  writeFileSync(join(dir, 'universe.csv'), 'symbol\nAAPL\n');
  return dir;
}

function makeBroken(dir: string): void {
  writeFileSync(join(dir, 'broken.us.txt'), 'Date,Open,High,Low,Close,Volume,OpenInt\n2021-01-04,1,1,1,1,1,0\n2021-01-05,1,1,oops,1,1,0\n');
}

/** The one market cache file in `cacheDir`. */
function marketFile(cacheDir: string): string {
  const files = readdirSync(cacheDir).filter((f) => f.endsWith('.kbm'));
  expect(files).toHaveLength(1);
  return join(cacheDir, files[0]);
}

async function loadError(p: Promise<unknown>): Promise<KobeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected an error');
}

describe('loadMarket', () => {
  let dir = '';
  beforeAll(() => {
    dir = makeDataDir('data');
  });

  it('loads every format in symbols order, reports missing symbols, and is the same cold and warm', async () => {
    const cacheDir = join(root, 'cache-a');
    const symbols = ['msft', 'AAPL', 'IBM', 'NOPE', 'SPY', 'aapl'];
    const cold = await loadMarket({ dataDir: dir, symbols, cacheDir, policy: 'mask' });
    expect(cold.series.map((s) => s.symbol)).toEqual(['MSFT', 'AAPL', 'IBM', 'SPY']);
    expect(cold.missingSymbols).toEqual(['NOPE']);
    expect(cold.perSymbol.map((r) => [r.symbol, r.format, r.bars, r.status])).toEqual([
      ['MSFT', 'yahoo', 40, 'ok'],
      ['AAPL', 'stooq', 40, 'ok'],
      ['IBM', 'alphavantage', 40, 'ok'],
      ['SPY', 'stooq', 40, 'ok'],
    ]);
    expect(cold.perSymbol[0].file).toBe(join(dir, 'MSFT.csv'));
    expect(cold.issues).toEqual([]);
    expect(cold.calendar.length).toBe(40);
    expect(cold.timings).toMatchObject({ cacheHits: 0, cacheMisses: 4, cacheWriteFailures: 0 });
    expect(cold.dataHash).toMatch(/^[0-9a-f]{64}$/);

    const warm = await loadMarket({ dataDir: dir, symbols, cacheDir, policy: 'warn' });
    expect(warm.timings).toMatchObject({ cacheHits: 4, cacheMisses: 0 });
    expect(warm.dataHash).toBe(cold.dataHash);
    expect(warm.series).toEqual(cold.series);

    const uncached = await loadMarket({ dataDir: dir, symbols, policy: 'mask' });
    expect(uncached.dataHash).toBe(cold.dataHash);
  });

  it('changes the data hash when a file changes, and re-parses only that file', async () => {
    const d = makeDataDir('data-edit');
    const cacheDir = join(root, 'cache-edit');
    const symbols = ['AAPL', 'SPY'];
    const first = await loadMarket({ dataDir: d, symbols, cacheDir, policy: 'mask' });
    const rows = bars(40, 100);
    rows[5] = { ...rows[5], c: rows[5].c + 0.01 };
    writeFileSync(join(d, 'aapl.us.txt'), stooq(rows));
    const later = new Date(statSync(join(d, 'aapl.us.txt')).mtimeMs + 2_000);
    utimesSync(join(d, 'aapl.us.txt'), later, later);
    const second = await loadMarket({ dataDir: d, symbols, cacheDir, policy: 'mask' });
    expect(second.timings).toMatchObject({ cacheHits: 1, cacheMisses: 1 });
    expect(second.dataHash).not.toBe(first.dataHash);
  });

  it('treats a cache entry with changed bytes (same size, same mtime) as a miss and re-parses', async () => {
    const d = makeDataDir('data-damaged-cache');
    const cacheDir = join(root, 'cache-damaged');
    const symbols = ['AAPL', 'SPY'];
    const cold = await loadMarket({ dataDir: d, symbols, cacheDir, policy: 'mask' });
    const entry = marketFile(cacheDir);
    const bytes = readFileSync(entry);
    const st = statSync(entry);
    // 400 bytes inside AAPL's columns (the first entry): prices become other (finite or not) numbers.
    const dataFrom = 32 + bytes.readUInt32LE(16);
    for (let i = dataFrom + 100; i < dataFrom + 500; i++) bytes[i] ^= 0x21;
    writeFileSync(entry, bytes);
    utimesSync(entry, st.atime, st.mtime);
    const warm = await loadMarket({ dataDir: d, symbols, cacheDir, policy: 'mask' });
    expect(warm.timings).toMatchObject({ cacheHits: 1, cacheMisses: 1 });
    expect(warm.dataHash).toBe(cold.dataHash);
    expect(warm.series).toEqual(cold.series);
    // The re-parse rewrote the entry: the next load hits again.
    const again = await loadMarket({ dataDir: d, symbols, cacheDir, policy: 'mask' });
    expect(again.timings).toMatchObject({ cacheHits: 2, cacheMisses: 0 });
  });

  it('verifies every symbol against the calendar and applies the policy', async () => {
    const symbols = ['AAPL', 'BAD'];
    const masked = await loadMarket({ dataDir: dir, symbols, policy: 'mask', calendarSymbol: 'SPY' });
    expect(masked.issues.map((i) => [i.symbol, i.code, i.line])).toEqual([
      ['BAD', 'BAD_TICK', 12],
      ['BAD', 'MISSING_SESSION', 22],
    ]);
    expect(masked.perSymbol[1]).toMatchObject({ symbol: 'BAD', status: 'masked', masked: 1, bars: 38, errors: 1, warnings: 1 });
    expect(masked.series.map((s) => s.symbol)).toEqual(['AAPL', 'BAD']);

    const warned = await loadMarket({ dataDir: dir, symbols, policy: 'warn', calendarSymbol: 'spy' });
    expect(warned.series[1].day.length).toBe(39);
    expect(warned.dataHash).toBe(masked.dataHash);

    const skipped = await loadMarket({ dataDir: dir, symbols, policy: 'skip-symbol' });
    expect(skipped.series.map((s) => s.symbol)).toEqual(['AAPL']);
    expect(skipped.perSymbol[1].status).toBe('skipped');

    const e = await loadError(loadMarket({ dataDir: dir, symbols, policy: 'fail' }));
    expect(e.code).toBe('BAD_DATA');
    expect(e.file).toBe(join(dir, 'bad.us.txt'));
    expect(e.line).toBe(12);
    expect(e.message).toContain('BAD_TICK');
  });

  it('without a calendar symbol, checks sessions against the majority calendar', async () => {
    const m = await loadMarket({ dataDir: dir, symbols: ['AAPL', 'SPY', 'BAD'], policy: 'warn' });
    expect(m.issues.filter((i) => i.code === 'MISSING_SESSION').map((i) => [i.symbol, dayToIso(i.day)])).toEqual([['BAD', bars(40, 1)[20].date]]);
  });

  it('throws a parse error with file and line, except under skip-symbol', async () => {
    const d = makeDataDir('data-broken');
    makeBroken(d);
    const e = await loadError(loadMarket({ dataDir: d, symbols: ['AAPL', 'BROKEN'], policy: 'mask' }));
    expect(e.code).toBe('BAD_NUMBER');
    expect(e.file).toBe(join(d, 'broken.us.txt'));
    expect(e.line).toBe(3);
    const m = await loadMarket({ dataDir: d, symbols: ['AAPL', 'BROKEN'], policy: 'skip-symbol' });
    expect(m.series.map((s) => s.symbol)).toEqual(['AAPL']);
    expect(m.perSymbol[1]).toMatchObject({ symbol: 'BROKEN', status: 'skipped' });
    expect(m.perSymbol[1].reason).toContain('broken.us.txt:3');
  });

  it('an unreadable data file (a link to a folder, a dangling link) is a coded error naming the path', async () => {
    const d = makeDataDir('data-unreadable');
    mkdirSync(join(d, 'folder'));
    symlinkSync(join(d, 'folder'), join(d, 'dirlink.us.txt'));
    symlinkSync(join(d, 'gone'), join(d, 'dangling.us.txt'));
    for (const symbol of ['DIRLINK', 'DANGLING']) {
      const e = await loadError(loadMarket({ dataDir: d, symbols: ['AAPL', symbol], policy: 'mask' }));
      expect(e.code).toBe('DATA_FILE_NOT_READABLE');
      expect(e.file).toBe(join(d, `${symbol.toLowerCase()}.us.txt`));
    }
    // Reported and skipped when asked to go on (as data verify does).
    makeBroken(d);
    const m = await loadMarket({ dataDir: d, symbols: ['DIRLINK', 'AAPL', 'BROKEN'], policy: 'mask', onUnreadable: 'report' });
    expect(m.series.map((s) => s.symbol)).toEqual(['AAPL']);
    expect(m.perSymbol.map((r) => [r.symbol, r.status, r.errors])).toEqual([
      ['DIRLINK', 'skipped', 1],
      ['AAPL', 'ok', 0],
      ['BROKEN', 'skipped', 1],
    ]);
    expect(m.perSymbol[0].reason).toContain('DATA_FILE_NOT_READABLE');
    expect(m.perSymbol[2].reason).toContain('broken.us.txt:3');
    expect(m.unreadable).toEqual(['DIRLINK', 'BROKEN']);
  });

  it('keeps loading when the cache cannot be written, and reports it', async () => {
    const notADir = join(root, 'cache-is-a-file');
    writeFileSync(notADir, 'x');
    const m = await loadMarket({ dataDir: dir, symbols: ['AAPL'], cacheDir: notADir, policy: 'mask' });
    expect(m.series).toHaveLength(1);
    // The bars and the verdict.
    expect(m.timings.cacheWriteFailures).toBe(2);
  });

  it('reports an unreadable data folder and an unknown calendar symbol', async () => {
    expect((await loadError(loadMarket({ dataDir: join(root, 'nope'), symbols: ['A'], policy: 'mask' }))).code).toBe('DATA_DIR_NOT_READABLE');
    expect((await loadError(loadMarket({ dataDir: dir, symbols: ['AAPL'], policy: 'mask', calendarSymbol: 'ZZZ' }))).code).toBe('UNKNOWN_CALENDAR_SYMBOL');
  });
});

/** Everything a load returns but its timings. */
function result(m: LoadedMarket) {
  const { timings: _timings, ...rest } = m;
  return rest;
}

const later = (file: string, ms = 2_000) => {
  const t = new Date(statSync(file).mtimeMs + ms);
  utimesSync(file, t, t);
};

describe('loadMarket verdict cache', () => {
  const symbols = ['AAPL', 'MSFT', 'IBM', 'BAD', 'SPY'];

  it('a warm load takes the check from the cache and returns exactly what a fresh check does', async () => {
    const d = makeDataDir('data-verdict');
    const opts = { dataDir: d, symbols, cacheDir: join(root, 'cache-verdict'), policy: 'mask', calendarSymbol: 'SPY' } as const;
    const cold = await loadMarket(opts);
    expect(cold.timings).toMatchObject({ cacheMisses: 5, verdictHits: 0, verdictMisses: 5 });
    expect(cold.issues.length).toBeGreaterThan(0);
    const warm = await loadMarket(opts);
    expect(warm.timings).toMatchObject({ cacheHits: 5, verdictHits: 5, verdictMisses: 0 });
    expect(result(warm)).toEqual(result(cold));
    expect(result(warm)).toEqual(result(await loadMarket({ ...opts, cacheDir: undefined })));
  });

  it('a changed policy reuses the verdict and applies the new policy as a fresh load does', async () => {
    const d = makeDataDir('data-verdict-policy');
    const opts = { dataDir: d, symbols, cacheDir: join(root, 'cache-verdict-policy'), calendarSymbol: 'SPY' } as const;
    await loadMarket({ ...opts, policy: 'mask' });
    for (const policy of ['warn', 'skip-symbol'] as const) {
      const warm = await loadMarket({ ...opts, policy });
      expect(warm.timings).toMatchObject({ verdictHits: 5, verdictMisses: 0 });
      expect(result(warm)).toEqual(result(await loadMarket({ ...opts, policy, cacheDir: undefined })));
    }
    const failWarm = await loadError(loadMarket({ ...opts, policy: 'fail' }));
    const failFresh = await loadError(loadMarket({ ...opts, policy: 'fail', cacheDir: undefined }));
    expect(failWarm.describe()).toBe(failFresh.describe());
  });

  it('a touched file is re-parsed and keeps its verdict; an edited one is checked again', async () => {
    const d = makeDataDir('data-verdict-touch');
    const opts = { dataDir: d, symbols, cacheDir: join(root, 'cache-verdict-touch'), policy: 'mask', calendarSymbol: 'SPY' } as const;
    await loadMarket(opts);
    later(join(d, 'bad.us.txt'));
    const touched = await loadMarket(opts);
    expect(touched.timings).toMatchObject({ cacheHits: 4, cacheMisses: 1, verdictHits: 5, verdictMisses: 0 });
    expect(result(touched)).toEqual(result(await loadMarket({ ...opts, cacheDir: undefined })));

    const rows = bars(40, 100);
    rows[7] = { ...rows[7], c: rows[7].c * 3, h: rows[7].c * 3 };
    writeFileSync(join(d, 'aapl.us.txt'), stooq(rows));
    later(join(d, 'aapl.us.txt'));
    const edited = await loadMarket(opts);
    expect(edited.timings).toMatchObject({ cacheHits: 4, cacheMisses: 1, verdictHits: 4, verdictMisses: 1 });
    expect(edited.issues.some((i) => i.symbol === 'AAPL')).toBe(true);
    expect(result(edited)).toEqual(result(await loadMarket({ ...opts, cacheDir: undefined })));
  });

  it('a changed calendar (its symbol file, or no calendar symbol) checks every symbol again', async () => {
    const d = makeDataDir('data-verdict-calendar');
    const opts = { dataDir: d, symbols: ['AAPL', 'BAD'], cacheDir: join(root, 'cache-verdict-calendar'), policy: 'mask', calendarSymbol: 'SPY' } as const;
    await loadMarket(opts);
    expect((await loadMarket(opts)).timings).toMatchObject({ verdictHits: 2, verdictMisses: 0 });
    // SPY loses a session in the middle: the calendar changes, and with it every verdict.
    writeFileSync(join(d, 'spy.us.txt'), stooq(bars(40, 300).filter((_, k) => k !== 25)));
    later(join(d, 'spy.us.txt'));
    const changed = await loadMarket(opts);
    expect(changed.timings).toMatchObject({ cacheHits: 2, cacheMisses: 1, verdictHits: 0, verdictMisses: 2 });
    expect(result(changed)).toEqual(result(await loadMarket({ ...opts, cacheDir: undefined })));
    const majority = await loadMarket({ ...opts, calendarSymbol: undefined });
    expect(majority.timings).toMatchObject({ verdictHits: 0, verdictMisses: 2 });
    expect(result(majority)).toEqual(result(await loadMarket({ ...opts, calendarSymbol: undefined, cacheDir: undefined })));
  });

  it('reads line numbers only for a check; damaged ones send the load back to the files, and the cache is rewritten', async () => {
    const d = makeDataDir('data-verdict-lines');
    const cacheDir = join(root, 'cache-verdict-lines');
    const opts = { dataDir: d, symbols, cacheDir, policy: 'mask', calendarSymbol: 'SPY' } as const;
    const cold = await loadMarket(opts);
    for (const f of readdirSync(cacheDir)) if (f.endsWith('.kbv')) rmSync(join(cacheDir, f));
    const entry = marketFile(cacheDir);
    const bytes = readFileSync(entry);
    const st = statSync(entry);
    bytes[bytes.length - 2] ^= 0x40; // the last entry's line numbers
    writeFileSync(entry, bytes);
    utimesSync(entry, st.atime, st.mtime);
    const damaged = await loadMarket(opts);
    expect(damaged.timings).toMatchObject({ cacheHits: 0, cacheMisses: 5, verdictMisses: 5 });
    expect(result(damaged)).toEqual(result(cold));
    expect((await loadMarket(opts)).timings).toMatchObject({ cacheHits: 5, verdictHits: 5 });
  });
});

const REAL_DIR = SHARED_STOOQ_DIR;

describe.runIf(sharedDataAvailable())('loadMarket on the real Stooq data set', () => {
  // Liquid names plus a few known to carry decimal-shift bad ticks (ARE, AVB, BXP).
  const symbols = ['AAPL', 'AMZN', 'MSFT', 'BAC', 'T', 'JPM', 'XOM', 'GE', 'WFC', 'C', 'INTC', 'CSCO', 'BRK-B', 'SPY', 'QQQ', 'IWM', 'DIA', 'ARE', 'AVB', 'BXP'];

  it('loads 20 symbols, finds known bad ticks, and a warm load matches the cold one', async () => {
    const cacheDir = mkdtempSync(join(root, 'real-cache-'));
    const cold = await loadMarket({ dataDir: REAL_DIR, symbols, cacheDir, policy: 'mask', calendarSymbol: 'SPY' });
    expect(cold.missingSymbols).toEqual([]);
    const aapl = cold.series.find((s) => s.symbol === 'AAPL')!;
    expect(aapl.day.length).toBe(3239);
    expect(dayToIso(aapl.day[0])).toBe('2005-01-03');
    expect(dayToIso(aapl.day[3238])).toBe('2017-11-10');
    expect(cold.issues.filter((i) => i.severity === 'error').length).toBeGreaterThan(0);
    expect(cold.issues.some((i) => i.symbol === 'ARE' && i.code === 'BAD_TICK')).toBe(true);
    expect(cold.perSymbol.find((r) => r.symbol === 'ARE')!.status).toBe('masked');
    const warm = await loadMarket({ dataDir: REAL_DIR, symbols, cacheDir, policy: 'mask', calendarSymbol: 'SPY' });
    expect(warm.timings.cacheHits).toBe(20);
    expect(warm.dataHash).toBe(cold.dataHash);
    expect(warm.issues).toEqual(cold.issues);
  });

  it('a warm load of the whole data set (bars and verdicts from the cache) equals the cold one, field by field', async () => {
    const all = readUniverseFile(join(REAL_DIR, 'universe.csv')).map((u) => u.symbol);
    const cacheDir = mkdtempSync(join(root, 'real-cache-all-'));
    const opts = { dataDir: REAL_DIR, symbols: all, cacheDir, policy: 'mask', calendarSymbol: 'SPY' } as const;
    const cold = await loadMarket(opts);
    const warm = await loadMarket(opts);
    expect(cold.timings).toMatchObject({ cacheHits: 0, verdictHits: 0 });
    expect(warm.timings).toMatchObject({ cacheHits: all.length, cacheMisses: 0, verdictHits: all.length, verdictMisses: 0 });
    expect(warm.dataHash).toBe(cold.dataHash);
    expect(warm.calendar).toEqual(cold.calendar);
    expect(warm.issues).toEqual(cold.issues);
    expect(warm.perSymbol).toEqual(cold.perSymbol);
    expect(warm.missingSymbols).toEqual(cold.missingSymbols);
    expect(warm.unreadable).toEqual(cold.unreadable);
    expect(warm.series.map((x) => x.symbol)).toEqual(cold.series.map((x) => x.symbol));
    const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (let k = 0; k < cold.series.length; k++) {
      for (const col of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) {
        if (!bytes(warm.series[k][col]).equals(bytes(cold.series[k][col]))) expect.fail(`${cold.series[k].symbol} ${col} differs`);
      }
    }
  }, 60_000);

  it('lists the data folder without taking universe.csv for a symbol, and reads universe.csv', () => {
    const listed = readUniverseFile(join(REAL_DIR, 'universe.csv'));
    expect(listed[0]).toMatchObject({ symbol: 'AAPL', line: 2 });
    expect(listed.length).toBeGreaterThan(800);
    const all = universeFromDataDir(REAL_DIR);
    expect(all).toEqual([...listed.map((e) => e.symbol)].sort());
    expect(all.length).toBeGreaterThan(800);
    expect(all).toContain('BRK-B');
    expect(all).not.toContain('UNIVERSE');
  });
});

describe('loadMarket adjust option', () => {
  /** Yahoo rows whose Adj Close is half the Close (a 2:1 split later, adjusted back). */
  const yahooHalf = (rows: Bar[]) => `Date,Open,High,Low,Close,Adj Close,Volume\n${rows.map((r) => `${r.date},${r.o},${r.h},${r.l},${r.c},${r.c / 2},${r.v}`).join('\n')}\n`;

  it("'none' keeps the file's raw prices, 'all' (default) scales by the adjusted close; the cache never mixes them", async () => {
    const d = join(root, 'data-adjust');
    mkdirSync(d, { recursive: true });
    const rows = bars(30, 100);
    writeFileSync(join(d, 'YH.csv'), yahooHalf(rows));
    const cacheDir = join(root, 'cache-adjust');
    const adjusted = await loadMarket({ dataDir: d, symbols: ['YH'], cacheDir, policy: 'mask' });
    expect(adjusted.series[0].close[0]).toBeCloseTo(rows[0].c / 2, 10);
    const raw = await loadMarket({ dataDir: d, symbols: ['YH'], cacheDir, policy: 'mask', adjust: 'none' });
    expect(raw.series[0].close[0]).toBe(rows[0].c);
    expect(raw.series[0].open[0]).toBe(rows[0].o);
    expect(raw.dataHash).not.toBe(adjusted.dataHash);
    // Warm, each from its own entry.
    const rawWarm = await loadMarket({ dataDir: d, symbols: ['YH'], cacheDir, policy: 'mask', adjust: 'none' });
    const adjWarm = await loadMarket({ dataDir: d, symbols: ['YH'], cacheDir, policy: 'mask', adjust: 'all' });
    expect(rawWarm.timings.cacheHits).toBe(1);
    expect(adjWarm.timings.cacheHits).toBe(1);
    expect(rawWarm.series).toEqual(raw.series);
    expect(adjWarm.series).toEqual(adjusted.series);
    expect(adjWarm.dataHash).toBe(adjusted.dataHash);
  });

  it("'none' on a file that needs no adjusting gives the same bars, and a data hash that says how it was read", async () => {
    const d = makeDataDir('data-adjust-stooq');
    const all = await loadMarket({ dataDir: d, symbols: ['AAPL'], policy: 'mask' });
    const none = await loadMarket({ dataDir: d, symbols: ['AAPL'], policy: 'mask', adjust: 'none' });
    expect(none.series).toEqual(all.series);
    expect(none.dataHash).not.toBe(all.dataHash);
  });
});

describe('loadMarket corporate actions', () => {
  it('back-adjusts a known unadjusted split so the check no longer flags it; the data hash includes the actions', async () => {
    const d = join(root, 'data-ca');
    mkdirSync(d, { recursive: true });
    // An unadjusted 2:1 split: every price halves from row 20, volume doubles.
    const rows = bars(40, 100).map((r, k) => (k < 20 ? r : { ...r, o: r.o / 2, h: r.h / 2, l: r.l / 2, c: r.c / 2, v: r.v * 2 }));
    writeFileSync(join(d, 'spl.us.txt'), stooq(rows));
    const plain = await loadMarket({ dataDir: d, symbols: ['SPL'], policy: 'mask' });
    expect(plain.issues.map((i) => i.code)).toEqual(['SUSPECT_SPLIT']);
    const actions = join(d, 'actions.csv');
    writeFileSync(actions, `symbol,date,kind,ratio\nspl,${rows[20].date},split,2\n`);
    for (const corporateActions of [actions, [{ symbol: 'SPL', date: rows[20].date, kind: 'split' as const, ratio: 2 }]]) {
      const fixed = await loadMarket({ dataDir: d, symbols: ['SPL'], policy: 'mask', corporateActions, cacheDir: join(root, 'cache-ca') });
      expect(fixed.issues).toEqual([]);
      const s = fixed.series[0];
      expect(s.day.length).toBe(40);
      expect(s.close[0]).toBeCloseTo(rows[0].c / 2, 12);
      expect(s.volume[0]).toBe(rows[0].v * 2);
      expect(s.close[25]).toBe(rows[25].c);
      expect(fixed.dataHash).not.toBe(plain.dataHash);
    }
    // The cache keeps the file's bars: without the actions the split is back.
    const again = await loadMarket({ dataDir: d, symbols: ['SPL'], policy: 'mask', cacheDir: join(root, 'cache-ca') });
    expect(again.timings.cacheHits).toBe(1);
    expect(again.dataHash).toBe(plain.dataHash);
    expect(again.issues.map((i) => i.code)).toEqual(['SUSPECT_SPLIT']);
    writeFileSync(actions, 'symbol,date,kind,ratio\nSPL,2021-02-01,split,-2\n');
    const e = await loadError(loadMarket({ dataDir: d, symbols: ['SPL'], policy: 'mask', corporateActions: actions }));
    expect(e.code).toBe('BAD_CORPORATE_ACTIONS');
    expect(e.describe()).toContain(`${actions}:2:`);
  });
});
