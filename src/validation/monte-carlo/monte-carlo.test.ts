import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import { MonteCarloReason, monteCarloTrades, type MonteCarloInput, type MonteCarloResult } from './monte-carlo.js';

const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

const returns = (...xs: number[]) => Float64Array.from(xs);
const run = (over: Partial<MonteCarloInput> & Pick<MonteCarloInput, 'tradeReturns'>): MonteCarloResult =>
  monteCarloTrades({ initialEquity: 100_000, simulations: 2000, seed: 7, method: 'bootstrap', ...over });
const pct = (r: MonteCarloResult, field: 'finalReturn' | 'maxDrawdown', p: number): number => {
  const hit = r[field].value?.percentiles.find((x) => x.percentile === p);
  if (hit === undefined) throw new Error(`no ${field} p${p}`);
  return hit.value;
};
/** Every number anywhere in a JSON-like value, with its path. */
function numbers(value: unknown, path = '$', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}
/** Every {value, reason} pair: reason set iff value is null. */
function checkReasons(value: unknown): void {
  if (Array.isArray(value)) value.forEach(checkReasons);
  else if (value !== null && typeof value === 'object') {
    if ('value' in value) {
      const v = value as { value: unknown; reason?: unknown };
      if (v.value === null) expect(typeof v.reason).toBe('string');
      else expect(v.reason).toBeUndefined();
    }
    Object.values(value).forEach(checkReasons);
  }
}

// A mixed sequence of wins and losses with a known order-dependence of its drawdowns.
const mixed = returns(0.08, -0.05, 0.12, -0.1, 0.03, -0.07, 0.15, -0.02, 0.05, -0.12, 0.04, 0.06, -0.03, 0.02, -0.08);
const product = (xs: Float64Array) => xs.reduce((a, r) => a * (1 + r), 1);

describe('monteCarloTrades: determinism', () => {
  it('gives the same result for the same seed, and different ones for different seeds', () => {
    for (const method of ['bootstrap', 'shuffle'] as const) {
      const a = run({ tradeReturns: mixed, method, seed: 42, maxDrawdownTolerance: 0.15 });
      const b = run({ tradeReturns: mixed, method, seed: 42, maxDrawdownTolerance: 0.15 });
      expect(b).toEqual(a);
      const c = run({ tradeReturns: mixed, method, seed: 43, maxDrawdownTolerance: 0.15 });
      expect(c.maxDrawdown.value).not.toEqual(a.maxDrawdown.value);
      if (method === 'bootstrap') expect(c.finalReturn.value).not.toEqual(a.finalReturn.value);
    }
  });
});

describe('monteCarloTrades: bootstrap versus shuffle', () => {
  it('shuffle keeps the final return of every path (compounding ignores order), bootstrap does not', () => {
    const exact = product(mixed) - 1;
    const shuffle = run({ tradeReturns: mixed, method: 'shuffle' }).finalReturn.value!;
    expect(shuffle.min).toBeCloseTo(exact, 12);
    expect(shuffle.max).toBeCloseTo(exact, 12);
    expect(shuffle.max - shuffle.min).toBeLessThan(1e-12);
    const bootstrap = run({ tradeReturns: mixed, method: 'bootstrap' }).finalReturn.value!;
    expect(bootstrap.max - bootstrap.min).toBeGreaterThan(0.1);
  });

  it('shuffle spreads the max drawdown over paths', () => {
    const r = run({ tradeReturns: mixed, method: 'shuffle' });
    const dd = r.maxDrawdown.value!;
    expect(dd.max - dd.min).toBeGreaterThan(0.05);
    expect(pct(r, 'maxDrawdown', 95)).toBeGreaterThan(pct(r, 'maxDrawdown', 5));
  });
});

