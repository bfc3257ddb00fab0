import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIsoDay } from '../../core/calendar.js';
import { previousSession } from '../../core/exchange-calendar.js';
import { resolveStrategyParams, STRATEGIES } from '../../strategies/registry.js';
import { startWebhookStub, type WebhookStub } from '../../test-support/webhook-stub.js';
import { assignArm } from '../../validation/champion-challenger.js';
import { plainContext } from '../context.js';
import { decodeMarketSpec } from '../market-spec.js';
import { setKillSwitch } from '../orders/risk-state.js';
import type { DailySpec } from './daily-spec.js';
import { replaySessions } from './replay-check.js';
import { runDaily } from './run-daily.js';
import { testDailySpec } from '../../test-support/daily-spec.js';

/**
 * The pipeline's behaviour in process, on the demo market: champion/challenger (only the
 * champion's orders are real; a champion that cannot run means nothing real), alerts to a webhook
 * in Telegram's format without ever blocking the run, the journal and the end-of-day report.
 */
const WEEK = ['2023-03-06', '2023-03-07', '2023-03-08', '2023-03-09', '2023-03-10'];
const leg = (name: 'ibs-rsi' | 'turtle-soup') => ({ strategy: STRATEGIES[name], params: resolveStrategyParams(STRATEGIES[name], {}) });

let dirs: string[] = [];
let stub: WebhookStub | null = null;
afterEach(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  await stub?.close();
  stub = null;
});

const demoSpec = (over: Partial<DailySpec> = {}): DailySpec => testDailySpec(decodeMarketSpec({ cap: 40 }), over);

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kobe-pipeline-'));
  dirs.push(d);
  return d;
}

