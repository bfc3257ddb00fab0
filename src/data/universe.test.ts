import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { capUniverse, readUniverse, readUniverseFile, selectTypes, universeFromDataDir } from './universe.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-universe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(f: () => unknown): KobeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected an error');
}

describe('readUniverseFile', () => {
  it('reads symbols in file order, upper-cased, with optional name and sector', () => {
    const path = write(
      'u1.csv',
      '\ufeff# my universe\r\nname,Symbol,sector,weight\r\n"Apple, Inc.",aapl,Tech,1\r\n\r\nMicrosoft,MSFT,,2\r\n,brk.b\r\n',
    );
    expect(readUniverseFile(path)).toEqual([
      { symbol: 'AAPL', name: 'Apple, Inc.', sector: 'Tech', type: null, line: 3 },
      { symbol: 'MSFT', name: 'Microsoft', sector: null, type: null, line: 5 },
      { symbol: 'BRK.B', name: null, sector: null, type: null, line: 6 },
    ]);
  });

  it('reads the data set layout (symbol plus other columns)', () => {
    const path = write('u2.csv', 'symbol,median_dollar_volume_usd,first,last,rows\nAAPL,1,2005-01-03,2017-11-10,3239\nSPY,0,2005-01-03,2017-11-10,3239\n');
    expect(readUniverseFile(path).map((e) => e.symbol)).toEqual(['AAPL', 'SPY']);
  });

  it('rejects a duplicate symbol naming the file and both lines', () => {
    const path = write('dup.csv', 'symbol\nAAPL\nMSFT\naapl\n');
    const e = errorOf(() => readUniverseFile(path));
    expect(e.code).toBe('UNIVERSE_DUPLICATE');
    expect(e.file).toBe(path);
    expect(e.line).toBe(4);
    expect(e.message).toContain('line 2');
  });

  it('rejects a header without rows, naming the file and the header line', () => {
    const path = write('header-only.csv', '# nothing yet\nsymbol,name\n\n');
    const e = errorOf(() => readUniverseFile(path));
    expect(e.code).toBe('UNIVERSE_EMPTY');
    expect(e.file).toBe(path);
    expect(e.line).toBe(2);
    expect(e.describe()).toContain(path);
  });

  it('quotes at most a short piece of a huge field in its errors', () => {
    const path = write('huge.csv', `symbol\n${'X'.repeat(2_000_000)}\n`);
    const e = errorOf(() => readUniverseFile(path));
    expect(e.code).toBe('UNIVERSE_BAD_SYMBOL');
    expect(e.describe().length).toBeLessThan(400);
    expect(String(e.value).length).toBeLessThan(200);
  });

  it('rejects a file without a symbol column, an empty file and a blank symbol', () => {
    const noCol = errorOf(() => readUniverseFile(write('nocol.csv', 'name,sector\nApple,Tech\n')));
    expect(noCol.code).toBe('UNIVERSE_NO_SYMBOL_COLUMN');
    expect(noCol.line).toBe(1);
    expect(errorOf(() => readUniverseFile(write('empty.csv', '\n'))).code).toBe('UNIVERSE_EMPTY');
    const blank = errorOf(() => readUniverseFile(write('blank.csv', 'symbol,name\n,Apple\n')));
    expect(blank.code).toBe('UNIVERSE_BAD_SYMBOL');
    expect(blank.line).toBe(2);
    expect(errorOf(() => readUniverseFile(join(dir, 'missing.csv'))).code).toBe('UNIVERSE_NOT_READABLE');
  });
});

describe('selectTypes', () => {
  it('keeps the entries of the given types (any case), leaves out the others and blank types, in file order', () => {
    const u = readUniverse(write('typed.csv', 'symbol,type\nAAPL,stock\nSPY,ETF\nMSFT,Stock\nXYZ,\nQQQ,etf\n'));
    expect(u.hasTypeColumn).toBe(true);
    expect(u.entries.map((e) => e.type)).toEqual(['stock', 'etf', 'stock', null, 'etf']);
    const stocks = selectTypes(u, ['stock']);
    expect(stocks.kept.map((e) => e.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(stocks.leftOut.map((e) => e.symbol)).toEqual(['SPY', 'XYZ', 'QQQ']);
    expect(selectTypes(u, ['ETF', ' stock']).kept.map((e) => e.symbol)).toEqual(['AAPL', 'SPY', 'MSFT', 'QQQ']);
  });

  it('refuses a universe without a type column, naming the file', () => {
    const path = write('untyped.csv', 'symbol,sector\nAAPL,Tech\n');
    const u = readUniverse(path);
    expect(u.hasTypeColumn).toBe(false);
    const e = errorOf(() => selectTypes(u, ['stock']));
    expect(e.code).toBe('UNIVERSE_NO_TYPE_COLUMN');
    expect(e.file).toBe(path);
    expect(e.message).toContain('stock');
  });
});

describe('capUniverse', () => {
  it('takes the first N entries', () => {
    expect(capUniverse(['A', 'B', 'C'], 2)).toEqual(['A', 'B']);
    expect(capUniverse(['A'], 5)).toEqual(['A']);
  });

  it('rejects a cap that is not a positive integer as a usage error on the parameter cap (the CLI shows --cap)', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) {
      const e = errorOf(() => capUniverse(['A'], n));
      expect(e.kind).toBe('usage');
      expect(e.param).toBe('cap');
    }
  });
});

describe('universeFromDataDir', () => {
  it('lists the symbols of bar files, sorted, skipping non-bar files', () => {
    const d = mkdtempSync(join(dir, 'data-'));
    const bars = 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1,1\n';
    writeFileSync(join(d, 'msft.us.txt'), bars);
    writeFileSync(join(d, 'brk-b.us.txt'), bars);
    writeFileSync(join(d, 'AAPL.csv'), bars);
    writeFileSync(join(d, 'aapl.us.txt'), bars);
    writeFileSync(join(d, 'universe.csv'), 'symbol\nMSFT\n');
    writeFileSync(join(d, 'notes.txt'), 'hello\n');
    writeFileSync(join(d, 'README.md'), '# data\n');
    expect(universeFromDataDir(d)).toEqual(['AAPL', 'BRK-B', 'MSFT']);
  });

  it('reports a missing folder as an input error', () => {
    expect(errorOf(() => universeFromDataDir(join(dir, 'nope'))).code).toBe('DATA_DIR_NOT_READABLE');
  });
});