describe('monteCarloTrades: a hand-computed case', () => {
  // Two trades a = +10%, b = -5%. Bootstrap draws aa, ab, ba, bb with probability 1/4 each:
  //   final  aa 1.21, ab = ba 1.045, bb 0.9025;  max drawdown  aa 0, ab 0.05, ba 0.05, bb 0.0975.
  // Tolerance 4%: ab breaches at trade 2, ba and bb at trade 1, so S = [1, 1/2, 1/4].
  const two = returns(0.1, -0.05);
  const sims = 100_000;
  const tol = 0.01; // ~7 standard errors of a share estimated from 100,000 paths

  it('bootstrap converges to the exact probabilities', () => {
    const r = run({ tradeReturns: two, simulations: sims, maxDrawdownTolerance: 0.04, seed: 2024 });
    expect(r.probabilityOfProfit.value).toBeCloseTo(0.75, 1);
    expect(Math.abs(r.probabilityOfProfit.value! - 0.75)).toBeLessThan(tol);
    expect(Math.abs(r.finalReturn.value!.mean - 0.050625)).toBeLessThan(0.002); // (1 + mean r)^2 - 1
    expect(r.finalReturn.value!.min).toBeCloseTo(-0.0975, 12);
    expect(r.finalReturn.value!.max).toBeCloseTo(0.21, 12);
    // The worst 25% of paths all end at -9.75%: VaR95 and CVaR95 are exactly that loss.
    expect(r.var95.value).toBeCloseTo(0.0975, 12);
    expect(r.cvar95.value).toBeCloseTo(0.0975, 12);
    expect(pct(r, 'finalReturn', 50)).toBeCloseTo(0.045, 12);
    expect(pct(r, 'maxDrawdown', 5)).toBe(0);
    expect(pct(r, 'maxDrawdown', 50)).toBeCloseTo(0.05, 12);
    expect(pct(r, 'maxDrawdown', 95)).toBeCloseTo(0.0975, 12);
    expect(Math.abs(r.probabilityOfBreach.value! - 0.75)).toBeLessThan(tol);
    const s = r.survival.value!;
    expect(s.tradeIndex).toEqual([0, 1, 2]);
    expect(s.aliveFrac[0]).toBe(1);
    expect(Math.abs(s.aliveFrac[1] - 0.5)).toBeLessThan(tol);
    expect(Math.abs(s.aliveFrac[2] - 0.25)).toBeLessThan(tol);
    expect([1, 2]).toContain(r.medianTradesToBreach.value);
    const bands = r.equityBands.value!;
    expect(bands.tradeIndex).toEqual([0, 1, 2]);
    const band = (p: number) => bands.bands.find((b) => b.percentile === p)!.equity;
    for (const p of [5, 25, 50, 75, 95]) expect(band(p)[0]).toBe(100_000);
    expect(band(25)[1]).toBeCloseTo(95_000, 6);
    expect(band(75)[1]).toBeCloseTo(110_000, 6);
    expect(band(5)[2]).toBeCloseTo(90_250, 6);
    expect(band(50)[2]).toBeCloseTo(104_500, 6);
    expect(band(95)[2]).toBeCloseTo(121_000, 6);
  });

  it('shuffle draws each order with probability 1/2', () => {
    const r = run({ tradeReturns: two, method: 'shuffle', simulations: sims, maxDrawdownTolerance: 0.04, seed: 9 });
    expect(r.finalReturn.value!.mean).toBeCloseTo(0.045, 12);
    expect(r.probabilityOfProfit.value).toBe(1);
    expect(r.probabilityOfBreach.value).toBe(1);
    expect(Math.abs(r.survival.value!.aliveFrac[1] - 0.5)).toBeLessThan(tol);
    expect(r.survival.value!.aliveFrac[2]).toBe(0);
    expect(pct(r, 'maxDrawdown', 50)).toBeCloseTo(0.05, 12);
  });
});

