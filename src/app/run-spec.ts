import { usageError } from '../core/errors.js';
import { formatFillModel, formatSizing, parseFillModel, parseSizing, type EngineConfig } from '../backtest/config.js';
import type { GaSettings } from '../evolution/genetic-search.js';
import type { SearchSpace } from '../evolution/operators.js';
import { checkOptionReplaySettings, VOL_ESTIMATOR_NAMES, type OptionReplaySettings } from '../options/option-replay.js';
import { getStrategy } from '../strategies/registry.js';
import { checkNumber, checkOneOf, checkProbability, checkString, type NumberRule } from './check.js';

/**
 * Run specs with a JSON codec: the engine configuration, the walk-forward windows and the
 * evolve settings as typed values, `encode*` to the JSON a manifest records and `decode*` back,
 * with the one validation of every field (flags reach it as text, manifests and jobs as JSON).
 * Errors name the field through `param` (identity by default; the CLI maps fields to flags).
 * The encodings are the manifest's own shapes, so run ids stay what they were.
 */
type Raw = Readonly<Record<string, unknown>>;
type Param = (name: string) => string;
const same: Param = (n) => n;

/** The engine configuration as a manifest records it (units in the names). */
export type EngineConfigJson = {
  readonly initialCapitalUsd: number;
  readonly maxPositions: number;
  readonly sizing: string;
  readonly fill: string;
  readonly commissionPerOrderUsd: number;
  readonly commissionPerShareUsd: number;
  readonly slippageBps: number;
  readonly regimeFilter: boolean;
  readonly regimeSmaPeriod: number;
  /** Present only when set, so a run without the limits keeps the run id it always had. */
  readonly maxSymbolWeight?: number;
  readonly maxCorrelation?: number;
};

export function encodeEngineConfig(c: EngineConfig): EngineConfigJson {
  return {
    initialCapitalUsd: c.initialCapital,
    maxPositions: c.maxPositions,
    sizing: formatSizing(c.sizing),
    fill: formatFillModel(c.fill),
    commissionPerOrderUsd: c.costs.commissionPerOrderUsd,
    commissionPerShareUsd: c.costs.commissionPerShareUsd,
    slippageBps: c.costs.slippageBps,
    regimeFilter: c.regimeFilter.enabled,
    regimeSmaPeriod: c.regimeFilter.smaPeriod,
    ...(c.limits.maxSymbolWeight === null ? {} : { maxSymbolWeight: c.limits.maxSymbolWeight }),
    ...(c.limits.maxCorrelation === null ? {} : { maxCorrelation: c.limits.maxCorrelation }),
  };
}

/** An engine configuration from its JSON (or the flags' text); decisions are recorded. */
export function decodeEngineConfig(raw: Raw, param: Param = same): EngineConfig {
  const text = (k: string): string => {
    const v = raw[k];
    if (typeof v !== 'string') throw usageError('BAD_SPEC', `expected a string, got ${JSON.stringify(v) ?? 'nothing'}`, { flag: param(k), value: v });
    return v;
  };
  const regimeFilter = raw.regimeFilter;
  if (typeof regimeFilter !== 'boolean') throw usageError('BAD_SPEC', `expected true or false, got ${JSON.stringify(regimeFilter) ?? 'nothing'}`, { flag: param('regimeFilter'), value: regimeFilter });
  return {
    initialCapital: checkNumber(raw.initialCapitalUsd, param('initialCapitalUsd'), { positive: true }),
    maxPositions: checkNumber(raw.maxPositions, param('maxPositions'), { integer: true, positive: true }),
    sizing: parseSizing(text('sizing'), param('sizing')),
    fill: parseFillModel(text('fill'), param('fill')),
    costs: {
      commissionPerOrderUsd: checkNumber(raw.commissionPerOrderUsd, param('commissionPerOrderUsd'), { min: 0 }),
      commissionPerShareUsd: checkNumber(raw.commissionPerShareUsd, param('commissionPerShareUsd'), { min: 0 }),
      slippageBps: checkNumber(raw.slippageBps, param('slippageBps'), { min: 0 }),
    },
    regimeFilter: { enabled: regimeFilter, smaPeriod: checkNumber(raw.regimeSmaPeriod, param('regimeSmaPeriod'), { integer: true, positive: true }) },
    limits: {
      maxSymbolWeight: optionalFraction(raw.maxSymbolWeight, param('maxSymbolWeight'), { positive: true, max: 1 }),
      maxCorrelation: optionalFraction(raw.maxCorrelation, param('maxCorrelation'), { positive: true, max: 1 }),
    },
    recordDecisions: true,
  };
}

