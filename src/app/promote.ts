import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { dailyReturns, metricsToJson } from '../backtest/metrics.js';
import { RegistryStore } from '../store/registry-store.js';
import { evaluateGates, failedGates, type GateThresholds } from '../validation/gates.js';
import { scoreStrategy } from '../validation/scoring.js';
import { dsrTrialSet } from '../validation/stats/deflated-sharpe.js';
import type { AppContext } from './context.js';
import { assembleCandidate, deflatedSharpeOverTrials, type CandidateSource } from './promote-candidates.js';
import { promoteManifest, promoteOutDir, recordPromoteRun } from './promote-run.js';

export interface PromoteOptions extends CandidateSource {
  /** The hash-chained audit log the gate result (and a promotion) is appended to. */
  readonly audit: string;
  readonly gates: GateThresholds;
  /** Artifact folder: the promotion is recorded as a run in `<outDir>/promote/<runId>/`. */
  readonly outDir: string;
}

/**
 * Judges a candidate by the promotion gates over its replayed out-of-sample record, records the
 * verdict in the registry and the audit log, and moves a candidate that passed every gate to
 * production. A rejection is a value (`failed` not empty), not an error. The result is recorded
 * as a `promote` run with its folder of artifacts (src/app/promote-run.ts).
 */
export async function promoteCandidate(candidate: string, opts: PromoteOptions, ctx: AppContext) {
  const registry = new RegistryStore(resolve(ctx.cwd, opts.db), { mustExist: true });
  try {
    const outDir = promoteOutDir(opts.outDir, ctx);
    const rec = await assembleCandidate(candidate, opts, ctx);
    const { wf } = rec;
    const m = wf.metrics;
    const trialSet = dsrTrialSet(rec.trials);
    const dsr = deflatedSharpeOverTrials(dailyReturns(wf.equity), trialSet.trialCount, trialSet.trialSharpeVariance);
    const pbo = rec.pbo;
    const gates = evaluateGates(
      {
        oosSharpe: m.sharpe.value,
        profitFactor: m.profitFactor.value,
        trades: m.trades,
        splitsEvaluated: wf.folds.length,
        splitsExpected: rec.splitsExpected,
        deflatedSharpe: dsr.dsr,
        pbo: pbo.pbo,
      },
      opts.gates,
    );
    const failed = failedGates(gates);
    const score = scoreStrategy({
      sharpe: m.sharpe.value,
      cagr: m.cagrFrac.value,
      profitFactor: m.profitFactor.value,
      maxDrawdown: m.maxDrawdownFrac.value,
      trades: m.trades,
      totalPnl: wf.trades.reduce((a, t) => a + t.pnl, 0),
    }, opts.gates.minTrades);

    const now = ctx.now().toISOString();
    const entry = registry.register(rec.id, rec.label, JSON.stringify(rec.genome), JSON.stringify(rec.source), now);
    const auditPath = resolve(ctx.cwd, opts.audit);
    const verdict = failed.length === 0 ? 'promoted' : 'rejected';
    appendAudit(auditPath, { kind: 'gate-result', subject: rec.id, at: now, data: { source: rec.source, verdict, gates, dsr, pbo: pbo.summary, score } });
    if (failed.length === 0 && entry.state !== 'production') {
      registry.transition(rec.id, 'production', 'promoted: every gate passed', { source: rec.source, score: score.score }, now, 0);
      appendAudit(auditPath, { kind: 'promotion', subject: rec.id, at: now, data: { from: entry.state, to: 'production', source: rec.source } });
    } else if (failed.length > 0) {
      registry.transition(rec.id, entry.state, `rejected: ${failed.map((g) => g.code).join(', ')}`, { gates: failed }, now);
    }

    const manifest = promoteManifest(rec.manifest, rec.id, rec.source, opts.gates);
    const result = {
      candidate: rec.id,
      source: rec.source,
      genome: rec.genome,
      text: rec.label,
      verdict,
      state: registry.get(rec.id)!.state,
      gates,
      failed: failed.map((g) => g.code),
      deflatedSharpe: { ...dsr, trialCount: trialSet.trialCount, trialSet: { set: trialSet.set, tried: trialSet.trialsTried, excluded: trialSet.excluded, excludedBecause: trialSet.excludedBecause } },
      pbo: { ...pbo.summary, logits: pbo.logits },
      score,
      oos: metricsToJson(m),
      splits: wf.folds.length,
      synthetic: rec.synthetic,
      runId: manifest.runId,
    };
    const runDir = recordPromoteRun(manifest, result, wf, { outDir, db: opts.db }, ctx);
    return { result, trialSet, dsr, pbo, score, gates, failed, metrics: m, manifest, runDir };
  } finally {
    registry.close();
  }
}
