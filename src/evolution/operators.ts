import type { Rng } from '../core/rng.js';
import { defaultParams, type Params } from '../strategies/params.js';
import { getStrategy, resolveStrategyParams } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
import { fingerprint } from './fingerprint.js';
import type { Genome } from './genome.js';
import { crossParams, mutateValue, randomValue, repairParams } from './param-space.js';
import { compileRule } from './rules/rule-compile.js';
import { crossRules, mutateRule, randomRule } from './rules/rule-ops.js';

/** What a search breeds: the parameters of one registered strategy, or free rules. */
export type SearchSpace = { readonly kind: 'params'; readonly strategy: string } | { readonly kind: 'rules' };

export function defaultGenome(space: SearchSpace, rng: Rng): Genome {
  return space.kind === 'params' ? { kind: 'params', strategy: space.strategy, params: defaultParams(getStrategy(space.strategy).params) } : randomGenome(space, rng);
}

export function randomGenome(space: SearchSpace, rng: Rng): Genome {
  if (space.kind === 'rules') return { kind: 'rules', rule: randomRule(rng) };
  const strategy = getStrategy(space.strategy);
  for (let attempt = 0; attempt < 50; attempt++) {
    const p: Record<string, number> = {};
    for (const [name, spec] of Object.entries(strategy.params)) p[name] = randomValue(spec, rng);
    const repaired = repairParams(strategy, p, rng);
    if (repaired !== null) return { kind: 'params', strategy: space.strategy, params: repaired };
  }
  return { kind: 'params', strategy: space.strategy, params: defaultParams(strategy.params) };
}

/** Changes one or more genes (each with probability `rate`, at least one), inside bounds. */
export function mutate(g: Genome, rng: Rng, rate: number): Genome {
  if (g.kind === 'rules') return { kind: 'rules', rule: mutateRule(g.rule, rng) };
  const strategy = getStrategy(g.strategy);
  const names = Object.keys(strategy.params);
  const forced = names[rng.int(names.length)];
  const next: Record<string, number> = { ...g.params };
  for (const name of names) if (name === forced || rng.next() < rate) next[name] = mutateValue(strategy.params[name], next[name], rng);
  return { kind: 'params', strategy: g.strategy, params: repairParams(strategy, next, rng) ?? g.params };
}

export function crossover(a: Genome, b: Genome, rng: Rng): Genome {
  if (a.kind === 'rules' && b.kind === 'rules') return { kind: 'rules', rule: crossRules(a.rule, b.rule, rng) };
  if (a.kind === 'params' && b.kind === 'params' && a.strategy === b.strategy) {
    const strategy = getStrategy(a.strategy);
    const child = crossParams(strategy.params, a.params, b.params, rng);
    return { kind: 'params', strategy: a.strategy, params: repairParams(strategy, child, rng) ?? a.params };
  }
  return a;
}

/** The strategy and parameters the engine runs for a genome. */
export function genomeStrategy(g: Genome): { strategy: Strategy; params: Params } {
  if (g.kind === 'params') {
    const strategy = getStrategy(g.strategy);
    return { strategy, params: resolveStrategyParams(strategy, g.params, 'genome') };
  }
  const strategy = compileRule(g.rule, `rule-${fingerprint(g).slice(0, 10)}`) as unknown as Strategy;
  return { strategy, params: defaultParams(strategy.params) };
}
