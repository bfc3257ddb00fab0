import { describe, expect, it } from 'vitest';
import { MarketContext } from '../backtest/market-context.js';
import type { SignalBook } from '../backtest/signal-book.js';
import { createRng } from '../core/rng.js';
import { getStrategy } from '../strategies/registry.js';
import { demoFitness } from '../test-support/demo-fitness.js';
import { EvolveContext } from './evolve-context.js';
import { evaluateGenome } from './fitness.js';
import type { Genome } from './genome.js';
import { randomGenome } from './operators.js';

const plain = (b: SignalBook) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));

describe('EvolveContext', () => {
  const { panel, range, settings } = demoFitness({ seed: 7, symbols: 25, start: '2017-01-01', end: '2020-12-31', testDays: 126, minTrainTrades: 5, blowUpFrac: 0.3 });

  it('builds the books and scores of a plain context, genome after genome through the same buffers', () => {
    const reused = new EvolveContext(panel, range);
    const rng = createRng(5);
    for (let k = 0; k < 12; k++) {
      const genome: Genome = randomGenome({ kind: 'params', strategy: k % 2 ? 'ibs-rsi' : 'turtle-soup' }, rng);
      if (genome.kind !== 'params') throw new Error('expected a parameter genome');
      const strategy = getStrategy(genome.strategy);
      const fresh = new MarketContext(panel, range);
      expect(plain(reused.leg(strategy, genome.params).book)).toEqual(plain(fresh.leg(strategy, genome.params).book));
      expect(evaluateGenome(reused, genome, settings)).toEqual(evaluateGenome(fresh, genome, settings));
    }
  });

  it('refuses to hold two parameter sets at once', () => {
    const ctx = new EvolveContext(panel, range);
    const strategy = getStrategy('ibs-rsi');
    const rng = createRng(1);
    const a = randomGenome({ kind: 'params', strategy: 'ibs-rsi' }, rng);
    const b = randomGenome({ kind: 'params', strategy: 'ibs-rsi' }, rng);
    if (a.kind !== 'params' || b.kind !== 'params') throw new Error('expected parameter genomes');
    expect(() => ctx.legs(strategy, [a.params, b.params])).toThrow(/one leg at a time/);
  });
});
