import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { dayToIso, parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { daysFromCivil, parseBarsBytes, parseBarsCsv } from './parse-bars.js';
import { verifyBars } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a fixture file and parses it the way the loader does (bytes from disk). */
function parseFile(name: string, text: string, symbol = 'TEST') {
  const file = join(dir, name);
  writeFileSync(file, text);
  return parseBarsBytes(readFileSync(file), { file, symbol });
}

function parseError(name: string, text: string): KobeError {
  try {
    parseFile(name, text);
  } catch (e) {
    expect(e).toBeInstanceOf(KobeError);
    return e as KobeError;
  }
  throw new Error('expected a parse error');
}

const iso = (days: Int32Array) => Array.from(days, dayToIso);

describe('parseBarsCsv formats', () => {
  it('reads Stooq daily files with OpenInt, CRLF, a BOM and blank trailing lines', () => {
    const raw = parseFile(
      'aapl.us.txt',
      '\ufeffDate,Open,High,Low,Close,Volume,OpenInt\r\n2005-01-03,4.1529,4.1685,4.0083,4.0519,193279926,0\r\n2005-01-04,4.0825,4.1915,4.0314,4.094,306165093,0\r\n\r\n\n',
    );
    expect(raw.format).toBe('stooq');
    expect(raw.reversed).toBe(false);
    expect(iso(raw.day)).toEqual(['2005-01-03', '2005-01-04']);
    expect(Array.from(raw.open)).toEqual([4.1529, 4.0825]);
    expect(Array.from(raw.high)).toEqual([4.1685, 4.1915]);
    expect(Array.from(raw.low)).toEqual([4.0083, 4.0314]);
    expect(Array.from(raw.close)).toEqual([4.0519, 4.094]);
    expect(Array.from(raw.volume)).toEqual([193279926, 306165093]);
    expect(Array.from(raw.line)).toEqual([2, 3]);
    expect(raw.symbol).toBe('TEST');
  });

  it('reads Stooq without OpenInt, YYYYMMDD dates and a missing final newline', () => {
    const raw = parseFile('x.csv', 'Date,Open,High,Low,Close,Volume\n20200102,10,11,9,10.5,1000\n20200103,10.5,12,10,11,2000');
    expect(iso(raw.day)).toEqual(['2020-01-02', '2020-01-03']);
    expect(Array.from(raw.close)).toEqual([10.5, 11]);
  });

  it('reads Stooq bulk files', () => {
    const raw = parseFile(
      'bulk.txt',
      '<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\nAAPL.US,D,20200102,000000,74.06,75.15,73.8,75.09,135480400,0\n',
    );
    expect(raw.format).toBe('stooq-bulk');
    expect(iso(raw.day)).toEqual(['2020-01-02']);
    expect(raw.volume[0]).toBe(135480400);
  });

  it('adjusts Yahoo OHLC by Adj Close / Close and leaves volume alone', () => {
    const raw = parseFile('y.csv', 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,100,110,90,100,50,1000\n2020-01-03,52,53,49,50,50,3000\n');
    expect(raw.format).toBe('yahoo');
    expect(Array.from(raw.open)).toEqual([50, 52]);
    expect(Array.from(raw.high)).toEqual([55, 53]);
    expect(Array.from(raw.low)).toEqual([45, 49]);
    expect(Array.from(raw.close)).toEqual([50, 50]);
    expect(Array.from(raw.volume)).toEqual([1000, 3000]);
  });

  it('reverses newest-first AlphaVantage files and adjusts a 2:1 split away', () => {
    const header = 'timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient';
    // Newest first. The 2:1 split is on 2020-01-06: raw closes go 100 -> 51.
    const rows = [
      '2020-01-07,51,52,50,51.5,51.5,2000000,0.0000,1.0',
      '2020-01-06,50,52,49.5,51,51,2200000,0.0000,2.0',
      '2020-01-03,101,102,99,100,50,1000000,0.0000,1.0',
      '2020-01-02,99,101,98,100,50,1100000,0.0000,1.0',
    ];
    const raw = parseFile('av.csv', `${header}\n${rows.join('\n')}\n`);
    expect(raw.format).toBe('alphavantage');
    expect(raw.reversed).toBe(true);
    expect(iso(raw.day)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07']);
    expect(Array.from(raw.line)).toEqual([5, 4, 3, 2]);
    expect(Array.from(raw.close)).toEqual([50, 50, 51, 51.5]);
    expect(raw.open[1]).toBeCloseTo(50.5, 12);
    expect(raw.volume[0]).toBeCloseTo(2_200_000, 6);
    // After adjustment the split day is a +2% day, not a -49% crash.
    expect(raw.close[2] / raw.close[1] - 1).toBeCloseTo(0.02, 12);
    expect(verifyBars(raw).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('reads generic files in any column order, with quotes and extra columns', () => {
    const raw = parseFile(
      'g.csv',
      'symbol,name,volume,close,low,high,open,date\nX,"Acme, Inc.",1e3,"10.5",9,11,10,2021-03-04\nX,Acme,2000,11,10,12,10.5,2021/03/05\n',
    );
    expect(raw.format).toBe('generic');
    expect(iso(raw.day)).toEqual(['2021-03-04', '2021-03-05']);
    expect(Array.from(raw.open)).toEqual([10, 10.5]);
    expect(Array.from(raw.close)).toEqual([10.5, 11]);
    expect(Array.from(raw.volume)).toEqual([1000, 2000]);
  });

  it('keeps file order for unsorted files (verify reports them)', () => {
    const raw = parseFile('u.csv', 'Date,Open,High,Low,Close,Volume\n2020-01-03,1,1,1,1,1\n2020-01-02,1,1,1,1,1\n2020-01-06,1,1,1,1,1\n');
    expect(raw.reversed).toBe(false);
    expect(iso(raw.day)).toEqual(['2020-01-03', '2020-01-02', '2020-01-06']);
  });

  it('parses text the same as bytes', () => {
    const text = 'Date,Open,High,Low,Close,Volume\n2020-01-02,1.5,2,1,1.75,10\n';
    const a = parseBarsCsv(text, { file: 'a', symbol: 'A' });
    const b = parseBarsBytes(Buffer.from(text), { file: 'a', symbol: 'A' });
    expect(a).toEqual(b);
  });
});

describe('parseBarsCsv errors name the file and line', () => {
  it('unknown header, with the accepted formats in the hint', () => {
    const e = parseError('bad-header.csv', 'when,price\n2020-01-02,1\n');
    expect(e.code).toBe('UNKNOWN_CSV_FORMAT');
    expect(e.kind).toBe('input');
    expect(e.file).toBe(join(dir, 'bad-header.csv'));
    expect(e.line).toBe(1);
    expect(e.hint).toContain('Date,Open,High,Low,Close,Volume');
    expect(e.hint).toContain('alphavantage');
    expect(e.hint).toContain('yahoo');
  });

  it('wrong column count, too few and too many', () => {
    const few = parseError('few.csv', 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1,1\n2020-01-03,1,1,1,1\n');
    expect(few.code).toBe('BAD_COLUMN_COUNT');
    expect(few.line).toBe(3);
    expect(few.message).toContain('found 5');
    const many = parseError('many.csv', 'Date,Open,High,Low,Close,Volume\n\n2020-01-02,1,1,1,1,1,7\n');
    expect(many.code).toBe('BAD_COLUMN_COUNT');
    expect(many.line).toBe(3);
    expect(many.message).toContain('found 7');
  });

  it('errors quote at most a short piece of a huge row, field or header', () => {
    const huge = 'Z'.repeat(3_000_000);
    for (const [name, text, code] of [
      ['huge-row.csv', `Date,Open,High,Low,Close,Volume\n${huge}\n`, 'BAD_DATE'],
      ['huge-field.csv', `Date,Open,High,Low,Close,Volume\n2020-01-02,1${huge},1,1,1,1\n`, 'BAD_NUMBER'],
      ['huge-cols.csv', `Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,1,1,${huge}\n`, 'BAD_COLUMN_COUNT'],
      ['huge-header.csv', `${huge}\n2020-01-02,1\n`, 'UNKNOWN_CSV_FORMAT'],
    ] as const) {
      const e = parseError(name, text);
      expect(e.code).toBe(code);
      expect(e.describe().length).toBeLessThan(1000); // the format hint is ~400 characters
      expect(String(e.value)).toContain('...');
      expect(String(e.value).length).toBeLessThan(200);
    }
  });

  it('a value that is not a number names the column and value', () => {
    const e = parseError('num.csv', 'Date,Open,High,Low,Close,Volume\r\n2020-01-02,1,1,1,1,1\r\n2020-01-03,1,1x,1,1,1\r\n');
    expect(e.code).toBe('BAD_NUMBER');
    expect(e.line).toBe(3);
    expect(e.message).toContain('High');
    expect(e.value).toBe('1x');
    const empty = parseError('empty-field.csv', 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,,1\n');
    expect(empty.message).toContain('Close');
    const yahoo = parseError('null.csv', 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,null,null,null,null,null,null\n');
    expect(yahoo.hint).toContain('null');
  });

  it('a date that is not a date', () => {
    for (const bad of ['2020-02-30', '02/01/2020', '2020-13-01', 'x', '999x-01-01', '2020-0x-01', '2020-01-0x', '2020011x', '2020-01', '1900-02-29']) {
      const e = parseError('date.csv', `Date,Open,High,Low,Close,Volume\n${bad},1,1,1,1,1\n`);
      expect(e.code).toBe('BAD_DATE');
      expect(e.line).toBe(2);
      expect(e.value).toBe(bad);
      expect(e.message).toContain('Date');
    }
  });

  it('an empty file and a header-only file', () => {
    const empty = parseError('empty.csv', '\n\n');
    expect(empty.code).toBe('EMPTY_FILE');
    expect(empty.line).toBe(1);
    const headerOnly = parseError('header.csv', 'Date,Open,High,Low,Close,Volume\r\n\r\n');
    expect(headerOnly.code).toBe('NO_ROWS');
    expect(headerOnly.line).toBe(1);
  });
});

describe('number and date scanning', () => {
  const parseOne = (value: string) =>
    parseBarsCsv(`Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,${value},1\n`, { file: 'p', symbol: 'P' }).close[0];

  it('gives exactly what Number() gives for decimal text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n }), fc.nat({ max: 20 }), fc.boolean(), (mant, decimals, neg) => {
        const digits = mant.toString().padStart(decimals + 1, '0');
        const text = `${neg ? '-' : ''}${decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`}`;
        expect(Object.is(parseOne(text), Number(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any double printed by String()', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseOne(String(x))).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the core ISO date parser', () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1900, 1, 1), max: daysFromCivil(2100, 12, 31) }), (day) => {
        const text = dayToIso(day);
        expect(parseIsoDay(text)).toBe(day);
        const raw = parseBarsCsv(`Date,Open,High,Low,Close,Volume\n${text},1,1,1,1,1\n${text.replace(/-/g, '')},1,1,1,1,1\n`, { file: 'd', symbol: 'D' });
        expect(Array.from(raw.day)).toEqual([day, day]);
      }),
      { numRuns: 1000 },
    );
  });
});
