import { join, resolve } from 'node:path';
import type { WalkForwardResult } from '../backtest/walk-forward.js';
import { stableStringify } from '../core/stable-json.js';
import { RunStore } from '../store/run-store.js';
import type { GateThresholds } from '../validation/gates.js';
import { checkOutDir, publishInTransaction, removeStaleStaging, StagedRun } from './artifacts.js';
import type { AppContext } from './context.js';
import { makeManifest, type Manifest } from './manifest.js';
import { equityCurveCsv, tradeListCsv } from './report-writers.js';

/**
 * A promotion as a recorded run: `kobe runs` lists it and `kobe report` draws it. Its manifest is
 * the source run's data and engine with the candidate, its source and the gate thresholds as the
 * run spec, so judging the same candidate by the same gates again is the same run id (the row
 * and folder are replaced, not added). Its folder, `<outDir>/promote/<runId>/`, holds the result
 * (summary.json) and the candidate's replayed out-of-sample record (equity_curve.csv,
 * trade_list.csv), which the result alone does not keep.
 */
export function promoteManifest(source: Manifest, candidate: string, candidateSource: Record<string, unknown>, gates: GateThresholds): Manifest {
  return makeManifest({ command: 'promote', seed: source.seed, data: source.data, engine: source.engine, run: { candidate, source: candidateSource, gates } });
}

/** `<outDir>/promote`, checked before any work so a bad folder fails before the replay. */
export function promoteOutDir(outDir: string, ctx: AppContext): string {
  const dir = resolve(ctx.cwd, outDir, 'promote');
  checkOutDir(dir);
  return dir;
}

/** Writes the run's folder and its row together (see publishInTransaction); returns the folder. */
export function recordPromoteRun(manifest: Manifest, result: Readonly<Record<string, unknown>>, wf: WalkForwardResult, where: { outDir: string; db: string }, ctx: AppContext): string {
  removeStaleStaging(where.outDir);
  const stage = new StagedRun(where.outDir, manifest.runId);
  try {
    stage.write('manifest.json', `${stableStringify(manifest, 2)}\n`);
    stage.write('summary.json', `${stableStringify(result, 2)}\n`);
    stage.write('equity_curve.csv', equityCurveCsv(wf.days, wf.equity, wf.exposureFrac, wf.benchmark));
    stage.write('trade_list.csv', tradeListCsv(wf.trades));
  } catch (e) {
    stage.abort();
    throw e;
  }
  const store = new RunStore(resolve(ctx.cwd, where.db), { mustExist: true });
  try {
    publishInTransaction(stage, (inside) =>
      store.recordRun({ runId: manifest.runId, command: 'promote', manifestJson: stableStringify(manifest), summaryJson: stableStringify(result) }, [], ctx.now().toISOString(), inside),
    );
  } finally {
    store.close();
  }
  return join(where.outDir, manifest.runId);
}
