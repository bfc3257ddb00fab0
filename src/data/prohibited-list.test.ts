import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoDay } from '../core/calendar.js';
import { activeProhibition } from '../risk/prohibited.js';
import { parseProhibitedList, readProhibitedList } from './prohibited-list.js';

const dir = mkdtempSync(join(tmpdir(), 'kobe-prohibited-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the prohibited list file', () => {
  it('reads entries with their expiry and source; comments and blank lines skipped', () => {
    const path = join(dir, 'prohibited.csv');
    writeFileSync(path, '# restricted\r\nsymbol,reason,expires\r\nxyz,"employer\'s stock, no trading",\r\n\r\nABC,earnings blackout,2017-11-14\r\n');
    const entries = readProhibitedList(path);
    expect(entries).toEqual([
      { symbol: 'XYZ', reason: "employer's stock, no trading", expiresDay: null, source: `${path}:3` },
      { symbol: 'ABC', reason: 'earnings blackout', expiresDay: parseIsoDay('2017-11-14'), source: `${path}:5` },
    ]);
    // Through the expiry date inclusive, not after.
    expect(activeProhibition(entries, 'abc', parseIsoDay('2017-11-14'))?.reason).toBe('earnings blackout');
    expect(activeProhibition(entries, 'ABC', parseIsoDay('2017-11-15'))).toBeNull();
    expect(activeProhibition(entries, 'XYZ', parseIsoDay('2030-01-01'))?.symbol).toBe('XYZ');
  });

  it('errors at file:line with the offending value', () => {
    const err = (text: string) => {
      try {
        parseProhibitedList(text, 'p.csv');
      } catch (e) {
        return (e as { describe(): string }).describe();
      }
      return 'no error';
    };
    expect(err('symbol,reason\nXYZ,x\n')).toBe("p.csv:1: the header 'symbol,reason' lacks the column(s) expires [PROHIBITED_LIST_BAD_HEADER]\n  hint: the first line must be `symbol,reason,expires`");
    expect(err('symbol,reason,expiry\nXYZ,x,2017-02-30\n')).toBe("p.csv:2: expiry of XYZ must be a date as YYYY-MM-DD or blank, was '2017-02-30' [PROHIBITED_LIST_BAD_EXPIRY]");
    expect(err('symbol,reason,expires\n\nXYZ,,\n')).toMatch(/^p\.csv:3: XYZ has no reason \[PROHIBITED_LIST_NO_REASON\]/);
    expect(err('symbol,reason,expires\nA B,x,\n')).toMatch(/^p\.csv:2: 'A B' is not a symbol/);
    expect(err('# nothing\n')).toMatch(/^p\.csv:1: the prohibited list is empty/);
    expect(() => readProhibitedList(join(dir, 'missing.csv'))).toThrow(expect.objectContaining({ code: 'PROHIBITED_LIST_NOT_READABLE' }));
  });
});