/** An optional limit: absent (or null) is off; text or a number is checked against `rule`. */
function optionalFraction(raw: unknown, name: string, rule: NumberRule): number | null {
  return raw === undefined || raw === null ? null : checkNumber(raw, name, rule);
}

/** Walk-forward windows: train on `trainDays` sessions, trade the next `testDays`. */
export interface WalkForwardSpec {
  readonly trainDays: number;
  readonly testDays: number;
  /** A tuning candidate (or a genome's median train window) needs at least this many trades (signals). */
  readonly minTrainTrades: number;
}

export function decodeWalkForwardSpec(raw: Raw, param: Param = same): WalkForwardSpec {
  return {
    trainDays: checkNumber(raw.trainDays, param('trainDays'), { integer: true, positive: true }),
    testDays: checkNumber(raw.testDays, param('testDays'), { integer: true, positive: true }),
    minTrainTrades: checkNumber(raw.minTrainTrades, param('minTrainTrades'), { integer: true, min: 0 }),
  };
}

/** What one strategy of a `kobe wf` run walked forward with. */
export interface WfStrategySpec {
  readonly name: string;
  readonly version: string;
  readonly baseParams: Readonly<Record<string, number>>;
  /** The tuning grid, null when the run traded fixed parameters. */
  readonly tuneGrid: Readonly<Record<string, readonly number[]>> | null;
}

/** The `run` part of a `kobe wf` manifest. */
export interface WfRunSpec extends WalkForwardSpec {
  readonly strategies: readonly WfStrategySpec[];
  readonly tune: boolean;
}

export const encodeWfRunSpec = (s: WfRunSpec): Record<string, unknown> => ({
  strategies: s.strategies.map((x) => ({ name: x.name, version: x.version, baseParams: x.baseParams, tuneGrid: x.tuneGrid })),
  trainDays: s.trainDays,
  testDays: s.testDays,
  tune: s.tune,
  minTrainTrades: s.minTrainTrades,
});

export function decodeWfRunSpec(raw: Raw, param: Param = same): WfRunSpec {
  const list = raw.strategies;
  if (!Array.isArray(list) || list.length === 0) throw usageError('BAD_SPEC', 'expected a non-empty list of strategies', { flag: param('strategies'), value: list });
  const strategies = list.map((x: Raw, k): WfStrategySpec => {
    const name = getStrategy(String(x?.name), param(`strategies[${k}].name`)).name;
    return {
      name,
      version: checkString(x.version, param(`strategies[${k}].version`)),
      baseParams: numberRecord(x.baseParams, param(`strategies[${k}].baseParams`)),
      tuneGrid: x.tuneGrid === null ? null : gridRecord(x.tuneGrid, param(`strategies[${k}].tuneGrid`)),
    };
  });
  if (typeof raw.tune !== 'boolean') throw usageError('BAD_SPEC', `expected true or false, got ${JSON.stringify(raw.tune) ?? 'nothing'}`, { flag: param('tune'), value: raw.tune });
  return { ...decodeWalkForwardSpec(raw, param), strategies, tune: raw.tune };
}

/** A `kobe evolve` search: what is bred, the genetic settings and the walk-forward fitness. */
export interface EvolveSpec extends WalkForwardSpec {
  readonly space: SearchSpace;
  readonly ga: GaSettings;
  readonly generations: number;
  /** A genome losing more than this fraction of equity in any test split is pruned. */
  readonly blowUpFrac: number;
}

/** The manifest's `run` of an evolve run (the context hash is added beside it by the caller). */
export const encodeEvolveSpec = (s: EvolveSpec): Record<string, unknown> => ({
  space: s.space,
  ga: s.ga,
  generations: s.generations,
  trainDays: s.trainDays,
  testDays: s.testDays,
  minTrainTrades: s.minTrainTrades,
  blowUpFrac: s.blowUpFrac,
});

/**
 * An evolve spec from JSON, or from the flags' text: `ga` may be given flat (population, elite,
 * ...; seed beside them) and the blow-up limit as `blowUpPct` (percent) instead of `blowUpFrac`.
 */
