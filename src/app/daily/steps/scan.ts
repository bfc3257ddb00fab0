import { assignArm } from '../../../validation/champion-challenger.js';
import { runScan, type ScanPick, type ScanResult, type ScanSpec } from '../../scan/run-scan.js';
import type { ScanLeg } from '../../scan/scan-signals.js';
import type { DailyRun } from '../daily-run.js';
import { writeScanMorningReport } from '../morning-report.js';
import type { SubmitMode } from '../daily-spec.js';
import { done, type StepResult } from './step.js';

/** A pick as the later steps need it: enough to size, submit and manage the position as the engine would. */
export interface PlannedPick {
  readonly symbol: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number>>;
  readonly side: 'long' | 'short';
  /** The signal close (the engine's reference price for sizing). */
  readonly entry: number;
  readonly stopDist: number | null;
  readonly targetDist: number | null;
  readonly timeExitBars: number;
  readonly strength: number;
  readonly confidence: number | null;
}

export interface ScanStepSummary {
  readonly scanDate: string;
  readonly signals: number;
  readonly admitted: number;
  /** What the submit step sends for real (empty under the shadow-only policy). */
  readonly picks: readonly PlannedPick[];
  readonly tradeOfDay: { readonly symbol: string | null; readonly reason: string };
  readonly challenger: { readonly picks: readonly PlannedPick[]; readonly strategies: readonly string[] } | null;
}

function chosen(result: ScanResult, mode: SubmitMode): ScanPick[] {
  if (mode === 'none') return [];
  if (mode === 'top3') return [...result.top];
  return result.tradeOfDay.pick === null ? [] : [result.tradeOfDay.pick];
}

function planned(result: ScanResult, picks: readonly ScanPick[]): PlannedPick[] {
  return picks.map((p) => {
    const params = result.strategies.find((s) => s.name === p.strategy)?.params ?? {};
    return {
      symbol: p.symbol,
      strategy: p.strategy,
      params,
      side: p.side,
      entry: p.entry,
      stopDist: p.stopDist,
      targetDist: p.targetDist,
      timeExitBars: params.timeExitBars ?? 0,
      strength: p.strength,
      confidence: p.confidence.value,
    };
  });
}

/**
 * The scan of the session before the trading day, with the same rules as `kobe scan` (it is
 * `runScan`): every signal and its gate results go to the journal, the picks to the marker. With
 * a challenger, its scan runs beside (writing nothing of its own) and every signal of both is
 * recorded in the experiments table with its arm; the challenger's picks are never submitted.
 * The morning report (`<reportsDir>/daily/<date>.morning.html`) is written from this scan.
 */
export async function scanStep(run: DailyRun): Promise<StepResult> {
  run.at('morning');
  const spec = run.spec;
  const scanSpec = (legs: readonly ScanLeg[] | null, record: boolean): ScanSpec => ({
    market: spec.market,
    date: run.signalDate,
    legs,
    db: spec.db,
    stateDir: spec.stateDir,
    logsDir: spec.logsDir,
    audit: spec.audit,
    quotes: null,
    earnings: null,
    gates: spec.gates,
    regimeSmaPeriod: spec.regimeSmaPeriod,
    mix: spec.mix,
    ensureTop3: true,
    minConfidence: spec.minConfidence,
    capitalUsd: spec.capitalUsd,
    explain: null,
    record,
  });
  const champion = await scanOnce(run, scanSpec(spec.legs, true));
  for (const s of champion.signals) {
    run.journal('signal', s.symbol, { strategy: s.strategy, side: s.side, signalDate: s.date, entry: s.entry, strength: s.strength, confidence: s.confidence.value, reason: s.reason });
    run.journal('gate-result', s.symbol, { strategy: s.strategy, admitted: s.admitted, gates: s.gates.map((g) => ({ gate: g.gate, ok: g.ok, code: g.code, detail: g.detail })) });
  }
  const championPicks = chosen(champion, spec.submit);
  const shadowOnly = spec.challenger?.policy === 'shadow-only';
  let challenger: ScanStepSummary['challenger'] = null;
  let challengerScan: ScanResult | null = null;
  if (spec.challenger !== null) {
    const c = await scanOnce(run, scanSpec(spec.challenger.legs, false));
    challengerScan = c;
    const challengerPicks = chosen(c, spec.submit === 'none' ? 'trade-of-day' : spec.submit);
    recordExperiments(run, 'champion', champion, championPicks, shadowOnly ? 'shadow' : 'real', spec.challenger.salt);
    recordExperiments(run, 'challenger', c, challengerPicks, 'shadow', spec.challenger.salt);
    challenger = { picks: planned(c, challengerPicks), strategies: c.strategies.map((s) => s.name) };
  }
  const t = champion.tradeOfDay.pick;
  const summary: ScanStepSummary = {
    scanDate: champion.date,
    signals: champion.signals.length,
    admitted: champion.signals.filter((s) => s.admitted).length,
    picks: shadowOnly ? [] : planned(champion, championPicks),
    tradeOfDay: { symbol: t === null ? null : t.symbol, reason: champion.tradeOfDay.reason },
    challenger,
  };
  const lines = [
    `scan of ${champion.date}: ${summary.signals} signal(s), ${summary.admitted} through every gate`,
    `trade of the day: ${t === null ? `none (${champion.tradeOfDay.reason})` : `${t.symbol} ${t.side} (${t.strategy}), confidence ${t.confidence.value === null ? 'n/a' : t.confidence.value.toFixed(2)}`}`,
    `to submit (${spec.submit}${shadowOnly ? ', shadow-only: nothing for real' : ''}): ${summary.picks.length === 0 ? 'nothing' : summary.picks.map((p) => `${p.symbol} (${p.strategy})`).join(', ')}`,
  ];
  if (challenger !== null) lines.push(`challenger (${challenger.strategies.join(', ')}) in shadow: ${challenger.picks.length === 0 ? 'no pick' : challenger.picks.map((p) => p.symbol).join(', ')}`);
  lines.push(`morning report: ${writeScanMorningReport(run, champion, challengerScan)}`);
  return done(summary as unknown as Record<string, unknown>, lines);
}

async function scanOnce(run: DailyRun, spec: ScanSpec): Promise<ScanResult> {
  const outcome = await runScan(spec, run.ctx);
  // The scan is of an explicit date, which runScan never calls stale.
  if (outcome.kind !== 'scanned') throw new Error(`scan of ${spec.date} found stale data`);
  return outcome.result;
}

function recordExperiments(run: DailyRun, role: 'champion' | 'challenger', result: ScanResult, picks: readonly ScanPick[], executedWhenPicked: 'real' | 'shadow', salt: string): void {
  const pickedKeys = new Set(picks.map((p) => `${p.strategy}|${p.symbol}`));
  for (const s of result.signals) {
    const picked = pickedKeys.has(`${s.strategy}|${s.symbol}`);
    run.store.recordExperiment({
      tradingDate: run.tradingDate,
      signalDate: result.date,
      role,
      strategy: s.strategy,
      symbol: s.symbol,
      side: s.side,
      arm: assignArm(salt, s.symbol, run.signalDay),
      picked,
      executed: picked ? executedWhenPicked : 'none',
      decision: { admitted: s.admitted, strength: s.strength, confidence: s.confidence.value, gates: s.gates.filter((g) => g.ok === false).map((g) => g.code) },
      recordedAt: run.nowIso(),
    });
  }
}
