import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAlpacaStub, type AlpacaStub } from '../test-support/alpaca-stub.js';
import { requireFreshDist } from '../test-support/build-dist.js';

/**
 * The promise of issue 10, with real processes: the same intent submitted by two processes at
 * once, or again after a kill -9 between the broker's answer and the OMS write, is exactly one
 * order at the broker. Runs the compiled CLI (dist/cli/bin.js).
 */
const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
// Friday 2017-11-10, 10:00 New York: in regular hours.
const NOW = '2017-11-10T15:00:00Z';
const SUBMIT = ['order', 'submit', '--symbol', 'XYZ', '--side', 'buy', '--shares', '3', '--strategy', 'ibs-rsi', '--data-dir', '.', '--quotes', 'quotes.csv', '--json'];

let dir: string;
let stub: AlpacaStub;

// A fresh stub per test: its positions and orders are the broker's whole state for that test.
beforeEach(async () => {
  stub = await startAlpacaStub({ quotes: { XYZ: { bid: 20, ask: 20.02 } } });
  dir = mkdtempSync(join(tmpdir(), 'kobe-idem-'));
  writeFileSync(join(dir, 'quotes.csv'), 'symbol,bid,ask\nXYZ,20,20.02\n');
  // 25 sessions of XYZ before the order's day: an ADV of $20M, enough for the liquidity gate.
  const bars = ['Date,Open,High,Low,Close,Volume,OpenInt', ...Array.from({ length: 25 }, (_, k) => `2017-10-${String(k + 2).padStart(2, '0')},20,20.5,19.5,20,1000000,0`)];
  writeFileSync(join(dir, 'xyz.us.txt'), `${bars.join('\n')}\n`);
});
afterEach(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

function kobe(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', KOBE_TEST_NOW: NOW, APCA_API_KEY_ID: stub.keyId, APCA_API_SECRET_KEY: stub.secretKey, KOBE_ALPACA_BASE_URL: stub.baseUrl, KOBE_ALPACA_DATA_URL: stub.baseUrl, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => done({ code, signal, out, err }));
  });
}

function omsRows(): { client_order_id: string; state: string; broker_order_id: string | null }[] {
  const db = new Database(join(dir, 'kobe.db'), { readonly: true });
  try {
    return db.prepare('SELECT client_order_id, state, broker_order_id FROM orders').all() as { client_order_id: string; state: string; broker_order_id: string | null }[];
  } finally {
    db.close();
  }
}

function paperOrders(): number {
  const db = new Database(join(dir, 'kobe.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM paper_orders').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const stubOrdersFor = (id: string): number => [...stub.orders.values()].filter((o) => o.client_order_id === id).length;

describe('one intent, one order, across processes', () => {
  it('two processes submitting the same intent at once to Alpaca (stub): exactly one order at the broker', async () => {
    requireFreshDist();
    const before = stub.orders.size;
    const [a, b] = await Promise.all([kobe([...SUBMIT, '--broker', 'alpaca']), kobe([...SUBMIT, '--broker', 'alpaca'])]);
    for (const r of [a, b]) expect(r.code, r.err).toBe(0);
    const id = (JSON.parse(a.out) as { clientOrderId: string }).clientOrderId;
    expect((JSON.parse(b.out) as { clientOrderId: string }).clientOrderId).toBe(id);
    expect(stub.orders.size).toBe(before + 1);
    expect(stubOrdersFor(id)).toBe(1);
    const rows = omsRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].broker_order_id).toBe(stub.orders.get(id)!.id);
    expect((await kobe(['reconcile', '--broker', 'alpaca', '--json'])).code).toBe(0);
  });

  it('two processes submitting the same intent at once to the paper broker: exactly one paper order', async () => {
    requireFreshDist();
    const [a, b] = await Promise.all([kobe(SUBMIT), kobe(SUBMIT)]);
    for (const r of [a, b]) expect(r.code, r.err).toBe(0);
    expect(paperOrders()).toBe(1);
    expect(omsRows()).toMatchObject([{ state: 'filled', broker_order_id: 'paper-1' }]);
    expect((await kobe(['reconcile', '--quotes', 'quotes.csv', '--json'])).code).toBe(0);
  });

  it('kill -9 between the broker answer and the OMS write, then a rerun: still one order at Alpaca (stub), the OMS row healed', async () => {
    requireFreshDist();
    const submitsBefore = stub.submitRequests();
    const crashed = await kobe([...SUBMIT, '--broker', 'alpaca', '--intent', 'crash'], { KOBE_TEST_CRASH_AFTER_SUBMIT: '1' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(stub.submitRequests()).toBe(submitsBefore + 1);
    const [row] = omsRows();
    // The crash left the order recorded as new, with no broker id: the broker's answer was lost.
    expect(row).toMatchObject({ state: 'new', broker_order_id: null });
    expect(stubOrdersFor(row.client_order_id)).toBe(1);

    const rerun = await kobe([...SUBMIT, '--broker', 'alpaca', '--intent', 'crash']);
    expect(rerun.code, rerun.err).toBe(0);
    expect(JSON.parse(rerun.out)).toMatchObject({ outcome: 'healed', clientOrderId: row.client_order_id });
    expect(stub.submitRequests()).toBe(submitsBefore + 1);
    expect(stubOrdersFor(row.client_order_id)).toBe(1);
    const [healed] = omsRows();
    expect(healed.broker_order_id).toBe(stub.orders.get(row.client_order_id)!.id);
    expect(healed.state).not.toBe('new');
    expect((await kobe(['reconcile', '--broker', 'alpaca', '--json'])).code).toBe(0);
  });

  it('kill -9 between the paper broker answer and the OMS write, then a rerun: one paper order, the row healed', async () => {
    requireFreshDist();
    const crashed = await kobe(SUBMIT, { KOBE_TEST_CRASH_AFTER_SUBMIT: '1' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(paperOrders()).toBe(1);
    expect(omsRows()).toMatchObject([{ state: 'new', broker_order_id: null }]);
    const rerun = await kobe(SUBMIT);
    expect(rerun.code, rerun.err).toBe(0);
    expect(JSON.parse(rerun.out)).toMatchObject({ outcome: 'healed' });
    expect(paperOrders()).toBe(1);
    expect(omsRows()).toMatchObject([{ state: 'filled', broker_order_id: 'paper-1' }]);
  });
});