export function decodeEvolveSpec(raw: Raw, param: Param = same): EvolveSpec {
  const space = decodeSpace(raw.space, param);
  const generations = checkNumber(raw.generations, param('generations'), { integer: true, positive: true });
  const g = (raw.ga ?? raw) as Raw;
  const population = checkNumber(g.population, param('population'), { integer: true, min: 2 });
  const elite = checkNumber(g.elite, param('elite'), { integer: true, min: 0 });
  if (elite >= population) throw usageError('BAD_FLAG', `${param('elite')} (${elite}) must be less than ${param('population')} (${population})`, { flag: param('elite') });
  const ga: GaSettings = {
    population,
    elite,
    tournament: checkNumber(g.tournament, param('tournament'), { integer: true, positive: true }),
    crossoverRate: checkProbability(g.crossoverRate, param('crossoverRate')),
    mutationRate: checkProbability(g.mutationRate, param('mutationRate')),
    seed: checkNumber(g.seed, param('seed'), { integer: true, min: 0 }),
  };
  const blowUpFrac = raw.blowUpFrac !== undefined ? checkNumber(raw.blowUpFrac, param('blowUpFrac'), { positive: true }) : checkNumber(raw.blowUpPct, param('blowUpPct'), { positive: true }) / 100;
  return { ...decodeWalkForwardSpec(raw, param), space, ga, generations, blowUpFrac };
}

function decodeSpace(raw: unknown, param: Param): SearchSpace {
  const s = raw as Raw | undefined;
  if (s?.kind === 'rules') return { kind: 'rules' };
  if (s?.kind === 'params') return { kind: 'params', strategy: getStrategy(String(s.strategy), param('strategy')).name };
  throw usageError('BAD_FLAG', `choose what to breed: ${param('strategy')} NAME (parameters) or ${param('rules')} (free rules)`, { flag: param('strategy'), value: raw });
}

function numberRecord(raw: unknown, name: string): Record<string, number> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw usageError('BAD_SPEC', 'expected an object of numbers', { flag: name, value: raw });
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, checkNumber(v, `${name}.${k}`)]));
}

function gridRecord(raw: unknown, name: string): Record<string, number[]> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw usageError('BAD_SPEC', 'expected an object of number lists', { flag: name, value: raw });
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => {
      if (!Array.isArray(v)) throw usageError('BAD_SPEC', 'expected a list of numbers', { flag: `${name}.${k}`, value: v });
      return [k, v.map((x) => checkNumber(x, `${name}.${k}`))];
    }),
  );
}

/** The option replay of `kobe simulate --instrument option` as a manifest records it (`run.options`). */
export const encodeOptionReplay = (s: OptionReplaySettings): Record<string, unknown> => ({
  targetAbsDelta: s.targetAbsDelta,
  daysToExpiry: s.daysToExpiry,
  volEstimator: s.volEstimator,
  volBars: s.volBars,
  rateFrac: s.rateFrac,
  dividendYieldFrac: s.dividendYieldFrac,
  premiumRiskFrac: s.premiumRiskFrac,
  commissionPerContractUsd: s.commissionPerContractUsd,
});

/**
 * Option replay settings from JSON, or from the flags' text, where the premium at risk comes as
 * `premiumRiskPct` (percent) instead of `premiumRiskFrac`. The domain checks beyond a number's
 * shape are the library's (checkOptionReplaySettings), whose errors name the parameter.
 */
export function decodeOptionReplay(raw: Raw, param: Param = same): OptionReplaySettings {
  let premiumRiskFrac: number;
  if (raw.premiumRiskFrac !== undefined) premiumRiskFrac = checkNumber(raw.premiumRiskFrac, param('premiumRiskFrac'), { positive: true });
  else {
    const pct = checkNumber(raw.premiumRiskPct, param('premiumRiskPct'), { positive: true });
    if (pct > 100) throw usageError('BAD_FLAG', `must be a percent in (0, 100], was ${pct}`, { flag: param('premiumRiskPct'), value: raw.premiumRiskPct });
    premiumRiskFrac = pct / 100;
  }
  const s: OptionReplaySettings = {
    targetAbsDelta: checkNumber(raw.targetAbsDelta, param('targetAbsDelta'), { positive: true }),
    daysToExpiry: checkNumber(raw.daysToExpiry, param('daysToExpiry'), { integer: true, positive: true }),
    volEstimator: checkOneOf(raw.volEstimator, param('volEstimator'), VOL_ESTIMATOR_NAMES, 'volatility estimator'),
    volBars: checkNumber(raw.volBars, param('volBars'), { integer: true, min: 2 }),
    rateFrac: checkNumber(raw.rateFrac, param('rateFrac')),
    dividendYieldFrac: checkNumber(raw.dividendYieldFrac, param('dividendYieldFrac')),
    premiumRiskFrac,
    commissionPerContractUsd: checkNumber(raw.commissionPerContractUsd, param('commissionPerContractUsd'), { min: 0 }),
  };
  checkOptionReplaySettings(s);
  return s;
}
