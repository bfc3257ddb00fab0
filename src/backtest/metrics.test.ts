import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { isKobeError } from '../core/errors.js';
import {
  METRIC_NAMES,
  MetricReason,
  computeMetrics,
  dailyReturns,
  drawdownSeries,
  longestUnderwaterSessions,
  maxDrawdown,
  metricsToJson,
  type MetricName,
  type Metrics,
  type MetricValue,
  type PerformanceInput,
  type TradeRecord,
} from './metrics.js';

const SQRT252 = Math.sqrt(252);
const DAY0 = 19_723; // 2024-01-01

// ---------------------------------------------------------------------------------------------
// builders

function trade(pnl: number, initialRiskUsd: number | null = null, barsHeld = 1): TradeRecord {
  return {
    symbol: 'SPY', side: 'long', entryDay: DAY0, entryPrice: 100, exitDay: DAY0 + barsHeld, exitPrice: 100,
    shares: 1, pnl, fees: 0, exitReason: 'test', initialRiskUsd, barsHeld,
  };
}

interface CurveOpts {
  days?: number[];
  exposure?: number[];
  capital?: number;
  trades?: TradeRecord[];
  fees?: number;
  benchmark?: number[];
}

function curve(equity: number[], o: CurveOpts = {}): PerformanceInput {
  const n = equity.length;
  return {
    days: Int32Array.from(o.days ?? equity.map((_, i) => DAY0 + i)),
    equity: Float64Array.from(equity),
    exposureFrac: Float64Array.from(o.exposure ?? equity.map(() => 1)),
    initialCapital: o.capital ?? (n > 0 ? equity[0] : 100),
    trades: o.trades ?? [],
    feesPaid: o.fees ?? 0,
    benchmarkEquity: o.benchmark ? Float64Array.from(o.benchmark) : undefined,
  };
}

const metricEntries = (m: Metrics): [MetricName, MetricValue][] => METRIC_NAMES.map((k) => [k, m[k]]);

// ---------------------------------------------------------------------------------------------
// independent reference implementations (plain arrays, written differently on purpose)

