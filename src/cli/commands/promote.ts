import { relative } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { DEFAULT_GATES, type GateThresholds } from '../../validation/gates.js';
import { checkProbability } from '../../app/check.js';
import { promoteCandidate } from '../../app/promote.js';
import { writeFolderReport } from '../../app/report/run-report.js';
import { reviewRoster } from '../../app/review.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { numberFlag } from '../options.js';
import { logger, makeChalk, num, pct, table } from '../render.js';

interface PromoteFlags {
  review?: boolean;
  reviewDays: string;
  minSharpe: string;
  minPf: string;
  minTrades: string;
  minDsr: string;
  maxPbo: string;
  db: string;
  audit: string;
  cache?: string;
  dataDir?: string;
  outdir: string;
  report?: boolean;
  json?: boolean;
}

export function registerPromote(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('promote [candidate]')
    .description("promotion gates over a candidate's out-of-sample record: RUN_ID (the best genome of a kobe evolve run), RUN_ID:FINGERPRINT (another), wf:RUN_ID[:STRATEGY] (a kobe wf run); or --review of the production roster")
    .option('--review', 'review every production, decaying and retired strategy on the latest window: keep, flag, decay, retire, re-enable')
    .option('--review-days <n>', 'sessions in the review window', '126')
    .option('--min-sharpe <x>', 'gate: out-of-sample Sharpe must exceed', String(DEFAULT_GATES.minOosSharpe))
    .option('--min-pf <x>', 'gate: profit factor must exceed', String(DEFAULT_GATES.minProfitFactor))
    .option('--min-trades <n>', 'gate: at least this many out-of-sample trades', String(DEFAULT_GATES.minTrades))
    .option('--min-dsr <p>', 'gate: Deflated Sharpe Ratio at least (probability)', String(DEFAULT_GATES.minDeflatedSharpe))
    .option('--max-pbo <p>', 'gate: Probability of Backtest Overfitting at most', String(DEFAULT_GATES.maxPbo))
    .option('--db <file>', 'SQLite store with the search and the registry', 'kobe.db')
    .option('--audit <file>', 'hash-chained audit log', 'audit/audit.jsonl')
    .option('--data-dir <dir>', "the data folder, when it moved since the search (its hash must match)")
    .option('--cache <dir>', 'binary bar cache folder')
    .option('--outdir <dir>', 'artifact folder: the promotion is recorded as a run in <outdir>/promote/<run id>/ (result, the candidate\'s out-of-sample equity and trades)', 'wf_outputs')
    .option('--report', 'also write report.html in the run folder (gates, DSR inputs, PBO logits, the candidate\'s equity; as kobe report RUN_ID)')
    .option('--json', 'machine-readable result on stdout')
    .addHelpText('after', `\nExit codes: ${EXIT.ok} promoted (or --review done), ${EXIT.runtime} runtime failure, ${EXIT.usage} usage, config or input error (also a replay that does not reproduce the run), ${EXIT.rejected} a gate rejected the candidate.`)
    .action(async (candidate: string | undefined, flags: PromoteFlags) => {
      if (flags.review === true) setExit(await runReview(flags, io));
      else if (candidate === undefined) throw usageError('BAD_FLAG', 'name a candidate (RUN_ID or RUN_ID:FINGERPRINT) or pass --review', { flag: 'candidate' });
      else setExit(await runPromote(candidate, flags, io));
    });
}

function thresholds(f: PromoteFlags): GateThresholds {
  return {
    minOosSharpe: numberFlag(f.minSharpe, '--min-sharpe'),
    minProfitFactor: numberFlag(f.minPf, '--min-pf', { min: 0 }),
    minTrades: numberFlag(f.minTrades, '--min-trades', { integer: true, min: 0 }),
    minDeflatedSharpe: checkProbability(f.minDsr, '--min-dsr'),
    maxPbo: checkProbability(f.maxPbo, '--max-pbo'),
  };
}

