import type { MetricsJson } from '../backtest/metrics.js';
import type { Objectives } from '../evolution/fitness.js';
import type { GaSettings } from '../evolution/genetic-search.js';
import type { SearchSpace } from '../evolution/operators.js';
import { metricTiles } from './performance.js';
import type { Section, Tile } from './report-data.js';
import { finiteOrNull, percentileSorted } from './series.js';

/** One genome as an evolve run's artifacts describe it (src/app/evolve-run.ts describeScored). */
export interface ScoredGenomeInput {
  readonly fingerprint: string;
  readonly operator: string;
  readonly parents: readonly string[];
  readonly text: string;
  readonly status: string;
  readonly reason: string | null;
  readonly fitness: number | null;
  readonly objectives: Objectives | null;
  readonly sqn: number | null;
  readonly trades: number;
  /** The stitched out-of-sample metrics (summary.json's best holds them). */
  readonly oos?: MetricsJson | null;
}

export interface LineageInput {
  readonly fingerprint: string;
  readonly operator: string;
  readonly generation: number;
  readonly parents: readonly string[];
}

/** What an evolve run searched and how (the manifest's run spec), with the counts it made. */
export interface EvolveSettingsInput {
  readonly space: SearchSpace;
  readonly ga: GaSettings;
  readonly generations: number;
  readonly trainDays: number;
  readonly testDays: number;
  readonly minTrainTrades: number;
  readonly blowUpFrac: number;
  readonly trials: number;
  readonly evaluations: number;
}

export interface EvolveReportInput {
  readonly settings: EvolveSettingsInput;
  readonly best: ScoredGenomeInput | null;
  readonly pareto: readonly ScoredGenomeInput[];
  /** The best genome's ancestry, newest first (lineage_best.json). */
  readonly lineage: readonly LineageInput[];
  /** Each generation's population (population_gen_NN.json), in generation order. */
  readonly populations: readonly { readonly generation: number; readonly genomes: readonly ScoredGenomeInput[] }[];
}

export interface FitnessSpread {
  readonly best: number | null;
  readonly median: number | null;
  readonly worst: number | null;
  /** Genomes without a fitness (pruned). */
  readonly pruned: number;
}

/** Best, median and worst fitness of one population; pruned genomes have none and are counted apart. */
export function fitnessSpread(genomes: readonly { readonly fitness: number | null }[]): FitnessSpread {
  const fit = genomes.map((g) => g.fitness).filter((f): f is number => f !== null && Number.isFinite(f)).sort((a, b) => a - b);
  const n = fit.length;
  if (n === 0) return { best: null, median: null, worst: null, pruned: genomes.length };
  return { best: fit[n - 1], median: percentileSorted(fit, 50), worst: fit[0], pruned: genomes.length - n };
}

const short = (fp: string): string => fp.slice(0, 12);

const spaceText = (s: SearchSpace): string => (s.kind === 'rules' ? 'free rules' : `${s.strategy} parameters`);

function settingsTable(s: EvolveSettingsInput): Section {
  const rows: [string, string | number][] = [
    ['search space', spaceText(s.space)],
    ['generations', s.generations],
    ['population', s.ga.population],
    ['elite carried over', s.ga.elite],
    ['tournament size', s.ga.tournament],
    ['crossover rate', s.ga.crossoverRate],
    ['mutation rate (per gene)', s.ga.mutationRate],
    ['seed', s.ga.seed],
    ['train window (sessions)', s.trainDays],
    ['test window (sessions)', s.testDays],
    ['pruned below median train signals', s.minTrainTrades],
    ['pruned when a test split loses more than', `${Number((s.blowUpFrac * 100).toFixed(4))}%`],
    ['trials (genomes tried)', s.trials],
    ['evaluations run', s.evaluations],
  ];
  return {
    type: 'table',
    title: 'Search settings',
    columns: [
      { key: 'setting', label: 'setting', format: 'text' },
      { key: 'value', label: 'value', format: 'text' },
    ],
    rows: rows.map(([setting, value]) => ({ setting, value: String(value) })),
  };
}

