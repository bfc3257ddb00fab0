import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { bsGreeks } from '../pricing/black-scholes.js';
import type { OptionKind } from '../pricing/black-scholes.js';
import { contractsForPremium, listedStrikes, selectStrikeByDelta, SHARES_PER_CONTRACT, strikeIncrement } from './strike-selection.js';
import type { StrikeByDeltaInput } from './strike-selection.js';

const fcRuns = fcOptions(200);

function expectBadParam(call: () => unknown, param: string): void {
  try {
    call();
    expect.fail(`accepted a bad ${param}`);
  } catch (e) {
    expect(isKobeError(e) && e.code === 'BAD_PARAM' && e.param === param, String(e)).toBe(true);
  }
}

describe('strikeIncrement and listedStrikes', () => {
  it('list $1 strikes below $25, $2.50 to $200, $5 above', () => {
    expect([0.5, 24.99, 25, 199.99, 200, 1000].map(strikeIncrement)).toEqual([1, 1, 2.5, 2.5, 5, 5]);
    expect(Array.from(listedStrikes(30, 0.7, 1.1))).toEqual([21, 22, 23, 24, 25, 27.5, 30, 32.5]);
    expect(Array.from(listedStrikes(190, 0.99, 1.1))).toEqual([190, 192.5, 195, 197.5, 200, 205]);
    expect(Array.from(listedStrikes(10, 1, 1))).toEqual([10]);
    expect(listedStrikes(10.5, 1, 1)).toHaveLength(0);
    expectBadParam(() => strikeIncrement(0), 'strike');
    expectBadParam(() => listedStrikes(-1), 'spot');
    expectBadParam(() => listedStrikes(100, 1.2, 1.5), 'lowFrac');
  });

  it('give ascending strikes on their increments, covering [low, high] without gaps', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 3, noNaN: true }), (spot, lowFrac, highFrac) => {
        const ks = listedStrikes(spot, lowFrac, highFrac);
        for (let i = 0; i < ks.length; i++) {
          const k = ks[i];
          expect(k).toBeGreaterThanOrEqual(spot * lowFrac);
          expect(k).toBeLessThanOrEqual(spot * highFrac);
          expect(Number.isInteger(k / strikeIncrement(k)), `${k}`).toBe(true);
          if (i > 0) expect(k - ks[i - 1]).toBe(strikeIncrement(ks[i - 1]));
        }
        if (ks.length > 0) {
          // Nothing listed was left out at either end.
          expect(ks[0] - strikeIncrement(ks[0])).toBeLessThan(Math.max(spot * lowFrac, 1));
          expect(ks[ks.length - 1] + strikeIncrement(ks[ks.length - 1])).toBeGreaterThan(spot * highFrac);
        }
      }),
      fcRuns,
    );
  });
});

const inputArb = (kind: OptionKind): fc.Arbitrary<StrikeByDeltaInput> =>
  fc
    .record({
      spot: fc.double({ min: 5, max: 1000, noNaN: true }),
      daysToExpiry: fc.integer({ min: 1, max: 730 }),
      volFrac: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
      rateFrac: fc.double({ min: 0, max: 0.08, noNaN: true }),
      dividendYieldFrac: fc.double({ min: 0, max: 0.05, noNaN: true }),
      target: fc.double({ min: 0.02, max: 0.98, noNaN: true }),
    })
    .map(({ target, spot, ...rest }) => ({
      kind,
      spot,
      strikes: listedStrikes(spot, 0.3, 2.5),
      targetDelta: kind === 'call' ? target : -target,
      ...rest,
    }));

