import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { releaseFileLock, tryAcquireFileLock, type LockHolder } from '../../audit/file-lock.js';
import { dayToIso, isoDayFlag } from '../../core/calendar.js';
import { isKobeError } from '../../core/errors.js';
import { closureReason, isSession, newYorkDay } from '../../core/exchange-calendar.js';
import { redactSecrets } from '../../core/redact.js';
import type { AppContext } from '../context.js';
import { killSwitchStatus } from '../orders/risk-state.js';
import { dailyAlert } from './daily-alerts.js';
import { DailyRun } from './daily-run.js';
import { DAILY_STEPS, type DailySpec, type DailyStep } from './daily-spec.js';
import { closeRefreshStep, refreshStep, verifyStep } from './steps/data.js';
import { exitsStep } from './steps/exits.js';
import { fillStep } from './steps/fill.js';
import { reconcileStep } from './steps/reconcile.js';
import { reportStep } from './steps/report.js';
import { scanStep, type ScanStepSummary } from './steps/scan.js';
import type { StepFn } from './steps/step.js';
import { submitStep } from './steps/submit.js';

const STEP_FNS: Readonly<Record<DailyStep, StepFn>> = {
  refresh: refreshStep,
  verify: verifyStep,
  scan: scanStep,
  exits: exitsStep,
  submit: submitStep,
  'close-refresh': closeRefreshStep,
  fill: fillStep,
  reconcile: reconcileStep,
  report: reportStep,
};

export const DAILY_LOCK_FILE = 'daily.lock';

export interface StepReport {
  readonly step: DailyStep;
  /** skipped: marked done by an earlier run; not-run: a step before it failed or waits. */
  readonly status: 'done' | 'skipped' | 'waiting' | 'failed' | 'not-run';
  readonly lines: readonly string[];
  readonly summary: Record<string, unknown>;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly attempts: number;
}

export type DailyOutcome =
  | { readonly kind: 'not-a-session'; readonly date: string; readonly reason: string }
  | { readonly kind: 'locked'; readonly lockFile: string; readonly holder: LockHolder | null }
  | { readonly kind: 'ran'; readonly tradingDate: string; readonly signalDate: string; readonly replay: boolean; readonly steps: readonly StepReport[]; readonly failed: boolean; readonly recoveredLockFrom: LockHolder | null };

/**
 * `kobe daily`: one trading day of the pipeline, safe to run from cron as often as it likes.
 * - A day that is not an NYSE session is a no-op that says why; nothing is opened or written.
 * - One run at a time: `<stateDir>/daily.lock` (pid, host, start time). A second run finds it
 *   held and returns `locked`, touching nothing; a lock whose process is dead is broken.
 * - Each step has a marker per (trading date, step): a rerun skips what is done and resumes at
 *   the first step not done. A step killed half-way is run again; every step is idempotent
 *   (orders by client order id, plans by their entry order, fills by the broker's cumulative
 *   quantity), so no order is sent twice or lost.
 * - The first step that fails stops the run (later steps build on it) and raises an alert, as do
 *   the kill switch, a tripped breaker and the trade of the day; alerts never block the run.
 */
