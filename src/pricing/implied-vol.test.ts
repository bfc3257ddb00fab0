import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { bsDeltaRaw, bsPrice, bsVegaRaw } from './black-scholes.js';
import type { OptionKind } from './black-scholes.js';
import { impliedVol } from './implied-vol.js';
import type { ImpliedVolInput } from './implied-vol.js';

const fcRuns = fcOptions(300);

/** An option on a spot of 100 with strike/spot in [minMoneyness, maxMoneyness], up to 5 years. */
const optionArb = (minMoneyness: number, maxMoneyness: number, minYears: number) =>
  fc
    .record({
      kind: fc.constantFrom<OptionKind>('call', 'put'),
      moneyness: fc.double({ min: minMoneyness, max: maxMoneyness, noNaN: true }),
      yearsToExpiry: fc.double({ min: minYears, max: 5, noNaN: true }),
      rateFrac: fc.double({ min: -0.02, max: 0.1, noNaN: true }),
      dividendYieldFrac: fc.double({ min: 0, max: 0.08, noNaN: true }),
    })
    .map(({ moneyness, ...rest }) => ({ ...rest, spot: 100, strike: 100 * moneyness }));

describe('impliedVol', () => {
  it("recovers Hull's 20 % from the example's prices", () => {
    const base = { spot: 42, strike: 40, rateFrac: 0.1, yearsToExpiry: 0.5 };
    for (const kind of ['call', 'put'] as const) {
      const price = bsPrice({ ...base, kind, volFrac: 0.2 });
      const r = impliedVol({ ...base, kind, price });
      expect(r.ok && Math.abs(r.volFrac - 0.2)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('recovers sigma from its own price to 1e-8 over a wide grid, wherever the price determines it', () => {
    let checked = 0;
    let total = 0;
    let noTimeValue = 0;
    for (const kind of ['call', 'put'] as OptionKind[])
      for (const moneyness of [0.3, 0.5, 0.7, 0.9, 0.97, 1, 1.03, 1.1, 1.5, 2, 3])
        for (const days of [1, 7, 30, 91, 365, 730, 1825])
          for (const volFrac of [0.03, 0.1, 0.2, 0.4, 0.8, 1.5, 3])
            for (const [rateFrac, dividendYieldFrac] of [[0, 0], [0.05, 0.02], [-0.01, 0.04]]) {
              total++;
              const spot = 100;
              const o = { kind, spot, strike: spot * moneyness, yearsToExpiry: days / 365, rateFrac, dividendYieldFrac };
              const price = bsPrice({ ...o, volFrac });
              const r = impliedVol({ ...o, price });
              const what = JSON.stringify({ ...o, volFrac, price, r });
              // The price is a difference of two terms of size about spot * |delta|; its rounding,
              // divided by vega, is how well it pins sigma down.
              const isCall = kind === 'call';
              const terms = spot * Math.abs(bsDeltaRaw(isCall, spot, o.strike, o.yearsToExpiry, volFrac, rateFrac, dividendYieldFrac)) + price;
              // Subnormal prices (below 2.2e-308) have lost their relative precision.
              const priceNoise = 64 * Number.EPSILON * terms + 2.2250738585072014e-308;
              const vega = bsVegaRaw(spot, o.strike, o.yearsToExpiry, volFrac, rateFrac, dividendYieldFrac);
              if (!r.ok) {
                // Only a price with no time value left in doubles may fail, and only that way.
                expect(r.code, what).toBe('NO_TIME_VALUE');
                expect(price - r.lowerBound, what).toBeLessThanOrEqual(priceNoise);
                noTimeValue++;
                continue;
              }
              if (priceNoise / vega < 1e-10) {
                checked++;
                expect(Math.abs(r.volFrac - volFrac), what).toBeLessThanOrEqual(1e-8);
              } else {
                expect(Math.abs(bsPrice({ ...o, volFrac: r.volFrac }) - price), what).toBeLessThanOrEqual(priceNoise);
              }
              expect(r.iterations, what).toBeLessThanOrEqual(100);
            }
    // The grid's corners (a day to expiry at 3 % vol, three times the strike) carry no volatility
    // information: 517 of its 3234 prices are their bound in doubles, and 143 more pin sigma down
    // less well than 1e-10. The rest, most of it, is checked (worst error seen 1e-12).
    expect(noTimeValue).toBeLessThan(0.2 * total);
    expect(checked / (total - noTimeValue)).toBeGreaterThan(0.9);
  });

  it('recovers sigma for random options whose vega is material', () => {
    fc.assert(
      fc.property(
        optionArb(0.5, 2, 7 / 365),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        (o, volFrac) => {
          const { yearsToExpiry, rateFrac, dividendYieldFrac } = o;
          const vega = bsVegaRaw(o.spot, o.strike, yearsToExpiry, volFrac, rateFrac, dividendYieldFrac);
          fc.pre(vega > 1e-3);
          const r = impliedVol({ ...o, price: bsPrice({ ...o, volFrac }) });
          expect(r.ok && Math.abs(r.volFrac - volFrac)).toBeLessThanOrEqual(1e-8);
        },
      ),
      fcRuns,
    );
  });

  it('converges for any price strictly between the bounds, or says it needs more than maxVolFrac', () => {
    fc.assert(
      fc.property(
        optionArb(0.2, 5, 1 / 365),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (o, u) => {
          const probe = impliedVol({ ...o, price: 0 });
          const [lower, upper] = probe.ok ? [0, 0] : [probe.lowerBound, probe.upperBound];
          const price = lower + u * (upper - lower);
          fc.pre(price > lower && price < upper);
          const r = impliedVol({ ...o, price });
          if (!r.ok) {
            expect(['ABOVE_MAX_VOL', 'NO_TIME_VALUE'], JSON.stringify({ o, price, r })).toContain(r.code);
            return;
          }
          const back = bsPrice({ ...o, volFrac: r.volFrac });
          expect(Math.abs(back - price), JSON.stringify({ o, price, r })).toBeLessThanOrEqual(1e-12 * upper);
          expect(r.iterations).toBeLessThanOrEqual(100);
        },
      ),
      fcRuns,
    );
  });

  it('reports, as values with a reason, prices no volatility fits', () => {
    const base: Omit<ImpliedVolInput, 'price'> = { kind: 'call', spot: 110, strike: 100, rateFrac: 0.05, yearsToExpiry: 1, dividendYieldFrac: 0 };
    const lower = 110 - 100 * Math.exp(-0.05);
    const below = impliedVol({ ...base, price: lower - 0.5 });
    expect(below).toMatchObject({ ok: false, code: 'BELOW_INTRINSIC', upperBound: 110 });
    expect(below.ok ? 0 : below.lowerBound).toBeCloseTo(lower, 12);
    expect(below.ok ? '' : below.detail).toMatch(/below the discounted intrinsic value/);
    expect(impliedVol({ ...base, price: lower })).toMatchObject({ ok: false, code: 'NO_TIME_VALUE' });
    expect(impliedVol({ ...base, price: 110 })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
    expect(impliedVol({ ...base, price: 200 })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
    expect(impliedVol({ ...base, kind: 'put', price: 100 * Math.exp(-0.05) })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
    expect(impliedVol({ ...base, kind: 'put', price: 0 })).toMatchObject({ ok: false, code: 'NO_TIME_VALUE', lowerBound: 0 });
    expect(impliedVol({ ...base, yearsToExpiry: 0, price: 12 })).toMatchObject({ ok: false, code: 'NO_TIME_VALUE' });
    // Fits 150 % but not when the search stops at 100 %.
    const price = bsPrice({ ...base, volFrac: 1.5 });
    expect(impliedVol({ ...base, price }, { maxVolFrac: 1 })).toMatchObject({ ok: false, code: 'ABOVE_MAX_VOL' });
    expect(impliedVol({ ...base, price }, { maxIterations: 1 })).toMatchObject({ ok: false, code: 'NO_CONVERGENCE' });
  });

  it('throws BAD_PARAM for parameters outside their domain', () => {
    const base: ImpliedVolInput = { kind: 'call', spot: 110, strike: 100, rateFrac: 0.05, yearsToExpiry: 1, price: 15 };
    const cases: [() => unknown, string][] = [
      [() => impliedVol({ ...base, price: -1 }), 'price'],
      [() => impliedVol({ ...base, price: Number.NaN }), 'price'],
      [() => impliedVol({ ...base, spot: 0 }), 'spot'],
      [() => impliedVol(base, { maxVolFrac: 0 }), 'maxVolFrac'],
      [() => impliedVol(base, { maxIterations: 0.5 }), 'maxIterations'],
    ];
    for (const [call, param] of cases) {
      try {
        call();
        expect.fail(`accepted ${param}`);
      } catch (e) {
        expect(isKobeError(e) && e.code === 'BAD_PARAM' && e.param === param, String(e)).toBe(true);
      }
    }
  });
});
