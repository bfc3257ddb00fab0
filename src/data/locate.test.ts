import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSymbolLocator, findSymbolFile, symbolFileCandidates, symbolFromFileName } from './locate.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-locate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const touch = (name: string) => writeFileSync(join(dir, name), 'Date,Open,High,Low,Close,Volume\n');

describe('findSymbolFile', () => {
  it('tries <lower>.us.txt, <UPPER>.csv, <lower>.csv, <lower>.txt in that order', () => {
    expect(symbolFileCandidates('Aapl')).toEqual(['aapl.us.txt', 'AAPL.csv', 'aapl.csv', 'aapl.txt']);
    touch('msft.txt');
    expect(findSymbolFile(dir, 'MSFT')).toBe(join(dir, 'msft.txt'));
    touch('msft.csv');
    expect(findSymbolFile(dir, 'MSFT')).toBe(join(dir, 'msft.csv'));
    touch('MSFT.csv');
    expect(findSymbolFile(dir, 'msft')).toBe(join(dir, 'MSFT.csv'));
    touch('msft.us.txt');
    expect(findSymbolFile(dir, 'MSFT')).toBe(join(dir, 'msft.us.txt'));
  });

  it('maps class shares BRK-B and BRK.B to brk-b.us.txt', () => {
    touch('brk-b.us.txt');
    expect(findSymbolFile(dir, 'BRK-B')).toBe(join(dir, 'brk-b.us.txt'));
    expect(findSymbolFile(dir, 'BRK.B')).toBe(join(dir, 'brk-b.us.txt'));
    expect(symbolFromFileName('brk-b.us.txt')).toBe('BRK-B');
  });

  it('returns null for unknown symbols, folders and path tricks', () => {
    expect(findSymbolFile(dir, 'NOPE')).toBeNull();
    mkdirSync(join(dir, 'dirx.csv'));
    expect(findSymbolFile(dir, 'DIRX')).toBeNull();
    expect(findSymbolFile(dir, '../x')).toBeNull();
    expect(findSymbolFile(dir, '')).toBeNull();
    expect(symbolFileCandidates('a/b')).toEqual([]);
  });

  it('the directory-listing locator agrees with findSymbolFile', () => {
    touch('spy.us.txt');
    touch('QQQ.csv');
    const locate = createSymbolLocator(dir);
    for (const s of ['SPY', 'QQQ', 'MSFT', 'BRK.B', 'BRK-B', 'NOPE', 'DIRX']) {
      expect(locate(s)).toBe(findSymbolFile(dir, s));
    }
  });

  it('turns file names back into symbols', () => {
    expect(symbolFromFileName('aapl.us.txt')).toBe('AAPL');
    expect(symbolFromFileName('AAPL.csv')).toBe('AAPL');
    expect(symbolFromFileName('aapl.txt')).toBe('AAPL');
    expect(symbolFromFileName('README.md')).toBeNull();
  });
});
