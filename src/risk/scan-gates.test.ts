import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earningsGate, gatesAdmit, liquidityGate, priceGate, regimeGate, spreadGate } from './scan-gates.js';

const index = (close: number, sma: number, vol20 = 0.15) => ({ symbol: 'SPY', close, sma, smaPeriod: 200, vol20 });

describe('scan gates, each code on constructed inputs', () => {
  it('price: PASS at the threshold, PRICE_BELOW_MIN under it', () => {
    expect(priceGate(5, 5)).toMatchObject({ ok: true, code: 'PASS' });
    expect(priceGate(4.99, 5)).toMatchObject({ ok: false, code: 'PRICE_BELOW_MIN' });
  });
  it('liquidity: LIQUIDITY_BELOW_MIN, LIQUIDITY_UNKNOWN without 20 sessions', () => {
    expect(liquidityGate(5e6, 5e6).ok).toBe(true);
    expect(liquidityGate(4.9e6, 5e6)).toMatchObject({ ok: false, code: 'LIQUIDITY_BELOW_MIN' });
    expect(liquidityGate(Number.NaN, 5e6)).toMatchObject({ ok: false, code: 'LIQUIDITY_UNKNOWN' });
  });
  it('spread: not evaluated without quotes (never a pass), SPREAD_TOO_WIDE over 2% of mid', () => {
    const none = spreadGate(null, 0.02);
    expect(none).toMatchObject({ ok: null, code: 'SPREAD_NOT_EVALUATED' });
    expect(gatesAdmit([none])).toBe(true);
    expect(spreadGate({ bid: 99, ask: 101 }, 0.02).ok).toBe(true);
    expect(spreadGate({ bid: 98, ask: 102 }, 0.02)).toMatchObject({ ok: false, code: 'SPREAD_TOO_WIDE' });
  });
  it('earnings: EARNINGS_NEARBY within n sessions either side, PASS beyond, not evaluated without a file', () => {
    expect(earningsGate([{ date: '2017-11-14', sessionsAway: 2 }], 2, true)).toMatchObject({ ok: false, code: 'EARNINGS_NEARBY' });
    expect(earningsGate([{ date: '2017-11-06', sessionsAway: -2 }], 2, true).ok).toBe(false);
    expect(earningsGate([{ date: '2017-11-15', sessionsAway: 3 }], 2, true).ok).toBe(true);
    expect(earningsGate([], 2, false)).toMatchObject({ ok: null, code: 'EARNINGS_NOT_EVALUATED' });
  });
  it('regime: the engine filter by side, the volatility leg, no index', () => {
    expect(regimeGate('long', index(110, 100), null).ok).toBe(true);
    expect(regimeGate('long', index(90, 100), null)).toMatchObject({ ok: false, code: 'REGIME_BELOW_SMA' });
    expect(regimeGate('short', index(110, 100), null)).toMatchObject({ ok: false, code: 'REGIME_ABOVE_SMA' });
    expect(regimeGate('long', index(110, 100, 0.3), 0.25)).toMatchObject({ ok: false, code: 'REGIME_VOL_HIGH' });
    expect(regimeGate('long', index(110, 100, 0.2), 0.25).ok).toBe(true);
    expect(regimeGate('long', index(110, Number.NaN), null)).toMatchObject({ ok: false, code: 'REGIME_UNKNOWN' });
    expect(regimeGate('long', null, null)).toMatchObject({ ok: false, code: 'REGIME_NO_INDEX' });
  });
  it('gates are monotone: a stricter threshold never admits what a looser one denied', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), (close, lo, extra) => {
        if (!priceGate(close, lo).ok) expect(priceGate(close, lo + extra).ok).toBe(false);
        if (!liquidityGate(close * 1e5, lo * 1e5).ok) expect(liquidityGate(close * 1e5, (lo + extra) * 1e5).ok).toBe(false);
      }),
    );
  });
});