function fitnessLines(populations: EvolveReportInput['populations']): Section {
  const spreads = populations.map((p) => fitnessSpread(p.genomes));
  return {
    type: 'lines',
    title: 'Fitness by generation (out-of-sample walk-forward fitness of each population)',
    x: populations.map((p) => p.generation),
    xLabel: 'generation',
    series: [
      { label: 'best', values: spreads.map((s) => finiteOrNull(s.best)) },
      { label: 'median', values: spreads.map((s) => finiteOrNull(s.median)) },
      { label: 'worst', values: spreads.map((s) => finiteOrNull(s.worst)), dash: true },
    ],
    yFormat: 'num',
    bands: [[0, 2]],
  };
}

/**
 * The Pareto front has four objectives; two scatters show it: return against risk (Sharpe
 * against max drawdown) and robustness against cost (splits positive against turnover).
 */
function paretoSections(pareto: readonly ScoredGenomeInput[], best: ScoredGenomeInput | null): Section[] {
  const front = pareto.filter((g) => g.objectives !== null);
  if (front.length === 0) return [{ type: 'notes', title: 'Pareto front', items: ['no genome survived the pruning checks: the front is empty'] }];
  const point = (g: ScoredGenomeInput, x: number, y: number) => ({
    x,
    y,
    label: `${short(g.fingerprint)} ${g.text}${g.fingerprint === best?.fingerprint ? ' (best fitness)' : ''}`,
    ...(g.fingerprint === best?.fingerprint ? { highlight: true } : {}),
  });
  return [
    {
      type: 'scatter',
      title: `Pareto front (${front.length} genomes): Sharpe against max drawdown`,
      xLabel: 'out-of-sample max drawdown',
      yLabel: 'out-of-sample Sharpe',
      xFormat: 'pct',
      yFormat: 'ratio',
      points: front.map((g) => point(g, g.objectives!.maxDrawdown, g.objectives!.sharpe)),
    },
    {
      type: 'scatter',
      title: 'Pareto front: share of splits positive against turnover',
      xLabel: 'turnover (traded notional / average equity, per year)',
      yLabel: 'test splits with a positive return',
      xFormat: 'num',
      yFormat: 'pct',
      points: front.map((g) => point(g, g.objectives!.turnover, g.objectives!.consistency)),
    },
    {
      type: 'table',
      title: 'Pareto front: no genome here is beaten on all four objectives by another',
      columns: [
        { key: 'fingerprint', label: 'genome', format: 'text' },
        { key: 'text', label: 'rule or parameters', format: 'text' },
        { key: 'fitness', label: 'fitness', format: 'num' },
        { key: 'sharpe', label: 'Sharpe', format: 'ratio' },
        { key: 'consistency', label: 'splits positive', format: 'pct' },
        { key: 'dd', label: 'max DD', format: 'pct' },
        { key: 'turnover', label: 'turnover', format: 'num' },
        { key: 'trades', label: 'trades', format: 'int' },
      ],
      rows: front.map((g) => ({
        fingerprint: `${short(g.fingerprint)}${g.fingerprint === best?.fingerprint ? ' (best)' : ''}`,
        text: g.text,
        fitness: finiteOrNull(g.fitness),
        sharpe: finiteOrNull(g.objectives!.sharpe),
        consistency: finiteOrNull(g.objectives!.consistency),
        dd: finiteOrNull(g.objectives!.maxDrawdown),
        turnover: finiteOrNull(g.objectives!.turnover),
        trades: g.trades,
      })),
    },
  ];
}