const refReturns = (eq: number[]): number[] => eq.slice(1).map((e, i) => e / eq[i] - 1);
const refMean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
function refSharpe(r: number[]): number {
  const m = refMean(r);
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (r.length - 1));
  return (m / sd) * SQRT252;
}
function refSortino(r: number[]): number {
  const dd = Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / r.length);
  return (refMean(r) / dd) * SQRT252;
}
/** Brute force: the worst fall from any earlier point. */
function refMaxDrawdown(eq: number[]): number {
  let worst = 0;
  for (let j = 0; j < eq.length; j++) for (let i = 0; i <= j; i++) worst = Math.max(worst, (eq[i] - eq[j]) / eq[i]);
  return worst;
}
/** Brute force: a session is underwater iff some earlier close was strictly higher. */
function refUnderwater(eq: number[]): number {
  let run = 0;
  let best = 0;
  for (let j = 0; j < eq.length; j++) {
    const under = eq.slice(0, j).some((e) => e > eq[j]);
    run = under ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}
function refBetaAlpha(s: number[], b: number[]): { beta: number; alpha: number } {
  const ms = refMean(s);
  const mb = refMean(b);
  const cov = s.reduce((a, x, i) => a + (x - ms) * (b[i] - mb), 0);
  const varB = b.reduce((a, x) => a + (x - mb) ** 2, 0);
  const beta = cov / varB;
  return { beta, alpha: (ms - beta * mb) * 252 };
}
function refProfitFactor(pnls: number[]): number {
  const win = pnls.filter((p) => p > 0).reduce((a, b) => a + b, 0);
  const loss = pnls.filter((p) => p < 0).reduce((a, b) => a - b, 0);
  return win / loss;
}

// ---------------------------------------------------------------------------------------------
// hand-computed examples

describe('computeMetrics: hand-computed examples', () => {
  it('5-session curve: returns +10%, -10%, +10%, +10%', () => {
    const eq = [100, 110, 99, 108.9, 119.79];
    const m = computeMetrics(curve(eq));
    // r = [0.1, -0.1, 0.1, 0.1]; mean 0.05; squared deviations 0.0025 x3 + 0.0225 = 0.03; /3 -> var 0.01, sd 0.1
    expect(m.sharpe.value).toBeCloseTo(0.5 * SQRT252, 9);
    // downside: sqrt((0.01) / 4) = 0.05 -> 0.05 / 0.05 * sqrt(252)
    expect(m.sortino.value).toBeCloseTo(SQRT252, 9);
    expect(m.totalReturnFrac.value).toBeCloseTo(0.1979, 12);
    // peak 110, trough 99
    expect(m.maxDrawdownFrac.value).toBeCloseTo(0.1, 12);
    // 99 and 108.9 are below 110; 119.79 recovers
    expect(m.maxDrawdownDays.value).toBe(2);
    // exposed all along: 3 up sessions out of 4
    expect(m.hitRate.value).toBe(0.75);
    expect(m.exposureFrac.value).toBe(1);
    expect(m.avgExposureFrac.value).toBe(1);
    const r = dailyReturns(Float64Array.from(eq));
    expect(Array.from(r).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.1, -0.1, 0.1, 0.1]);
  });

  it('drawdown series and the longest underwater stretch', () => {
    const eq = [100, 120, 90, 96, 130, 104];
    const dd = Array.from(drawdownSeries(Float64Array.from(eq)));
    const want = [0, 0, 0.25, 0.2, 0, 0.2];
    dd.forEach((d, i) => expect(d).toBeCloseTo(want[i], 12));
    const m = computeMetrics(curve(eq));
    expect(m.maxDrawdownFrac.value).toBeCloseTo(0.25, 12);
    expect(m.maxDrawdownDays.value).toBe(2);
    // an unrecovered stretch at the end counts too
    expect(longestUnderwaterSessions([100, 80, 90, 95, 99])).toBe(4);
    expect(longestUnderwaterSessions([100, 100, 100])).toBe(0); // equal to the peak is not underwater
  });

  it('maxDrawdown is the largest value of the drawdown series, exactly (0 when there is none)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 500, noNaN: true }), { maxLength: 60 }), (xs) => {
        const eq = Float64Array.from(xs);
        let worst = 0;
        for (const d of drawdownSeries(eq)) if (d > worst) worst = d;
        expect(Object.is(maxDrawdown(eq), worst)).toBe(true);
      }),
      fcOptions(),
    );
  });

  it('trade statistics: profit factor, win rate, expectancy, SQN, R', () => {
    const trades = [trade(100, 50, 2), trade(-50, 50, 4), trade(200, 100, 6), trade(-25, null, 3), trade(0, 0, 5)];
    const m = computeMetrics(curve([100, 100], { trades }));
    expect(m.trades).toBe(5);
    expect(m.profitFactor.value).toBeCloseTo(300 / 75, 12);
    expect(m.winRate.value).toBe(0.4); // the zero-pnl trade is neither a win nor a loss
    expect(m.avgWinUsd.value).toBe(150);
    expect(m.avgLossUsd.value).toBe(-37.5);
    expect(m.expectancyUsd.value).toBe(45);
    // deviations from 45: 55, -95, 155, -70, -45; squares sum 43000; sample var 10750
    expect(m.sqn.value).toBeCloseTo((Math.sqrt(5) * 45) / Math.sqrt(10750), 12);
    // R over trades with risk > 0 only: 2, -1, 2
    expect(m.expectancyR.value).toBeCloseTo(1, 12);
    expect(m.avgBarsHeld.value).toBe(4);
  });

  it('CAGR over exactly 4 x 365.25 = 1461 calendar days', () => {
    // 365.25 * 2 is not a whole day number; 1461 days is exactly four average years
    const m = computeMetrics(curve([100, 150, 400], { days: [DAY0, DAY0 + 700, DAY0 + 1461], benchmark: [100, 120, 200] }));
    expect(m.cagrFrac.value).toBeCloseTo(Math.SQRT2 - 1, 12); // 4^(1/4) - 1
    expect(m.benchmarkCagrFrac.value).toBeCloseTo(2 ** 0.25 - 1, 12);
    expect(m.totalReturnFrac.value).toBe(3);
    expect(m.benchmarkReturnFrac.value).toBe(1);
    expect(m.excessReturnFrac.value).toBe(2);
  });

  it('CAGR uses initialCapital as the base', () => {
    // 1000 capital, curve 1100 -> 1210 over 730 days: (1.21)^(365.25/730) - 1
    const m = computeMetrics(curve([1100, 1210], { days: [DAY0, DAY0 + 730], capital: 1000 }));
    expect(m.cagrFrac.value).toBeCloseTo(1.21 ** (365.25 / 730) - 1, 12);
    expect(m.totalReturnFrac.value).toBeCloseTo(0.21, 12);
  });

  it('beta and Jensen alpha of a strategy built as 2 x benchmark + 0.1% a day', () => {
    const b = [0.01, -0.02, 0.015, 0.003, -0.007, 0.012];
    const bench = [100];
    const eq = [100];
    for (const x of b) {
      bench.push(bench[bench.length - 1] * (1 + x));
      eq.push(eq[eq.length - 1] * (1 + 2 * x + 0.001));
    }
    const m = computeMetrics(curve(eq, { benchmark: bench }));
    expect(m.beta.value).toBeCloseTo(2, 9);
    expect(m.alphaAnnualFrac.value).toBeCloseTo(0.252, 9);
    expect(m.benchmarkSharpe.value).toBeCloseTo(refSharpe(b), 9);
  });

  it('exposure and hit rate', () => {
    // hit-rate base: sessions whose PREVIOUS close had exposure > 0 -> i = 2 (up), i = 3 (down)
    const m = computeMetrics(curve([100, 100, 101, 100.5, 100.7], { exposure: [0, 0.5, 1.5, 0, 1] }));
    expect(m.hitRate.value).toBe(0.5);
    expect(m.exposureFrac.value).toBe(0.6);
    expect(m.avgExposureFrac.value).toBeCloseTo(0.6, 14);
  });

  it('fees are reported as given', () => {
    expect(computeMetrics(curve([100, 101], { fees: 12.5 })).feesPaidUsd.value).toBe(12.5);
  });
});

