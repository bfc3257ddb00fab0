import { exitParams } from '../strategies/exit-params.js';
import type { Params } from '../strategies/params.js';
import { SIGNAL_NONE, type SignalCode, type Strategy } from '../strategies/types.js';

/**
 * A strategy that emits the given codes on the given bar indices of every symbol, and nothing
 * else: for tests that need the engine, walk-forward or tuning around signals chosen by hand.
 * `knob` is a parameter that changes nothing (its grid gives exact ties); no stops or time
 * exits unless the params ask for them.
 */
export function handStrategy(at: readonly (readonly [number, SignalCode])[], grid: Readonly<Record<string, readonly number[]>> = {}): Strategy<null> {
  const codes = new Map(at.map(([bar, code]) => [bar, code]));
  return {
    name: 'hand',
    version: '1',
    description: 'signals placed by hand (tests only)',
    params: {
      ...exitParams({ stopAtrMult: 0, timeExitBars: 0 }),
      knob: { kind: 'int', default: 1, min: 0, max: 100, description: 'changes nothing' },
    },
    tuneGrid: grid,
    warmupBars: () => 0,
    prepare: () => null,
    decide: (_prep: null, i: number, _p: Params) => codes.get(i) ?? SIGNAL_NONE,
    score: () => 0,
    reason: () => 'placed by hand',
  };
}
