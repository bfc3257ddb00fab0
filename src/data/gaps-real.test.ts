import { describe, expect, it } from 'vitest';
import { dayToIso, parseIsoDay } from '../core/calendar.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { tradesAcrossGaps } from './gap-flags.js';
import { loadMarket } from './load.js';

/**
 * Merger vs split vs crash on the real data set: the check must tell a share exchange (VRX,
 * Biovail/Valeant 2010-09-28) and 2008 crash days (GGP, CBL, CNO) from an unadjusted split.
 */
describe.runIf(sharedDataAvailable())('large gaps on the real data', () => {
  const load = (policy: 'mask' | 'warn') =>
    loadMarket({ dataDir: SHARED_STOOQ_DIR, symbols: ['VRX', 'GGP', 'CBL', 'CNO'], policy, calendarSymbol: 'SPY' });

  it('VRX 2010-09-28 (Biovail/Valeant share exchange) is a LARGE_GAP warning, not clean', async () => {
    const m = await load('mask');
    const gap = m.issues.find((i) => i.symbol === 'VRX' && dayToIso(i.day) === '2010-09-28');
    expect(gap).toMatchObject({ code: 'LARGE_GAP', severity: 'warn' });
    expect(gap!.detail).toContain('63.25');
    // Not masked: the bars are real.
    const vrx = m.series.find((s) => s.symbol === 'VRX')!;
    expect(Array.from(vrx.day)).toContain(parseIsoDay('2010-09-28'));
  });

  it('2008 crash days of GGP, CBL and CNO are LARGE_GAP, not SUSPECT_SPLIT, and mask keeps their history', async () => {
    const m = await load('mask');
    for (const [symbol, date] of [
      ['GGP', '2008-10-02'],
      ['CBL', '2008-10-07'],
      ['CNO', '2008-09-29'],
    ] as const) {
      const mine = m.issues.filter((i) => i.symbol === symbol);
      expect(mine.filter((i) => i.code === 'SUSPECT_SPLIT')).toEqual([]);
      expect(mine.find((i) => dayToIso(i.day) === date)?.code).toBe('LARGE_GAP');
      const s = m.series.find((x) => x.symbol === symbol)!;
      const report = m.perSymbol.find((r) => r.symbol === symbol)!;
      // History before the crash is kept: the series starts in 2005, not after 2008.
      expect(dayToIso(s.day[0]) < '2006-01-01').toBe(true);
      expect(report.masked).toBeLessThan(10);
    }
  });

  it('a VRX trade held over 2010-09-28 is flagged; one entered at that open is not', async () => {
    const m = await load('mask');
    const d = parseIsoDay;
    const flags = tradesAcrossGaps(
      [
        { symbol: 'VRX', entryDay: d('2010-09-20'), exitDay: d('2010-10-05') },
        { symbol: 'VRX', entryDay: d('2010-09-28'), exitDay: d('2010-10-05') },
      ],
      m.issues,
    );
    expect(flags[0].map((f) => f.date)).toEqual(['2010-09-28']);
    expect(flags[1]).toEqual([]);
  });
});
