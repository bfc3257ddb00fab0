import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProviderStub, stubBars, type ProviderStub } from '../../test-support/provider-stub.js';
import { plainContext } from '../context.js';
import { decodeMarketSpec } from '../market-spec.js';
import type { DailySpec } from './daily-spec.js';
import { runDaily } from './run-daily.js';
import { testDailySpec } from '../../test-support/daily-spec.js';

/**
 * A live day (no --date) as cron runs it, against a local stub of the providers: at 09:35 the
 * morning steps fetch the previous session's bars (Stooq, falling back to Yahoo's chart endpoint
 * for a symbol Stooq refuses), scan and submit, and the end-of-day steps wait for the close; at
 * 16:30 a second run skips what is done, fetches the day's bar and finishes.
 */
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
let stub: ProviderStub | null = null;
let dir = '';
afterEach(async () => {
  await stub?.close();
  stub = null;
  rmSync(dir, { recursive: true, force: true });
});

const spec = (dataDir: string): DailySpec => testDailySpec(decodeMarketSpec({ dataDir, universe: join(dataDir, 'universe.csv') }));

describe('a live trading day from cron, against provider stubs', () => {
  it('morning: fetch with fallback, scan, submit, wait for the close; after the close: the rest', async () => {
    stub = await startProviderStub({ known: [...SYMBOLS, 'SPY'], stooqHitsLimit: ['CCC'] });
    dir = mkdtempSync(join(tmpdir(), 'kobe-live-'));
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'universe.csv'), `symbol\n${SYMBOLS.join('\n')}\nSPY\n`);
    for (const s of [...SYMBOLS, 'SPY']) {
      const rows = stubBars(s, '2022-01-03', '2023-03-01').map((b) => `${b.date},${b.o},${b.h},${b.l},${b.c},${b.v}`);
      writeFileSync(join(data, `${s}.csv`), `Date,Open,High,Low,Close,Volume\n${rows.join('\n')}\n`);
    }
    const env = { STOOQ_BASE_URL: stub.baseUrl, YAHOO_BASE_URL: stub.baseUrl };
    const at = (iso: string) => plainContext(dir, env, { now: () => new Date(iso) });

    // Monday 2023-03-06, 09:35 New York (EST).
    const morning = await runDaily(spec(data), at('2023-03-06T14:35:00Z'));
    expect(morning.kind).toBe('ran');
    if (morning.kind !== 'ran') return;
    const step = (o: typeof morning, name: string) => o.steps.find((s) => s.step === name)!;
    expect(step(morning, 'refresh').status).toBe('done');
    expect(step(morning, 'refresh').summary.byProvider).toEqual({ stooq: 4, yahoo: 1 });
    expect(readFileSync(join(data, 'CCC.csv'), 'utf8').trim().split('\n').at(-1)).toMatch(/^2023-03-03,/);
    expect(step(morning, 'scan').status).toBe('done');
    expect(morning.signalDate).toBe('2023-03-03');
    expect(step(morning, 'submit').status).toBe('done');
    expect(step(morning, 'close-refresh').status).toBe('waiting');
    expect(step(morning, 'fill').status).toBe('not-run');
    expect(morning.failed).toBe(false);

    // 16:30 New York: the morning's steps are skipped, the day's bar is fetched, the day completes.
    const requestsBefore = stub.requests.length;
    const evening = await runDaily(spec(data), at('2023-03-06T21:30:00Z'));
    if (evening.kind !== 'ran') throw new Error('expected a run');
    for (const s of ['refresh', 'verify', 'scan', 'exits', 'submit']) expect(step(evening, s).status).toBe('skipped');
    for (const s of ['close-refresh', 'fill', 'reconcile', 'report']) expect(step(evening, s).status, s).toBe('done');
    expect(stub.requests.length).toBeGreaterThan(requestsBefore);
    expect(readFileSync(join(data, 'AAA.csv'), 'utf8').trim().split('\n').at(-1)).toMatch(/^2023-03-06,/);
    // A third run the same evening does nothing at all.
    const again = await runDaily(spec(data), at('2023-03-06T22:00:00Z'));
    if (again.kind !== 'ran') throw new Error('expected a run');
    expect(again.steps.every((s) => s.status === 'skipped')).toBe(true);
  }, 60_000);
});