export async function runDaily(spec: DailySpec, ctx: AppContext): Promise<DailyOutcome> {
  const day = spec.date === null ? newYorkDay(ctx.now().getTime()) : isoDayFlag(spec.date, ctx.param('date'));
  if (!isSession(day)) return { kind: 'not-a-session', date: dayToIso(day), reason: closureReason(day) ?? 'not a session' };
  const stateDir = resolve(ctx.cwd, spec.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const lockFile = join(stateDir, DAILY_LOCK_FILE);
  const lock = tryAcquireFileLock(lockFile, ctx.now().toISOString());
  if (!lock.ok) return { kind: 'locked', lockFile, holder: lock.holder };
  const run = new DailyRun(spec, day, ctx);
  try {
    if (lock.recoveredFrom !== null) run.journal('stale-lock-recovered', 'daily', { pid: lock.recoveredFrom.pid, startedAt: lock.recoveredFrom.startedAt });
    const wanted = spec.steps ?? DAILY_STEPS;
    const reports: StepReport[] = [];
    let stopped = false;
    if (killSwitchStatus(stateDir).engaged) await dailyAlert(run, { kind: 'kill-switch', title: `kill switch engaged on ${run.tradingDate}`, lines: ['every submission is blocked until a person switches it off (kobe kill-switch off)'] });
    for (const step of DAILY_STEPS.filter((s) => wanted.includes(s))) {
      if (stopped) {
        reports.push({ step, status: 'not-run', lines: [], summary: {}, error: null, attempts: run.store.marker(run.tradingDate, step)?.attempts ?? 0 });
        continue;
      }
      const marker = run.store.marker(run.tradingDate, step);
      if (marker?.status === 'done' && !spec.rerun) {
        reports.push({ step, status: 'skipped', lines: [`done earlier (${marker.finishedAt})`], summary: marker.summary, error: null, attempts: marker.attempts });
        continue;
      }
      run.at(step === 'fill' || step === 'reconcile' || step === 'report' || step === 'close-refresh' ? 'eod' : 'morning');
      const started = run.store.startStep(run.tradingDate, step, process.pid, run.nowIso());
      try {
        const r = await STEP_FNS[step](run);
        run.store.finishStep(run.tradingDate, step, r.status, r.summary, null, run.nowIso());
        spec.hooks?.afterStep?.(step);
        reports.push({ step, status: r.status, lines: r.lines, summary: r.summary, error: null, attempts: started.attempts });
        if (r.status === 'waiting') stopped = true;
        if (step === 'scan') await alertTradeOfDay(run, r.summary as unknown as ScanStepSummary);
      } catch (e) {
        const code = isKobeError(e) ? e.code : 'INTERNAL';
        const message = redactSecrets(isKobeError(e) ? e.describe() : e instanceof Error ? e.message : String(e));
        run.store.finishStep(run.tradingDate, step, 'failed', {}, `${code}: ${message}`, run.nowIso());
        run.journal('step-failed', step, { code, message });
        reports.push({ step, status: 'failed', lines: [message], summary: {}, error: { code, message }, attempts: started.attempts });
        await dailyAlert(run, { kind: 'pipeline-failure', title: `kobe daily ${run.tradingDate}: step ${step} failed`, lines: [`${code}: ${message}`, `rerun: kobe daily${run.replay ? ` --date ${run.tradingDate}` : ''} (finished steps are skipped)`] });
        stopped = true;
      }
    }
    await alertBreaker(run);
    return { kind: 'ran', tradingDate: run.tradingDate, signalDate: run.signalDate, replay: run.replay, steps: reports, failed: reports.some((r) => r.status === 'failed'), recoveredLockFrom: lock.recoveredFrom };
  } finally {
    run.close();
    releaseFileLock(lockFile, lock.token);
  }
}

async function alertTradeOfDay(run: DailyRun, scan: ScanStepSummary): Promise<void> {
  const pick = scan.picks.find((p) => p.symbol === scan.tradeOfDay.symbol);
  if (pick === undefined) return;
  await dailyAlert(run, {
    kind: 'trade-of-day',
    title: `trade of the day ${run.tradingDate}: ${pick.symbol} ${pick.side}`,
    lines: [`${pick.strategy}, signal close ${pick.entry.toFixed(2)}, confidence ${pick.confidence === null ? 'n/a' : pick.confidence.toFixed(2)}`, scan.tradeOfDay.reason],
  });
}

async function alertBreaker(run: DailyRun): Promise<void> {
  const breaker = run.ordersIfOpen()?.risk.breaker();
  if (breaker === undefined || breaker.state === 'ACTIVE') return;
  await dailyAlert(run, { kind: 'breaker-tripped', title: `circuit breaker ${breaker.state} on ${run.tradingDate}`, lines: [breaker.reason ?? 'tripped', 'only a person resets it (kobe risk --reset)'] });
}
