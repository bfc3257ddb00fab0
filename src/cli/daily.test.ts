import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireFreshDist } from '../test-support/build-dist.js';
import { reportDataOf, sectionOf } from '../test-support/report-html.js';

/**
 * `kobe daily` as cron runs it: real processes of the compiled CLI on the demo market (no
 * shared data needed). Non-sessions are no-ops, a second run while one holds the lock does
 * nothing, and a run killed with SIGKILL at the worst moments (between the broker's answer and
 * the OMS write, after a step's marker, at random instants) resumes to exactly the state an
 * uninterrupted run reaches: the same orders, fills, positions and cash, nothing twice.
 */
const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
// A demo-market week without holidays; signals from the ibs-rsi and turtle-soup defaults.
const WEEK = ['2023-03-06', '2023-03-07', '2023-03-08', '2023-03-09', '2023-03-10'];
const COMMON = ['--submit', 'top3', '--cap', '40', '--json'];

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

let dirs: string[] = [];
const newDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kobe-daily-'));
  dirs.push(d);
  return d;
};
beforeEach(() => requireFreshDist());
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function kobe(cwd: string, args: readonly string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'daily', ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      done({ code, signal, out, err });
    });
  });
}

/** What a run leaves that must not depend on how often it was interrupted. */
function accountState(dir: string) {
  const db = new Database(join(dir, 'kobe.db'), { readonly: true });
  try {
    return {
      orders: db.prepare('SELECT client_order_id, symbol, side, qty, limit_price, state, filled_qty, avg_fill_price FROM orders ORDER BY client_order_id').all(),
      fills: db.prepare('SELECT o.client_order_id, f.qty, f.price FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id ORDER BY o.client_order_id, f.broker_exec_id').all(),
      paperOrders: db.prepare('SELECT client_order_id, symbol, side, qty, status, filled_qty, filled_avg_price_usd, commission_usd FROM paper_orders ORDER BY client_order_id').all(),
      positions: db.prepare('SELECT symbol, qty, avg_entry_price_usd FROM paper_positions ORDER BY symbol').all(),
      cash: (db.prepare('SELECT cash_usd FROM paper_account').get() as { cash_usd: number }).cash_usd,
      plans: db.prepare('SELECT entry_client_order_id, status, shares, entry_price, entry_date, exit_reason, exit_price, exit_date FROM daily_plans ORDER BY entry_client_order_id').all(),
    };
  } finally {
    db.close();
  }
}

async function cleanWeek(): Promise<ReturnType<typeof accountState>> {
  const dir = newDir();
  for (const date of WEEK) {
    const r = await kobe(dir, ['--date', date, ...COMMON]);
    expect(JSON.parse(r.out).failed, r.err).toBe(false);
    expect(r.code).toBe(0);
    // The day's pages: the end-of-day one holds the JSON report's orders, the morning one the intents the run sent.
    const daily = (f: string) => join(dir, 'reports', 'daily', f);
    const json = JSON.parse(readFileSync(daily(`${date}.json`), 'utf8')) as { orders: { clientOrderId: string; intent: string }[] };
    const eod = reportDataOf(daily(`${date}.html`));
    if (json.orders.length > 0) expect(sectionOf(eod, 'table', "Today's orders and fills").rows.map((o) => o.id)).toEqual(json.orders.map((o) => o.clientOrderId));
    const sent = JSON.parse(r.out).steps.find((s: { step: string }) => s.step === 'submit').summary.outcomes as { clientOrderId?: string }[];
    const morning = reportDataOf(daily(`${date}.morning.html`));
    if (sent.length > 0) expect(sectionOf(morning, 'table', /^Intents sent/).rows.map((i) => i.id)).toEqual(sent.map((o) => o.clientOrderId ?? null));
  }
  return accountState(dir);
}