/** The best genome's ancestry, newest first, each with the fitness its population file records. */
function lineageTable(lineage: readonly LineageInput[], fitnessOf: ReadonlyMap<string, number | null>): Section {
  return {
    type: 'table',
    title: 'Lineage of the best genome (newest first)',
    columns: [
      { key: 'generation', label: 'generation', format: 'int' },
      { key: 'fingerprint', label: 'genome', format: 'text' },
      { key: 'operator', label: 'bred by', format: 'text' },
      { key: 'parents', label: 'parent(s)', format: 'text' },
      { key: 'fitness', label: 'fitness', format: 'num' },
    ],
    rows: lineage.map((l) => ({
      generation: l.generation,
      fingerprint: short(l.fingerprint),
      operator: l.operator,
      parents: l.parents.length === 0 ? '-' : l.parents.map(short).join(', '),
      fitness: finiteOrNull(fitnessOf.get(l.fingerprint) ?? null),
    })),
  };
}

function bestTiles(best: ScoredGenomeInput): Section[] {
  const o = best.objectives;
  const objectiveTiles: Tile[] = [
    { label: 'Fitness', value: finiteOrNull(best.fitness), format: 'num', note: 'sharpe * (0.5 + 0.5 * consistency) - 2 * maxDrawdown - 0.01 * max(0, turnover - 25)' },
    { label: 'Sharpe (objective)', value: o === null ? null : finiteOrNull(o.sharpe), format: 'ratio', note: '0 when the Sharpe is undefined' },
    { label: 'Splits positive', value: o === null ? null : finiteOrNull(o.consistency), format: 'pct' },
    { label: 'Max drawdown (objective)', value: o === null ? null : finiteOrNull(o.maxDrawdown), format: 'pct' },
    { label: 'Turnover (per year)', value: o === null ? null : finiteOrNull(o.turnover), format: 'num' },
    { label: 'SQN', value: finiteOrNull(best.sqn), format: 'ratio' },
  ];
  const sections: Section[] = [
    { type: 'heading', title: `Best genome ${short(best.fingerprint)}`, text: best.text },
    { type: 'tiles', title: 'Best genome: fitness and its objectives', tiles: objectiveTiles },
  ];
  if (best.oos !== undefined && best.oos !== null) {
    sections.push({ type: 'tiles', title: 'Best genome: out-of-sample metrics (stitched test windows)', tiles: metricTiles(best.oos) });
  } else {
    sections.push({ type: 'notes', title: 'Best genome: out-of-sample metrics', items: ["this run's summary.json does not hold the best genome's out-of-sample metrics (written by an older kobe): the objectives above are its record"] });
  }
  return sections;
}

/** Sections of an evolve run's report: the best genome, fitness by generation, the Pareto front, the lineage, the settings. */
export function evolveSections(input: EvolveReportInput): Section[] {
  const fitnessOf = new Map<string, number | null>();
  for (const p of input.populations) for (const g of p.genomes) fitnessOf.set(g.fingerprint, g.fitness);
  const out: Section[] = [];
  if (input.best === null) out.push({ type: 'notes', title: 'Best genome', items: ['no genome survived the pruning checks'] });
  else out.push(...bestTiles(input.best));
  out.push(fitnessLines(input.populations));
  out.push({
    type: 'table',
    title: 'Generations',
    columns: [
      { key: 'generation', label: 'generation', format: 'int' },
      { key: 'genomes', label: 'genomes', format: 'int' },
      { key: 'pruned', label: 'pruned', format: 'int' },
      { key: 'best', label: 'best', format: 'num' },
      { key: 'median', label: 'median', format: 'num' },
      { key: 'worst', label: 'worst', format: 'num' },
    ],
    rows: input.populations.map((p) => {
      const s = fitnessSpread(p.genomes);
      return { generation: p.generation, genomes: p.genomes.length, pruned: s.pruned, best: finiteOrNull(s.best), median: finiteOrNull(s.median), worst: finiteOrNull(s.worst) };
    }),
  });
  out.push(...paretoSections(input.pareto, input.best));
  if (input.lineage.length > 0) out.push(lineageTable(input.lineage, fitnessOf));
  out.push(settingsTable(input.settings));
  return out;
}
