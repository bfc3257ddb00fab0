import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../../test-support/shared-data.js';
import { plainContext } from '../context.js';
import { decodeMarketSpec } from '../market-spec.js';
import type { DailySpec } from './daily-spec.js';
import { compareReplayWithBacktest, replaySessions } from './replay-check.js';
import { testDailySpec } from '../../test-support/daily-spec.js';

/**
 * The promise of issue 11: a week of paper trading replayed on the real data with `kobe daily
 * --date D`, five consecutive sessions, gives the orders, fills, positions and P&L of a backtest
 * of the same picks under the same fill model, to the cent.
 */
const dir = mkdtempSync(join(tmpdir(), 'kobe-replay-week-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (): Omit<DailySpec, 'date'> => testDailySpec(decodeMarketSpec({ dataDir: SHARED_STOOQ_DIR, types: 'stock', cap: 300, cache: join(dir, 'cache') }), { providers: ['stooq'] });

describe.runIf(sharedDataAvailable())('a replayed week of paper trading against the backtest of its picks', () => {
  it('agrees to the cent: round trips, open positions and cash', async () => {
    const ctx = plainContext(dir);
    const days = await replaySessions(spec(), '2017-10-02', '2017-10-06', ctx);
    expect(days).toHaveLength(5);
    const c = await compareReplayWithBacktest(spec(), days[0], days[days.length - 1], ctx);
    expect(c.differences).toEqual([]);
    // The week did trade: otherwise the agreement would say nothing.
    expect(c.picks).toBeGreaterThan(2);
    expect(c.paper.openPositions + c.paper.closedTrades).toBeGreaterThan(2);
    expect(c.paper.liquidationValueUsd).toBeCloseTo(c.backtest.finalEquityUsd, 2);
  }, 300_000);
});
