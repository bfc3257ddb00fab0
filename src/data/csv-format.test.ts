import { describe, expect, it } from 'vitest';
import { detectCsvFormat, normalizeHeaderName, ROLE_ADJ_CLOSE, ROLE_CLOSE, ROLE_DATE, ROLE_IGNORE, ROLE_VOLUME, splitCsvLine } from './csv-format.js';

describe('detectCsvFormat', () => {
  it('recognises Stooq with and without OpenInt, in any case, with BOM and CRLF', () => {
    expect(detectCsvFormat('Date,Open,High,Low,Close,Volume,OpenInt')?.name).toBe('stooq');
    expect(detectCsvFormat('\ufeffdate,open,high,low,close,volume\r')?.name).toBe('stooq');
    expect(detectCsvFormat(' DATE , OPEN,HIGH,LOW,CLOSE,VOLUME ')?.name).toBe('stooq');
  });

  it('recognises Stooq bulk, Yahoo and AlphaVantage with their adjustments', () => {
    const bulk = detectCsvFormat('<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>');
    expect(bulk?.name).toBe('stooq-bulk');
    expect(bulk?.roles[2]).toBe(ROLE_DATE);
    expect(bulk?.roles[8]).toBe(ROLE_VOLUME);
    const yahoo = detectCsvFormat('Date,Open,High,Low,Close,Adj Close,Volume');
    expect(yahoo?.name).toBe('yahoo');
    expect(yahoo?.adjustment).toBe('adj-close');
    expect(yahoo?.roles[5]).toBe(ROLE_ADJ_CLOSE);
    const av = detectCsvFormat('timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient');
    expect(av?.name).toBe('alphavantage');
    expect(av?.adjustment).toBe('adj-close-and-volume');
  });

  it('takes a generic header in any order, ignoring other columns (also adjusted ones)', () => {
    const f = detectCsvFormat('symbol,"Close",volume,low,high,open,date,Adj Close');
    expect(f?.name).toBe('generic');
    expect(f?.adjustment).toBe('none');
    expect(Array.from(f!.roles)).toEqual([ROLE_IGNORE, ROLE_CLOSE, ROLE_VOLUME, 4, 3, 2, ROLE_DATE, ROLE_IGNORE]);
  });

  it('rejects headers without the required columns', () => {
    expect(detectCsvFormat('Date,Open,High,Low,Close')).toBeNull();
    expect(detectCsvFormat('symbol,name,sector')).toBeNull();
    expect(detectCsvFormat('')).toBeNull();
  });
});

describe('splitCsvLine', () => {
  it('splits on commas and honours quotes', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('AAPL,"Apple, Inc.","say ""hi"""')).toEqual(['AAPL', 'Apple, Inc.', 'say "hi"']);
    expect(splitCsvLine('')).toEqual(['']);
    expect(splitCsvLine('x,')).toEqual(['x', '']);
  });

  it('normalises header names', () => {
    expect(normalizeHeaderName('\ufeff "Adj   Close" ')).toBe('adj close');
    expect(normalizeHeaderName('<VOL>')).toBe('vol');
  });
});
