import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { bsDeltaRaw, bsGreeks, bsPrice, bsPriceRaw, bsVegaRaw, CALENDAR_DAYS_PER_YEAR } from './black-scholes.js';
import type { OptionKind, OptionSpec } from './black-scholes.js';

const fcRuns = fcOptions(200);

/**
 * The reference price, computed without the library's normal CDF: the discounted expectation of
 * the payoff under the risk-neutral lognormal law, S_T = S exp((r - q - sigma^2/2) T + sigma sqrt(T) z),
 * integrated over z by composite Simpson on [-12, 12], split at the kink where S_T = K so each
 * piece is smooth. 4000 intervals a piece put the quadrature error far below 1e-9.
 */
function integratedPrice(o: OptionSpec): number {
  const q = o.dividendYieldFrac ?? 0;
  const sd = o.volFrac * Math.sqrt(o.yearsToExpiry);
  const drift = (o.rateFrac - q - 0.5 * o.volFrac * o.volFrac) * o.yearsToExpiry;
  const payoff = (z: number) => {
    const st = o.spot * Math.exp(drift + sd * z);
    const v = o.kind === 'call' ? st - o.strike : o.strike - st;
    return v > 0 ? (v * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI) : 0;
  };
  const kink = Math.min(12, Math.max(-12, (Math.log(o.strike / o.spot) - drift) / sd));
  const simpson = (a: number, b: number, n: number) => {
    if (b <= a) return 0;
    const h = (b - a) / n;
    let s = payoff(a) + payoff(b);
    for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * payoff(a + i * h);
    return (s * h) / 3;
  };
  return Math.exp(-o.rateFrac * o.yearsToExpiry) * (simpson(-12, kink, 4000) + simpson(kink, 12, 4000));
}

const specArb = (kind?: OptionKind): fc.Arbitrary<OptionSpec> =>
  fc.record({
    kind: kind === undefined ? fc.constantFrom<OptionKind>('call', 'put') : fc.constant(kind),
    spot: fc.double({ min: 1, max: 1000, noNaN: true }),
    strike: fc.double({ min: 1, max: 1000, noNaN: true }),
    yearsToExpiry: fc.double({ min: 1 / 365, max: 5, noNaN: true }),
    volFrac: fc.double({ min: 0.01, max: 2, noNaN: true }),
    rateFrac: fc.double({ min: -0.02, max: 0.2, noNaN: true }),
    dividendYieldFrac: fc.double({ min: 0, max: 0.1, noNaN: true }),
  });

