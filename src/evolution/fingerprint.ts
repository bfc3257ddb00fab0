import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { snap } from './param-space.js';
import type { Genome } from './genome.js';
import { CONDITION_GENES, EXIT_GENES, TREND_GENE, isJunction, type Condition, type Expr, type RuleSpec } from './rules/rule-spec.js';

/**
 * One logic, one fingerprint. Rule trees are put in canonical form first: numbers snapped to
 * their gene's step, nested junctions of the same operator flattened, arguments of and/or sorted
 * (they commute) and de-duplicated, a junction of one argument replaced by that argument. Two
 * genomes that trade identically by construction therefore share a fingerprint, and the store
 * never evaluates the second.
 */
export function canonicalCondition(c: Condition): Condition {
  const genes = CONDITION_GENES[c.kind] as Record<string, Parameters<typeof snap>[0]>;
  const out: Record<string, unknown> = { kind: c.kind };
  for (const [key, value] of Object.entries(c)) {
    if (key === 'kind') continue;
    out[key] = typeof value === 'number' && genes[key] !== undefined ? snap(genes[key], value) : value;
  }
  return out as unknown as Condition;
}

export function canonicalExpr(e: Expr): Expr {
  if (!isJunction(e)) return canonicalCondition(e);
  const flat: Expr[] = [];
  for (const arg of e.args.map(canonicalExpr)) {
    if (isJunction(arg) && arg.op === e.op) flat.push(...arg.args);
    else flat.push(arg);
  }
  const unique = new Map<string, Expr>();
  for (const arg of flat) unique.set(stableStringify(arg), arg);
  const args = [...unique.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  return args.length === 1 ? args[0] : { op: e.op, args };
}

export function canonicalRule(r: RuleSpec): RuleSpec {
  return {
    entry: canonicalExpr(r.entry),
    trendPeriod: snap(TREND_GENE, r.trendPeriod),
    exit: {
      stopAtrMult: snap(EXIT_GENES.stopAtrMult, r.exit.stopAtrMult),
      takeProfitAtrMult: snap(EXIT_GENES.takeProfitAtrMult, r.exit.takeProfitAtrMult),
      timeExitBars: snap(EXIT_GENES.timeExitBars, r.exit.timeExitBars),
    },
  };
}

export function canonicalGenome(g: Genome): Genome {
  return g.kind === 'rules' ? { kind: 'rules', rule: canonicalRule(g.rule) } : { kind: 'params', strategy: g.strategy, params: { ...g.params } };
}

export function fingerprint(g: Genome): string {
  return sha256Hex(stableStringify(canonicalGenome(g)));
}