// ---------------------------------------------------------------------------------------------
// degenerate inputs: null with the right reason

describe('computeMetrics: degenerate inputs', () => {
  it('no trades', () => {
    const m = computeMetrics(curve([100, 101, 102]));
    expect(m.trades).toBe(0);
    for (const k of ['winRate', 'avgWinUsd', 'avgLossUsd', 'expectancyUsd', 'expectancyR', 'profitFactor', 'sqn', 'avgBarsHeld'] as const) {
      expect(m[k]).toEqual({ value: null, reason: MetricReason.NO_TRADES });
    }
  });

  it('all winners, all losers, one trade, identical trades', () => {
    const win = computeMetrics(curve([100, 101], { trades: [trade(5), trade(10)] }));
    expect(win.profitFactor).toEqual({ value: null, reason: MetricReason.NO_LOSING_TRADES });
    expect(win.avgLossUsd.reason).toBe(MetricReason.NO_LOSING_TRADES);
    expect(win.winRate.value).toBe(1);

    const lose = computeMetrics(curve([100, 99], { trades: [trade(-5), trade(-10)] }));
    expect(lose.profitFactor.value).toBe(0);
    expect(lose.avgWinUsd.reason).toBe(MetricReason.NO_WINNING_TRADES);
    expect(lose.winRate.value).toBe(0);

    const flat = computeMetrics(curve([100, 100], { trades: [trade(0), trade(0)] }));
    expect(flat.profitFactor.reason).toBe(MetricReason.NO_DECISIVE_TRADES);

    expect(computeMetrics(curve([100], { trades: [trade(5)] })).sqn.reason).toBe(MetricReason.FEWER_THAN_2_TRADES);
    // 0.1 three times: the float mean is not exactly 0.1, the spread is noise and must not give a huge SQN
    const same = computeMetrics(curve([100], { trades: [trade(0.1), trade(0.1), trade(0.1)] }));
    expect(same.sqn.reason).toBe(MetricReason.ZERO_PNL_SPREAD);
  });

  it('constant equity', () => {
    const m = computeMetrics(curve([100, 100, 100, 100], { exposure: [0, 0, 0, 0] }));
    expect(m.sharpe.reason).toBe(MetricReason.ZERO_VOLATILITY);
    expect(m.sortino.reason).toBe(MetricReason.NO_DOWNSIDE);
    expect(m.maxDrawdownFrac.value).toBe(0);
    expect(m.maxDrawdownDays.value).toBe(0);
    expect(m.totalReturnFrac.value).toBe(0);
    expect(m.cagrFrac.value).toBe(0);
    expect(m.hitRate.reason).toBe(MetricReason.NO_EXPOSED_SESSIONS);
    expect(m.exposureFrac.value).toBe(0);
  });

  it('steady compounding: float noise in the spread is not volatility', () => {
    const eq = Array.from({ length: 30 }, (_, i) => 100 * 1.01 ** i);
    const m = computeMetrics(curve(eq));
    expect(m.sharpe.reason).toBe(MetricReason.ZERO_VOLATILITY);
    expect(m.sortino.reason).toBe(MetricReason.NO_DOWNSIDE);
  });

  it('single day and empty curve', () => {
    const one = computeMetrics(curve([100]));
    expect(one.cagrFrac.reason).toBe(MetricReason.SHORT_SPAN);
    expect(one.sharpe.reason).toBe(MetricReason.FEWER_THAN_2_RETURNS);
    expect(one.hitRate.reason).toBe(MetricReason.NO_RETURNS);
    expect(one.maxDrawdownFrac.value).toBe(0);
    expect(one.totalReturnFrac.value).toBe(0);

    const two = computeMetrics(curve([100, 105]));
    expect(two.sharpe.reason).toBe(MetricReason.FEWER_THAN_2_RETURNS);

    const none = computeMetrics(curve([], { capital: 100 }));
    for (const k of ['totalReturnFrac', 'cagrFrac', 'maxDrawdownFrac', 'maxDrawdownDays', 'exposureFrac', 'avgExposureFrac', 'hitRate'] as const) {
      expect(none[k].reason).toBe(MetricReason.EMPTY_CURVE);
    }
  });

  it('benchmark absent, flat, or not positive', () => {
    const absent = computeMetrics(curve([100, 101, 99]));
    for (const k of ['benchmarkReturnFrac', 'benchmarkCagrFrac', 'benchmarkSharpe', 'beta', 'alphaAnnualFrac', 'excessReturnFrac'] as const) {
      expect(absent[k].reason).toBe(MetricReason.NO_BENCHMARK);
    }
    const flat = computeMetrics(curve([100, 101, 99, 102], { benchmark: [100, 100, 100, 100] }));
    expect(flat.beta.reason).toBe(MetricReason.ZERO_BENCHMARK_VARIANCE);
    expect(flat.alphaAnnualFrac.reason).toBe(MetricReason.ZERO_BENCHMARK_VARIANCE);
    expect(flat.benchmarkSharpe.reason).toBe(MetricReason.ZERO_VOLATILITY);
    expect(flat.excessReturnFrac.value).toBeCloseTo(0.02, 12);
    const neg = computeMetrics(curve([100, 101, 99], { benchmark: [100, 0, 5] }));
    expect(neg.beta.reason).toBe(MetricReason.BENCHMARK_NOT_POSITIVE);
    expect(neg.benchmarkSharpe.reason).toBe(MetricReason.BENCHMARK_NOT_POSITIVE);
  });

  it('equity that goes to zero or below', () => {
    const m = computeMetrics(curve([100, 50, 0, -10], { capital: 100 }));
    expect(m.sharpe.reason).toBe(MetricReason.EQUITY_NOT_POSITIVE);
    expect(m.sortino.reason).toBe(MetricReason.EQUITY_NOT_POSITIVE);
    expect(m.cagrFrac.reason).toBe(MetricReason.FINAL_NOT_POSITIVE);
    expect(m.totalReturnFrac.value).toBeCloseTo(-1.1, 12);
    expect(m.maxDrawdownFrac.value).toBeCloseTo(1.1, 12); // above 1: lost more than the peak
    expect(Number.isNaN(dailyReturns(Float64Array.of(100, 0, 5))[1])).toBe(true);
    expect(computeMetrics(curve([0, 10], { capital: 100 })).maxDrawdownFrac.reason).toBe(MetricReason.START_NOT_POSITIVE);
  });

  it('bad input throws a typed error', () => {
    const bad: PerformanceInput[] = [
      { ...curve([100, 101]), days: Int32Array.of(DAY0) },
      { ...curve([100, 101]), exposureFrac: Float64Array.of(1) },
      { ...curve([100, 101]), benchmarkEquity: Float64Array.of(1) },
      { ...curve([100, 101]), initialCapital: 0 },
      { ...curve([100, 101]), feesPaid: Number.NaN },
      curve([100, Number.POSITIVE_INFINITY]),
      curve([100, 101], { exposure: [1, Number.NaN] }),
      curve([100, 101], { days: [DAY0, DAY0] }),
      curve([100, 101], { trades: [trade(Number.NaN)] }),
      curve([100, 101], { trades: [trade(1, Number.POSITIVE_INFINITY)] }),
    ];
    for (const input of bad) {
      let caught: unknown;
      try {
        computeMetrics(input);
      } catch (e) {
        caught = e;
      }
      expect(isKobeError(caught) && caught.code === 'BAD_METRICS_INPUT' && caught.kind === 'input').toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// properties

const step = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0.001, max: 0.2, noNaN: true }),
  fc.double({ min: -0.2, max: -0.001, noNaN: true }),
);

/** Positive equity curves: random walks, constant, or monotone. */
const positiveCurve = (minLength: number, maxLength: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.tuple(fc.double({ min: 1, max: 1e7, noNaN: true }), fc.array(step, { minLength: minLength - 1, maxLength: maxLength - 1 })).map(
      ([start, steps]) => steps.reduce((acc, s) => [...acc, acc[acc.length - 1] * (1 + s)], [start]),
    ),
    fc.tuple(fc.double({ min: 1, max: 1e7, noNaN: true }), fc.integer({ min: minLength, max: maxLength })).map(([level, n]) =>
      Array.from({ length: n }, () => level),
    ),
  );

// magnitudes kept >= 0.01 so that scaling by 1e-3 cannot underflow a pnl or a risk to zero
const pnlArb = fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 1e5, noNaN: true }), fc.double({ min: -1e5, max: -0.01, noNaN: true }));
const riskArb = fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 1e4, noNaN: true })));
const tradesArb = fc.oneof(
  fc.constant([] as TradeRecord[]),
  fc.array(fc.tuple(pnlArb, riskArb, fc.integer({ min: 0, max: 300 })), { maxLength: 30 }).map((ts) =>
    ts.map(([p, r, b]) => trade(p, r, b)),
  ),
  fc.array(fc.double({ min: 0.01, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 10 }).map((ps) => ps.map((p) => trade(p))), // all winners
  fc.array(fc.double({ min: -1e4, max: -0.01, noNaN: true }), { minLength: 1, maxLength: 10 }).map((ps) => ps.map((p) => trade(p))), // all losers
);

/** Curve-shaped inputs of length n, benchmark optional (random walk or flat). */
const wellFormedInput = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    equity: positiveCurve(n, n),
    bench: fc.option(positiveCurve(n, n)),
    gaps: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: n, maxLength: n }),
    exposure: fc.oneof(
      fc.constant(Array.from({ length: n }, () => 0)),
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })), { minLength: n, maxLength: n }),
    ),
    capital: fc.double({ min: 1, max: 1e7, noNaN: true }),
    trades: tradesArb,
    fees: fc.double({ min: 0, max: 1e4, noNaN: true }),
  }).map((r): PerformanceInput => {
    let d = DAY0;
    return curve(r.equity, {
      days: r.gaps.map((g) => (d += g)),
      exposure: r.exposure,
      capital: r.capital,
      trades: r.trades,
      fees: r.fees,
      benchmark: r.bench ?? undefined,
    });
  }),
);