describe('bsPrice', () => {
  it("gives Hull's example: S=42, K=40, r=0.10, sigma=0.2, T=0.5 -> call 4.76, put 0.81", () => {
    const base = { spot: 42, strike: 40, rateFrac: 0.1, volFrac: 0.2, yearsToExpiry: 0.5 };
    expect(bsPrice({ ...base, kind: 'call' }).toFixed(2)).toBe('4.76');
    expect(bsPrice({ ...base, kind: 'put' }).toFixed(2)).toBe('0.81');
  });

  it('matches numerical integration of the lognormal payoff to 1e-6', () => {
    const cases: OptionSpec[] = [
      { kind: 'call', spot: 42, strike: 40, rateFrac: 0.1, volFrac: 0.2, yearsToExpiry: 0.5 },
      { kind: 'put', spot: 42, strike: 40, rateFrac: 0.1, volFrac: 0.2, yearsToExpiry: 0.5 },
      { kind: 'call', spot: 100, strike: 130, rateFrac: 0.03, volFrac: 0.35, yearsToExpiry: 2, dividendYieldFrac: 0.02 },
      { kind: 'put', spot: 100, strike: 70, rateFrac: 0.03, volFrac: 0.5, yearsToExpiry: 0.1, dividendYieldFrac: 0.04 },
      { kind: 'call', spot: 250, strike: 200, rateFrac: -0.005, volFrac: 0.15, yearsToExpiry: 1, dividendYieldFrac: 0.01 },
      { kind: 'put', spot: 20, strike: 25, rateFrac: 0.05, volFrac: 0.9, yearsToExpiry: 3, dividendYieldFrac: 0.06 },
    ];
    for (const o of cases) expect(Math.abs(bsPrice(o) - integratedPrice(o)), JSON.stringify(o)).toBeLessThanOrEqual(1e-6);
  });

  it('satisfies put-call parity with a dividend yield to 1e-10', () => {
    fc.assert(
      fc.property(specArb('call'), (o) => {
        const call = bsPrice(o);
        const put = bsPrice({ ...o, kind: 'put' });
        const q = o.dividendYieldFrac ?? 0;
        const forward = o.spot * Math.exp(-q * o.yearsToExpiry) - o.strike * Math.exp(-o.rateFrac * o.yearsToExpiry);
        expect(Math.abs(call - put - forward)).toBeLessThanOrEqual(1e-10);
      }),
      fcRuns,
    );
  });

  it('is non-decreasing in volatility, and for calls without dividends in time to expiry', () => {
    const slack = (p: number) => 1e-13 * Math.max(1, p);
    fc.assert(
      fc.property(specArb(), fc.double({ min: 0, max: 1, noNaN: true }), (o, bump) => {
        const p = bsPrice(o);
        expect(bsPrice({ ...o, volFrac: o.volFrac + bump })).toBeGreaterThanOrEqual(p - slack(p));
      }),
      fcRuns,
    );
    fc.assert(
      fc.property(specArb('call'), fc.double({ min: 0, max: 2, noNaN: true }), (o, bump) => {
        const c = { ...o, dividendYieldFrac: 0, rateFrac: Math.abs(o.rateFrac) };
        const p = bsPrice(c);
        expect(bsPrice({ ...c, yearsToExpiry: c.yearsToExpiry + bump })).toBeGreaterThanOrEqual(p - slack(p));
      }),
      fcRuns,
    );
  });

  it('is the discounted forward intrinsic value with no time or no volatility left', () => {
    const o: OptionSpec = { kind: 'call', spot: 110, strike: 100, rateFrac: 0.05, volFrac: 0, yearsToExpiry: 1, dividendYieldFrac: 0.02 };
    expect(bsPrice(o)).toBeCloseTo(110 * Math.exp(-0.02) - 100 * Math.exp(-0.05), 12);
    expect(bsPrice({ ...o, kind: 'put' })).toBe(0);
    expect(bsPrice({ ...o, volFrac: 0.3, yearsToExpiry: 0 })).toBe(10);
    expect(bsPrice({ ...o, kind: 'put', strike: 120, volFrac: 0.3, yearsToExpiry: 0 })).toBe(10);
    const g = bsGreeks(o);
    expect([g.delta, g.gamma, g.vegaPerPoint]).toEqual([Math.exp(-0.02), 0, 0]);
    expect(bsGreeks({ ...o, volFrac: 0.3, yearsToExpiry: 0, strike: 110 }).delta).toBe(0.5);
    // The limit from above: a tiny volatility prices as none.
    expect(bsPrice({ ...o, volFrac: 1e-9 })).toBeCloseTo(bsPrice(o), 12);
  });

  it('rejects parameters outside their domain, naming them', () => {
    const o: OptionSpec = { kind: 'call', spot: 42, strike: 40, rateFrac: 0.1, volFrac: 0.2, yearsToExpiry: 0.5 };
    const bad: [Partial<OptionSpec>, string][] = [
      [{ spot: 0 }, 'spot'],
      [{ strike: -1 }, 'strike'],
      [{ yearsToExpiry: -0.1 }, 'yearsToExpiry'],
      [{ volFrac: Number.NaN }, 'volFrac'],
      [{ rateFrac: Number.POSITIVE_INFINITY }, 'rateFrac'],
      [{ dividendYieldFrac: Number.NaN }, 'dividendYieldFrac'],
      [{ kind: 'straddle' as OptionKind }, 'kind'],
    ];
    for (const [patch, param] of bad) {
      try {
        bsPrice({ ...o, ...patch });
        expect.fail(`accepted ${param}`);
      } catch (e) {
        expect(isKobeError(e) && e.code === 'BAD_PARAM' && e.param === param, String(e)).toBe(true);
      }
    }
  });
});

