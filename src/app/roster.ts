import { existsSync } from 'node:fs';
import type { Genome } from '../evolution/genome.js';
import { genomeStrategy } from '../evolution/operators.js';
import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import { tableNames } from '../store/open-database.js';
import { RegistryStore } from '../store/registry-store.js';
import type { LifecycleState } from '../validation/roster.js';

/**
 * The production roster as the scan, the daily pipeline and `kobe serve` see it: what the
 * strategy registry holds, read without creating a database or its tables.
 */

/** What runs when the roster is empty: the two seed strategies with their default parameters. */
export const DEFAULT_STRATEGY_NAMES = ['ibs-rsi', 'turtle-soup'] as const;

export interface RosterEntry {
  readonly id: string;
  readonly label: string;
  readonly state: LifecycleState;
  readonly genome: Genome;
}

/** Registry entries in `states` (all when omitted), by id; [] when the database or its registry does not exist. */
export function rosterEntries(dbPath: string, states?: readonly LifecycleState[]): RosterEntry[] {
  if (!existsSync(dbPath) || !tableNames(dbPath).has('registry')) return [];
  const registry = new RegistryStore(dbPath, { mustExist: true });
  try {
    return registry.list(states).map((e) => ({ id: e.id, label: e.label, state: e.state, genome: JSON.parse(e.genomeJson) as Genome }));
  } finally {
    registry.close();
  }
}

/** The production roster with its promoted parameters; [] when there is none. */
export function productionLegs(dbPath: string): { strategy: Strategy; params: Params }[] {
  return rosterEntries(dbPath, ['production']).map((e) => genomeStrategy(e.genome));
}
