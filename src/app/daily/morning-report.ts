import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MorningInput, MorningIntent } from '../../report/daily-morning-report.js';
import { writeFileAtomic } from '../artifacts.js';
import { readJsonArtifact } from '../report/artifact-files.js';
import type { ScanResult } from '../scan/run-scan.js';
import { morningScan, writeMorningPage } from '../scan/scan-report.js';
import type { DailyRun } from './daily-run.js';

/** `<reportsDir>/daily/<date>.morning.{json,html}`: the morning report's input and its page. */
export function morningFiles(run: DailyRun): { json: string; html: string } {
  const dir = join(resolve(run.ctx.cwd, run.spec.reportsDir), 'daily');
  return { json: join(dir, `${run.tradingDate}.morning.json`), html: join(dir, `${run.tradingDate}.morning.html`) };
}

/** The submit step's outcomes as the morning page lists them (its marker summary holds them). */
export function intentsOf(outcomes: readonly Record<string, unknown>[]): MorningIntent[] {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return outcomes.map((o) => {
    const i: Record<string, unknown> = { symbol: String(o.symbol), strategy: String(o.strategy), outcome: String(o.outcome) };
    for (const k of ['code', 'detail', 'clientOrderId', 'state'] as const) if (str(o[k]) !== undefined) i[k] = o[k];
    if (num(o.shares) !== undefined) i.shares = o.shares;
    if (o.limitPrice === null || num(o.limitPrice) !== undefined) i.limitPrice = o.limitPrice;
    return i as unknown as MorningIntent;
  });
}

/** The intents of the day's submit step if it is done (a rerun of the scan keeps them on the page). */
function doneIntents(run: DailyRun): MorningIntent[] | null {
  const m = run.store.marker(run.tradingDate, 'submit');
  return m === null || m.status !== 'done' ? null : intentsOf((m.summary.outcomes as Record<string, unknown>[] | undefined) ?? []);
}

/**
 * The scan step's morning report: the champion's scan, the morning's data check (the verify
 * step's marker), the challenger beside it and what the submit step will send. Written as JSON
 * (the submit step adds its intents to it) and HTML.
 */
export function writeScanMorningReport(run: DailyRun, champion: ScanResult, challenger: ScanResult | null): string {
  const verify = run.store.marker(run.tradingDate, 'verify');
  const v = verify?.status === 'done' ? verify.summary : null;
  const dataCheck =
    v !== null && typeof v.errors === 'number'
      ? { errors: v.errors, warnings: Number(v.warnings), unreadable: (v.unreadable as string[] | undefined) ?? [], policy: String(v.policy) }
      : null;
  const shadowOnly = run.spec.challenger?.policy === 'shadow-only';
  const input: MorningInput = {
    tradingDate: run.tradingDate,
    replay: run.replay,
    scan: morningScan(champion),
    universe: { ...champion.universe, synthetic: champion.synthetic },
    dataCheck,
    challenger: challenger === null || run.spec.challenger === null ? null : { policy: run.spec.challenger.policy, scan: morningScan(challenger) },
    submit: { mode: shadowOnly ? `${run.spec.submit}, shadow-only: nothing for real` : run.spec.submit, intents: doneIntents(run) },
  };
  return writeMorning(run, input);
}

/** The submit step adds what it sent to the morning report; null when the scan wrote none (it ran before this existed). */
export function addIntentsToMorningReport(run: DailyRun, outcomes: readonly Record<string, unknown>[]): string | null {
  const files = morningFiles(run);
  if (!existsSync(files.json)) return null;
  const input = readJsonArtifact<MorningInput>(files.json, 'the scan step writes it; rerun it with kobe daily --step scan --rerun');
  if (input.submit === null) return null;
  return writeMorning(run, { ...input, submit: { ...input.submit, intents: intentsOf(outcomes) } });
}

function writeMorning(run: DailyRun, input: MorningInput): string {
  const files = morningFiles(run);
  writeFileAtomic(files.json, `${JSON.stringify(input, null, 2)}\n`);
  writeMorningPage(files.html, input);
  return files.html;
}