function rows<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'kobe.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('champion and challenger', () => {
  it('every signal of both is recorded with its hashed arm; only the champion reaches the broker', async () => {
    const dir = tempDir();
    const salt = 'test-salt';
    const spec = demoSpec({ legs: [leg('turtle-soup')], challenger: { legs: [leg('ibs-rsi')], policy: 'champion-primary', salt } });
    await replaySessions(spec, WEEK[0], WEEK[4], plainContext(dir));
    const exp = rows<{ role: string; strategy: string; symbol: string; signal_date: string; arm: string; picked: number; executed: string }>(dir, 'SELECT * FROM experiments');
    expect(exp.some((r) => r.role === 'champion')).toBe(true);
    expect(exp.some((r) => r.role === 'challenger')).toBe(true);
    for (const r of exp) {
      expect(r.arm).toBe(assignArm(salt, r.symbol, parseIsoDay(r.signal_date)));
      expect(r.strategy).toBe(r.role === 'champion' ? 'turtle-soup' : 'ibs-rsi');
      if (r.role === 'challenger') expect(r.executed).not.toBe('real');
      expect(r.executed === 'none').toBe(r.picked === 0);
    }
    const orders = rows<{ strategy: string }>(dir, 'SELECT strategy FROM orders');
    expect(orders.length).toBeGreaterThan(0);
    expect(new Set(orders.map((o) => o.strategy))).toEqual(new Set(['turtle-soup']));
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${WEEK[4]}.json`), 'utf8'));
    expect(report.challenger.champion.strategies).toEqual(['turtle-soup']);
    expect(report.challenger.challenger.strategies).toEqual(['ibs-rsi']);
  }, 120_000);

  it('shadow-only sends nothing for real', async () => {
    const dir = tempDir();
    const spec = demoSpec({ legs: [leg('turtle-soup')], challenger: { legs: [leg('ibs-rsi')], policy: 'shadow-only', salt: 's' } });
    await replaySessions(spec, WEEK[0], WEEK[2], plainContext(dir));
    expect(rows(dir, 'SELECT * FROM orders')).toEqual([]);
    const picked = rows<{ executed: string }>(dir, "SELECT executed FROM experiments WHERE role = 'champion' AND picked = 1");
    expect(picked.length).toBeGreaterThan(0);
    expect(picked.every((r) => r.executed === 'shadow')).toBe(true);
  }, 120_000);

  it('a champion that cannot run executes nothing, not the challenger; the failure is alerted in Telegram format', async () => {
    stub = await startWebhookStub();
    const dir = tempDir();
    const broken = { strategy: { ...STRATEGIES['turtle-soup'], prepare: () => { throw new Error('champion model file is corrupt'); } }, params: resolveStrategyParams(STRATEGIES['turtle-soup'], {}) };
    const spec = demoSpec({ date: WEEK[0], legs: [broken], challenger: { legs: [leg('ibs-rsi')], policy: 'champion-primary', salt: 's' } });
    const env = { KOBE_ALERT_KIND: 'telegram', TELEGRAM_BOT_TOKEN: stub.botToken, TELEGRAM_CHAT_ID: stub.chatId, KOBE_TELEGRAM_BASE_URL: stub.telegramBaseUrl };
    const outcome = await runDaily(spec, plainContext(dir, env));
    expect(outcome.kind === 'ran' && outcome.failed).toBe(true);
    if (outcome.kind !== 'ran') return;
    expect(outcome.steps.find((s) => s.step === 'scan')?.status).toBe('failed');
    expect(outcome.steps.find((s) => s.step === 'submit')?.status).toBe('not-run');
    expect(existsSync(join(dir, 'kobe.db')) ? rows(dir, "SELECT name FROM sqlite_master WHERE name = 'orders'").length === 0 || rows(dir, 'SELECT * FROM orders').length === 0 : true).toBe(true);
    expect(rows(dir, 'SELECT * FROM experiments')).toEqual([]);
    expect(stub.messages).toHaveLength(1);
    expect(stub.messages[0].text).toMatch(/step scan failed/);
    expect(stub.messages[0].text).toMatch(/champion model file is corrupt/);
    const outbox = readFileSync(join(dir, 'state', 'alerts.jsonl'), 'utf8');
    expect(outbox).not.toContain(stub.botToken);
  }, 60_000);
});

describe('alerts never block the run', () => {
  it('the kill switch is alerted; a webhook that hangs costs at most its deadline and the day completes', async () => {
    stub = await startWebhookStub();
    stub.script('json', ...Array.from({ length: 6 }, () => ({ kind: 'hang' as const })));
    const dir = tempDir();
    setKillSwitch(join(dir, 'state'), true, 'test: broker maintenance', '2023-03-06T13:00:00Z');
    const env = { KOBE_ALERT_KIND: 'json', KOBE_ALERT_WEBHOOK_URL: stub.jsonUrl, KOBE_ALERT_TIMEOUT_MS: '400' };
    const started = Date.now();
    const outcome = await runDaily(demoSpec({ date: WEEK[0] }), plainContext(dir, env));
    expect(outcome.kind === 'ran' && !outcome.failed).toBe(true);
    // One kill-switch alert hangs to its 400 ms deadline; the run does not wait any longer for it.
    expect(Date.now() - started).toBeLessThan(30_000);
    const outbox = readFileSync(join(dir, 'state', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(outbox.some((r) => r.type === 'alert' && r.alert.kind === 'kill-switch')).toBe(true);
    expect(outbox.some((r) => r.type === 'delivery' && r.delivery.ok === false)).toBe(true);
    // The kill switch blocked every entry at the gates, and the journal says so.
    if (outcome.kind === 'ran') {
      const submit = outcome.steps.find((s) => s.step === 'submit')!;
      expect(submit.lines.every((l) => /denied|nothing/.test(l))).toBe(true);
    }
  }, 60_000);
});

describe('the journal and the end-of-day report', () => {
  it('a week leaves one journal record per decision and a report per day with monitoring', async () => {
    const dir = tempDir();
    await replaySessions(demoSpec(), WEEK[0], WEEK[4], plainContext(dir));
    const journal = readFileSync(join(dir, 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const kinds = new Set(journal.map((r) => r.decision));
    for (const k of ['signal', 'gate-result', 'submitted', 'fill', 'reconcile']) expect(kinds, k).toContain(k);
    expect(journal.every((r) => typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at)))).toBe(true);
    // Every signal the scan of a day saw is a journal line of that day.
    const signalsDay1 = journal.filter((r) => r.decision === 'signal' && r.tradingDate === WEEK[1]);
    expect(signalsDay1.every((r) => r.signalDate === '2023-03-06')).toBe(true);
    const plans = rows<{ status: string }>(dir, 'SELECT status FROM daily_plans');
    for (const date of WEEK) {
      const json = JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${date}.json`), 'utf8'));
      expect(json.tradingDate).toBe(date);
      expect(json.signalDate).toBe(new Date(previousSession(parseIsoDay(date)) * 86_400_000).toISOString().slice(0, 10));
      expect(Array.isArray(json.monitoring.anomalies)).toBe(true);
      expect(json.steps.map((s: { step: string }) => s.step)).toContain('fill');
      const md = readFileSync(join(dir, 'reports', 'daily', `${date}.md`), 'utf8');
      for (const h of ['## Account', '## Positions', "## Today's orders", '## Monitoring', '## Steps']) expect(md).toContain(h);
    }
    const last = JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${WEEK[4]}.json`), 'utf8'));
    expect(last.positions.length).toBe(plans.filter((p) => p.status === 'open').length);
  }, 120_000);
});
