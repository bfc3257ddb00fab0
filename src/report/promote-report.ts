import type { MetricsJson } from '../backtest/metrics.js';
import type { GateResult } from '../validation/gates.js';
import type { DeflatedSharpeResult } from '../validation/stats/deflated-sharpe.js';
import type { LogitCount } from '../validation/stats/pbo.js';
import { metricTiles, performanceSections, type CurveInput, type TradesInput } from './performance.js';
import type { Section, Tile, ValueFormat } from './report-data.js';
import { finiteOrNull, histogram } from './series.js';

/** What `kobe promote` recorded (its --json result, the run's summary.json), as far as a report reads it. */
export interface PromoteResultInput {
  readonly candidate: string;
  readonly text: string;
  readonly verdict: string;
  readonly state: string;
  readonly source: Readonly<Record<string, unknown>>;
  readonly gates: readonly GateResult[];
  /** The DSR with its inputs, N (trialCount) and the trials left out of it. */
  readonly deflatedSharpe: DeflatedSharpeResult & {
    readonly trialCount: number;
    readonly trialSet?: { readonly tried: number; readonly excluded: number; readonly excludedBecause: Readonly<Record<string, number>> };
  };
  readonly pbo: {
    readonly pbo: number | null;
    readonly reason?: string;
    readonly combinations?: number;
    readonly blockCount?: number;
    readonly strategies?: number;
    readonly probabilityOfOosLoss?: number;
    /** Absent in a result recorded before the logits were kept. */
    readonly logits?: readonly LogitCount[];
  };
  readonly oos: MetricsJson;
  readonly splits: number;
}

export interface PromoteReportInput {
  readonly result: PromoteResultInput;
  /** The candidate's replayed out-of-sample record. */
  readonly curve: CurveInput;
  readonly trades: TradesInput;
}

/** A gate's measure in its own unit: counts as integers, probabilities as they are. */
const gateFormat = (g: GateResult): ValueFormat => (g.count ? 'int' : 'num');

const GATE_LABELS: Readonly<Record<string, string>> = {
  OOS_SHARPE_TOO_LOW: 'Out-of-sample Sharpe',
  PROFIT_FACTOR_TOO_LOW: 'Profit factor',
  TOO_FEW_TRADES: 'Out-of-sample trades',
  SPLITS_MISSING: 'Splits evaluated',
  DEFLATED_SHARPE_TOO_LOW: 'Deflated Sharpe Ratio',
  BACKTEST_OVERFIT: 'Probability of backtest overfitting',
};

const gateLabel = (g: GateResult): string => GATE_LABELS[g.code] ?? g.code;

/** One tile per gate, coloured by its verdict; the threshold is in the note. */
export function gateTiles(gates: readonly GateResult[]): Tile[] {
  return gates.map((g) => ({
    label: gateLabel(g),
    value: finiteOrNull(g.measured),
    format: gateFormat(g),
    state: g.ok ? 'pass' : 'fail',
    note: `${g.code}: must be ${g.comparison} ${g.threshold}${g.measured === null ? ' (not computed: fails)' : ''}`,
  }));
}

export const measuredText = (g: GateResult): string =>
  g.measured === null || !Number.isFinite(g.measured) ? 'n/a (fails)' : g.count ? String(g.measured) : String(Number(g.measured.toFixed(4)));

function gateTable(gates: readonly GateResult[]): Section {
  return {
    type: 'table',
    title: 'Gates: value, threshold, verdict',
    columns: [
      { key: 'gate', label: 'gate', format: 'text' },
      { key: 'code', label: 'code', format: 'text' },
      { key: 'measured', label: 'measured', format: 'text' },
      { key: 'threshold', label: 'threshold', format: 'text' },
      { key: 'result', label: 'result', format: 'text' },
    ],
    // As the terminal shows them: a count as an integer (never 403.00), a statistic to 4 decimals.
    rows: gates.map((g) => ({ gate: gateLabel(g), code: g.code, measured: measuredText(g), threshold: `${g.comparison} ${g.threshold}`, result: g.ok ? 'pass' : 'FAIL' })),
  };
}