describe('monteCarloTrades: values with no meaning are null with a reason', () => {
  it('all winning trades: profit certain, VaR and CVaR are gains, nothing breaches', () => {
    const r = run({ tradeReturns: returns(0.01, 0.02, 0.05, 0.003), maxDrawdownTolerance: 0.1 });
    expect(r.probabilityOfProfit.value).toBe(1);
    expect(r.var95.value!).toBeLessThan(0);
    expect(r.cvar95.value!).toBeLessThanOrEqual(0);
    expect(r.cvar95.value!).toBeGreaterThanOrEqual(r.var95.value!);
    expect(r.maxDrawdown.value).toMatchObject({ min: 0, max: 0, mean: 0 });
    expect(r.probabilityOfBreach.value).toBe(0);
    expect(r.medianTradesToBreach).toEqual({ value: null, reason: MonteCarloReason.MEDIAN_BREACH_NOT_REACHED });
    expect(r.survival.value!.aliveFrac.every((x) => x === 1)).toBe(true);
  });

  it('without a tolerance the survival analysis is null', () => {
    const r = run({ tradeReturns: mixed });
    for (const v of [r.probabilityOfBreach, r.medianTradesToBreach, r.survival]) {
      expect(v).toEqual({ value: null, reason: MonteCarloReason.NO_TOLERANCE });
    }
  });

  it('with no trades there is nothing to resample', () => {
    const r = run({ tradeReturns: new Float64Array(0), maxDrawdownTolerance: 0.2 });
    expect(r.trades).toBe(0);
    for (const v of [r.finalReturn, r.maxDrawdown, r.var95, r.cvar95, r.probabilityOfProfit, r.probabilityOfBreach, r.survival, r.equityBands]) {
      expect(v).toEqual({ value: null, reason: MonteCarloReason.NO_TRADES });
    }
  });

  it('VaR and CVaR need 20 simulations', () => {
    const r = run({ tradeReturns: mixed, simulations: 19 });
    expect(r.var95).toEqual({ value: null, reason: MonteCarloReason.FEW_SIMULATIONS_FOR_VAR });
    expect(r.cvar95.value).toBeNull();
    expect(run({ tradeReturns: mixed, simulations: 20 }).var95.value).not.toBeNull();
  });

  it('all-zero returns: flat paths, no profit, no loss', () => {
    const r = run({ tradeReturns: new Float64Array(5), maxDrawdownTolerance: 0.2 });
    expect(r.probabilityOfProfit.value).toBe(0);
    expect(r.var95.value).toBe(0);
    expect(Object.is(r.var95.value, -0)).toBe(false);
    expect(r.finalReturn.value).toMatchObject({ min: 0, max: 0, mean: 0 });
  });

  it('a total loss ruins the path: drawdown 1, absorbed at zero', () => {
    const r = run({ tradeReturns: returns(-1), simulations: 50, maxDrawdownTolerance: 1 });
    expect(r.finalReturn.value).toMatchObject({ min: -1, max: -1 });
    expect(r.maxDrawdown.value).toMatchObject({ min: 1, max: 1 });
    expect(r.probabilityOfBreach.value).toBe(1);
    expect(r.medianTradesToBreach.value).toBe(1);
  });
});

describe('monteCarloTrades: shapes', () => {
  it('samples the bands of a long sequence at 100 indices and the survival curve at 21', () => {
    const long = new Float64Array(500);
    for (let i = 0; i < long.length; i++) long[i] = i % 3 === 0 ? -0.02 : 0.015;
    const r = run({ tradeReturns: long, simulations: 300, maxDrawdownTolerance: 0.1 });
    const bands = r.equityBands.value!;
    expect(bands.tradeIndex).toHaveLength(100);
    expect(bands.tradeIndex[0]).toBe(0);
    expect(bands.tradeIndex[99]).toBe(500);
    expect(bands.bands.map((b) => b.percentile)).toEqual([5, 25, 50, 75, 95]);
    for (const b of bands.bands) expect(b.equity).toHaveLength(100);
    expect(r.survival.value!.tradeIndex).toHaveLength(21);
    expect(r.survival.value!.tradeIndex[20]).toBe(500);
    const custom = run({ tradeReturns: long, simulations: 300, bands: [10, 90], maxBandPoints: 11, survivalPoints: 5 });
    expect(custom.equityBands.value!.tradeIndex).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500]);
    expect(custom.finalReturn.value!.percentiles.map((p) => p.percentile)).toEqual([10, 90]);
  });

  it('the bands at the last index are the final return percentiles', () => {
    const r = run({ tradeReturns: mixed, simulations: 500 });
    const bands = r.equityBands.value!;
    const last = bands.tradeIndex.length - 1;
    for (const b of bands.bands) expect(b.equity[last] / 100_000 - 1).toBeCloseTo(pct(r, 'finalReturn', b.percentile), 10);
  });
});

describe('monteCarloTrades: validation', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(KobeError);
      return (e as KobeError).code;
    }
    return 'no error';
  };
  it.each([
    ['a return below -1', { tradeReturns: returns(0.1, -1.5) }],
    ['a NaN return', { tradeReturns: returns(Number.NaN) }],
    ['zero simulations', { tradeReturns: mixed, simulations: 0 }],
    ['fractional simulations', { tradeReturns: mixed, simulations: 10.5 }],
    ['a negative seed', { tradeReturns: mixed, seed: -1 }],
    ['a zero initial equity', { tradeReturns: mixed, initialEquity: 0 }],
    ['a tolerance above 1', { tradeReturns: mixed, maxDrawdownTolerance: 1.5 }],
    ['bands out of order', { tradeReturns: mixed, bands: [50, 25] }],
    ['a band above 100', { tradeReturns: mixed, bands: [5, 150] }],
    ['percent returns that overflow', { tradeReturns: new Float64Array(500).fill(5) }],
    ['one band point', { tradeReturns: mixed, maxBandPoints: 1 }],
  ])('rejects %s', (_what, over) => {
    expect(code(() => run(over as MonteCarloInput))).toBe('BAD_MONTE_CARLO_INPUT');
  });
});

