import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { applyCorporateActions, parseCorporateActions, readCorporateActionsFile } from './corporate-actions.js';
import type { RawBars } from './parse-bars.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(f: () => unknown): KobeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected an error');
}

describe('parseCorporateActions', () => {
  it('reads rows in any column order, with comments and blank lines', () => {
    const text = '# known fixes\nkind,Symbol,date,ratio,note\nsplit,aapl,2014-06-09,7,seven for one\n\nreverse-split,XYZ,2019-03-01,10 # one for ten\nprice-factor,brk.b,2010-09-28,0.4,\n';
    expect(parseCorporateActions(text, 'ca.csv')).toEqual([
      { symbol: 'AAPL', date: '2014-06-09', kind: 'split', ratio: 7 },
      { symbol: 'XYZ', date: '2019-03-01', kind: 'reverse-split', ratio: 10 },
      { symbol: 'BRK.B', date: '2010-09-28', kind: 'price-factor', ratio: 0.4 },
    ]);
  });

  it('names the file and line of a bad row', () => {
    const head = 'symbol,date,kind,ratio\nAAPL,2014-06-09,split,7\n';
    for (const [row, what] of [
      ['AAPL,2014-13-01,split,2', 'not a date'],
      ['AAPL,2014-06-10,merger,2', 'unknown kind'],
      ['AAPL,2014-06-10,split,0', 'positive'],
      ['AAPL,2014-06-10,split,abc', 'positive'],
      ['AAPL,2014-06-10,split,', 'positive'],
      ['AA PL,2014-06-10,split,2', 'not a symbol'],
      ['AAPL,2014-06-09,reverse-split,2', 'two actions'],
    ]) {
      const e = errorOf(() => parseCorporateActions(`${head}${row}\n`, 'ca.csv'));
      expect(e.code).toBe('BAD_CORPORATE_ACTIONS');
      expect(e.describe()).toMatch(/^ca\.csv:3: /);
      expect(e.message).toContain(what);
    }
    const header = errorOf(() => parseCorporateActions('symbol,when,kind,ratio\n', 'ca.csv'));
    expect(header.line).toBe(1);
    expect(errorOf(() => readCorporateActionsFile(join(dir, 'missing.csv'))).code).toBe('CORPORATE_ACTIONS_NOT_READABLE');
  });
});

describe('applyCorporateActions', () => {
  const raw: RawBars = {
    symbol: 'BRK-B',
    file: 'f',
    format: 'stooq',
    reversed: false,
    day: Int32Array.from(['2020-01-02', '2020-01-03', '2020-01-06'], parseIsoDay),
    open: Float64Array.from([100, 100, 50]),
    high: Float64Array.from([102, 102, 51]),
    low: Float64Array.from([98, 98, 49]),
    close: Float64Array.from([100, 100, 50]),
    volume: Float64Array.from([1000, 1000, 2000]),
    line: Int32Array.from([2, 3, 4]),
  };

  it('back-adjusts prices before the date by the ratio and volume inversely, without touching the input', () => {
    const out = applyCorporateActions(raw, [{ symbol: 'BRK.B', date: '2020-01-06', kind: 'split', ratio: 2 }]);
    expect(Array.from(out.close)).toEqual([50, 50, 50]);
    expect(Array.from(out.high)).toEqual([51, 51, 51]);
    expect(Array.from(out.volume)).toEqual([2000, 2000, 2000]);
    expect(Array.from(raw.close)).toEqual([100, 100, 50]);
    const rev = applyCorporateActions(raw, [{ symbol: 'BRK-B', date: '2020-01-03', kind: 'reverse-split', ratio: 10 }]);
    expect(Array.from(rev.close)).toEqual([1000, 100, 50]);
    expect(Array.from(rev.volume)).toEqual([100, 1000, 2000]);
    // Actions compose; other symbols' actions do not apply.
    const both = applyCorporateActions(raw, [
      { symbol: 'BRK-B', date: '2020-01-06', kind: 'split', ratio: 2 },
      { symbol: 'BRK-B', date: '2020-01-03', kind: 'price-factor', ratio: 0.5 },
      { symbol: 'AAPL', date: '2020-01-06', kind: 'split', ratio: 4 },
    ]);
    expect(Array.from(both.close)).toEqual([25, 50, 50]);
    expect(applyCorporateActions(raw, [{ symbol: 'AAPL', date: '2020-01-06', kind: 'split', ratio: 4 }])).toBe(raw);
  });
});
