import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PaperBroker } from '../../brokers/paper-broker.js';
import { startAlpacaStub, type AlpacaStub } from '../../test-support/alpaca-stub.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../../test-support/shared-data.js';
import { memoryIo } from '../io.js';
import { main } from '../main.js';

// Friday 2017-11-10, 10:00 New York: in regular hours, the last session of the Stooq data.
const NOW = '2017-11-10T15:00:00Z';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-order-cli-'));
  writeFileSync(join(dir, 'quotes.csv'), 'symbol,bid,ask\nF,12.00,12.01\nXYZ,20,20.02\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function kobe(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(dir, { KOBE_TEST_NOW: NOW, ...env });
  const code = await main(args, io);
  const out = io.out();
  return { code, out, err: io.err(), json: () => JSON.parse(out) as Record<string, unknown> };
}

const PAPER = ['--quotes', 'quotes.csv', '--json'];

describe.runIf(sharedDataAvailable())('kobe order (paper broker, real ADV from the Stooq data)', () => {
  const DATA = ['--data-dir', SHARED_STOOQ_DIR];

  it('submits an intent once, lists it, shows positions, reconciles clean; the same intent again sends nothing', async () => {
    const first = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '5', '--strategy', 'ibs-rsi', ...DATA, ...PAPER]);
    expect(first.code, first.err).toBe(0);
    const j = first.json();
    expect(j).toMatchObject({ outcome: 'submitted', order: { state: 'filled', qty: 5, filledQty: 5, avgFillPrice: 12.01, limitPrice: 12.02, tradingDate: '2017-11-10' } });
    expect(j.clientOrderId).toMatch(/^kobe-20171110-F-buy-entry-[0-9a-f]{16}$/);

    const again = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '5', '--strategy', 'ibs-rsi', ...DATA, ...PAPER]);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ outcome: 'existing', clientOrderId: j.clientOrderId });

    const list = await kobe(['order', 'list', ...PAPER]);
    expect((list.json().orders as unknown[]).length).toBe(1);
    const positions = await kobe(['positions', ...PAPER]);
    expect(positions.json()).toMatchObject({ broker: [{ symbol: 'F', qty: 5 }], oms: [{ symbol: 'F', qty: 5 }] });
    const rec = await kobe(['reconcile', ...PAPER]);
    expect(rec.code).toBe(0);
    expect(rec.json()).toMatchObject({ ok: true, differences: [] });
    const journal = readFileSync(join(dir, 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { decision: string }).decision);
    expect(journal).toEqual(['submitted', 'reconcile']);
  });

  it('a gate denial exits 3 with every reason; the kill switch blocks until switched off; risk status and reset', async () => {
    const big = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '7', '--intent', 'entry', ...DATA, ...PAPER]);
    expect(big.code).toBe(3);
    expect((big.json().denials as { code: string }[]).map((d) => d.code)).toEqual(['ORDER_NOTIONAL_LIMIT']);

    const clamped = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '7', '--intent', 'clamped', '--clamp', ...DATA, ...PAPER]);
    expect(clamped.code, clamped.err).toBe(0);
    expect(clamped.json()).toMatchObject({ order: { qty: 6 }, sizing: { requestedShares: 7, shares: 6, clampedBy: ['ORDER_NOTIONAL_LIMIT'] } });

    expect((await kobe(['kill-switch', 'on', '--reason', 'broker outage', '--json'])).code).toBe(0);
    const blocked = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '2', '--intent', 'add', ...DATA, ...PAPER]);
    expect(blocked.code).toBe(3);
    expect((blocked.json().denials as { code: string }[]).map((d) => d.code)).toEqual(['KILL_SWITCH_ENGAGED']);
    const status = await kobe(['risk', 'status', '--json']);
    expect(status.json()).toMatchObject({ breaker: { state: 'ACTIVE' }, killSwitch: { engaged: true, detail: { reason: 'broker outage' } } });
    expect((await kobe(['kill-switch', 'off', '--reason', 'back up', '--json'])).json()).toMatchObject({ engaged: false });
    const ok = await kobe(['order', 'submit', '--symbol', 'F', '--side', 'buy', '--shares', '2', '--intent', 'add2', ...DATA, ...PAPER]);
    expect(ok.code, ok.err).toBe(0);

    expect((await kobe(['risk', 'reset', '--reason', '  ', '--json'])).code).toBe(2);
    const reset = await kobe(['risk', 'reset', '--reason', 'reviewed', '--json']);
    expect(reset.json()).toMatchObject({ breaker: { state: 'ACTIVE', reason: 'reviewed' } });
    const audit = readFileSync(join(dir, 'audit', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { data: { decision: string } }).data.decision);
    expect(audit).toEqual(['denied', 'submitted', 'kill-switch-on', 'denied', 'kill-switch-off', 'submitted', 'breaker-reset']);
  });
});

