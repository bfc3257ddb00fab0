import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, metricsToJson, type Metrics } from '../backtest/metrics.js';
import { evaluateGates } from '../validation/gates.js';
import { logitCounts, probabilityOfBacktestOverfitting } from '../validation/stats/pbo.js';
import { expandLogits, gateTiles, measuredText, promoteSections, type PromoteReportInput } from './promote-report.js';
import type { Section } from './report-data.js';

const of = <T extends Section['type']>(sections: Section[], type: T, title: RegExp) => sections.find((s) => s.type === type && title.test(s.title)) as Extract<Section, { type: T }>;

const gates = evaluateGates(
  { oosSharpe: 1.2, profitFactor: 1.1, trades: 403, splitsEvaluated: 20, splitsExpected: 20, deflatedSharpe: null, pbo: 0.1 },
  { minOosSharpe: 1, minProfitFactor: 1.5, minTrades: 30, minDeflatedSharpe: 0.95, maxPbo: 0.2 },
);

describe('logitCounts', () => {
  it('every combination once, by distinct value ascending; the share at or below 0 is PBO', () => {
    expect(logitCounts([0.5, -0.5, 0.5, 0, -0])).toEqual([
      { logit: -0.5, combinations: 1 },
      { logit: 0, combinations: 2 },
      { logit: 0.5, combinations: 2 },
    ]);
    const columns = [0, 1, 2, 3].map((j) => Float64Array.from({ length: 24 }, (_, i) => Math.sin(i * (j + 1) * 0.7) * 0.01 + j * 0.0005));
    const r = probabilityOfBacktestOverfitting({ columns, blocks: 8 });
    const counts = logitCounts(r.lambdas);
    expect(counts.reduce((a, c) => a + c.combinations, 0)).toBe(r.combinations);
    expect(counts.length).toBeLessThanOrEqual(2 * 4 - 1);
    expect(counts.filter((c) => c.logit <= 0).reduce((a, c) => a + c.combinations, 0) / r.combinations).toBe(r.pbo);
    expect(Array.from(expandLogits(counts))).toEqual(Array.from(r.lambdas).sort((a, b) => a - b));
  });
});

describe('promote report sections', () => {
  it('a tile per gate coloured by its verdict, the threshold in its note', () => {
    const tiles = gateTiles(gates);
    expect(tiles.map((t) => [t.label, t.value, t.state])).toEqual([
      ['Out-of-sample Sharpe', 1.2, 'pass'],
      ['Profit factor', 1.1, 'fail'],
      ['Out-of-sample trades', 403, 'pass'],
      ['Splits evaluated', 20, 'pass'],
      ['Deflated Sharpe Ratio', null, 'fail'],
      ['Probability of backtest overfitting', 0.1, 'pass'],
    ]);
    expect(tiles[1].note).toBe('PROFIT_FACTOR_TOO_LOW: must be > 1.5');
    expect(tiles[4].note).toMatch(/not computed: fails/);
    expect(tiles[2].format).toBe('int');
    expect(gates.map(measuredText)).toEqual(['1.2', '1.1', '403', '20', 'n/a (fails)', '0.1']);
  });

  // Every metric 0.5 but the Sharpe: the tiles show what the result holds.
  const metrics = metricsToJson({ ...Object.fromEntries(METRIC_NAMES.map((n) => [n, { value: 0.5 }])), sharpe: { value: 1.2 }, trades: 403 } as unknown as Metrics);
  const input: PromoteReportInput = {
    result: {
      candidate: 'f'.repeat(64),
      text: 'ibs-rsi rsiPeriod=2',
      verdict: 'rejected',
      state: 'candidate',
      source: { kind: 'evolve', runId: 'abc' },
      gates,
      deflatedSharpe: {
        dsr: 0.8, perPeriodSharpe: 0.07, nObs: 1259, skew: -0.5, kurtosis: 6.5, trials: 12, trialCount: 12, trialSharpeVariance: 0.00105, expectedMaxSharpe: 0.05, psrDenominator: 1.1, zScore: 0.9, psrVsZero: 0.99,
        trialSet: { tried: 14, excluded: 2, excludedBecause: { 'pruned before its out-of-sample run': 2 } },
      },
      pbo: { pbo: 0.25, combinations: 4, blockCount: 4, strategies: 3, probabilityOfOosLoss: 0, logits: [{ logit: -0.5, combinations: 1 }, { logit: 0.5, combinations: 3 }] },
      oos: metrics,
      splits: 20,
    },
    curve: { dates: ['2020-01-02', '2020-01-03'], equity: [100, 101], exposureFrac: [0, 0.5], benchmark: null, initialCapital: 100 },
    trades: { pnl: [1], barsHeld: [2] },
  };
  const sections = promoteSections(input);

  it('the DSR with every input it was computed from, and the trials left out', () => {
    const t = of(sections, 'tiles', /Deflated Sharpe Ratio and its inputs/).tiles;
    const v = (label: string) => t.find((x) => x.label === label)?.value;
    expect([v('Deflated Sharpe Ratio'), v('Observed Sharpe (per session)'), v('Sessions (returns)'), v('Trials (N)'), v('Trial Sharpe variance (V)'), v('Skew'), v('Kurtosis'), v('Expected max Sharpe (SR0)')]).toEqual([
      0.8, 0.07, 1259, 12, 0.00105, -0.5, 6.5, 0.05,
    ]);
    expect(of(sections, 'notes', /Deflated Sharpe Ratio: notes/).items[0]).toBe('of 14 trials tried, 2 have no Sharpe and count in neither N nor V: 2 pruned before its out-of-sample run');
  });

  it('the PBO logits as a histogram holding every combination, a marker at 0, and PBO as a tile', () => {
    const h = of(sections, 'histogram', /PBO: logit/);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(h.marker).toEqual({ at: 0, label: 'out-of-sample median' });
    // bins left of the marker hold the overfit combinations
    const left = h.counts.filter((_, k) => h.edges[k + 1] <= 0).reduce((a, b) => a + b, 0);
    expect(left).toBe(1);
    expect(of(sections, 'tiles', /Probability of backtest overfitting/).tiles[0]).toMatchObject({ label: 'PBO', value: 0.25 });
  });

  it('the verdict, the candidate\'s metrics and its out-of-sample equity', () => {
    expect(sections[0]).toMatchObject({ type: 'heading', title: 'Rejected: ffffffffffff' });
    expect((sections[0] as { text: string }).text).toMatch(/failed PROFIT_FACTOR_TOO_LOW, DEFLATED_SHARPE_TOO_LOW/);
    expect(of(sections, 'tiles', /Candidate: out-of-sample metrics/).tiles[0]).toMatchObject({ label: 'Sharpe', value: 1.2 });
    expect(of(sections, 'timeseries', /equity/).series[0].values).toEqual([100, 101]);
  });

  it('a null PBO, or a result without logits, is a note with the reason', () => {
    const none = promoteSections({ ...input, result: { ...input.result, pbo: { pbo: null, reason: 'needs at least 2 candidates' } } });
    expect(none.some((s) => s.type === 'histogram' && /PBO/.test(s.title))).toBe(false);
    expect(of(none, 'notes', /overfitting/).items[0]).toBe('not computed: needs at least 2 candidates');
    const old = promoteSections({ ...input, result: { ...input.result, pbo: { pbo: 0.25 } } });
    expect(of(old, 'notes', /logit/).items[0]).toMatch(/older kobe/);
  });
});
