import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketContext } from '../backtest/market-context.js';
import { createRng } from '../core/rng.js';
import { defaultParams } from '../strategies/params.js';
import { getStrategy } from '../strategies/registry.js';
import { runWalkForward } from '../backtest/walk-forward.js';
import { requireFreshDist } from '../test-support/build-dist.js';
import { demoFitness } from '../test-support/demo-fitness.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { inProcessEvaluator } from '../distributed/in-process-evaluator.js';
import { threadPoolEvaluator } from '../distributed/thread-pool.js';
import { runEvolution, type Evaluator, type EvolveHooks } from './evolve.js';
import type { Candidate } from './genetic-search.js';
import { evaluateGenome, fitnessScore, paretoFront, type EvalResult } from './fitness.js';
import type { Genome } from './genome.js';
import { mutate, crossover, randomGenome, type SearchSpace } from './operators.js';

/** A stand-in evaluator whose score is a fixed pseudo-random function of the fingerprint. */
function fakeEvaluator(calls: string[]): Evaluator {
  return {
    async evaluate(items, onResult) {
      // Finish in reverse order: the history must not depend on completion order.
      for (const item of [...items].reverse()) {
        calls.push(item.fingerprint);
        const u = parseInt(item.fingerprint.slice(0, 8), 16) / 0xffffffff;
        const pruned = u < 0.15;
        const objectives = { sharpe: 3 * u - 1, consistency: u, maxDrawdown: 1 - u, turnover: 10 * u };
        onResult({
          fingerprint: item.fingerprint,
          status: pruned ? 'pruned' : 'ok',
          reason: pruned ? 'fake prune' : null,
          fitness: pruned ? null : fitnessScore(objectives),
          objectives: pruned ? null : objectives,
          sqn: pruned ? null : 5 * u,
          trades: 10,
          splits: [],
          oos: null,
        });
      }
    },
    async close() {},
  };
}

function memoryHooks(cache = new Map<string, EvalResult>()): EvolveHooks & { history: string[][] } {
  const history: string[][] = [];
  return {
    history,
    cached: (fp) => cache.get(fp) ?? null,
    saved: (_g, r) => cache.set(r.fingerprint, r),
    trials: (_g, cands) => history.push(cands.map((c) => c.fingerprint)),
    generationDone: () => undefined,
  };
}

const ga = (seed: number) => ({ population: 12, elite: 2, tournament: 3, crossoverRate: 0.8, mutationRate: 0.3, seed });