describe('kobe order (paper broker, no market data)', () => {
  it('without --data-dir the ADV is unknown and an entry is denied (exit 3), recorded in the OMS', async () => {
    const r = await kobe(['order', 'submit', '--symbol', 'XYZ', '--side', 'buy', '--shares', '3', ...PAPER]);
    expect(r.code).toBe(3);
    expect((r.json().denials as { code: string }[]).map((d) => d.code)).toEqual(['ADV_UNKNOWN', 'ADV_UNKNOWN']);
    const list = await kobe(['order', 'list', ...PAPER]);
    expect(list.json()).toMatchObject({ orders: [{ symbol: 'XYZ', state: 'rejected', brokerOrderId: null }] });
  });

  it('reconcile exits 1 and names the difference when the broker holds what the OMS does not', async () => {
    const paper = new PaperBroker({ path: join(dir, 'kobe.db'), now: () => Date.parse(NOW), costs: { commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0 }, fillOn: 'quote', quotes: () => ({ symbol: 'XYZ', bidUsd: 20, askUsd: 20.02, bidSize: 1, askSize: 1, timestampMs: 0 }) });
    await paper.submit({ clientOrderId: 'by-hand-1', symbol: 'XYZ', side: 'buy', qty: 1, limitPriceUsd: 20.05 });
    paper.close();
    const r = await kobe(['reconcile', ...PAPER]);
    expect(r.code).toBe(1);
    expect((r.json().differences as { kind: string }[]).map((d) => d.kind)).toEqual(['POSITION_DIFFERS']);
  });

  it('usage errors exit 2: a bad side, a bad broker, live mode without KOBE_ALLOW_LIVE', async () => {
    expect((await kobe(['order', 'submit', '--symbol', 'XYZ', '--side', 'short', '--shares', '3', ...PAPER])).code).toBe(2);
    expect((await kobe(['order', 'list', '--broker', 'ib', '--json'])).code).toBe(2);
    const live = await kobe(['order', 'list', '--broker', 'alpaca', '--mode', 'live', '--json'], { KOBE_TEST_NOW: '' });
    expect(live.code).toBe(2);
    // The clock test hook is refused in live mode even when live trading is allowed.
    const hooked = await kobe(['order', 'list', '--broker', 'alpaca', '--mode', 'live', '--json'], { KOBE_ALLOW_LIVE: '1' });
    expect(hooked.json()).toMatchObject({ error: { code: 'BAD_TEST_NOW' } });
    expect(live.json()).toMatchObject({ error: { code: 'LIVE_TRADING_NOT_ALLOWED', flag: '--mode' } });
  });
});

describe('kobe order --broker alpaca (against the local stub)', () => {
  let stub: AlpacaStub;
  beforeAll(async () => {
    stub = await startAlpacaStub({ quotes: { XYZ: { bid: 20, ask: 20.02 } } });
  });
  afterAll(async () => stub.close());
  const env = () => ({ APCA_API_KEY_ID: stub.keyId, APCA_API_SECRET_KEY: stub.secretKey, KOBE_ALPACA_BASE_URL: stub.baseUrl, KOBE_ALPACA_DATA_URL: stub.baseUrl });

  it('submits through the adapter once; a rerun finds the order in the OMS; no key reaches the output', async () => {
    const before = stub.submitRequests();
    const args = ['order', 'submit', '--symbol', 'XYZ', '--side', 'buy', '--shares', '3', '--broker', 'alpaca', '--json'];
    // No ADV without --data-dir: allow it by a data folder holding a synthetic XYZ file.
    const bars = ['Date,Open,High,Low,Close,Volume,OpenInt', ...Array.from({ length: 25 }, (_, k) => `2017-10-${String(k + 2).padStart(2, '0')},20,20.5,19.5,20,1000000,0`)];
    writeFileSync(join(dir, 'xyz.us.txt'), `${bars.join('\n')}\n`);
    const r = await kobe([...args, '--data-dir', '.'], env());
    expect(r.code, r.err).toBe(0);
    // Alpaca answers `accepted` before the IOC order fills; kobe reads it once more and records the fill.
    expect(r.json()).toMatchObject({ outcome: 'submitted', order: { state: 'filled', filledQty: 3, brokerOrderId: expect.any(String), limitPrice: 20.04 } });
    expect(stub.submitRequests()).toBe(before + 1);
    const again = await kobe([...args, '--data-dir', '.'], env());
    expect(again.json()).toMatchObject({ outcome: 'existing' });
    expect(stub.submitRequests()).toBe(before + 1);
    expect(r.out + r.err + again.out + again.err).not.toContain(stub.secretKey);
  });

  it('cancels a working order at the broker; a filled one is not cancelable (exit 1)', async () => {
    const bars = ['Date,Open,High,Low,Close,Volume,OpenInt', ...Array.from({ length: 25 }, (_, k) => `2017-10-${String(k + 2).padStart(2, '0')},20,20.5,19.5,20,1000000,0`)];
    writeFileSync(join(dir, 'xyz.us.txt'), `${bars.join('\n')}\n`);
    stub.script('submit', { kind: 'working' });
    const args = ['order', 'submit', '--symbol', 'XYZ', '--side', 'buy', '--shares', '3', '--broker', 'alpaca', '--data-dir', '.', '--json'];
    const working = await kobe([...args, '--intent', 'rest'], env());
    expect(working.json()).toMatchObject({ order: { state: 'submitted', filledQty: 0 } });
    const id = working.json().clientOrderId as string;
    const cancelled = await kobe(['order', 'cancel', id, '--broker', 'alpaca', '--json'], env());
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(cancelled.json()).toMatchObject({ order: { state: 'cancelled' }, refusal: null });

    const filled = await kobe([...args, '--intent', 'fill'], env());
    const fid = filled.json().clientOrderId as string;
    const late = await kobe(['order', 'cancel', fid, '--broker', 'alpaca', '--json'], env());
    expect(late.code).toBe(1);
    expect(late.json()).toMatchObject({ order: { state: 'filled' }, refusal: { code: 'NOT_CANCELABLE' } });
    expect((await kobe(['order', 'cancel', 'kobe-nope', '--broker', 'alpaca', '--json'], env())).code).toBe(2);
  });
});