describe('selectStrikeByDelta', () => {
  const base: StrikeByDeltaInput = {
    kind: 'call',
    spot: 100,
    strikes: listedStrikes(100),
    daysToExpiry: 30,
    volFrac: 0.25,
    rateFrac: 0.04,
    targetDelta: 0.3,
  };

  it('picks the 30-delta call and the 25-delta put of a 30-day chain', () => {
    const call = selectStrikeByDelta(base);
    expect(call).toMatchObject({ strike: 105, moneyness: 'OTM' });
    const g = bsGreeks({ kind: 'call', spot: 100, strike: 105, yearsToExpiry: 30 / 365, volFrac: 0.25, rateFrac: 0.04 });
    expect(call.delta).toBe(g.delta);
    expect(call.premium).toBe(g.price);
    const put = selectStrikeByDelta({ ...base, kind: 'put', targetDelta: -0.25 });
    expect(put.moneyness).toBe('OTM');
    expect(put.strike).toBeLessThan(100);
    expect(selectStrikeByDelta({ ...base, targetDelta: 0.8 }).moneyness).toBe('ITM');
    expect(selectStrikeByDelta({ ...base, kind: 'put', targetDelta: -0.8 }).moneyness).toBe('ITM');
    expect(selectStrikeByDelta({ ...base, strikes: [100], targetDelta: 0.1 })).toMatchObject({ strike: 100, index: 0, moneyness: 'ATM' });
  });

  it('returns the strike whose delta is nearest the target (exhaustive check)', () => {
    for (const kind of ['call', 'put'] as const) {
      fc.assert(
        fc.property(inputArb(kind), (input) => {
          const choice = selectStrikeByDelta(input);
          const years = input.daysToExpiry / 365;
          const dist = (k: number) =>
            Math.abs(bsGreeks({ kind, spot: input.spot, strike: k, yearsToExpiry: years, volFrac: input.volFrac, rateFrac: input.rateFrac, dividendYieldFrac: input.dividendYieldFrac }).delta - input.targetDelta);
          const best = Math.min(...Array.from(input.strikes, dist));
          expect(Math.abs(choice.delta - input.targetDelta)).toBe(best);
          expect(input.strikes[choice.index]).toBe(choice.strike);
          const itm = kind === 'call' ? choice.strike < input.spot : choice.strike > input.spot;
          expect(choice.moneyness).toBe(itm ? 'ITM' : choice.strike === input.spot ? 'ATM' : 'OTM');
        }),
        fcRuns,
      );
    }
  });

  it('takes the strike nearest the money on a plateau of equal deltas', () => {
    // A day to expiry at 5 % vol: every strike below spot has call delta 1 (put delta 0).
    const chain = { ...base, spot: 5, strikes: [2, 3, 4, 5, 6, 7, 8], daysToExpiry: 1, volFrac: 0.05, rateFrac: 0 };
    expect(selectStrikeByDelta({ ...chain, targetDelta: 0.9 }).strike).toBe(4);
    expect(selectStrikeByDelta({ ...chain, targetDelta: 0.02 }).strike).toBe(6);
    expect(selectStrikeByDelta({ ...chain, kind: 'put', targetDelta: -0.9 }).strike).toBe(6);
    expect(selectStrikeByDelta({ ...chain, kind: 'put', targetDelta: -0.02 }).strike).toBe(4);
  });

  it('rejects targets of the wrong sign and unsorted grids', () => {
    expectBadParam(() => selectStrikeByDelta({ ...base, targetDelta: -0.3 }), 'targetDelta');
    expectBadParam(() => selectStrikeByDelta({ ...base, kind: 'put', targetDelta: 0.3 }), 'targetDelta');
    expectBadParam(() => selectStrikeByDelta({ ...base, targetDelta: 1 }), 'targetDelta');
    expectBadParam(() => selectStrikeByDelta({ ...base, strikes: [] }), 'strikes');
    expectBadParam(() => selectStrikeByDelta({ ...base, strikes: [100, 95] }), 'strikes');
    expectBadParam(() => selectStrikeByDelta({ ...base, strikes: [100, 100] }), 'strikes');
    expectBadParam(() => selectStrikeByDelta({ ...base, daysToExpiry: -1 }), 'yearsToExpiry');
    expectBadParam(() => selectStrikeByDelta({ ...base, volFrac: Number.NaN }), 'volFrac');
  });
});

describe('contractsForPremium', () => {
  it('risks at most 2 % of equity by default, in whole contracts of 100 shares', () => {
    expect(SHARES_PER_CONTRACT).toBe(100);
    expect(contractsForPremium(2.5, 100_000)).toEqual({ contracts: 8, contractCostUsd: 250, budgetUsd: 2000, reason: null });
    expect(contractsForPremium(2, 100_000).contracts).toBe(10);
    expect(contractsForPremium(2.5, 100_000, 0.05).contracts).toBe(20);
    expect(contractsForPremium(25, 100_000)).toMatchObject({ contracts: 0, reason: 'ONE_CONTRACT_OVER_BUDGET' });
    expect(contractsForPremium(1, 0)).toMatchObject({ contracts: 0, reason: 'ONE_CONTRACT_OVER_BUDGET' });
    expect(contractsForPremium(0, 100_000)).toMatchObject({ contracts: 0, reason: 'NO_PREMIUM' });
    // The quotient rounds to 2.9999999999999996 here; three contracts cost exactly the budget.
    expect(contractsForPremium(185.71428571428572 / 100, 557.1428571428571, 1).contracts).toBe(3);
    expectBadParam(() => contractsForPremium(-1, 1000), 'premiumPerShare');
    expectBadParam(() => contractsForPremium(1, Number.NaN), 'equityUsd');
    expectBadParam(() => contractsForPremium(1, 1000, 0), 'maxRiskFrac');
    expectBadParam(() => contractsForPremium(1, 1000, 1.5), 'maxRiskFrac');
  });

  it('buys the most contracts whose premium fits the budget', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 500, noNaN: true }), fc.double({ min: 0, max: 1e8, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), (premium, equity, frac) => {
        const s = contractsForPremium(premium, equity, frac);
        expect(Number.isInteger(s.contracts)).toBe(true);
        expect(s.contracts * s.contractCostUsd).toBeLessThanOrEqual(s.budgetUsd);
        expect((s.contracts + 1) * s.contractCostUsd).toBeGreaterThan(s.budgetUsd);
        expect(s.reason).toBe(s.contracts === 0 ? 'ONE_CONTRACT_OVER_BUDGET' : null);
      }),
      fcRuns,
    );
  });
});