describe('bsGreeks', () => {
  it("gives Hull's Greeks: S=49, K=50, r=0.05, sigma=0.2, T=0.3846", () => {
    const g = bsGreeks({ kind: 'call', spot: 49, strike: 50, rateFrac: 0.05, volFrac: 0.2, yearsToExpiry: 0.3846 });
    expect(g.delta.toFixed(3)).toBe('0.522');
    expect(g.gamma.toFixed(3)).toBe('0.066');
    expect((g.vegaPerPoint * 100).toFixed(1)).toBe('12.1');
    expect(g.vegaPerPoint.toFixed(3)).toBe('0.121');
    expect((g.thetaPerDay * CALENDAR_DAYS_PER_YEAR).toFixed(2)).toBe('-4.31');
    expect((g.rhoPerPoint * 100).toFixed(2)).toBe('8.91');
  });

  it('agrees with central finite differences of the price', () => {
    // Tolerance: truncation (relative) plus the rounding of the prices differenced, `noise`.
    const near = (actual: number, expected: number, what: string, noise: number) =>
      expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-5 * Math.abs(expected) + 1e-7 + noise);
    fc.assert(
      fc.property(
        specArb(),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: 0.05, max: 5, noNaN: true }),
        fc.double({ min: 0.05, max: 1.5, noNaN: true }),
        (base, moneyness, years, vol) => {
          const o = { ...base, strike: base.spot * moneyness, yearsToExpiry: years, volFrac: vol };
          const g = bsGreeks(o);
          const at = (patch: Partial<OptionSpec>) => bsPrice({ ...o, ...patch });
          expect(g.price).toBe(bsPrice(o));
          const ulps = 1e-15 * (o.spot + o.strike);
          // A spot step on the scale of the distribution's width: small enough for the truncation
          // error of the second difference, large enough that rounding does not dominate it.
          const hs = 1e-3 * o.spot * vol * Math.sqrt(years);
          near(g.delta, (at({ spot: o.spot + hs }) - at({ spot: o.spot - hs })) / (2 * hs), 'delta', ulps / hs);
          near(g.gamma, (at({ spot: o.spot + hs }) - 2 * g.price + at({ spot: o.spot - hs })) / (hs * hs), 'gamma', ulps / (hs * hs));
          const ht = 1e-5;
          const dPdT = (at({ yearsToExpiry: years + ht }) - at({ yearsToExpiry: years - ht })) / (2 * ht);
          near(g.thetaPerDay, -dPdT / CALENDAR_DAYS_PER_YEAR, 'theta', ulps / ht);
          const hv = 1e-5;
          near(g.vegaPerPoint, (at({ volFrac: vol + hv }) - at({ volFrac: vol - hv })) / (2 * hv) / 100, 'vega', ulps / hv);
          const hr = 1e-5;
          near(g.rhoPerPoint, (at({ rateFrac: o.rateFrac + hr }) - at({ rateFrac: o.rateFrac - hr })) / (2 * hr) / 100, 'rho', ulps / hr);
        },
      ),
      fcRuns,
    );
  });

  it('keeps delta within [0, e^{-qT}] for calls and [-e^{-qT}, 0] for puts; gamma and vega >= 0', () => {
    fc.assert(
      fc.property(specArb(), fc.double({ min: 0, max: 3, noNaN: true }), (o, vol) => {
        const g = bsGreeks({ ...o, volFrac: vol });
        const dq = Math.exp(-(o.dividendYieldFrac ?? 0) * o.yearsToExpiry);
        if (o.kind === 'call') {
          expect(g.delta).toBeGreaterThanOrEqual(0);
          expect(g.delta).toBeLessThanOrEqual(dq);
        } else {
          expect(g.delta).toBeGreaterThanOrEqual(-dq);
          expect(g.delta).toBeLessThanOrEqual(0);
        }
        expect(g.gamma).toBeGreaterThanOrEqual(0);
        expect(g.vegaPerPoint).toBeGreaterThanOrEqual(0);
      }),
      fcRuns,
    );
  });

  it('has raw faces equal to the validated ones', () => {
    fc.assert(
      fc.property(specArb(), (o) => {
        const isCall = o.kind === 'call';
        const q = o.dividendYieldFrac ?? 0;
        const g = bsGreeks(o);
        expect(bsPriceRaw(isCall, o.spot, o.strike, o.yearsToExpiry, o.volFrac, o.rateFrac, q)).toBe(g.price);
        expect(bsDeltaRaw(isCall, o.spot, o.strike, o.yearsToExpiry, o.volFrac, o.rateFrac, q)).toBe(g.delta);
        expect(bsVegaRaw(o.spot, o.strike, o.yearsToExpiry, o.volFrac, o.rateFrac, q) / 100).toBeCloseTo(g.vegaPerPoint, 14);
      }),
      fcRuns,
    );
  });
});
