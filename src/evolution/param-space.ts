import type { Rng } from '../core/rng.js';
import type { ParamSchema, ParamSpec, Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';

/**
 * The search space of a parameter genome is the strategy's own schema: bounds, integer-ness and
 * step. Every operator here returns values inside the bounds, snapped to the step grid, so a
 * genome can never name a parameter set the strategy would refuse.
 */
export function snap(spec: ParamSpec, value: number): number {
  if (spec.kind === 'bool') return value >= 0.5 ? 1 : 0;
  const clamped = Math.min(spec.max, Math.max(spec.min, value));
  const step = spec.step ?? (spec.kind === 'int' ? 1 : 0);
  if (step <= 0) return clamped;
  const snapped = spec.min + Math.round((clamped - spec.min) / step) * step;
  // Round away binary noise (0.1 + 0.2) so equal genomes print and hash equal.
  const clean = Number(snapped.toFixed(10));
  return Math.min(spec.max, Math.max(spec.min, spec.kind === 'int' ? Math.round(clean) : clean));
}

export function randomValue(spec: ParamSpec, rng: Rng): number {
  if (spec.kind === 'bool') return rng.next() < 0.5 ? 0 : 1;
  return snap(spec, spec.min + rng.next() * (spec.max - spec.min));
}

/**
 * Gaussian mutation for reals (sigma a tenth of the range), a step of +-1..3 for integers, a flip
 * for booleans; always a different value when the range allows one.
 */
export function mutateValue(spec: ParamSpec, value: number, rng: Rng): number {
  if (spec.kind === 'bool') return value ? 0 : 1;
  for (let attempt = 0; attempt < 8; attempt++) {
    let next: number;
    if (spec.kind === 'int') {
      const stride = spec.step ?? 1;
      const k = 1 + rng.int(3);
      next = value + (rng.next() < 0.5 ? -k : k) * stride;
    } else {
      next = value + rng.normal() * 0.1 * (spec.max - spec.min);
    }
    const s = snap(spec, next);
    if (s !== value) return s;
  }
  return value;
}

/** Uniform crossover: each gene from either parent with equal odds. */
export function crossParams(schema: ParamSchema, a: Params, b: Params, rng: Rng): Params {
  const out: Record<string, number> = {};
  for (const name of Object.keys(schema)) out[name] = rng.next() < 0.5 ? a[name] : b[name];
  return out;
}

/**
 * Makes a parameter set acceptable to the strategy's cross-parameter checks by mutating the
 * offending genes; falls back to the defaults-derived value when it cannot.
 */
export function repairParams(strategy: Strategy, p: Params, rng: Rng): Params | null {
  let current = { ...p };
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((strategy.validate?.(current) ?? null) === null) return current;
    const names = Object.keys(strategy.params);
    const name = names[rng.int(names.length)];
    current = { ...current, [name]: randomValue(strategy.params[name], rng) };
  }
  return null;
}