describe('genetic search', () => {
  it('same seed, same history, generation by generation (for parameters and rules)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom<SearchSpace>({ kind: 'params', strategy: 'ibs-rsi' }, { kind: 'params', strategy: 'turtle-soup' }, { kind: 'rules' }), async (seed, space) => {
        const runs = [];
        for (let k = 0; k < 2; k++) {
          const hooks = memoryHooks();
          const r = await runEvolution({ space, ga: ga(seed), generations: 4, evaluator: fakeEvaluator([]), hooks });
          runs.push({ history: hooks.history, best: r.best?.candidate.fingerprint, gens: r.generations });
        }
        expect(runs[1]).toEqual(runs[0]);
      }),
      fcOptions(25),
    );
  });

  it('a different seed gives a different search', async () => {
    const a = memoryHooks();
    const b = memoryHooks();
    await runEvolution({ space: { kind: 'rules' }, ga: ga(1), generations: 2, evaluator: fakeEvaluator([]), hooks: a });
    await runEvolution({ space: { kind: 'rules' }, ga: ga(2), generations: 2, evaluator: fakeEvaluator([]), hooks: b });
    expect(b.history).not.toEqual(a.history);
  });

  it('never evaluates a genome twice: elites and repeats come from the store, clones are not bred', async () => {
    const calls: string[] = [];
    const hooks = memoryHooks();
    const r = await runEvolution({ space: { kind: 'params', strategy: 'ibs-rsi' }, ga: ga(3), generations: 5, evaluator: fakeEvaluator(calls), hooks });
    expect(new Set(calls).size).toBe(calls.length);
    // Each generation is unique within itself, and only elites repeat across generations.
    for (const gen of hooks.history) expect(new Set(gen).size).toBe(gen.length);
    expect(r.generations.slice(1).every((g) => g.reused >= 2)).toBe(true);
    // A second run over the same store evaluates nothing at all.
    const again: string[] = [];
    await runEvolution({ space: { kind: 'params', strategy: 'ibs-rsi' }, ga: ga(3), generations: 5, evaluator: fakeEvaluator(again), hooks: memoryHooks(new Map([...r.scored.map((s) => [s.candidate.fingerprint, s.result] as const)])) });
    expect(again).toEqual([]);
  });

  it('evaluates children of high-SQN parents first', async () => {
    const seen: string[][] = [];
    const evaluator = fakeEvaluator([]);
    const order: Evaluator = {
      evaluate: (items, onResult) => {
        seen.push(items.map((i) => i.fingerprint));
        return evaluator.evaluate(items, onResult);
      },
      close: async () => undefined,
    };
    const hooks = memoryHooks();
    const priorities: number[][] = [];
    await runEvolution({
      space: { kind: 'rules' },
      ga: ga(9),
      generations: 3,
      evaluator: order,
      hooks: { ...hooks, trials: (g, c) => priorities.push(c.map((x) => x.priority)) },
    });
    for (const p of priorities) for (let i = 1; i < p.length; i++) expect(p[i]).toBeLessThanOrEqual(p[i - 1]);
  });

  it("a child's priority is its parents' best SQN, and the evaluator receives children in that order", async () => {
    for (const space of [{ kind: 'params', strategy: 'ibs-rsi' }, { kind: 'rules' }] as SearchSpace[]) {
      const sent: string[][] = [];
      const inner = fakeEvaluator([]);
      const evaluator: Evaluator = {
        evaluate: (items, onResult) => {
          sent.push(items.map((i) => i.fingerprint));
          return inner.evaluate(items, onResult);
        },
        close: async () => undefined,
      };
      const sqn = new Map<string, number | null>();
      const trials: Candidate[][] = [];
      const hooks = memoryHooks();
      await runEvolution({
        space,
        ga: ga(17),
        generations: 4,
        evaluator,
        hooks: {
          ...hooks,
          trials: (g, c) => {
            hooks.trials(g, c);
            trials.push([...c]);
          },
          generationDone: (_s, scored) => scored.forEach((x) => sqn.set(x.candidate.fingerprint, x.result.sqn)),
        },
      });
      let bred = 0;
      let positive = 0;
      for (let g = 1; g < trials.length; g++) {
        for (const c of trials[g]) {
          const parentSqn = c.parents.map((p) => sqn.get(p) ?? 0);
          const expected = c.operator === 'immigrant' ? 0 : Math.max(...parentSqn);
          expect(c.priority, `${c.operator} ${c.fingerprint}`).toBe(expected);
          if (c.operator !== 'elite' && c.operator !== 'immigrant') bred++;
          if (c.priority > 0) positive++;
        }
        // The evaluator gets the not-yet-known children, best parents first, ties in breeding order.
        const pending = trials[g].filter((c) => sent[g].includes(c.fingerprint));
        expect(sent[g]).toEqual(pending.map((c) => c.fingerprint));
        const pr = pending.map((c) => c.priority);
        expect(pr).toEqual([...pr].sort((a, b) => b - a));
      }
      expect(bred).toBeGreaterThan(10);
      expect(positive).toBeGreaterThan(10);
      // Priorities differ, so the order is a real choice, not the breeding order by accident.
      expect(new Set(trials.slice(1).flat().map((c) => c.priority)).size).toBeGreaterThan(3);
    }
  });

  it('keeps parameter genomes inside the strategy bounds and valid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom('ibs-rsi', 'turtle-soup', 'sma-cross'), (seed, name) => {
        const rng = createRng(seed);
        const strategy = getStrategy(name);
        const space: SearchSpace = { kind: 'params', strategy: name };
        let a: Genome = randomGenome(space, rng);
        let b: Genome = randomGenome(space, rng);
        for (let i = 0; i < 15; i++) {
          a = mutate(a, rng, 0.3);
          b = crossover(a, b, rng);
          for (const g of [a, b]) {
            if (g.kind !== 'params') throw new Error('kind changed');
            for (const [k, spec] of Object.entries(strategy.params)) {
              expect(g.params[k]).toBeGreaterThanOrEqual(spec.min);
              expect(g.params[k]).toBeLessThanOrEqual(spec.max);
              if (spec.kind !== 'real') expect(Number.isInteger(g.params[k])).toBe(true);
            }
            expect(strategy.validate?.(g.params) ?? null).toBeNull();
          }
        }
      }),
      fcOptions(80),
    );
  });

  it('reports the Pareto front: nothing on it is dominated', () => {
    const o = (sharpe: number, consistency: number, maxDrawdown: number, turnover: number) => ({ objectives: { sharpe, consistency, maxDrawdown, turnover } });
    const front = paretoFront([o(1, 0.5, 0.1, 5), o(0.5, 0.5, 0.2, 6), o(0.8, 0.9, 0.1, 5), { objectives: null }]);
    expect(front).toHaveLength(2);
  });
});

