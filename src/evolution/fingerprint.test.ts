import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { canonicalExpr, fingerprint } from './fingerprint.js';
import { randomCondition, randomRule } from './rules/rule-ops.js';
import type { Expr, RuleSpec } from './rules/rule-spec.js';

const rule = (entry: Expr, trendPeriod = 0): RuleSpec => ({ entry, trendPeriod, exit: { stopAtrMult: 2, takeProfitAtrMult: 0, timeExitBars: 5 } });
const fp = (r: RuleSpec) => fingerprint({ kind: 'rules', rule: r });

/** The same tree with the arguments of every junction shuffled. */
function shuffle(e: Expr, seed: number): Expr {
  if (!('args' in e)) return e;
  const rng = createRng(seed);
  const args = e.args.map((a, i) => shuffle(a, seed + i + 1));
  for (let i = args.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [args[i], args[j]] = [args[j], args[i]];
  }
  return { op: e.op, args };
}

describe('genome fingerprints', () => {
  it('ignore the order of commutative and/or arguments', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (seed, shuffleSeed) => {
        const r = randomRule(createRng(seed));
        expect(fp({ ...r, entry: shuffle(r.entry, shuffleSeed) })).toBe(fp(r));
      }),
      fcOptions(200),
    );
  });

  it('flatten nested junctions of one operator, drop duplicates and single-argument junctions', () => {
    const a = randomCondition(createRng(1), 'rsi');
    const b = randomCondition(createRng(2), 'breakout');
    const c = randomCondition(createRng(3), 'aboveSma');
    expect(fp(rule({ op: 'and', args: [a, { op: 'and', args: [b, c] }] }))).toBe(fp(rule({ op: 'and', args: [c, b, a] })));
    expect(fp(rule({ op: 'and', args: [a, a, b] }))).toBe(fp(rule({ op: 'and', args: [b, a] })));
    expect(fp(rule({ op: 'or', args: [a] }))).toBe(fp(rule(a)));
    expect(canonicalExpr({ op: 'and', args: [a, { op: 'or', args: [b, c] }] })).toEqual(canonicalExpr({ op: 'and', args: [{ op: 'or', args: [c, b] }, a] }));
  });

  it('snap numbers to their gene step, and tell different logic apart', () => {
    const r1 = rule({ kind: 'rsi', period: 2, op: 'lt', level: 10 });
    expect(fp(rule({ kind: 'rsi', period: 2, op: 'lt', level: 10.0000001 }))).toBe(fp(r1));
    expect(fp(rule({ kind: 'rsi', period: 2, op: 'gt', level: 10 }))).not.toBe(fp(r1));
    expect(fp(rule({ kind: 'rsi', period: 3, op: 'lt', level: 10 }))).not.toBe(fp(r1));
    expect(fp({ ...r1, trendPeriod: 200 })).not.toBe(fp(r1));
    expect(fp(rule({ op: 'and', args: [r1.entry, { kind: 'aboveSma', period: 50 }] }))).not.toBe(fp(rule({ op: 'or', args: [r1.entry, { kind: 'aboveSma', period: 50 }] })));
  });

  it('distinguish parameter genomes by strategy and values, not key order', () => {
    const a = fingerprint({ kind: 'params', strategy: 'ibs-rsi', params: { rsiEntry: 10, ibsEntry: 0.2 } });
    expect(fingerprint({ kind: 'params', strategy: 'ibs-rsi', params: { ibsEntry: 0.2, rsiEntry: 10 } })).toBe(a);
    expect(fingerprint({ kind: 'params', strategy: 'ibs-rsi', params: { rsiEntry: 11, ibsEntry: 0.2 } })).not.toBe(a);
    expect(fingerprint({ kind: 'params', strategy: 'turtle-soup', params: { rsiEntry: 10, ibsEntry: 0.2 } })).not.toBe(a);
  });
});
