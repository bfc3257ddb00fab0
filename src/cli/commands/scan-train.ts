import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import type { MetricValue } from '../../backtest/metrics.js';
import { CALIBRATION_KINDS, modelToJson, type CalibrationKind } from '../../confidence/index.js';
import { getStrategy, resolveStrategyParams } from '../../strategies/registry.js';
import { modelTrainedThrough } from '../../app/scan-model/usable.js';
import { trainScanModel, type ScanTrainResult } from '../../app/scan-model/train-scan-model.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addDataOptions, addTradingOptions, numberFlag } from '../options.js';
import { logger, makeChalk, num, pct, table } from '../render.js';

interface ScanTrainFlags extends MarketFlags {
  strategy?: string;
  calibration: string;
  fitEnd?: string;
  calibrateEnd?: string;
  l2?: string;
  db: string;
  stateDir: string;
  audit: string;
  forceActivate?: boolean;
}

/**
 * `kobe scan train`: adds the `train` subcommand to the `scan` command it is given (the scan
 * itself lives in scan.ts). Exit 0 when a model was trained and stored (activated or not: a
 * model that is not better is an expected outcome, said in the output), 1 when no model could
 * be trained, 2 for bad flags or a damaged model file.
 */
export function registerScanTrain(scan: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = scan
    .command('train')
    .description("fit the scan's confidence model on the engine's own trades (walk-forward: fit, calibrate, held-out), store it, activate it only when it beats the active one")
    .option('--strategy <names>', 'comma list of strategies to learn from (default: those in production in --db, else ibs-rsi,turtle-soup with defaults)')
    .option('--calibration <kind>', `${CALIBRATION_KINDS.join(' | ')}: how raw probabilities are mapped to observed win rates (fitted on the calibrate fold)`, 'platt')
    .option('--fit-end <date>', 'last day of the fit fold: the model learns from trades closed on or before it (default: 60% of the signal days)')
    .option('--calibrate-end <date>', 'last day of the calibrate fold; later signals are held out (default: 80% of the signal days)')
    .option('--l2 <lambda>', 'L2 penalty of the logistic fit on standardised features (default 1)')
    .option('--db <file>', 'SQLite store: the production roster is read from it, the model recorded in scan_models', 'kobe.db')
    .option('--state-dir <dir>', 'folder of state files: models are written to <dir>/models/<id>.json and the active one to <dir>/models/active.json', 'state')
    .option('--audit <file>', 'hash-chained audit log that records every activation and refusal', 'audit/audit.jsonl')
    .option('--force-activate', 'make the new model the active one even when it is not better (a deliberate switch; audited)');
  addDataOptions(cmd);
  addTradingOptions(cmd);
  cmd.action(async (flags: ScanTrainFlags, command: Command) => {
    setExit(await runScanTrain(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
}

async function runScanTrain(flags: ScanTrainFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  if (!(CALIBRATION_KINDS as readonly string[]).includes(flags.calibration)) {
    throw usageError('BAD_FLAG', `unknown calibration '${flags.calibration}'`, { flag: '--calibration', value: flags.calibration, hint: CALIBRATION_KINDS.join(' or ') });
  }
  const legs =
    flags.strategy === undefined
      ? null
      : [...new Set(flags.strategy.split(',').map((s) => s.trim()).filter((s) => s !== ''))].map((n) => {
          const strategy = getStrategy(n, '--strategy');
          return { strategy, params: resolveStrategyParams(strategy, {}) };
        });
  if (legs !== null && legs.length === 0) throw usageError('UNKNOWN_STRATEGY', 'no strategy given', { flag: '--strategy' });
  const l2 = flags.l2 === undefined ? null : numberFlag(flags.l2, '--l2', { min: 0 });
  const result = await trainScanModel(
    {
      market: marketSpecFromFlags(flags),
      legs,
      calibration: flags.calibration as CalibrationKind,
      fitEnd: flags.fitEnd ?? null,
      calibrateEnd: flags.calibrateEnd ?? null,
      l2,
      db: flags.db,
      stateDir: flags.stateDir,
      audit: flags.audit,
      forceActivate: flags.forceActivate === true,
    },
    cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }),
  );
  for (const line of reportLines(result, io, c)) log(line);
  if (json) io.stdout.write(`${JSON.stringify(reportJson(result), null, 2)}\n`);
  return result.ok ? EXIT.ok : EXIT.runtime;
}

const metricText = (m: MetricValue, digits = 4) => (m.value === null ? `n/a (${m.reason})` : m.value.toFixed(digits));

function reportLines(r: ScanTrainResult, io: CliIo, c: ReturnType<typeof makeChalk>): string[] {
  const lines = [
    `strategies: ${r.strategies.join(', ')}${r.ok ? ` (${r.strategySource})` : ''}`,
    `rows: ${r.rows} of ${r.trades} closed trades (${r.droppedWarmup} in feature warm-up, ${r.droppedOpenAtEnd} open at the end of the data); folds: fit ${r.folds.fit}, calibrate ${r.folds.calibrate}, held-out ${r.folds.heldOut}, purged ${r.folds.purged} (open across a cut)`,
  ];
  if (!r.ok) return [...lines, c.red(`no model: ${r.code}: ${r.detail}`)];
  const m = r.model.metrics;
  const w = r.model.window;
  lines.push(
    `window: fit ${dayToIso(w.fitFrom)}..${dayToIso(w.fitTo)}, calibrate (${r.model.calibration.kind}) ${dayToIso(w.calibrateFrom)}..${dayToIso(w.calibrateTo)}, held-out ${dayToIso(w.heldOutFrom)}..${dayToIso(w.heldOutTo)}; usable by the scan on sessions after ${dayToIso(modelTrainedThrough(r.model))}`,
    `held-out (${m.n} trades, win rate ${pct(m.observedRate, 1)}, training base rate ${pct(m.baseRate, 1)}):`,
    `    Brier ${metricText(m.brier)} against ${metricText(m.baseRateBrier)} for the base rate (skill ${metricText(m.brierSkill, 3)}); log loss ${metricText(m.logLoss)} against ${metricText(m.baseRateLogLoss)}; AUC ${metricText(m.auc, 3)}`,
    table(
      ['forecast', 'trades', 'mean forecast', 'observed win rate'],
      m.reliability.map((b) => [`${pct(b.from, 0)}-${pct(b.to, 0)}`, b.count, b.meanPredicted === null ? '-' : pct(b.meanPredicted, 1), b.observedRate === null ? '-' : pct(b.observedRate, 1)]),
      io,
      { compact: true },
    ),
    table(
      ['feature', 'mean', 'std', 'coefficient (per std)'],
      [
        ...r.model.logistic.featureNames.map((f, i) => [f, num(r.model.logistic.means[i], 4), num(r.model.logistic.stds[i], 4), num(r.model.logistic.coefficients[i], 4)]),
        ['(intercept)', '', '', num(r.model.logistic.intercept, 4)],
      ],
      io,
      { compact: true },
    ),
    `model ${r.id} stored: ${r.file}`,
    r.activation.activated ? c.green(`activated: ${r.activation.reason}`) : c.yellow(`not activated: ${r.activation.reason}`),
  );
  if (r.activation.previousSawHeldOut) lines.push(`    note: the previous model learned from trades closing inside this held-out period, so its score there flatters it`);
  if (r.synthetic) lines.push('    SYNTHETIC DEMO DATA: this model says nothing about real stocks');
  return lines;
}

function reportJson(r: ScanTrainResult): Record<string, unknown> {
  const common = { strategies: r.strategies, trades: r.trades, rows: r.rows, droppedWarmup: r.droppedWarmup, droppedOpenAtEnd: r.droppedOpenAtEnd, folds: r.folds };
  if (!r.ok) return { ok: false, code: r.code, detail: r.detail, ...common };
  return {
    ok: true,
    id: r.id,
    file: r.file,
    synthetic: r.synthetic,
    strategySource: r.strategySource,
    ...common,
    trainedThrough: dayToIso(modelTrainedThrough(r.model)),
    activation: r.activation,
    model: modelToJson(r.model),
  };
}