/** The Deflated Sharpe Ratio with every input it was computed from, so it can be checked by hand. */
function dsrSections(d: PromoteResultInput['deflatedSharpe']): Section[] {
  const tiles: Tile[] = [
    { label: 'Deflated Sharpe Ratio', value: finiteOrNull(d.dsr), format: 'num', ...(d.reason ? { note: d.reason } : {}) },
    { label: 'Observed Sharpe (per session)', value: finiteOrNull(d.perPeriodSharpe), format: 'num' },
    { label: 'Sessions (returns)', value: d.nObs, format: 'int' },
    { label: 'Trials (N)', value: d.trialCount, format: 'int', note: 'trials with a computed out-of-sample Sharpe' },
    { label: 'Trial Sharpe variance (V)', value: finiteOrNull(d.trialSharpeVariance), format: 'num', note: 'sample variance of the trials\u2019 per-session Sharpes' },
    { label: 'Skew', value: finiteOrNull(d.skew), format: 'num' },
    { label: 'Kurtosis', value: finiteOrNull(d.kurtosis), format: 'num', note: 'non-excess: 3 for normal returns' },
    { label: 'Expected max Sharpe (SR0)', value: finiteOrNull(d.expectedMaxSharpe), format: 'num', note: 'the best of N lucky trials with variance V, per session' },
    { label: 'z', value: finiteOrNull(d.zScore), format: 'num' },
    { label: 'PSR against 0', value: finiteOrNull(d.psrVsZero), format: 'num', note: 'the same test without deflation, for comparison' },
  ];
  const out: Section[] = [{ type: 'tiles', title: 'Deflated Sharpe Ratio and its inputs', tiles }];
  const notes: string[] = [];
  if (d.note) notes.push(d.note);
  if (d.trialSet !== undefined && d.trialSet.excluded > 0) {
    const why = Object.entries(d.trialSet.excludedBecause).map(([reason, k]) => `${k} ${reason}`).join('; ');
    notes.push(`of ${d.trialSet.tried} trials tried, ${d.trialSet.excluded} have no Sharpe and count in neither N nor V: ${why}`);
  }
  if (notes.length > 0) out.push({ type: 'notes', title: 'Deflated Sharpe Ratio: notes', items: notes });
  return out;
}

/** Every CSCV combination's logit, expanded from the counts the result keeps. */
export function expandLogits(counts: readonly LogitCount[]): Float64Array {
  const n = counts.reduce((a, c) => a + c.combinations, 0);
  const out = new Float64Array(n);
  let k = 0;
  for (const c of counts) out.fill(c.logit, k, (k += c.combinations));
  return out;
}

function pboSections(p: PromoteResultInput['pbo']): Section[] {
  if (p.pbo === null) return [{ type: 'notes', title: 'Probability of backtest overfitting', items: [`not computed: ${p.reason ?? 'no reason recorded'}`] }];
  const tiles: Tile[] = [
    { label: 'PBO', value: finiteOrNull(p.pbo), format: 'pct', note: 'share of combinations whose in-sample winner ranked at or below the out-of-sample median (logit <= 0)' },
    { label: 'Combinations', value: p.combinations ?? null, format: 'int' },
    { label: 'Blocks', value: p.blockCount ?? null, format: 'int' },
    { label: 'Candidates', value: p.strategies ?? null, format: 'int' },
    { label: 'Probability of OOS loss', value: finiteOrNull(p.probabilityOfOosLoss), format: 'pct' },
  ];
  const out: Section[] = [{ type: 'tiles', title: 'Probability of backtest overfitting (CSCV)', tiles }];
  if (p.logits === undefined || p.logits.length === 0) {
    out.push({ type: 'notes', title: 'PBO logit distribution', items: ['this result does not keep the logits of its combinations (recorded by an older kobe)'] });
    return out;
  }
  const h = histogram(expandLogits(p.logits), 30);
  out.push({
    type: 'histogram',
    title: 'PBO: logit of the in-sample winner\u2019s out-of-sample rank, per combination (left of 0: overfit)',
    edges: h.edges,
    counts: h.counts,
    xFormat: 'num',
    xLabel: 'logit ln(rank / (N + 1 - rank))',
    marker: { at: 0, label: 'out-of-sample median' },
  });
  return out;
}

/** Sections of a promotion's report: the verdict, every gate, the DSR and PBO with their inputs, the candidate's record. */
export function promoteSections(input: PromoteReportInput): Section[] {
  const r = input.result;
  const failed = r.gates.filter((g) => !g.ok);
  return [
    {
      type: 'heading',
      // A genome's fingerprint is shown by its prefix as everywhere; a wf candidate's id is short.
      title: `${r.verdict === 'promoted' ? 'Promoted' : 'Rejected'}: ${r.candidate.startsWith('wf-') ? r.candidate : r.candidate.slice(0, 12)}`,
      text: `${r.text}; registry state ${r.state}${failed.length > 0 ? `; failed ${failed.map((g) => g.code).join(', ')}` : '; every gate passed'}`,
    },
    { type: 'tiles', title: 'Gates', tiles: gateTiles(r.gates) },
    gateTable(r.gates),
    ...dsrSections(r.deflatedSharpe),
    ...pboSections(r.pbo),
    { type: 'tiles', title: `Candidate: out-of-sample metrics (${r.splits} splits, replayed)`, tiles: metricTiles(r.oos) },
    ...performanceSections('Candidate out of sample', input.curve, input.trades),
  ];
}
