import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataIssue, IssueCode } from './data-issue.js';
import { tradesAcrossGaps } from './gap-flags.js';

const issue = (symbol: string, day: number, code: IssueCode = 'LARGE_GAP'): DataIssue => ({
  symbol,
  code,
  severity: code === 'SUSPECT_SPLIT' ? 'error' : 'warn',
  barIndex: 0,
  day,
  line: 2,
  detail: `${code} on ${day}`,
  count: 1,
});

describe('tradesAcrossGaps', () => {
  const gaps = [issue('VRX', 100), issue('VRX', 200), issue('GGP', 150), issue('VRX', 120, 'MISSING_SESSION'), issue('GGP', 160, 'SUSPECT_SPLIT')];

  it('flags a trade with entryDay < gap day <= exitDay, and only on its own symbol', () => {
    const flags = tradesAcrossGaps(
      [
        { symbol: 'VRX', entryDay: 99, exitDay: 100 }, // exit on the gap day: took the gap
        { symbol: 'VRX', entryDay: 100, exitDay: 110 }, // entered at the gap bar's open: after the gap
        { symbol: 'VRX', entryDay: 90, exitDay: 99 }, // closed before
        { symbol: 'vrx', entryDay: 50, exitDay: 250 }, // across both
        { symbol: 'GGP', entryDay: 140, exitDay: 170 }, // a gap and a split left in the data
        { symbol: 'AAPL', entryDay: 0, exitDay: 1000 },
      ],
      gaps,
    );
    expect(flags.map((f) => f.map((g) => [g.code, g.day]))).toEqual([
      [['LARGE_GAP', 100]],
      [],
      [],
      [
        ['LARGE_GAP', 100],
        ['LARGE_GAP', 200],
      ],
      [
        ['LARGE_GAP', 150],
        ['SUSPECT_SPLIT', 160],
      ],
      [],
    ]);
    expect(flags[0][0].date).toBe('1970-04-11');
  });

  it('agrees with the definition on random trades (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 })), { maxLength: 20 }),
        (gapDays, spans) => {
          const trades = spans.map(([e, len]) => ({ symbol: 'X', entryDay: e, exitDay: e + len }));
          const flags = tradesAcrossGaps(trades, gapDays.map((d) => issue('X', d)));
          trades.forEach((t, k) => {
            const want = gapDays.filter((d) => t.entryDay < d && d <= t.exitDay).sort((a, b) => a - b);
            expect(flags[k].map((g) => g.day)).toEqual(want);
          });
        },
      ),
    );
  });
});