/** Anything the validator accepts: empty, single day, zero or negative equity, extreme magnitudes. */
const anyInput = fc.integer({ min: 0, max: 25 }).chain((n) => {
  const vals = (min: number, max: number) => fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n });
  return fc.record({
    equity: fc.oneof(vals(-1e300, 1e300), vals(-10, 1000), positiveCurve(Math.max(n, 1), Math.max(n, 1)).map((c) => c.slice(0, n))),
    bench: fc.option(fc.oneof(vals(-1e300, 1e300), vals(0, 1000))),
    exposure: vals(-5, 5),
    gaps: fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: n, maxLength: n }),
    capital: fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }),
    trades: fc.oneof(
      tradesArb,
      fc.array(fc.tuple(fc.double({ min: -1e300, max: 1e300, noNaN: true }), fc.option(fc.double({ min: -1e300, max: 1e300, noNaN: true }))), { maxLength: 8 }).map(
        (ts) => ts.map(([p, r]) => trade(p, r)),
      ),
    ),
  }).map((r): PerformanceInput => {
    let d = -50_000;
    return curve(r.equity, {
      days: r.gaps.map((g) => (d += g)),
      exposure: r.exposure,
      capital: r.capital,
      trades: r.trades,
      benchmark: r.bench ?? undefined,
    });
  });
});

