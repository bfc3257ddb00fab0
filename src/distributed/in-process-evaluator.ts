import type { MarketContext } from '../backtest/market-context.js';
import type { Evaluator } from '../evolution/evolve.js';
import { evaluateGenome, type FitnessSettings } from '../evolution/fitness.js';

/** Evaluates on this thread, one genome after another. */
export function inProcessEvaluator(ctx: MarketContext, settings: FitnessSettings): Evaluator {
  return {
    async evaluate(items, onResult) {
      for (const item of items) {
        onResult(evaluateGenome(ctx, item.genome, settings));
        // Let signals and progress output through between evaluations.
        await new Promise((r) => setImmediate(r));
      }
    },
    async close() {},
  };
}
