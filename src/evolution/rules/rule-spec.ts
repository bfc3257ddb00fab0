import type { ParamSpec } from '../../strategies/params.js';

/**
 * The rule language of the strategy factory: entry conditions built from tested indicator
 * primitives, joined by and/or, plus a trend filter and an exit block. Every condition reads bar
 * t and earlier only (channels are the bars before t; the Ichimoku cloud at t is the one computed
 * `displacement` bars earlier), so every rule is causal by construction. Entries are long.
 */
export type Condition =
  /** EMA(fast) crosses above EMA(slow) on bar t. */
  | { readonly kind: 'emaCross'; readonly fast: number; readonly slow: number }
  /** Close breaks above the highest high of the `period` bars before t (Donchian breakout). */
  | { readonly kind: 'breakout'; readonly period: number }
  /** Wilder RSI(period) below (oversold) or above (momentum) a level. */
  | { readonly kind: 'rsi'; readonly period: number; readonly op: 'lt' | 'gt'; readonly level: number }
  /** Stochastic %K(period) below or above a level. */
  | { readonly kind: 'stoch'; readonly period: number; readonly op: 'lt' | 'gt'; readonly level: number }
  /** Close above SMA(period). */
  | { readonly kind: 'aboveSma'; readonly period: number }
  /** Close above the top (or below the bottom) of the Ichimoku cloud that applies to bar t. */
  | { readonly kind: 'ichimoku'; readonly op: 'above' | 'below' }
  /** Close at least `deviationPct` % below the rolling VWAP(period): reversion entry. */
  | { readonly kind: 'vwapReversion'; readonly period: number; readonly deviationPct: number }
  /** Annualised realised volatility(period) below (calm) or above (active) a level, in %. */
  | { readonly kind: 'volatility'; readonly period: number; readonly op: 'lt' | 'gt'; readonly levelPct: number };

export type ConditionKind = Condition['kind'];

export interface Junction {
  readonly op: 'and' | 'or';
  readonly args: readonly Expr[];
}

export type Expr = Condition | Junction;

export interface RuleExit {
  /** Stop at entry - this many ATR(14); 0 = none. */
  readonly stopAtrMult: number;
  /** Take profit at entry + this many ATR(14); 0 = none. */
  readonly takeProfitAtrMult: number;
  /** Exit after this many bars; 0 = none. */
  readonly timeExitBars: number;
}

export interface RuleSpec {
  readonly entry: Expr;
  /** Trend filter: longs only above SMA(trendPeriod); 0 = off. */
  readonly trendPeriod: number;
  readonly exit: RuleExit;
}

export const isJunction = (e: Expr): e is Junction => (e as Junction).args !== undefined;

const int = (min: number, max: number, step = 1): ParamSpec => ({ kind: 'int', default: min, min, max, step, description: '' });
const real = (min: number, max: number, step: number): ParamSpec => ({ kind: 'real', default: min, min, max, step, description: '' });

/** Bounds and steps of every number in every condition: the rule search space. */
export const CONDITION_GENES: { readonly [K in ConditionKind]: Readonly<Record<string, ParamSpec>> } = {
  emaCross: { fast: int(3, 50), slow: int(10, 200, 5) },
  breakout: { period: int(10, 100, 5) },
  rsi: { period: int(2, 14), level: real(5, 95, 5) },
  stoch: { period: int(5, 30), level: real(5, 95, 5) },
  aboveSma: { period: int(20, 250, 10) },
  ichimoku: {},
  vwapReversion: { period: int(5, 60, 5), deviationPct: real(1, 10, 0.5) },
  volatility: { period: int(10, 60, 5), levelPct: real(10, 80, 5) },
};

export const EXIT_GENES: Readonly<Record<keyof RuleExit, ParamSpec>> = {
  stopAtrMult: real(0, 5, 0.5),
  takeProfitAtrMult: real(0, 8, 0.5),
  timeExitBars: int(0, 30),
};

export const TREND_GENE: ParamSpec = int(0, 250, 10);

export const CONDITION_KINDS = Object.keys(CONDITION_GENES) as ConditionKind[];

/** Lookback a condition needs before its first trustworthy value, in bars. */
export function conditionWarmup(c: Condition): number {
  switch (c.kind) {
    case 'emaCross':
      return Math.max(c.fast, c.slow) + 1;
    case 'breakout':
      return c.period + 1;
    case 'rsi':
      return c.period + 1;
    case 'stoch':
      return c.period;
    case 'aboveSma':
      return c.period;
    case 'ichimoku':
      return 52 + 26;
    case 'vwapReversion':
      return c.period;
    case 'volatility':
      return c.period + 1;
  }
}

export function describeCondition(c: Condition): string {
  switch (c.kind) {
    case 'emaCross':
      return `EMA(${c.fast}) crosses above EMA(${c.slow})`;
    case 'breakout':
      return `close > ${c.period}-bar high`;
    case 'rsi':
      return `RSI(${c.period}) ${c.op === 'lt' ? '<' : '>'} ${c.level}`;
    case 'stoch':
      return `%K(${c.period}) ${c.op === 'lt' ? '<' : '>'} ${c.level}`;
    case 'aboveSma':
      return `close > SMA(${c.period})`;
    case 'ichimoku':
      return `close ${c.op} the Ichimoku cloud`;
    case 'vwapReversion':
      return `close ${c.deviationPct}% below VWAP(${c.period})`;
    case 'volatility':
      return `vol(${c.period}) ${c.op === 'lt' ? '<' : '>'} ${c.levelPct}%`;
  }
}

export function describeExpr(e: Expr): string {
  if (!isJunction(e)) return describeCondition(e);
  return `(${e.args.map(describeExpr).join(` ${e.op.toUpperCase()} `)})`;
}

export function describeRule(r: RuleSpec): string {
  const exits = [
    r.exit.stopAtrMult > 0 ? `stop ${r.exit.stopAtrMult} ATR` : null,
    r.exit.takeProfitAtrMult > 0 ? `target ${r.exit.takeProfitAtrMult} ATR` : null,
    r.exit.timeExitBars > 0 ? `time ${r.exit.timeExitBars} bars` : null,
  ].filter((x) => x !== null);
  return `long when ${describeExpr(r.entry)}${r.trendPeriod > 0 ? ` and close > SMA(${r.trendPeriod})` : ''}; exit ${exits.length ? exits.join(', ') : 'at window end'}`;
}
