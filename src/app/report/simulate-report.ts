import { backtest, type BacktestResult } from '../../backtest/backtest.js';
import { metricsToJson } from '../../backtest/metrics.js';
import { dayToIso } from '../../core/calendar.js';
import { inputError } from '../../core/errors.js';
import { stableStringify } from '../../core/stable-json.js';
import { dataCaveats, reportManifest } from '../../report/manifest-block.js';
import type { ReportData } from '../../report/report-data.js';
import { simulateSections } from '../../report/simulate-report.js';
import { getStrategy } from '../../strategies/registry.js';
import type { ResampleMethod } from '../../validation/monte-carlo/index.js';
import type { AppContext } from '../context.js';
import type { Manifest } from '../manifest.js';
import { allocationActive, allocationJson } from '../allocation-view.js';
import { engineFromManifest, marketFromManifest } from '../replay.js';
import type { LoadedRun } from '../market.js';
import { runMonteCarlo, runStress } from '../simulate-risk.js';
import { describeOptionReplay, skipSummary } from '../../options/option-replay.js';
import type { OptionReportInput } from '../../report/simulate-report.js';
import { decodeOptionReplay } from '../run-spec.js';
import { replayOptions, type SimulateOptions } from '../simulate-run.js';

/** How a report resamples a simulation: `kobe simulate --report` passes its own flags. */
export interface RiskSettings {
  readonly simulations: number;
  readonly method: ResampleMethod;
  readonly maxDrawdownFrac: number;
  readonly stress: boolean;
}

export const DEFAULT_REPORT_RISK: RiskSettings = { simulations: 1000, method: 'bootstrap', maxDrawdownFrac: 0.2, stress: true };

/**
 * The report of one simulation. The Monte Carlo is run again here with the paths' samples kept:
 * same trades, same seed, same settings give the same numbers `kobe simulate` printed.
 */
export function simulateReportData(manifest: Manifest, result: BacktestResult, risk: RiskSettings, options: SimulateOptions | null = null): ReportData {
  const e = result.engine;
  const m = result.metrics;
  const mc = risk.simulations > 0 ? runMonteCarlo(e, risk.simulations, risk.method, manifest.seed, risk.maxDrawdownFrac, true) : null;
  const stress = risk.stress ? runStress(e, m.beta.value, m.avgExposureFrac.value, risk.maxDrawdownFrac) : null;
  const names = (manifest.run as { strategies: { name: string }[] }).strategies.map((s) => s.name);
  const legs = names.join(' + ');
  const config = engineFromManifest(manifest);
  return {
    kind: 'simulate',
    title: `Simulation: ${legs}`,
    subtitle: `run ${manifest.runId}, ${manifest.data.start} .. ${manifest.data.end}, ${manifest.data.symbols.length} symbols, one account; Monte Carlo ${risk.simulations > 0 ? `${risk.simulations} ${risk.method} paths, drawdown tolerance ${(risk.maxDrawdownFrac * 100).toFixed(0)}%` : 'off'}${risk.stress ? ', stress scenarios' : ''}`,
    manifest: reportManifest(manifest),
    caveats: dataCaveats(manifest),
    sections: simulateSections({
      label: legs,
      metrics: metricsToJson(m),
      curve: { dates: Array.from(e.days, dayToIso), equity: e.equity, exposureFrac: e.exposureFrac, benchmark: result.benchmark, initialCapital: e.initialCapital },
      trades: { pnl: Float64Array.from(e.trades, (t) => t.pnl), barsHeld: Float64Array.from(e.trades, (t) => t.barsHeld) },
      monteCarlo: mc,
      stress,
      observedMaxDrawdown: m.maxDrawdownFrac.value,
      options: options === null ? null : optionReportInput(options, result.benchmark),
      allocation: allocationActive(config) ? allocationJson(config, e, names) : null,
    }),
  };
}

function optionReportInput(o: SimulateOptions, benchmark: Float64Array | null): OptionReportInput {
  const r = o.replay;
  const s = o.settings;
  const skipped = skipSummary(r.skipCounts);
  return {
    header: describeOptionReplay(s),
    notes: [
      `calls for long trades, puts for short trades: the listed strike nearest |delta| ${s.targetAbsDelta} at the signal close; expiry ${s.daysToExpiry} calendar days after the entry`,
      `premium at risk ${(s.premiumRiskFrac * 100).toFixed(2)}% of the option account per trade (entry commission included); $${s.commissionPerContractUsd.toFixed(2)} per contract per side`,
      'entry and exit priced at the engine stock fills with the entry volatility; a stock trade that outlives expiry settles the option at intrinsic value at the last close on or before expiry',
      `${r.trades.length} option trades, ${r.trades.filter((t) => t.settledAtExpiry).length} settled at expiry; stock trades not traded as options: ${skipped.length === 0 ? 'none' : skipped.join(', ')}`,
    ],
    metrics: metricsToJson(o.metrics),
    curve: { dates: Array.from(r.days, dayToIso), equity: r.equity, exposureFrac: r.exposureFrac, benchmark, initialCapital: r.initialCapital },
    trades: { pnl: Float64Array.from(r.trades, (t) => t.pnl), barsHeld: Float64Array.from(r.trades, (t) => t.barsHeld) },
  };
}

/** The option replay a manifest recorded (`run.options`), run again on the replayed backtest; null for a stock run. */
function replayOptionsOf(manifest: Manifest, run: LoadedRun, result: BacktestResult): SimulateOptions | null {
  const raw = (manifest.run as { options?: Record<string, unknown> }).options;
  if (raw === undefined) return null;
  return replayOptions(run, result, decodeOptionReplay(raw));
}

/**
 * A recorded simulation's backtest, replayed from its manifest on the same data (the hash is
 * checked) and checked against the recorded metrics: a report never shows other numbers than
 * the run recorded.
 */
export async function replaySimulation(manifest: Manifest, recordedSummaryJson: string, ctx: AppContext, dataDir: string | null): Promise<{ result: BacktestResult; options: SimulateOptions | null }> {
  const run = await marketFromManifest(manifest, ctx, { checkHash: true, ...(dataDir === null ? {} : { dataDir }) });
  const legs = (manifest.run as { strategies: { name: string; params: Record<string, number> }[] }).strategies.map((s) => ({ strategy: getStrategy(s.name), params: s.params }));
  const result = backtest(run.ctx, legs, engineFromManifest(manifest), run.from, run.to);
  if (stableStringify(metricsToJson(result.metrics)) !== recordedSummaryJson) {
    throw inputError('REPLAY_MISMATCH', `replaying simulation ${manifest.runId} did not reproduce its recorded metrics`, { hint: 'the kobe version changed since the run; run the simulation again' });
  }
  return { result, options: replayOptionsOf(manifest, run, result) };
}
