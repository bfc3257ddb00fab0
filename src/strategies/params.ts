import { usageError } from '../core/errors.js';

/**
 * A strategy's parameters are declared once, as data: defaults, bounds and integer-ness. The CLI
 * parser, walk-forward tuning grids and (later) the evolutionary search space all read this one
 * schema, so validation is written once.
 */
export interface ParamSpec {
  readonly kind: 'int' | 'real' | 'bool';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Mutation/grid step for searches; integers default to 1. */
  readonly step?: number;
  readonly description: string;
}

export type ParamSchema = Readonly<Record<string, ParamSpec>>;
export type Params = Readonly<Record<string, number>>;

export function defaultParams(schema: ParamSchema): Params {
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries(schema)) out[name] = spec.default;
  return out;
}

/** Checks one value against its spec; returns a problem description or null. */
export function paramProblem(name: string, spec: ParamSpec, value: number): string | null {
  if (!Number.isFinite(value)) return `${name} must be a number, was ${value}`;
  if (spec.kind === 'bool' && value !== 0 && value !== 1) return `${name} must be 0/1 (or true/false), was ${value}`;
  if (spec.kind === 'int' && !Number.isInteger(value)) return `${name} must be an integer, was ${value}`;
  if (value < spec.min || value > spec.max) return `${name} must be in [${spec.min}, ${spec.max}], was ${value}`;
  return null;
}

/**
 * Merges overrides into the defaults, rejecting unknown names and out-of-bounds values.
 * `where` names the parameter the overrides came from (`params`, `genome`), for the error.
 */
export function resolveParams(
  strategyName: string,
  schema: ParamSchema,
  overrides: Readonly<Record<string, number>>,
  where = 'params',
): Params {
  const out: Record<string, number> = { ...defaultParams(schema) };
  for (const [name, value] of Object.entries(overrides)) {
    const spec = schema[name];
    if (spec === undefined) {
      throw usageError('UNKNOWN_PARAM', `strategy ${strategyName} has no parameter '${name}'`, {
        param: where,
        value: name,
        hint: `known parameters: ${Object.keys(schema).join(', ')}`,
      });
    }
    const problem = paramProblem(name, spec, value);
    if (problem !== null) throw usageError('BAD_PARAM', problem, { param: where, value });
    out[name] = value;
  }
  return out;
}

/** Parses `k=v,k2=v2`, the text form of parameter overrides (`param` names them in errors). */
export function parseParamsFlag(text: string, param = 'params'): Record<string, number> {
  const out: Record<string, number> = {};
  const trimmed = text.trim();
  if (trimmed === '') return out;
  for (const part of trimmed.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw usageError('BAD_PARAMS_SYNTAX', `expected key=value, got '${part}'`, { param, value: text, hint: 'example: rsiEntry=5,ibsEntry=0.15' });
    }
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    const value = raw === 'true' ? 1 : raw === 'false' ? 0 : Number(raw);
    if (raw === '' || Number.isNaN(value)) {
      throw usageError('BAD_PARAM', `${key} must be a number, was '${raw}'`, { param, value: raw });
    }
    out[key] = value;
  }
  return out;
}

/** Stable text form of a parameter set, used in memo keys, fingerprints and artifact names. */
export function paramsKey(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(',');
}

/** Every combination of a declared grid laid over a base parameter set, in a fixed order. */
export function expandGrid(base: Params, grid: Readonly<Record<string, readonly number[]>>): Params[] {
  let combos: Record<string, number>[] = [{ ...base }];
  for (const name of Object.keys(grid).sort()) {
    const next: Record<string, number>[] = [];
    for (const combo of combos) for (const v of grid[name]) next.push({ ...combo, [name]: v });
    combos = next;
  }
  return combos;
}
