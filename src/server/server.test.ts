import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isoWeekLabel, MIN_TRADES_TO_QUALIFY, rowPenalties } from '../app/backtest-job/latest-doc.js';
import { RegistryStore } from '../store/registry-store.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { removeDir, startTestServer, type TestServer } from '../test-support/serve-harness.js';

/**
 * The backtest job API and the server's own endpoints against a running server: real HTTP on a
 * free loopback port, real jobs (worker thread, runWfJob) on the demo market over a small window.
 */
const servers: TestServer[] = [];
const start = async (...args: Parameters<typeof startTestServer>) => {
  const s = await startTestServer(...args);
  servers.push(s);
  return s;
};
const dirs: string[] = [];

beforeAll(() => requireFreshDist());
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.close();
    dirs.push(s.dir);
  }
});
afterAll(() => dirs.forEach(removeDir));

/** Every number in a JSON value is finite (JSON has no NaN; a writer that let one through would write null or fail). */
function numbersAllFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(numbersAllFinite);
  if (v !== null && typeof v === 'object') return Object.values(v).every(numbersAllFinite);
  return true;
}

const jobFile = (s: TestServer, name: string) => join(s.dir, 'state', 'backtests', name);

describe('the backtest job API', () => {
  it('empty, then run -> 202 running, a second POST 409, then completed with latest, an archive and a recorded run', async () => {
    const s = await start();
    expect((await s.get('/api/backtests/status')).body).toEqual({ state: 'idle', latest_generated_at: null });
    const none = await s.get('/api/backtests/latest');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('NO_RUN_YET');

    const run = await s.post('/api/backtests/run', {});
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ state: 'running', window: { start: '2022-01-01', end: '2023-06-30' }, strategies: ['ibs-rsi', 'turtle-soup'] });
    const again = await s.post('/api/backtests/run', {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('JOB_RUNNING');

    const done = await s.waitForStatus((x) => x.state !== 'running');
    expect(done.state).toBe('completed');
    const latest = await s.get('/api/backtests/latest');
    expect(latest.status).toBe(200);
    const doc = latest.body;
    expect(doc.window).toEqual({ start: '2022-01-03', end: '2023-06-30' });
    expect(doc.synthetic).toBe(true);
    expect(Object.keys(doc.strategies)).toEqual(['ibs-rsi', 'turtle-soup']);
    for (const row of Object.values<any>(doc.strategies)) {
      expect(Object.keys(row.metrics)).toEqual(expect.arrayContaining(['trades', 'sharpe', 'pnl', 'win_rate', 'max_dd']));
      expect(row.splits).toBe(4);
      expect(row.qualified).toBe(row.metrics.trades >= MIN_TRADES_TO_QUALIFY);
      expect(row.penalties.length === 0).toBe(row.qualified);
    }
    expect(numbersAllFinite(doc)).toBe(true);
    expect(latest.text).not.toMatch(/NaN|Infinity/);

    // latest.json on disk is what the endpoint answered; the week's archive holds the same run.
    expect(JSON.parse(readFileSync(jobFile(s, 'latest.json'), 'utf8'))).toEqual(doc);
    expect(existsSync(jobFile(s, 'latest.partial.json'))).toBe(false);
    const week = isoWeekLabel(new Date(doc.generated_at));
    const archives = await s.get('/api/backtests/archives');
    expect(archives.body.archives).toEqual([{ week, generated_at: doc.generated_at, strategies: 2, qualified: Object.values<any>(doc.strategies).filter((r) => r.qualified).length }]);
    expect((await s.get(`/api/backtests/archives/${week}`)).body).toEqual(doc);
    expect((await s.get('/api/backtests/archives/2001-W01')).status).toBe(404);
    const badWeek = await s.get('/api/backtests/archives/latest');
    expect(badWeek.status).toBe(400);
    expect(badWeek.body.error.code).toBe('BAD_REQUEST');

    // Recorded like kobe wf: the run list has it, with its report link; the first view writes the report.
    const runs = await s.get('/api/runs');
    expect(runs.body.runs.map((r: any) => r.runId)).toEqual([doc.run_id]);
    expect(runs.body.runs[0].report).toBe(`/reports/${doc.run_id}`);
    const reportFile = join(s.dir, 'wf_outputs', doc.run_id, 'report.html');
    expect(existsSync(reportFile)).toBe(false);
    const report = await s.get(`/reports/${doc.run_id}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toContain('text/html');
    expect(existsSync(reportFile)).toBe(true);
    expect(report.text).toBe(readFileSync(reportFile, 'utf8'));
    expect(report.text).toContain(`"runId":"${doc.run_id}"`);
    const unknown = await s.get('/reports/00000000deadbeef');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_RUN');
    expect(existsSync(join(s.dir, 'wf_outputs', doc.run_id, 'ibs-rsi', 'summary.json'))).toBe(true);
  });

  it('latest.json stays the old complete run while a new one runs; the partial file is whole JSON at every step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobe-serve-'));
    const hold = join(dir, 'hold');
    const s = await start({ dir, env: { KOBE_TEST_HOLD_BACKTEST: hold } });
    writeFileSync(hold, ''); // the first run passes the hold at once
    expect((await s.post('/api/backtests/run', { strategies: ['ibs-rsi', 'turtle-soup'] })).status).toBe(202);
    await s.waitForStatus((x) => x.state === 'completed');
    const first = readFileSync(jobFile(s, 'latest.json'), 'utf8');

    removeDir(hold);
    removeDir(`${hold}.reached`);
    expect((await s.post('/api/backtests/run', { trainDays: 100, testDays: 50 })).status).toBe(202);
    const held = await s.waitForStatus((x) => x.state === 'running' && x.progress.strategies_done === 1);
    expect(existsSync(`${hold}.reached`)).toBe(true);
    expect(held.progress.finished['ibs-rsi'].metrics.trades).toBeGreaterThan(0);
    expect(held.progress.folds_total).toBe(held.progress.strategies_total * held.progress.folds_done);
    // While it runs: latest.json is byte for byte the first run, the partial file is complete JSON with what finished.
    expect(readFileSync(jobFile(s, 'latest.json'), 'utf8')).toBe(first);
    const partial = JSON.parse(readFileSync(jobFile(s, 'latest.partial.json'), 'utf8'));
    expect(partial.state).toBe('running');
    expect(Object.keys(partial.strategies)).toEqual(['ibs-rsi']);
    expect(partial.train_days).toBe(100);
    expect((await s.get('/api/backtests/latest')).text).toBe(JSON.stringify(JSON.parse(first)));

    writeFileSync(hold, '');
    await s.waitForStatus((x) => x.state === 'completed');
    const second = JSON.parse(readFileSync(jobFile(s, 'latest.json'), 'utf8'));
    expect(second.train_days).toBe(100);
    expect(Object.keys(second.strategies)).toEqual(['ibs-rsi', 'turtle-soup']);
    expect(existsSync(jobFile(s, 'latest.partial.json'))).toBe(false);
  });

  it('a job that fails writes latest.error.json, status error with the message, and leaves latest.json alone', async () => {
    const s = await start();
    const data = join(s.dir, 'bad-data');
    mkdirSync(data);
    writeFileSync(join(data, 'aapl.csv'), 'Date,Open,High,Low,Close,Volume\n2022-01-03,1,2,0.5,1.5,100\n2022-01-04,abc,2,0.5,1.5,100\n');
    await s.close();
    servers.pop();
    const bad = await start({ dir: s.dir, market: { dataDir: 'bad-data', onBadData: 'fail' } });
    expect((await bad.post('/api/backtests/run', {})).status).toBe(202);
    const failed = await bad.waitForStatus((x) => x.state !== 'running');
    expect(failed.state).toBe('error');
    expect(failed.message).toContain('aapl.csv:3');
    expect(failed.message).toContain("'abc' is not a number");
    const errorDoc = JSON.parse(readFileSync(jobFile(bad, 'latest.error.json'), 'utf8'));
    expect(errorDoc.error.code).toBe('BAD_NUMBER');
    expect(existsSync(jobFile(bad, 'latest.json'))).toBe(false);
    expect(existsSync(jobFile(bad, 'latest.partial.json'))).toBe(false);
    expect((await bad.get('/api/backtests/latest')).status).toBe(404);
    const metrics = (await bad.get('/metrics')).text;
    expect(metrics).toMatch(/kobe_backtest_job_duration_seconds_count\{outcome="error"\} 1/);
  });

  it('a start after the data ends fails the job after it started, with the reason', async () => {
    const s = await start();
    expect((await s.post('/api/backtests/run', { start: '2099-01-02', end: '2099-06-30' })).status).toBe(202);
    const failed = await s.waitForStatus((x) => x.state !== 'running');
    expect(failed.state).toBe('error');
    expect(failed.message).toContain('EMPTY_RANGE');
  });

  it('answers 400 with a JSON error naming the field for a bad body, and starts nothing', async () => {
    const s = await start();
    const cases: [unknown, string, string][] = [
      [{ nope: 1 }, 'BAD_REQUEST', 'additional properties'],
      [{ strategies: 'ibs-rsi,x' }, 'UNKNOWN_STRATEGY', "unknown strategy 'ibs-rsi,x'"],
      [{ strategies: ['nope'] }, 'UNKNOWN_STRATEGY', 'strategies[0]'],
      [{ start: '2023-13-45' }, 'BAD_DATE', 'start'],
      [{ start: 'yesterday' }, 'BAD_REQUEST', 'body/start must match pattern'],
      [{ start: '2023-06-01', end: '2023-01-01' }, 'START_AFTER_END', 'start 2023-06-01 is after end 2023-01-01'],
      [{ params: { 'ibs-rsi': { rsiEntry: -5 } } }, 'BAD_PARAM', 'params.ibs-rsi: rsiEntry'],
      [{ params: { 'sma-cross': { fast: 5 } } }, 'BAD_PARAM', 'this run does not include'],
      [{ trainDays: 0 }, 'BAD_REQUEST', 'trainDays must be >= 1'],
      [{ tune: 'sometimes' }, 'BAD_REQUEST', 'tune must be boolean'],
    ];
    for (const [body, code, text] of cases) {
      const r = await s.post('/api/backtests/run', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code, JSON.stringify(body)).toBe(code);
      expect(r.body.error.message, JSON.stringify(body)).toContain(text);
    }
    const notJson = await fetch(`${s.url}/api/backtests/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.code).toBe('BAD_REQUEST');
    expect((await s.get('/api/backtests/status')).body.state).toBe('idle');
    expect(existsSync(join(s.dir, 'state', 'backtests'))).toBe(false);
    const unknown = await s.get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('runs the production roster from the registry, with a body naming one entry and its parameters', async () => {
    const s = await start();
    const reg = new RegistryStore(join(s.dir, 'kobe.db'));
    reg.register('abc123', 'ibs-rsi tuned', JSON.stringify({ kind: 'params', strategy: 'ibs-rsi', params: { rsiEntry: 5 } }), '{}', '2023-01-01T00:00:00Z');
    reg.transition('abc123', 'production', 'promoted', {}, '2023-01-02T00:00:00Z');
    reg.close();
    const run = await s.post('/api/backtests/run', {});
    expect(run.body.strategies).toEqual(['ibs-rsi']);
    await s.waitForStatus((x) => x.state === 'completed');
    const latest = (await s.get('/api/backtests/latest')).body;
    expect(latest.strategies['ibs-rsi'].params.rsiEntry).toBe(5);
    expect((await s.get('/api/roster')).body.roster).toEqual([expect.objectContaining({ id: 'abc123', label: 'ibs-rsi tuned', strategy: 'ibs-rsi', state: 'production' })]);

    const named = await s.post('/api/backtests/run', { strategies: ['ibs-rsi tuned', 'sma-cross'], params: { 'ibs-rsi': { rsiEntry: 7 } }, tune: false });
    expect(named.status).toBe(202);
    expect(named.body.strategies).toEqual(['ibs-rsi', 'sma-cross']);
    await s.waitForStatus((x) => x.state === 'completed');
    const second = (await s.get('/api/backtests/latest')).body;
    expect(second.strategies['ibs-rsi'].params.rsiEntry).toBe(7);
    expect(second.tune).toBe(false);
  });

  it('a partial file left by a killed server is not a running job after a restart', async () => {
    const s = await start();
    const dir = join(s.dir, 'state', 'backtests');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.partial.json'), JSON.stringify({ state: 'running', started_at: '2024-01-01T00:00:00.000Z', strategies: {} }));
    await s.close();
    servers.pop();
    const again = await start({ dir: s.dir });
    const status = (await again.get('/api/backtests/status')).body;
    expect(status.state).toBe('idle');
    expect(status.message).toContain('did not finish');
    expect((await again.post('/api/backtests/run', {})).status).toBe(202);
    expect((await again.waitForStatus((x) => x.state !== 'running')).state).toBe('completed');
  });
});

describe('health, readiness, metrics, logs', () => {
  it('/health is up, /ready checks the database and data folder, /metrics speaks Prometheus', async () => {
    const s = await start();
    const health = await s.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const ready = await s.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.map((c: any) => [c.name, c.ok])).toEqual([['database', true], ['data', true]]);

    await s.post('/api/backtests/run', {});
    await s.waitForStatus((x) => x.state === 'completed');
    const metrics = await s.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/kobe_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
    expect(metrics.text).toMatch(/kobe_http_requests_total\{method="POST",route="\/api\/backtests\/run",status="202"\} 1/);
    expect(metrics.text).toMatch(/kobe_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/ready",status="200"\}/);
    expect(metrics.text).toMatch(/kobe_backtest_job_duration_seconds_count\{outcome="completed"\} 1/);
    expect(metrics.text).toMatch(/kobe_backtest_last_success_age_seconds \d/);
    expect(metrics.text).toMatch(/process_cpu_user_seconds_total/);

    // One JSON line per request with the route, status and duration.
    const lines = s.logs().trim().split('\n').map((l) => JSON.parse(l));
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines.find((l) => l.route === '/health')).toMatchObject({ method: 'GET', status: 200, duration_ms: expect.any(Number) });
    expect(lines.some((l) => l.component === 'backtest' && /backtest completed/.test(l.msg))).toBe(true);
  });

  it('/ready answers 503 naming a missing data folder and a database path that is a folder', async () => {
    const s = await start({ market: { dataDir: 'no-such-folder' } });
    mkdirSync(join(s.dir, 'kobe.db'));
    const ready = await s.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.error.code).toBe('NOT_READY');
    expect(ready.body.error.message).toContain('no-such-folder: does not exist');
    expect(ready.body.error.message).toContain('is a folder');
  });
});

describe('qualification and weeks', () => {
  it('a row qualifies at 10 trades, not 9', () => {
    expect(rowPenalties({ trades: 9 }).map((p) => p.code)).toEqual(['TOO_FEW_TRADES']);
    expect(rowPenalties({ trades: 10 })).toEqual([]);
  });

  it('ISO weeks: Monday starts a week, the year of its Thursday names it', () => {
    expect(isoWeekLabel(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    expect(isoWeekLabel(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeekLabel(new Date('2026-12-05T06:00:00Z'))).toBe('2026-W49');
    expect(isoWeekLabel(new Date('2023-01-02T00:00:00Z'))).toBe('2023-W01');
  });
});
