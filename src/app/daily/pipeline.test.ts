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
import { reportDataOf, sectionOf } from '../../test-support/report-html.js';
import type { ReportData } from '../../report/report-data.js';

const tileValue = (d: ReportData, section: string, label: string) => sectionOf(d, 'tiles', section).tiles.find((t) => t.label === label)?.value;

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
    const morning = reportDataOf(join(dir, 'reports', 'daily', `${WEEK[4]}.morning.html`));
    expect(sectionOf(morning, 'table', 'Roster used').rows.map((r) => [r.role, r.name])).toEqual([
      ['champion', 'turtle-soup'],
      ['challenger (champion-primary)', 'ibs-rsi'],
    ]);
    expect(sectionOf(reportDataOf(join(dir, 'reports', 'daily', `${WEEK[4]}.html`)), 'table', /^Champion and challenger/).rows.map((r) => r.strategies)).toEqual(['turtle-soup', 'ibs-rsi']);
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
    // The end-of-day page shows the kill switch engaged and the alert.
    const eod = reportDataOf(join(dir, 'reports', 'daily', `${WEEK[0]}.html`));
    expect(sectionOf(eod, 'tiles', 'Risk state').tiles.find((t) => t.label === 'Kill switch')).toMatchObject({ value: 'ENGAGED', state: 'fail' });
    expect(sectionOf(eod, 'table', 'Alerts').rows.map((r) => r.kind)).toContain('kill-switch');
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
    let intentDays = 0;
    for (const date of WEEK) {
      const json = JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${date}.json`), 'utf8'));
      expect(json.tradingDate).toBe(date);
      expect(json.signalDate).toBe(new Date(previousSession(parseIsoDay(date)) * 86_400_000).toISOString().slice(0, 10));
      expect(Array.isArray(json.monitoring.anomalies)).toBe(true);
      expect(json.steps.map((s: { step: string }) => s.step)).toContain('fill');
      const md = readFileSync(join(dir, 'reports', 'daily', `${date}.md`), 'utf8');
      for (const h of ['## Account', '## Positions', "## Today's orders", '## Monitoring', '## Steps']) expect(md).toContain(h);
      // The pages: the end-of-day one holds the JSON's orders and positions; the morning one the scan's picks and the intents the submit step sent.
      const eod = reportDataOf(join(dir, 'reports', 'daily', `${date}.html`));
      expect(tileValue(eod, 'Account', 'Equity (at the close)')).toBe(json.account.equityUsd);
      const orders = json.orders as { clientOrderId: string; state: string }[];
      if (orders.length > 0) expect(sectionOf(eod, 'table', "Today's orders and fills").rows.map((r) => [r.id, r.state])).toEqual(orders.map((o) => [o.clientOrderId, o.state]));
      const positions = json.positions as { symbol: string; unrealizedUsd: number | null }[];
      if (positions.length > 0) expect(sectionOf(eod, 'table', 'Positions').rows.map((r) => [r.symbol, r.unrealized])).toEqual(positions.map((p) => [p.symbol, p.unrealizedUsd]));
      const scan = rows<{ summary_json: string }>(dir, `SELECT summary_json FROM pipeline_steps WHERE trading_date = '${date}' AND step = 'scan'`)[0];
      const submit = rows<{ summary_json: string }>(dir, `SELECT summary_json FROM pipeline_steps WHERE trading_date = '${date}' AND step = 'submit'`)[0];
      const picks = (JSON.parse(scan.summary_json) as { picks: { symbol: string }[] }).picks;
      const outcomes = (JSON.parse(submit.summary_json) as { outcomes: { symbol: string; outcome: string; clientOrderId?: string }[] }).outcomes;
      const morning = reportDataOf(join(dir, 'reports', 'daily', `${date}.morning.html`));
      const tod = rows<{ picks_json: string }>(dir, `SELECT picks_json FROM scans WHERE scan_date = '${json.signalDate}'`)[0];
      expect(sectionOf(morning, 'table', 'Top-3').rows.map((r) => r.symbol)).toEqual((JSON.parse(tod.picks_json) as { symbol: string }[]).map((p) => p.symbol));
      // The test spec submits the Top-3: every pick is an intent the page lists, sent or denied.
      intentDays += outcomes.length > 0 ? 1 : 0;
      if (outcomes.length === 0) expect(sectionOf(morning, 'notes', /^Intents/).items).toEqual(['Nothing to submit.']);
      else expect(sectionOf(morning, 'table', /^Intents sent/).rows.map((r) => [r.symbol, r.outcome, r.id])).toEqual(outcomes.map((o) => [o.symbol, o.outcome, o.clientOrderId ?? null]));
      expect(outcomes.map((o) => o.symbol)).toEqual(picks.map((p) => p.symbol));
    }
    expect(intentDays).toBeGreaterThan(0);
    const last = JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${WEEK[4]}.json`), 'utf8'));
    // The equity curve of the last page is each day's report equity, in order.
    const curve = sectionOf(reportDataOf(join(dir, 'reports', 'daily', `${WEEK[4]}.html`)), 'timeseries', /^Equity/);
    expect(curve.dates).toEqual(WEEK);
    expect(curve.series[0].values).toEqual(WEEK.map((d) => JSON.parse(readFileSync(join(dir, 'reports', 'daily', `${d}.json`), 'utf8')).account.equityUsd));
    // A rerun of a step rewrites its page byte for byte (a rerun of the scan is an attempt the end-of-day page counts, so one step at a time).
    for (const [step, file] of [['report', `${WEEK[4]}.html`], ['scan', `${WEEK[4]}.morning.html`]] as const) {
      const page = join(dir, 'reports', 'daily', file);
      const before = readFileSync(page, 'utf8');
      const again = await runDaily(demoSpec({ date: WEEK[4], steps: [step], rerun: true }), plainContext(dir));
      expect(again.kind === 'ran' && !again.failed).toBe(true);
      expect(readFileSync(page, 'utf8'), file).toBe(before);
    }
    expect(last.positions.length).toBe(plans.filter((p) => p.status === 'open').length);
  }, 120_000);
});
