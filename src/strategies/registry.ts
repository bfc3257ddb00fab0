import { usageError } from '../core/errors.js';
import { ibsRsi } from './ibs-rsi/ibs-rsi.js';
import { resolveParams, type Params } from './params.js';
import { smaCross } from './sma-cross/sma-cross.js';
import { turtleSoup } from './turtle-soup/turtle-soup.js';
import type { Strategy } from './types.js';

/** The one literal registry: a strategy exists for kobe iff it is listed here. */
export const STRATEGIES = {
  'ibs-rsi': ibsRsi,
  'turtle-soup': turtleSoup,
  'sma-cross': smaCross,
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own Prep type
} as const satisfies Record<string, Strategy<any>>;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

export function getStrategy(name: string, param = 'strategy'): Strategy {
  const found = (STRATEGIES as Record<string, Strategy<unknown>>)[name];
  if (found === undefined) {
    throw usageError('UNKNOWN_STRATEGY', `unknown strategy '${name}'`, { param, value: name, hint: `known strategies: ${STRATEGY_NAMES.join(', ')}` });
  }
  return found;
}

/** Defaults + overrides, bounds-checked, then the strategy's own cross-parameter checks. */
export function resolveStrategyParams(strategy: Strategy, overrides: Readonly<Record<string, number>>, param = 'params'): Params {
  const p = resolveParams(strategy.name, strategy.params, overrides, param);
  const problem = strategy.validate?.(p) ?? null;
  if (problem !== null) throw usageError('BAD_PARAM', problem, { param, value: overrides });
  return p;
}
