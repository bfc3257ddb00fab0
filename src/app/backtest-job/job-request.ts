import { isoDayFlag } from '../../core/calendar.js';
import { usageError } from '../../core/errors.js';
import type { Genome } from '../../evolution/genome.js';
import { genomeStrategy } from '../../evolution/operators.js';
import { getStrategy, resolveStrategyParams } from '../../strategies/registry.js';
import type { MarketSpec } from '../market-spec.js';
import { DEFAULT_STRATEGY_NAMES, rosterEntries, type RosterEntry } from '../roster.js';
import { decodeWalkForwardSpec, type WalkForwardSpec } from '../run-spec.js';
import type { JobWindow } from './latest-doc.js';

/**
 * What a POST to /api/backtests/run may say. The server's JSON schema has checked the types;
 * this decides the meaning (names known, dates real, parameters in bounds) and answers with a
 * usage error naming the field, which the server turns into a 400.
 */
export interface JobRequest {
  /** Registry ids or labels of the production roster, or strategy names; default: the roster, else ibs-rsi and turtle-soup. */
  readonly strategies?: readonly string[];
  readonly start?: string;
  readonly end?: string;
  /** Parameter overrides per strategy name, e.g. `{"ibs-rsi": {"rsiEntry": 5}}`. */
  readonly params?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly tune?: boolean;
  readonly trainDays?: number;
  readonly testDays?: number;
  readonly minTrainTrades?: number;
}

/** The defaults a job starts from: the server's market and windows. */
export interface JobDefaults {
  readonly market: MarketSpec;
  readonly windows: WalkForwardSpec;
  readonly tune: boolean;
}

export interface JobLeg {
  /** The strategy's name in the run (its key in the documents). */
  readonly name: string;
  /** Plain JSON, so it crosses into the job's thread as it is. */
  readonly genome: Genome;
  readonly params: Readonly<Record<string, number>>;
}

export interface JobPlan {
  readonly legs: readonly JobLeg[];
  readonly market: MarketSpec;
  readonly windows: WalkForwardSpec;
  readonly tune: boolean;
  /** As asked for; null ends are the data's own first or last session. */
  readonly window: JobWindow;
  /** What the plan chose that the caller did not say (the roster was empty, a duplicate left out). */
  readonly notes: readonly string[];
}

export function decodeJobRequest(body: JobRequest, defaults: JobDefaults, dbPath: string): JobPlan {
  const roster = rosterEntries(dbPath, ['production']);
  const notes: string[] = [];
  let picked: { name: string; genome: Genome }[];
  if (body.strategies === undefined || body.strategies.length === 0) {
    picked = roster.map((e) => ({ name: legName(e.genome), genome: e.genome }));
    if (picked.length === 0) {
      picked = DEFAULT_STRATEGY_NAMES.map((n) => ({ name: n, genome: { kind: 'params', strategy: n, params: {} } }));
      notes.push(`no strategy in production: running ${DEFAULT_STRATEGY_NAMES.join(' and ')} with their default parameters`);
    }
  } else {
    picked = body.strategies.map((wanted, k) => {
      const entry = findInRoster(roster, wanted);
      if (entry !== null) return { name: legName(entry.genome), genome: entry.genome };
      const strategy = getStrategy(wanted, `strategies[${k}]`);
      return { name: strategy.name, genome: { kind: 'params', strategy: strategy.name, params: {} } };
    });
  }
  const seen = new Set<string>();
  picked = picked.filter((p) => {
    if (!seen.has(p.name)) return seen.add(p.name);
    notes.push(`${p.name} is named twice: the first is run`);
    return false;
  });

  const overrides = body.params ?? {};
  for (const name of Object.keys(overrides)) {
    if (!seen.has(name)) {
      throw usageError('BAD_PARAM', `parameters for ${name}, which this run does not include (${[...seen].join(', ')})`, { param: `params.${name}`, value: overrides[name] });
    }
  }
  const legs = picked.map(({ name, genome }): JobLeg => {
    const own = overrides[name];
    if (own === undefined) return { name, genome, params: genomeStrategy(genome).params };
    if (genome.kind !== 'params') throw usageError('BAD_PARAM', `${name} is a rule genome: it has no parameters to set`, { param: `params.${name}`, value: own });
    const params = resolveStrategyParams(getStrategy(genome.strategy), { ...genome.params, ...own }, `params.${name}`);
    return { name, genome: { ...genome, params }, params };
  });

  const start = body.start ?? defaults.market.start;
  const end = body.end ?? defaults.market.end;
  const startDay = start === null ? null : isoDayFlag(start, 'start');
  const endDay = end === null ? null : isoDayFlag(end, 'end');
  if (startDay !== null && endDay !== null && startDay > endDay) {
    throw usageError('START_AFTER_END', `start ${start} is after end ${end}`, { param: 'start', value: start });
  }
  const windows = decodeWalkForwardSpec({
    trainDays: body.trainDays ?? defaults.windows.trainDays,
    testDays: body.testDays ?? defaults.windows.testDays,
    minTrainTrades: body.minTrainTrades ?? defaults.windows.minTrainTrades,
  });
  return { legs, market: { ...defaults.market, start, end }, windows, tune: body.tune ?? defaults.tune, window: { start, end }, notes };
}

/** A name the caller may use for a roster entry: its id, its label, or its strategy's name. */
function findInRoster(roster: readonly RosterEntry[], wanted: string): RosterEntry | null {
  return roster.find((e) => e.id === wanted || e.label === wanted || legName(e.genome) === wanted) ?? null;
}

const legName = (g: Genome): string => genomeStrategy(g).strategy.name;
