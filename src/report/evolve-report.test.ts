import { describe, expect, it } from 'vitest';
import { evolveSections, fitnessSpread, type EvolveReportInput, type ScoredGenomeInput } from './evolve-report.js';
import type { Section } from './report-data.js';

const genome = (fingerprint: string, fitness: number | null, o: [number, number, number, number] | null = null, extra: Partial<ScoredGenomeInput> = {}): ScoredGenomeInput => ({
  fingerprint,
  operator: 'random',
  parents: [],
  text: `g ${fingerprint}`,
  status: fitness === null ? 'pruned' : 'ok',
  reason: fitness === null ? 'too few trades' : null,
  fitness,
  objectives: o === null ? null : { sharpe: o[0], consistency: o[1], maxDrawdown: o[2], turnover: o[3] },
  sqn: fitness === null ? null : 1.5,
  trades: 40,
  ...extra,
});

const of = <T extends Section['type']>(sections: Section[], type: T, title: RegExp) => sections.find((s) => s.type === type && title.test(s.title)) as Extract<Section, { type: T }>;

const A = genome('aaaaaaaaaaaaaaaa', 0.5, [1, 0.5, 0.1, 10]);
const B = genome('bbbbbbbbbbbbbbbb', 1.25, [1.6, 0.75, 0.05, 12], { operator: 'mutation', parents: ['aaaaaaaaaaaaaaaa'] });
const C = genome('cccccccccccccccc', -0.25, [0.2, 0.25, 0.3, 30]);
const P = genome('pppppppppppppppp', null);
const input: EvolveReportInput = {
  settings: { space: { kind: 'params', strategy: 'ibs-rsi' }, ga: { population: 3, elite: 1, tournament: 2, crossoverRate: 0.8, mutationRate: 0.2, seed: 7 }, generations: 2, trainDays: 252, testDays: 63, minTrainTrades: 10, blowUpFrac: 0.3, trials: 5, evaluations: 4 },
  best: { ...B, oos: null },
  pareto: [A, B],
  lineage: [
    { fingerprint: B.fingerprint, operator: 'mutation', generation: 1, parents: [A.fingerprint] },
    { fingerprint: A.fingerprint, operator: 'random', generation: 0, parents: [] },
  ],
  populations: [
    { generation: 0, genomes: [A, C, P] },
    { generation: 1, genomes: [A, B, C, P] },
  ],
};

describe('fitnessSpread', () => {
  it('best, median and worst of the scored genomes; pruned ones counted apart', () => {
    expect(fitnessSpread([{ fitness: 3 }, { fitness: null }, { fitness: -1 }, { fitness: 2 }])).toEqual({ best: 3, median: 2, worst: -1, pruned: 1 });
    // even count: the mean of the two middle values
    expect(fitnessSpread([{ fitness: 4 }, { fitness: 1 }, { fitness: 2 }, { fitness: 3 }])).toEqual({ best: 4, median: 2.5, worst: 1, pruned: 0 });
    expect(fitnessSpread([{ fitness: null }])).toEqual({ best: null, median: null, worst: null, pruned: 1 });
  });
});

describe('evolveSections', () => {
  const sections = evolveSections(input);

  it('fitness by generation: best, median, worst of each population file', () => {
    const lines = of(sections, 'lines', /Fitness by generation/);
    expect(lines.x).toEqual([0, 1]);
    expect(lines.series.map((s) => s.label)).toEqual(['best', 'median', 'worst']);
    // gen 0: 0.5, -0.25 (P pruned); gen 1: 1.25, 0.5, -0.25
    expect(lines.series.map((s) => s.values)).toEqual([
      [0.5, 1.25],
      [0.125, 0.5],
      [-0.25, -0.25],
    ]);
  });

  it('the Pareto front as scatters with the best genome highlighted, and as a table', () => {
    const risk = of(sections, 'scatter', /Sharpe against max drawdown/);
    expect(risk.points.map((p) => [p.x, p.y, p.highlight === true])).toEqual([
      [0.1, 1, false],
      [0.05, 1.6, true],
    ]);
    const cost = of(sections, 'scatter', /turnover/);
    expect(cost.points.map((p) => [p.x, p.y])).toEqual([
      [10, 0.5],
      [12, 0.75],
    ]);
    const table = of(sections, 'table', /Pareto front/);
    expect(table.rows.map((r) => r.fingerprint)).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb (best)']);
  });

  it('the lineage table, newest first, with each genome\'s fitness from the populations', () => {
    const t = of(sections, 'table', /Lineage/);
    expect(t.rows).toEqual([
      { generation: 1, fingerprint: 'bbbbbbbbbbbb', operator: 'mutation', parents: 'aaaaaaaaaaaa', fitness: 1.25 },
      { generation: 0, fingerprint: 'aaaaaaaaaaaa', operator: 'random', parents: '-', fitness: 0.5 },
    ]);
  });

  it('the best genome as tiles; without out-of-sample metrics it says so', () => {
    const tiles = of(sections, 'tiles', /fitness and its objectives/);
    expect(tiles.tiles.map((t) => [t.label, t.value])).toEqual([
      ['Fitness', 1.25],
      ['Sharpe (objective)', 1.6],
      ['Splits positive', 0.75],
      ['Max drawdown (objective)', 0.05],
      ['Turnover (per year)', 12],
      ['SQN', 1.5],
    ]);
    expect(of(sections, 'notes', /out-of-sample metrics/).items[0]).toMatch(/does not hold/);
  });

  it('the search settings', () => {
    const t = of(sections, 'table', /Search settings/);
    const row = (k: string) => t.rows.find((r) => r.setting === k)?.value;
    expect(row('search space')).toBe('ibs-rsi parameters');
    expect(row('seed')).toBe('7');
    expect(row('pruned when a test split loses more than')).toBe('30%');
    expect(row('trials (genomes tried)')).toBe('5');
  });

  it('an empty front and no best genome are notes, not empty charts', () => {
    const s = evolveSections({ ...input, best: null, pareto: [], lineage: [] });
    expect(s.some((x) => x.type === 'scatter')).toBe(false);
    expect(s.filter((x) => x.type === 'notes').map((x) => x.title)).toEqual(['Best genome', 'Pareto front']);
  });
});
