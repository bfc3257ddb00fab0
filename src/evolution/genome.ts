import type { RuleSpec } from './rules/rule-spec.js';

/**
 * What the strategy factory breeds. A parameter genome tunes a registered strategy inside its
 * declared schema; a rule genome is a small typed expression tree of indicator conditions with
 * its own exit block. Both are plain JSON: they cross thread and machine boundaries as they are.
 */
export interface ParamGenome {
  readonly kind: 'params';
  readonly strategy: string;
  readonly params: Readonly<Record<string, number>>;
}

export interface RuleGenome {
  readonly kind: 'rules';
  readonly rule: RuleSpec;
}

export type Genome = ParamGenome | RuleGenome;
