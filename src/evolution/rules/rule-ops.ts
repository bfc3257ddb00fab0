import type { Rng } from '../../core/rng.js';
import { mutateValue, randomValue } from '../param-space.js';
import { canonicalRule } from '../fingerprint.js';
import { CONDITION_GENES, CONDITION_KINDS, EXIT_GENES, TREND_GENE, isJunction, type Condition, type ConditionKind, type Expr, type RuleExit, type RuleSpec } from './rule-spec.js';

/** At most this many conditions in one entry tree: small rules generalise, large ones overfit. */
export const MAX_CONDITIONS = 4;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

export function randomCondition(rng: Rng, kind: ConditionKind = pick(rng, CONDITION_KINDS)): Condition {
  const genes = CONDITION_GENES[kind];
  const out: Record<string, unknown> = { kind };
  for (const [name, spec] of Object.entries(genes)) out[name] = randomValue(spec, rng);
  switch (kind) {
    case 'rsi':
    case 'stoch':
    case 'volatility':
      out.op = rng.next() < 0.5 ? 'lt' : 'gt';
      break;
    case 'ichimoku':
      out.op = rng.next() < 0.5 ? 'above' : 'below';
      break;
    default:
      break;
  }
  return repairCondition(out as unknown as Condition);
}

function repairCondition(c: Condition): Condition {
  if (c.kind === 'emaCross' && c.fast >= c.slow) return { ...c, fast: Math.max(3, Math.min(c.fast, c.slow - 5)) };
  return c;
}

export function randomExit(rng: Rng): RuleExit {
  return repairExit({
    stopAtrMult: randomValue(EXIT_GENES.stopAtrMult, rng),
    takeProfitAtrMult: rng.next() < 0.5 ? 0 : randomValue(EXIT_GENES.takeProfitAtrMult, rng),
    timeExitBars: randomValue(EXIT_GENES.timeExitBars, rng),
  });
}

/** A rule must be able to leave a trade: with no stop, target or time exit it gets a time exit. */
function repairExit(e: RuleExit): RuleExit {
  return e.stopAtrMult === 0 && e.takeProfitAtrMult === 0 && e.timeExitBars === 0 ? { ...e, timeExitBars: 10 } : e;
}

export function randomRule(rng: Rng): RuleSpec {
  const n = 1 + rng.int(3);
  const conds: Expr[] = Array.from({ length: n }, () => randomCondition(rng));
  const entry: Expr = n === 1 ? conds[0] : { op: rng.next() < 0.75 ? 'and' : 'or', args: conds };
  return canonicalRule({ entry, trendPeriod: rng.next() < 0.6 ? randomValue(TREND_GENE, rng) : 0, exit: randomExit(rng) });
}

export function conditionsOf(e: Expr): Condition[] {
  return isJunction(e) ? e.args.flatMap(conditionsOf) : [e];
}

/** Rewrites the i-th condition (in tree order) with f. */
function mapNth(e: Expr, n: number, f: (c: Condition) => Expr): Expr {
  let k = 0;
  const walk = (x: Expr): Expr => {
    if (!isJunction(x)) return k++ === n ? f(x) : x;
    return { op: x.op, args: x.args.map(walk) };
  };
  return walk(e);
}

function removeNth(e: Expr, n: number): Expr {
  let k = 0;
  const walk = (x: Expr): Expr | null => {
    if (!isJunction(x)) return k++ === n ? null : x;
    const args = x.args.map(walk).filter((a): a is Expr => a !== null);
    return args.length === 0 ? null : args.length === 1 ? args[0] : { op: x.op, args };
  };
  return walk(e) ?? e;
}

/**
 * One structural or numeric change: tweak a number of a condition, replace a condition, add one
 * (and-ed or or-ed), remove one, flip a junction, change the trend filter or the exit block.
 */
export function mutateRule(r: RuleSpec, rng: Rng): RuleSpec {
  const conds = conditionsOf(r.entry);
  const roll = rng.next();
  let next: RuleSpec = r;
  if (roll < 0.35) {
    const n = rng.int(conds.length);
    next = { ...r, entry: mapNth(r.entry, n, (c) => tweakCondition(c, rng)) };
  } else if (roll < 0.5) {
    const n = rng.int(conds.length);
    next = { ...r, entry: mapNth(r.entry, n, () => randomCondition(rng)) };
  } else if (roll < 0.62 && conds.length < MAX_CONDITIONS) {
    const op = rng.next() < 0.7 ? 'and' : 'or';
    next = { ...r, entry: { op, args: [r.entry, randomCondition(rng)] } };
  } else if (roll < 0.72 && conds.length > 1) {
    next = { ...r, entry: removeNth(r.entry, rng.int(conds.length)) };
  } else if (roll < 0.78 && isJunction(r.entry)) {
    next = { ...r, entry: { op: r.entry.op === 'and' ? 'or' : 'and', args: r.entry.args } };
  } else if (roll < 0.86) {
    next = { ...r, trendPeriod: r.trendPeriod === 0 ? randomValue(TREND_GENE, rng) : rng.next() < 0.3 ? 0 : mutateValue(TREND_GENE, r.trendPeriod, rng) };
  } else {
    const key = pick(rng, Object.keys(EXIT_GENES) as (keyof RuleExit)[]);
    next = { ...r, exit: repairExit({ ...r.exit, [key]: mutateValue(EXIT_GENES[key], r.exit[key], rng) }) };
  }
  return canonicalRule(next);
}

function tweakCondition(c: Condition, rng: Rng): Condition {
  const genes = CONDITION_GENES[c.kind];
  const names = Object.keys(genes);
  if (names.length === 0 || (('op' in c) && rng.next() < 0.25)) {
    if (c.kind === 'ichimoku') return { ...c, op: c.op === 'above' ? 'below' : 'above' };
    if ('op' in c) return { ...c, op: c.op === 'lt' ? 'gt' : 'lt' } as Condition;
    return c;
  }
  const name = pick(rng, names);
  const value = (c as unknown as Record<string, number>)[name];
  return repairCondition({ ...c, [name]: mutateValue(genes[name], value, rng) } as Condition);
}

/**
 * Crossover: the child takes its entry tree from one parent with one condition swapped in from
 * the other, its trend filter and exit genes each from either parent.
 */
export function crossRules(a: RuleSpec, b: RuleSpec, rng: Rng): RuleSpec {
  const donor = conditionsOf(b.entry);
  const target = conditionsOf(a.entry);
  const entry = mapNth(a.entry, rng.int(target.length), () => donor[rng.int(donor.length)]);
  const exit: RuleExit = {
    stopAtrMult: rng.next() < 0.5 ? a.exit.stopAtrMult : b.exit.stopAtrMult,
    takeProfitAtrMult: rng.next() < 0.5 ? a.exit.takeProfitAtrMult : b.exit.takeProfitAtrMult,
    timeExitBars: rng.next() < 0.5 ? a.exit.timeExitBars : b.exit.timeExitBars,
  };
  return canonicalRule({ entry, trendPeriod: rng.next() < 0.5 ? a.trendPeriod : b.trendPeriod, exit: repairExit(exit) });
}
