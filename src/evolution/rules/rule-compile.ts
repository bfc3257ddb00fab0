import type { BarSeries } from '../../core/bar-series.js';
import {
  avgDollarVolume,
  donchianHigh,
  ema,
  ichimokuSenkouA,
  ichimokuSenkouB,
  realisedVol,
  rollingVwap,
  rsi,
  sma,
  stochK,
} from '../../indicators/index.js';
import { exitParams } from '../../strategies/exit-params.js';
import type { IndicatorMemo } from '../../strategies/indicator-memo.js';
import { SIGNAL_LONG, SIGNAL_NONE, type Strategy } from '../../strategies/types.js';
import { conditionWarmup, describeExpr, describeRule, isJunction, type Condition, type Expr, type RuleSpec } from './rule-spec.js';

type Test = (i: number) => boolean;

interface RulePrep {
  readonly test: Test;
  readonly liquidity: Float64Array;
}

/** A closure per condition over its memoised indicator arrays: evaluating bar i reads i and earlier. */
function conditionTest(c: Condition, s: BarSeries, memo: IndicatorMemo): Test {
  const close = s.close;
  switch (c.kind) {
    case 'emaCross': {
      const fast = memo.get(s, `ema:${c.fast}`, () => ema(close, c.fast));
      const slow = memo.get(s, `ema:${c.slow}`, () => ema(close, c.slow));
      return (i) => i > 0 && fast[i] > slow[i] && fast[i - 1] <= slow[i - 1];
    }
    case 'breakout': {
      const high = memo.startInvariant(s, `donchianHigh:${c.period}`, c.period + 1, (from) => donchianHigh(s.high, c.period, from));
      return (i) => close[i] > high[i];
    }
    case 'rsi': {
      const r = memo.get(s, `rsi:${c.period}`, () => rsi(close, c.period));
      return c.op === 'lt' ? (i) => r[i] < c.level : (i) => r[i] > c.level;
    }
    case 'stoch': {
      const k = memo.get(s, `stochK:${c.period}`, () => stochK(s.high, s.low, close, c.period));
      return c.op === 'lt' ? (i) => k[i] < c.level : (i) => k[i] > c.level;
    }
    case 'aboveSma': {
      const m = memo.get(s, `sma:${c.period}`, () => sma(close, c.period));
      return (i) => close[i] > m[i];
    }
    case 'ichimoku': {
      const a = memo.get(s, 'ichimokuSenkouA:9,26,26', () => ichimokuSenkouA(s.high, s.low, 9, 26, 26));
      const b = memo.get(s, 'ichimokuSenkouB:52,26', () => ichimokuSenkouB(s.high, s.low, 52, 26));
      return c.op === 'above' ? (i) => close[i] > a[i] && close[i] > b[i] : (i) => close[i] < a[i] && close[i] < b[i];
    }
    case 'vwapReversion': {
      const v = memo.get(s, `rollingVwap:${c.period}`, () => rollingVwap(s.high, s.low, close, s.volume, c.period));
      const factor = 1 - c.deviationPct / 100;
      return (i) => close[i] < v[i] * factor;
    }
    case 'volatility': {
      const vol = memo.get(s, `realisedVol:${c.period}`, () => realisedVol(close, c.period));
      const level = c.levelPct / 100;
      return c.op === 'lt' ? (i) => vol[i] < level : (i) => vol[i] > level;
    }
  }
}

function exprTest(e: Expr, s: BarSeries, memo: IndicatorMemo): Test {
  if (!isJunction(e)) return conditionTest(e, s, memo);
  const parts = e.args.map((a) => exprTest(a, s, memo));
  if (e.op === 'and') {
    return (i) => {
      for (const p of parts) if (!p(i)) return false;
      return true;
    };
  }
  return (i) => {
    for (const p of parts) if (p(i)) return true;
    return false;
  };
}

function exprWarmup(e: Expr): number {
  return isJunction(e) ? Math.max(0, ...e.args.map(exprWarmup)) : conditionWarmup(e);
}

/**
 * A rule genome as a Strategy the engine runs like any other: the exit block becomes the shared
 * exit parameters (stops, targets and time exits stay engine features). When slots are scarce,
 * rule signals rank by 20-day average dollar volume: the most liquid names first.
 */
export function compileRule(rule: RuleSpec, name: string): Strategy<RulePrep> {
  const entry: Expr = rule.trendPeriod > 0 ? { op: 'and', args: [rule.entry, { kind: 'aboveSma', period: rule.trendPeriod }] } : rule.entry;
  return {
    name,
    version: '1',
    description: describeRule(rule),
    params: exitParams({ stopAtrMult: rule.exit.stopAtrMult, timeExitBars: rule.exit.timeExitBars, takeProfitAtrMult: rule.exit.takeProfitAtrMult }),
    tuneGrid: {},
    warmupBars: () => Math.max(exprWarmup(entry), 15),
    prepare: (series, _p, memo) => ({
      test: exprTest(entry, series, memo),
      liquidity: memo.get(series, 'avgDollarVolume:20', () => avgDollarVolume(series.close, series.volume, 20)),
    }),
    decide: (prep, i) => (prep.test(i) ? SIGNAL_LONG : SIGNAL_NONE),
    score: (prep, i) => {
      const v = prep.liquidity[i];
      return v === v ? v : 0;
    },
    reason: () => describeExpr(entry),
  };
}