describe('monteCarloTrades: properties over random inputs', () => {
  const tradeReturnsArb = fc.oneof(
    fc.constant(new Float64Array(0)),
    fc.array(fc.constant(0), { minLength: 1, maxLength: 20 }).map((xs) => Float64Array.from(xs)),
    fc.double({ min: -1, max: 3, noNaN: true }).map((x) => Float64Array.of(x)),
    fc.array(fc.oneof(fc.constant(0), fc.constant(-1), fc.double({ min: -1, max: 3, noNaN: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true })), { maxLength: 60 }).map(
      (xs) => Float64Array.from(xs),
    ),
  );
  const inputArb = fc.record({
    tradeReturns: tradeReturnsArb,
    initialEquity: fc.double({ min: 1, max: 1e9, noNaN: true }),
    simulations: fc.integer({ min: 1, max: 150 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    method: fc.constantFrom('bootstrap' as const, 'shuffle' as const),
    maxDrawdownTolerance: fc.option(fc.double({ min: 1e-6, max: 1, noNaN: true }), { nil: undefined }),
    bands: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 7 }).map((b) => b.sort((x, y) => x - y)), { nil: undefined }),
    maxBandPoints: fc.option(fc.integer({ min: 2, max: 30 }), { nil: undefined }),
  });

  it('every number is finite, nulls have reasons, bands and percentiles are ordered, survival never rises', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = monteCarloTrades(input);
        for (const [path, x] of numbers(r)) {
          if (!Number.isFinite(x)) throw new Error(`${path} = ${x}`);
        }
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
        checkReasons(r);
        for (const field of ['finalReturn', 'maxDrawdown'] as const) {
          const d = r[field].value;
          if (d === null) continue;
          expect(d.min).toBeLessThanOrEqual(d.max);
          expect(d.mean).toBeGreaterThanOrEqual(d.min - 1e-9 * Math.abs(d.min));
          expect(d.mean).toBeLessThanOrEqual(d.max + 1e-9 * Math.abs(d.max));
          for (let m = 0; m < d.percentiles.length; m++) {
            expect(d.percentiles[m].value).toBeGreaterThanOrEqual(d.min);
            expect(d.percentiles[m].value).toBeLessThanOrEqual(d.max);
            if (m > 0) expect(d.percentiles[m].value).toBeGreaterThanOrEqual(d.percentiles[m - 1].value);
          }
        }
        const dd = r.maxDrawdown.value;
        if (dd !== null) {
          expect(dd.min).toBeGreaterThanOrEqual(0);
          expect(dd.max).toBeLessThanOrEqual(1);
        }
        const bands = r.equityBands.value;
        if (bands !== null) {
          for (let t = 0; t < bands.tradeIndex.length; t++) {
            for (let m = 1; m < bands.bands.length; m++) expect(bands.bands[m].equity[t]).toBeGreaterThanOrEqual(bands.bands[m - 1].equity[t]);
            for (const b of bands.bands) expect(b.equity[t]).toBeGreaterThanOrEqual(0);
          }
        }
        const s = r.survival.value;
        if (s !== null) {
          expect(s.aliveFrac[0]).toBe(1);
          for (let k = 1; k < s.aliveFrac.length; k++) expect(s.aliveFrac[k]).toBeLessThanOrEqual(s.aliveFrac[k - 1]);
          expect(r.probabilityOfBreach.value).toBeCloseTo(1 - s.aliveFrac[s.aliveFrac.length - 1], 12);
        }
        for (const p of [r.probabilityOfProfit, r.probabilityOfBreach]) {
          if (p.value !== null) {
            expect(p.value).toBeGreaterThanOrEqual(0);
            expect(p.value).toBeLessThanOrEqual(1);
          }
        }
        if (r.var95.value !== null) expect(r.cvar95.value!).toBeGreaterThanOrEqual(r.var95.value - 1e-12);
      }),
      { seed: fcSeed, numRuns: 200 },
    );
  });
});
