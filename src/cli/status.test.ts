import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAILY_STEPS } from '../app/daily/daily-spec.js';
import type { StatusReport } from '../app/daily/status.js';
import { RiskStateStore } from '../app/orders/risk-state.js';
import { AlpacaBroker } from '../brokers/alpaca/alpaca-broker.js';
import { parseIsoDay } from '../core/calendar.js';
import { sessionOpenUtcMs } from '../core/exchange-calendar.js';
import { PipelineStore } from '../store/pipeline-store.js';
import { tableNames } from '../store/open-database.js';
import { startAlpacaStub, type AlpacaStub } from '../test-support/alpaca-stub.js';
import { reportDataOf, sectionOf } from '../test-support/report-html.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/**
 * `kobe status` end to end, in-process: two replayed days of `kobe daily` on the demo market
 * (no shared data needed), then the status of the second day checked against the database the
 * pipeline wrote. Plus what status must never do: create a database, open an empty store, call
 * Alpaca unless asked, print a key.
 */
const DAYS = ['2023-03-06', '2023-03-07'];

async function kobe(cwd: string, args: readonly string[], env: Record<string, string> = {}) {
  const io = memoryIo(cwd, env);
  const code = await main([...args], io);
  return { code, out: io.out(), err: io.err() };
}

async function statusJson(cwd: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<StatusReport> {
  const r = await kobe(cwd, ['status', ...args, '--json'], env);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatusReport;
}

const scratch: string[] = [];
const newDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kobe-status-'));
  scratch.push(d);
  return d;
};
afterEach(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kobe status after two replayed days of kobe daily', () => {
  let dir: string;
  const query = <T>(sql: string, ...args: unknown[]): T[] => {
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kobe-status-daily-'));
    for (const date of DAYS) {
      const r = await kobe(dir, ['daily', '--date', date, '--submit', 'top3', '--cap', '40', '--json']);
      expect(r.code, r.err).toBe(0);
      expect((JSON.parse(r.out) as { failed: boolean }).failed).toBe(false);
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: positions, plans, the day\'s orders and fills, steps, lock and report agree with what the pipeline wrote', async () => {
    const r = await statusJson(dir, ['--date', '2023-03-07']);
    expect(r.tradingDate).toBe('2023-03-07');
    expect(r.closed).toBeNull();
    expect(r.database).toEqual({ path: join(dir, 'kobe.db'), exists: true });

    const paper = query<{ symbol: string; qty: number; avg_entry_price_usd: number }>('SELECT symbol, qty, avg_entry_price_usd FROM paper_positions ORDER BY symbol');
    expect(paper.length).toBeGreaterThanOrEqual(2);
    expect(r.broker).toMatchObject({ name: 'paper', fetched: true, note: null });
    expect(r.broker.positions.map((p) => ({ symbol: p.symbol, qty: p.qty, avg_entry_price_usd: p.avgEntryPriceUsd }))).toEqual(paper);
    expect(r.broker.cashUsd).toBe(query<{ cash_usd: number }>('SELECT cash_usd FROM paper_account')[0].cash_usd);
    expect(r.omsPositions).toEqual(paper.map((p) => ({ symbol: p.symbol, qty: p.qty })));

    const plans = query<Record<string, string | number | null>>(
      "SELECT symbol, strategy, side, shares, status, trading_date, entry_date, entry_price, stop_dist, target_dist, time_exit_bars, entry_client_order_id, protect_client_order_id FROM daily_plans WHERE status IN ('open', 'pending') ORDER BY trading_date, symbol",
    );
    expect(plans.length).toBeGreaterThanOrEqual(2);
    expect(
      r.plans.map((p) => ({
        symbol: p.symbol,
        strategy: p.strategy,
        side: p.side,
        shares: p.shares,
        status: p.status,
        trading_date: p.tradingDate,
        entry_date: p.entryDate,
        entry_price: p.entryPrice,
        stop_dist: p.stopDist,
        target_dist: p.targetDist,
        time_exit_bars: p.timeExitBars,
        entry_client_order_id: p.entryClientOrderId,
        protect_client_order_id: p.protectClientOrderId,
      })),
    ).toEqual(plans);
    for (const p of r.plans) {
      // Long plans: the stop sits the distance below the entry, the protection rests at the broker.
      expect(p.stopPriceUsd).toBeCloseTo((p.entryPrice as number) - (p.stopDist as number), 9);
      expect(p.protectionState).toBe(query<{ state: string }>('SELECT state FROM orders WHERE client_order_id = ?', p.protectClientOrderId)[0].state);
    }

    const orders = query<{ client_order_id: string; state: string; filled_qty: number }>("SELECT client_order_id, state, filled_qty FROM orders WHERE trading_date = '2023-03-07' ORDER BY client_order_id");
    expect(orders.length).toBeGreaterThan(0);
    expect(r.orders.map((o) => ({ client_order_id: o.clientOrderId, state: o.state, filled_qty: o.filledQty })).sort((a, b) => a.client_order_id.localeCompare(b.client_order_id))).toEqual(orders);
    for (const o of r.orders) {
      expect(o.fills).toEqual(query('SELECT qty, price, executed_at AS executedAt FROM fills WHERE client_order_id = ? ORDER BY rowid', o.clientOrderId));
    }
    expect(r.orders.some((o) => o.fills.length > 0)).toBe(true);

    expect(r.steps.map((s) => s.step)).toEqual([...DAILY_STEPS]);
    for (const s of r.steps) {
      expect(s.today).toMatchObject({ tradingDate: '2023-03-07', status: 'done', attempts: 1, error: null, interrupted: false });
      expect(s.last).toMatchObject({ tradingDate: '2023-03-07', status: 'done' });
    }
    expect(r.risk).toMatchObject({ breaker: { state: 'ACTIVE' }, errorsToday: 0, killSwitch: { engaged: false } });
    expect(r.lock).toEqual({ file: join(dir, 'state', 'daily.lock'), held: false, holder: null, alive: null, stale: false });
    const daily = (f: string) => join(dir, 'reports', 'daily', f);
    expect(r.reports.newest).toEqual({ date: '2023-03-07', markdown: daily('2023-03-07.md'), json: daily('2023-03-07.json'), html: daily('2023-03-07.html'), morning: daily('2023-03-07.morning.html') });
    // The pages hold what the JSON report holds: its orders on the end-of-day page, the day's Top-3 on the morning page.
    const json = JSON.parse(readFileSync(daily('2023-03-07.json'), 'utf8')) as { orders: { clientOrderId: string }[] };
    expect(json.orders.length).toBeGreaterThan(0);
    expect(sectionOf(reportDataOf(daily('2023-03-07.html')), 'table', "Today's orders and fills").rows.map((o) => o.id)).toEqual(json.orders.map((o) => o.clientOrderId));
    const picks = (JSON.parse(query<{ summary_json: string }>("SELECT summary_json FROM pipeline_steps WHERE trading_date = '2023-03-07' AND step = 'scan'")[0].summary_json) as { picks: { symbol: string }[] }).picks;
    expect(sectionOf(reportDataOf(daily('2023-03-07.morning.html')), 'table', 'Top-3').rows.map((p) => p.symbol)).toEqual(picks.map((p) => p.symbol));
    expect(r.reports.tradingDay?.date).toBe('2023-03-07');
  });

  it('--date picks the day of the orders and markers; positions stay as they are now', async () => {
    const r = await statusJson(dir, ['--date', '2023-03-06']);
    const ids = query<{ client_order_id: string }>("SELECT client_order_id FROM orders WHERE trading_date = '2023-03-06' ORDER BY client_order_id").map((o) => o.client_order_id);
    expect(r.orders.map((o) => o.clientOrderId).sort()).toEqual(ids);
    expect(r.steps.every((s) => s.today?.tradingDate === '2023-03-06' && s.last?.tradingDate === '2023-03-07')).toBe(true);
    expect(r.plans.length).toBe((await statusJson(dir, ['--date', '2023-03-07'])).plans.length);
    expect(r.reports.tradingDay?.date).toBe('2023-03-06');

    const weekend = await statusJson(dir, ['--date', '2023-03-11']);
    expect(weekend.closed).toMatch(/weekend|Saturday/i);
    expect(weekend.orders).toEqual([]);
    expect(weekend.steps.every((s) => s.today === null)).toBe(true);
  });

  it('text: the tables a person reads', async () => {
    const r = await kobe(dir, ['status', '--date', '2023-03-07']);
    expect(r.code, r.err).toBe(0);
    const plans = query<{ symbol: string; protect_client_order_id: string }>("SELECT symbol, protect_client_order_id FROM daily_plans WHERE status = 'open'");
    for (const p of plans) {
      expect(r.out).toContain(p.symbol);
      expect(r.out).toContain(p.protect_client_order_id);
    }
    expect(r.out).toMatch(/positions \(broker paper, cash \$/);
    expect(r.out).toMatch(/circuit breaker: ACTIVE/);
    expect(r.out).toMatch(/kill switch: off/);
    expect(r.out).toMatch(/│ report\s+│ done, 2023-03-07T/);
    expect(r.out).toMatch(/lock .*daily\.lock: free/);
    expect(r.out).toContain(join(dir, 'reports', 'daily', '2023-03-07.md'));
  });

  it('the kill switch shows engaged, with its reason, and disengaged again', async () => {
    expect((await kobe(dir, ['kill-switch', 'on', '--reason', 'status test halt'])).code).toBe(0);
    try {
      const on = await statusJson(dir, ['--date', '2023-03-07']);
      expect(on.risk.killSwitch).toMatchObject({ engaged: true, detail: { reason: 'status test halt' } });
      expect((await kobe(dir, ['status', '--date', '2023-03-07'])).out).toMatch(/kill switch: ENGAGED \(status test halt, since /);
    } finally {
      expect((await kobe(dir, ['kill-switch', 'off', '--reason', 'status test done'])).code).toBe(0);
    }
    const off = await statusJson(dir, ['--date', '2023-03-07']);
    expect(off.risk.killSwitch).toEqual({ engaged: false, detail: null });
    expect((await kobe(dir, ['status', '--date', '2023-03-07'])).out).toMatch(/kill switch: off/);
  });

  it('--md writes STATUS.md (or the file named) with every section, atomically; --json still parses beside it', async () => {
    const r = await kobe(dir, ['status', '--date', '2023-03-07', '--md', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as StatusReport;
    expect(r.err).toContain(`wrote ${join(dir, 'STATUS.md')}`);
    const md = readFileSync(join(dir, 'STATUS.md'), 'utf8');
    for (const heading of ['# kobe status: 2023-03-07', '## Positions', '## Plans', '## Orders on 2023-03-07', '## Risk', '## Steps', '## Lock', '## Alerts', '## Reports']) {
      expect(md).toContain(`${heading}\n`);
    }
    for (const p of report.plans) expect(md).toMatch(new RegExp(`\\| ${p.symbol} \\| ${p.strategy} \\| open \\| ${p.shares} \\| ${p.entryDate} \\|`));
    for (const o of report.orders) expect(md).toContain(`| ${o.clientOrderId} | ${o.symbol} |`);
    expect(md).toMatch(/\| submit \| done, 2023-03-07T\S+ \| done, 2023-03-07T\S+ \| 2023-03-07 \|/);
    expect(md).toContain('- kill switch: off');

    expect((await kobe(dir, ['status', '--md', 'out/custom.md'])).code).toBe(0);
    expect(readFileSync(join(dir, 'out', 'custom.md'), 'utf8')).toMatch(/^# kobe status: /);
    expect(readdirSync(join(dir, 'out'))).toEqual(['custom.md']);
    rmSync(join(dir, 'STATUS.md'));
    rmSync(join(dir, 'out'), { recursive: true });
  });

  it('breaker and errors: HALTED with its reason; errors counted in the trading day asked for', async () => {
    const risk = new RiskStateStore(join(dir, 'kobe.db'));
    const inDay = sessionOpenUtcMs(parseIsoDay('2023-03-07')) + 3_600_000;
    try {
      risk.recordError(inDay, null, 'BROKER_UNAVAILABLE', 'test');
      risk.saveBreaker({ state: 'HALTED', trippedAt: inDay, reason: 'daily loss limit' }, null, new Date(inDay).toISOString());
      const r = await statusJson(dir, ['--date', '2023-03-07']);
      expect(r.risk.breaker).toMatchObject({ state: 'HALTED', reason: 'daily loss limit' });
      expect(r.risk.errorsToday).toBe(1);
      expect((await statusJson(dir, ['--date', '2023-03-06'])).risk.errorsToday).toBe(0);
      expect((await kobe(dir, ['status', '--date', '2023-03-07'])).out).toMatch(/circuit breaker: HALTED \(daily loss limit\); order errors in the trading day: 1/);
    } finally {
      risk.resetBreaker('status test', inDay + 1, new Date(inDay + 1).toISOString());
      risk.close();
    }
  });

  it('alerts: the kill switch alert of a later run (alerts off: skipped) and one that never got an outcome (pending)', async () => {
    expect((await kobe(dir, ['kill-switch', 'on', '--reason', 'alert test'])).code).toBe(0);
    const run = await kobe(dir, ['daily', '--date', '2023-03-08', '--step', 'refresh', '--cap', '40']);
    expect(run.code, run.err).toBe(0);
    expect((await kobe(dir, ['kill-switch', 'off', '--reason', 'alert test done'])).code).toBe(0);
    // A process that died between logging an alert and sending it leaves the alert without an outcome.
    const crashed = { type: 'alert', id: 'deadbeefdeadbeef', recordedAt: '2023-03-08T14:36:00.000Z', alert: { kind: 'pipeline-failure', title: 'kobe daily 2023-03-08: step scan failed', lines: [], at: '2023-03-08T14:36:00.000Z', date: '2023-03-08' } };
    appendFileSync(join(dir, 'state', 'alerts.jsonl'), `${JSON.stringify(crashed)}\n`);

    const r = await statusJson(dir, ['--date', '2023-03-08']);
    expect(r.alerts).toMatchObject({ file: join(dir, 'state', 'alerts.jsonl'), total: 2, pending: 1 });
    expect(r.alerts.recent).toEqual([
      { id: 'deadbeefdeadbeef', kind: 'pipeline-failure', title: 'kobe daily 2023-03-08: step scan failed', date: '2023-03-08', at: '2023-03-08T14:36:00.000Z', outcome: 'unknown', detail: 'no outcome recorded' },
      expect.objectContaining({ kind: 'kill-switch', title: 'kill switch engaged on 2023-03-08', date: '2023-03-08', outcome: 'skipped', detail: 'alerts-off' }),
    ]);
    // That run ran only its refresh step: the day's other markers are absent, their last runs are the day before.
    expect(r.steps.find((s) => s.step === 'refresh')).toMatchObject({ today: { status: 'done' }, last: { tradingDate: '2023-03-08' } });
    expect(r.steps.filter((s) => s.step !== 'refresh').every((s) => s.today === null && s.last?.tradingDate === '2023-03-07')).toBe(true);
    const md = (await kobe(dir, ['status', '--date', '2023-03-08'])).out;
    expect(md).toMatch(/alerts: 2 in .*alerts\.jsonl, 1 not delivered/);
    expect(md).toMatch(/kill-switch {2}kill switch engaged on 2023-03-08: skipped \(alerts-off\)/);
  });
});

describe('kobe status creates nothing', () => {
  it('a missing database is reported, not created: the folder stays empty', async () => {
    const dir = newDir();
    const r = await statusJson(dir);
    expect(r.database).toEqual({ path: join(dir, 'kobe.db'), exists: false });
    expect(r.notes.join('\n')).toMatch(/no database yet at .*kobe\.db/);
    expect(r.broker).toMatchObject({ fetched: false, positions: [] });
    expect(r.risk).toEqual({ breaker: null, errorsToday: null, killSwitch: { engaged: false, detail: null } });
    expect(r.steps.every((s) => s.today === null && s.last === null)).toBe(true);
    expect(r.alerts).toMatchObject({ total: 0, pending: 0, recent: [] });
    expect(r.reports.newest).toBeNull();
    const text = await kobe(dir, ['status', '--date', '2023-03-07', '--broker', 'paper']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/note: no database yet at /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an existing database gets no new tables: only the stores that have tables are read', async () => {
    const dir = newDir();
    const risk = new RiskStateStore(join(dir, 'kobe.db'));
    risk.close();
    const before = [...tableNames(join(dir, 'kobe.db'))].sort();
    const r = await statusJson(dir);
    expect(r.risk.breaker).toMatchObject({ state: 'ACTIVE' });
    expect(r.broker).toMatchObject({ name: null, fetched: false });
    expect(r.broker.note).toMatch(/no paper account in this database; an Alpaca account's positions are fetched only with --broker alpaca/);
    expect((await statusJson(dir, ['--broker', 'paper'])).broker.note).toBe('the paper broker has no account in this database yet');
    expect([...tableNames(join(dir, 'kobe.db'))].sort()).toEqual(before);
    expect(before).not.toContain('paper_account');
  });

  it('refuses a broker it does not know and a malformed date (exit 2)', async () => {
    const dir = newDir();
    const bad = await kobe(dir, ['status', '--broker', 'ibkr']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--broker: broker must be paper or alpaca, was 'ibkr'/);
    const date = await kobe(dir, ['status', '--date', '2023-3-7']);
    expect(date.code).toBe(2);
    expect(date.err).toMatch(/--date/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never prints a secret the environment holds, wherever it hides (here the kill switch reason)', async () => {
    const dir = newDir();
    const token = '987654:AAtelegramSECRETtoken';
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'KILL_SWITCH'), JSON.stringify({ reason: `webhook ${token} was leaked`, at: '2023-03-07T15:00:00.000Z' }));
    const env = { TELEGRAM_BOT_TOKEN: token };
    const json = await kobe(dir, ['status', '--json', '--md'], env);
    expect(json.code).toBe(0);
    expect(json.out).not.toContain(token);
    expect((JSON.parse(json.out) as StatusReport).risk.killSwitch.detail?.reason).toBe('webhook [REDACTED] was leaked');
    expect(readFileSync(join(dir, 'STATUS.md'), 'utf8')).not.toContain(token);
    expect((await kobe(dir, ['status'], env)).out).toMatch(/kill switch: ENGAGED \(webhook \[REDACTED\] was leaked/);
  });
});

describe('kobe status: the lock and interrupted steps', () => {
  const deadPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    return child.pid as number;
  };
  const setup = () => {
    const dir = newDir();
    mkdirSync(join(dir, 'state'));
    const store = new PipelineStore(join(dir, 'kobe.db'));
    store.startStep('2023-03-07', 'scan', 4242, '2023-03-07T14:35:00.000Z');
    store.close();
    const lock = (pid: number, host = hostname()) => writeFileSync(join(dir, 'state', 'daily.lock'), `${JSON.stringify({ pid, host, token: 't', startedAt: '2023-03-07T14:35:00.000Z' })}\n`);
    return { dir, lock };
  };
  const scan = (r: StatusReport) => r.steps.find((s) => s.step === 'scan')!.today;

  it('no lock: a step marked running was interrupted', async () => {
    const { dir } = setup();
    const r = await statusJson(dir, ['--date', '2023-03-07']);
    expect(r.lock.held).toBe(false);
    expect(scan(r)).toMatchObject({ status: 'running', interrupted: true });
    expect((await kobe(dir, ['status', '--date', '2023-03-07'])).out).toMatch(/│ scan\s+│ interrupted \(marked running, no run holds the lock\)/);
  });

  it('held by a live process: running, not stale, the step not interrupted', async () => {
    const { dir, lock } = setup();
    lock(process.pid);
    const r = await statusJson(dir, ['--date', '2023-03-07']);
    expect(r.lock).toEqual({ file: join(dir, 'state', 'daily.lock'), held: true, holder: { pid: process.pid, host: hostname(), startedAt: '2023-03-07T14:35:00.000Z' }, alive: true, stale: false });
    expect(scan(r)).toMatchObject({ status: 'running', interrupted: false });
    expect((await kobe(dir, ['status'])).out).toMatch(new RegExp(`held by pid ${process.pid} on .* since 2023-03-07T14:35:00.000Z: running`));
  });

  it('held by a dead process: stale (the next run breaks it), the step interrupted', async () => {
    const { dir, lock } = setup();
    const pid = deadPid();
    lock(pid);
    const r = await statusJson(dir, ['--date', '2023-03-07']);
    expect(r.lock).toMatchObject({ held: true, holder: { pid }, alive: false, stale: true });
    expect(scan(r)).toMatchObject({ interrupted: true });
    expect((await kobe(dir, ['status'])).out).toMatch(/STALE: its process is gone/);
    // Status only looked: the lock is still there for kobe daily to break.
    expect(existsSync(join(dir, 'state', 'daily.lock'))).toBe(true);
  });

  it('held from another host: liveness unknown, not judged stale', async () => {
    const { dir, lock } = setup();
    lock(deadPid(), 'some-other-host');
    const r = await statusJson(dir, ['--date', '2023-03-07']);
    expect(r.lock).toMatchObject({ held: true, alive: null, stale: false, holder: { host: 'some-other-host' } });
    expect(scan(r)).toMatchObject({ interrupted: false });
  });
});

describe('kobe status --broker alpaca (local stub of the Alpaca API)', () => {
  const KEY_ID = 'PKSTATUSKEY4455';
  const SECRET = 'status-secret-key-778899';
  let stub: AlpacaStub | null = null;
  afterEach(async () => {
    await stub?.close();
    stub = null;
  });
  const env = (s: AlpacaStub, secret = SECRET) => ({ APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: secret, KOBE_ALPACA_BASE_URL: s.baseUrl, KOBE_ALPACA_DATA_URL: s.baseUrl });
  const pipelineDb = (dir: string) => new PipelineStore(join(dir, 'kobe.db')).close();

  it("fetches the account's positions only when asked", async () => {
    stub = await startAlpacaStub({ keyId: KEY_ID, secretKey: SECRET, quotes: { AAPL: { bid: 187.19, ask: 187.23 } } });
    const alpaca = new AlpacaBroker({ credentials: { keyId: KEY_ID, secretKey: SECRET }, tradingBaseUrl: stub.baseUrl, dataBaseUrl: stub.baseUrl });
    const placed = await alpaca.submit({ clientOrderId: 'kobe-status-test-1', symbol: 'AAPL', side: 'buy', qty: 10, limitPriceUsd: 188 });
    expect(placed.ok).toBe(true);
    const seen = stub.requests.length;
    const dir = newDir();
    pipelineDb(dir);

    const unasked = await statusJson(dir, [], env(stub));
    expect(unasked.broker).toMatchObject({ name: null, fetched: false, positions: [] });
    expect(stub.requests.length).toBe(seen);

    const r = await statusJson(dir, ['--broker', 'alpaca'], env(stub));
    expect(r.broker).toMatchObject({ name: 'alpaca', fetched: true, note: null, positions: [{ symbol: 'AAPL', qty: 10, avgEntryPriceUsd: 187.23 }] });
    expect(r.broker.cashUsd).toBeCloseTo(100_000 - 1872.3, 2);
    expect(stub.requests.slice(seen).map((q) => q.route)).toEqual(['positions', 'account']);
  });

  it('an error of the broker is one line of the status, with no key in it; no database: no call at all', async () => {
    stub = await startAlpacaStub({ keyId: KEY_ID, secretKey: SECRET, echoRequest: true });
    const dir = newDir();
    pipelineDb(dir);
    const wrong = 'wrong-secret-key-000111222';
    const r = await kobe(dir, ['status', '--broker', 'alpaca', '--json'], env(stub, wrong));
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as StatusReport;
    expect(report.broker).toMatchObject({ name: 'alpaca', fetched: false, positions: [] });
    expect(report.broker.note).toMatch(/^broker positions not fetched: /);
    expect(stub.requests.map((q) => q.status)).toContain(401);
    expect(r.out + r.err).not.toContain(wrong);
    expect(r.out + r.err).not.toContain(KEY_ID);

    const empty = newDir();
    const before = stub.requests.length;
    const none = await statusJson(empty, ['--broker', 'alpaca'], env(stub));
    expect(none.broker).toMatchObject({ name: 'alpaca', fetched: false });
    expect(stub.requests.length).toBe(before);
    expect(readdirSync(empty)).toEqual([]);
  });
});