const near = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe('computeMetrics: properties', () => {
  it('metricsToJson never holds NaN or Infinity, and null iff reason', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const m = computeMetrics(input);
        for (const [name, v] of metricEntries(m)) {
          expect(v.value === null, name).toBe(typeof v.reason === 'string' && v.reason.length > 0);
          if (v.value !== null) expect(Number.isFinite(v.value), name).toBe(true);
        }
        const json = metricsToJson(m);
        const text = JSON.stringify(json);
        expect(text).not.toMatch(/NaN|Infinity/);
        expect(Number.isInteger(json.trades)).toBe(true);
        for (const name of METRIC_NAMES) {
          const v = json[name];
          expect(v === null || Number.isFinite(v)).toBe(true);
          expect(v === null).toBe(typeof json.reasons[name] === 'string');
        }
        expect(JSON.parse(text)).toEqual(json);
      }),
      fcOptions(500),
    );
  });

  it('agrees with brute-force reference implementations on random curves', () => {
    fc.assert(
      fc.property(wellFormedInput, (input) => {
        const eq = Array.from(input.equity);
        const m = computeMetrics(input);
        expect(m.maxDrawdownFrac.value).toBeCloseTo(refMaxDrawdown(eq), 12);
        expect(m.maxDrawdownDays.value).toBe(refUnderwater(eq));
        const r = refReturns(eq);
        if (m.sharpe.value !== null) expect(near(m.sharpe.value, refSharpe(r), 1e-8)).toBe(true);
        if (m.sortino.value !== null) expect(near(m.sortino.value, refSortino(r), 1e-8)).toBe(true);
        const pnls = input.trades.map((t) => t.pnl);
        if (m.profitFactor.value !== null) expect(near(m.profitFactor.value, refProfitFactor(pnls))).toBe(true);
        if (m.beta.value !== null && m.alphaAnnualFrac.value !== null && input.benchmarkEquity) {
          const ref = refBetaAlpha(r, refReturns(Array.from(input.benchmarkEquity)));
          expect(near(m.beta.value, ref.beta, 1e-7)).toBe(true);
          expect(near(m.alphaAnnualFrac.value, ref.alpha, 1e-7)).toBe(true);
        }
      }),
      fcOptions(300),
    );
  });

  it('max drawdown is in [0, 1] for positive equity', () => {
    fc.assert(
      fc.property(wellFormedInput, (input) => {
        const dd = computeMetrics(input).maxDrawdownFrac.value;
        expect(dd).not.toBeNull();
        expect(dd!).toBeGreaterThanOrEqual(0);
        expect(dd!).toBeLessThanOrEqual(1);
      }),
      fcOptions(300),
    );
  });

  it('scaling equity, capital, benchmark, pnl, risk and fees by a constant leaves fractions unchanged', () => {
    const scaleFree: MetricName[] = [
      'winRate', 'expectancyR', 'profitFactor', 'sqn', 'avgBarsHeld', 'totalReturnFrac', 'cagrFrac', 'sharpe', 'sortino',
      'maxDrawdownFrac', 'maxDrawdownDays', 'exposureFrac', 'avgExposureFrac', 'hitRate', 'benchmarkReturnFrac',
      'benchmarkCagrFrac', 'benchmarkSharpe', 'beta', 'alphaAnnualFrac', 'excessReturnFrac',
    ];
    const inUsd: MetricName[] = ['avgWinUsd', 'avgLossUsd', 'expectancyUsd', 'feesPaidUsd'];
    expect([...scaleFree, ...inUsd].sort()).toEqual([...METRIC_NAMES].sort());
    fc.assert(
      fc.property(wellFormedInput, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (input, c) => {
        const scaled: PerformanceInput = {
          ...input,
          equity: input.equity.map((e) => e * c),
          benchmarkEquity: input.benchmarkEquity?.map((e) => e * c),
          initialCapital: input.initialCapital * c,
          feesPaid: input.feesPaid * c,
          trades: input.trades.map((t) => ({ ...t, pnl: t.pnl * c, initialRiskUsd: t.initialRiskUsd === null ? null : t.initialRiskUsd * c })),
        };
        const a = computeMetrics(input);
        const b = computeMetrics(scaled);
        expect(b.trades).toBe(a.trades);
        for (const k of scaleFree) {
          expect(b[k].reason, k).toBe(a[k].reason);
          if (a[k].value !== null) expect(near(a[k].value!, b[k].value!, 1e-8), `${k}: ${a[k].value} vs ${b[k].value}`).toBe(true);
        }
        for (const k of inUsd) {
          expect(b[k].reason, k).toBe(a[k].reason);
          if (a[k].value !== null) expect(near(a[k].value! * c, b[k].value!), k).toBe(true);
        }
      }),
      fcOptions(300),
    );
  });

  it('adding a losing trade never raises the profit factor', () => {
    fc.assert(
      fc.property(tradesArb, fc.double({ min: -1e5, max: -1e-6, noNaN: true }), (trades, loss) => {
        const before = computeMetrics(curve([100, 101], { trades })).profitFactor;
        const after = computeMetrics(curve([100, 101], { trades: [...trades, trade(loss)] })).profitFactor;
        expect(after.value).not.toBeNull(); // there is now a losing trade
        if (before.value !== null) expect(after.value!).toBeLessThanOrEqual(before.value);
      }),
      fcOptions(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('metricsToJson', () => {
  it('flattens in METRIC_NAMES order with a reasons map', () => {
    const json = metricsToJson(computeMetrics(curve([100, 110], { trades: [trade(5)] })));
    expect(Object.keys(json)).toEqual(['trades', ...METRIC_NAMES, 'reasons']);
    expect(json.trades).toBe(1);
    expect(json.totalReturnFrac).toBeCloseTo(0.1, 12);
    expect(json.profitFactor).toBeNull();
    expect(json.reasons.profitFactor).toBe(MetricReason.NO_LOSING_TRADES);
    expect(json.reasons.totalReturnFrac).toBeUndefined();
  });

  it('turns a non-finite value slipped in by hand into null with a reason', () => {
    const m = computeMetrics(curve([100, 110]));
    const json = metricsToJson({ ...m, sharpe: { value: Number.POSITIVE_INFINITY }, sortino: { value: Number.NaN } });
    expect(json.sharpe).toBeNull();
    expect(json.sortino).toBeNull();
    expect(json.reasons.sharpe).toBe(MetricReason.NOT_FINITE);
  });
});

// Speed is measured by `npm run bench`, never by a timed unit test; this checks the large case is sound.
describe('large inputs', () => {
  it('3,000 sessions and 5,000 trades give finite, JSON-safe metrics', () => {
    const n = 3000;
    const equity = new Float64Array(n);
    const bench = new Float64Array(n);
    const exposure = new Float64Array(n);
    const days = new Int32Array(n);
    let e = 1e5;
    let b = 1e5;
    for (let i = 0; i < n; i++) {
      const u = Math.sin(i * 12.9898) * 43758.5453; // deterministic pseudo-noise, no Math.random
      const x = (u - Math.floor(u) - 0.5) * 0.02;
      e *= 1 + x + 0.0003;
      b *= 1 + 0.8 * x;
      equity[i] = e;
      bench[i] = b;
      exposure[i] = i % 7 === 0 ? 0 : 0.9;
      days[i] = DAY0 + Math.floor((i * 7) / 5);
    }
    const trades = Array.from({ length: 5000 }, (_, i) => trade(((i * 37) % 200) - 90, i % 3 === 0 ? null : 50, 1 + (i % 20)));
    const input: PerformanceInput = { days, equity, exposureFrac: exposure, initialCapital: 1e5, trades, feesPaid: 1234, benchmarkEquity: bench };
    const json = metricsToJson(computeMetrics(input));
    expect(json.trades).toBe(5000);
    for (const name of METRIC_NAMES) {
      const v = json[name];
      expect(v === null || Number.isFinite(v)).toBe(true);
    }
    expect(json.sharpe).not.toBeNull();
    expect(json.beta).not.toBeNull();
  });
});