async function runPromote(candidate: string, flags: PromoteFlags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  const gatesAt = thresholds(flags);
  const ctx = cliContext(io, log, { path: '.env', explicit: false });
  {
    const { result, trialSet, dsr, pbo, score, gates, failed, metrics: m, manifest, runDir } = await promoteCandidate(
      candidate,
      { db: flags.db, audit: flags.audit, cache: flags.cache, dataDir: flags.dataDir, gates: gatesAt, outDir: flags.outdir },
      ctx,
    );
    const report = flags.report === true ? writeFolderReport('promote', runDir) : null;
    const rec = { id: result.candidate, label: result.text, synthetic: result.synthetic };
    if (json) io.stdout.write(`${JSON.stringify(report === null ? result : { ...result, report }, null, 2)}\n`);
    else {
      log(`candidate ${rec.id}: ${rec.label}${rec.synthetic ? '  [SYNTHETIC DEMO DATA]' : ''}`);
      log(table(['gate', 'measured', 'threshold', 'result'], gates.map((g) => [g.code, g.measured === null ? 'n/a' : g.count ? String(g.measured) : num(g.measured, 3), `${g.comparison} ${g.threshold}`, g.ok ? c.green('pass') : c.red('FAIL')]), io));
      log(`deflated Sharpe ${num(dsr.dsr, 3)}${dsr.reason === undefined ? '' : ` (${dsr.reason})`} from per-period Sharpe ${num(dsr.perPeriodSharpe, 4)} over ${dsr.nObs} returns, skew ${num(dsr.skew, 2)}, kurtosis ${num(dsr.kurtosis, 2)}, ${trialSet.trialCount} trials with Sharpe variance ${num(dsr.trialSharpeVariance, 6)} (expected max ${num(dsr.expectedMaxSharpe, 4)})`);
      if (trialSet.excluded > 0) log(`  of ${trialSet.trialsTried} trials tried, ${trialSet.excluded} have no Sharpe and count in neither N nor V: ${Object.entries(trialSet.excludedBecause).map(([why, k]) => `${k} ${why}`).join('; ')}`);
      log(`probability of backtest overfitting ${num(pbo.pbo, 3)} (${pbo.detail})`);
      log(`score ${num(score.score, 3)}${score.tags.length ? ` [${score.tags.join(', ')}]` : ''}; out-of-sample return ${pct(m.totalReturnFrac.value)}, Sharpe ${num(m.sharpe.value)}, PF ${num(m.profitFactor.value)}, ${m.trades} trades`);
      log(failed.length === 0 ? c.green(`PROMOTED to production`) : c.red(`REJECTED: ${failed.map((g) => `${g.code} (${g.detail})`).join('; ')}`));
      log(`recorded as run ${manifest.runId} in ${flags.db}; artifacts ${relative(io.cwd, runDir) || runDir}/${report === null ? '' : `; report ${relative(io.cwd, report)}`}`);
    }
    return failed.length === 0 ? EXIT.ok : EXIT.rejected;
  }
}

async function runReview(flags: PromoteFlags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const reviewDays = numberFlag(flags.reviewDays, '--review-days', { integer: true, positive: true });
  const rows = await reviewRoster({ db: flags.db, audit: flags.audit, cache: flags.cache, dataDir: flags.dataDir, reviewDays }, cliContext(io, log, { path: '.env', explicit: false }));
  if (json) io.stdout.write(`${JSON.stringify({ reviewed: rows }, null, 2)}\n`);
  else if (rows.length === 0) log('no strategy in production, decaying or retired to review');
  else {
    log(
      table(
        ['strategy', 'window', 'trades', 'Sharpe', 'PF', 'state', 'reason'],
        rows.map((r) => {
          const m = r.measures as { trades: number; sharpe: number | null; profitFactor: number | null };
          return [String(r.id).slice(0, 12), String(r.window), m.trades, num(m.sharpe), num(m.profitFactor), `${r.from} -> ${r.to}${r.borderline ? ' (borderline)' : ''}`, String(r.reason)];
        }),
        io,
      ),
    );
  }
  return 0;
}