describe('fitness on the demo market', () => {
  const { panel, range, settings } = demoFitness({ seed: 42, symbols: 20, start: '2017-01-01', end: '2020-12-31', testDays: 126, minTrainTrades: 5, blowUpFrac: 0.3 });

  it('matches a walk-forward without tuning, split by split', async () => {
    const ctx = new MarketContext(panel, range);
    const strategy = getStrategy('ibs-rsi');
    const params = defaultParams(strategy.params);
    const r = evaluateGenome(ctx, { kind: 'params', strategy: 'ibs-rsi', params }, settings);
    const wf = runWalkForward(new MarketContext(panel, range), { strategy, baseParams: params, tune: false, trainDays: 252, testDays: 126, from: range.from, to: range.to, config: settings.config, minTrainTrades: 0 });
    expect(r.status).toBe('ok');
    expect(r.splits.length).toBe(wf.folds.length);
    r.splits.forEach((x, i) => {
      const f = wf.folds[i].test.engine;
      expect(x.returnFrac).toBe(f.finalEquity / f.initialCapital - 1);
      expect(x.trades).toBe(f.trades.length);
    });
    expect(r.objectives!.sharpe).toBe(wf.metrics.sharpe.value);
    expect(r.fitness).toBeCloseTo(fitnessScore(r.objectives!), 12);
  });

  it('prunes a genome with too few train signals, saying why', () => {
    const ctx = new MarketContext(panel, range);
    const g: Genome = { kind: 'params', strategy: 'ibs-rsi', params: { ...defaultParams(getStrategy('ibs-rsi').params), rsiPeriod: 14, rsiEntry: 1 } };
    const r = evaluateGenome(ctx, g, settings);
    expect(r.status).toBe('pruned');
    expect(r.reason).toMatch(/too few trades on the train windows/);
    expect(r.fitness).toBeNull();
  });

  it('counts entry signals only when pruning: an exit that fires on most bars does not make a dead rule look active', () => {
    const ctx = new MarketContext(panel, range);
    const g: Genome = { kind: 'params', strategy: 'ibs-rsi', params: { ...defaultParams(getStrategy('ibs-rsi').params), rsiPeriod: 14, rsiEntry: 1, exitSmaPeriod: 5 } };
    const book = ctx.leg(getStrategy('ibs-rsi'), g.kind === 'params' ? g.params : {}).book;
    // The exit rule alone puts far more than min-train-trades signals in the book.
    expect(book.code.filter((c) => c === 2).length).toBeGreaterThan(settings.minTrainTrades * 10);
    const r = evaluateGenome(ctx, g, settings);
    expect(r.status).toBe('pruned');
    expect(r.reason).toMatch(/too few trades on the train windows: median 0 signals/);
  });

  it('gives the same search on one thread and on a pool of two', async () => {
    // The pool's threads run dist/ (compiled), the in-process evaluator runs src/.
    requireFreshDist();
    const space: SearchSpace = { kind: 'rules' };
    const results = [];
    for (const make of [() => inProcessEvaluator(new MarketContext(panel, range), settings), () => threadPoolEvaluator(new MarketContext(panel, range), settings, 2)]) {
      const evaluator = make();
      const hooks = memoryHooks();
      try {
        const r = await runEvolution({ space, ga: { ...ga(11), population: 8 }, generations: 2, evaluator, hooks });
        results.push({ history: hooks.history, scored: r.scored.map((s) => [s.candidate.fingerprint, s.result.fitness]) });
      } finally {
        await evaluator.close();
      }
    }
    expect(results[1]).toEqual(results[0]);
  });
});