describe('kobe daily on days the market is closed', () => {
  it.each([
    ['2023-03-11', /weekend|Saturday/i],
    ['2023-07-04', /Independence/i],
  ])('%s is a clean no-op that says so and writes nothing', async (date, why) => {
    const dir = newDir();
    const r = await kobe(dir, ['--date', date]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not a trading day/);
    expect(r.out).toMatch(why);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('one run at a time', () => {
  it('a second run while the first holds the lock exits 4 and touches nothing; the first finishes', async () => {
    const dir = newDir();
    const gate = join(dir, 'release');
    // The first run stops after its scan step until the test releases it (a test hook).
    const first = kobe(dir, ['--date', WEEK[0], ...COMMON], { KOBE_TEST_WAIT_AFTER_STEP: `scan:${gate}` });
    const reached = `${gate}.reached`;
    for (let i = 0; i < 600 && !existsSync(reached); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(reached)).toBe(true);
    const steps = () => {
      const db = new Database(join(dir, 'kobe.db'), { readonly: true });
      try {
        return db.prepare('SELECT * FROM pipeline_steps ORDER BY step').all();
      } finally {
        db.close();
      }
    };
    const before = steps();
    const journal = readFileSync(join(dir, 'state', 'journal.jsonl'), 'utf8');
    const second = await kobe(dir, ['--date', WEEK[0], ...COMMON]);
    expect(second.code).toBe(4);
    expect(second.err).toMatch(/another run holds .*daily\.lock \(pid \d+/);
    expect(steps()).toEqual(before);
    expect(readFileSync(join(dir, 'state', 'journal.jsonl'), 'utf8')).toBe(journal);
    writeFileSync(gate, '');
    const r = await first;
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'state', 'daily.lock'))).toBe(false);
  });

  it('breaks the lock of a run that died (its pid is gone) and says so', async () => {
    const dir = newDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'daily.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), token: 'x', startedAt: '2023-03-06T14:35:00Z' }));
    const r = await kobe(dir, ['--date', WEEK[0], '--step', 'verify', '--cap', '5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`broke a stale lock of pid ${dead.pid}`));
  });
});

describe('kill -9 and rerun: no order twice, none lost', () => {
  it('crashes between the broker answer and the OMS write, and after each marker, resume to the uninterrupted state', async () => {
    const clean = await cleanWeek();
    expect((clean.orders as unknown[]).length).toBeGreaterThan(0);
    const dir = newDir();
    for (const date of WEEK) {
      const crashed = await kobe(dir, ['--date', date, ...COMMON], { KOBE_TEST_CRASH_AFTER_SUBMIT: '1' });
      for (const step of ['scan', 'submit', 'fill']) {
        const r = await kobe(dir, ['--date', date, ...COMMON], { KOBE_TEST_CRASH_AFTER_STEP: step });
        expect(r.signal === 'SIGKILL' || r.code === 0).toBe(true);
      }
      const done = await kobe(dir, ['--date', date, ...COMMON]);
      expect(done.code, `${date}: ${done.err}`).toBe(0);
      if (crashed.signal === 'SIGKILL') expect(JSON.parse(done.out).steps.some((s: { status: string }) => s.status === 'skipped')).toBe(true);
    }
    expect(accountState(dir)).toEqual(clean);
  }, 240_000);

  it('killed at random instants, reruns reach the uninterrupted state', async () => {
    const clean = await cleanWeek();
    const dir = newDir();
    // Seeded instants (a fixed list), spread over a run's life: load, scan, submit, fill.
    const instants = [150, 420, 700, 950, 1300, 260, 530, 880, 1100, 1600];
    let k = 0;
    for (const date of WEEK) {
      for (let i = 0; i < 2; i++) await kobe(dir, ['--date', date, ...COMMON], {}, instants[k++ % instants.length]);
      const done = await kobe(dir, ['--date', date, ...COMMON]);
      expect(done.code, `${date}: ${done.err}`).toBe(0);
    }
    expect(accountState(dir)).toEqual(clean);
  }, 240_000);
});
