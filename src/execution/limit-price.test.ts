import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { marketableLimitPrice, roundToCent } from './limit-price.js';

const code = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    return isKobeError(e) ? e.code : String(e);
  }
};

describe('marketableLimitPrice', () => {
  it('prices an entry at ask x 1.001 and an exit at bid x 0.999, to the cent', () => {
    expect(marketableLimitPrice('buy', { bidUsd: 99.9, askUsd: 100 })).toBe(100.1);
    expect(marketableLimitPrice('sell', { bidUsd: 100, askUsd: 100.1 })).toBe(99.9);
    // 187.23 x 1.001 = 187.41723 -> 187.42; 187.19 x 0.999 = 187.00281 -> 187.00
    expect(marketableLimitPrice('buy', { bidUsd: 187.19, askUsd: 187.23 })).toBe(187.42);
    expect(marketableLimitPrice('sell', { bidUsd: 187.19, askUsd: 187.23 })).toBe(187);
  });

  it('rounds an exact half cent up although binary floating point lands just below it', () => {
    // 1.005 * 100 = 100.49999999999999 in binary; 12.5 x 1.001 = 12.5125 -> 12.51
    expect(roundToCent(4.995)).toBe(5);
    expect(roundToCent(1.005)).toBe(1.01);
    expect(marketableLimitPrice('buy', { bidUsd: 12.4, askUsd: 12.5 })).toBe(12.51);
  });

  it('refuses a quote that cannot be traded against', () => {
    expect(code(() => marketableLimitPrice('buy', { bidUsd: 10, askUsd: 0 }))).toBe('BAD_QUOTE');
    expect(code(() => marketableLimitPrice('buy', { bidUsd: 10, askUsd: Number.NaN }))).toBe('BAD_QUOTE');
    expect(code(() => marketableLimitPrice('sell', { bidUsd: -1, askUsd: 10 }))).toBe('BAD_QUOTE');
    expect(code(() => marketableLimitPrice('sell', { bidUsd: 10.2, askUsd: 10.1 }))).toBe('BAD_QUOTE');
    expect(code(() => marketableLimitPrice('sell', { bidUsd: 0.004, askUsd: 0.01 }))).toBe('BAD_QUOTE');
    expect(code(() => marketableLimitPrice('buy', { bidUsd: 10, askUsd: 10.1 }, 1))).toBe('BAD_LIMIT_BUFFER');
  });

  it('a buy limit is never below the ask and a sell limit never above the bid, each within half a cent of the buffered price', () => {
    const cents = fc.integer({ min: 100, max: 500_000 });
    fc.assert(
      fc.property(cents, fc.integer({ min: 0, max: 500 }), (bidCents, spreadCents) => {
        const quote = { bidUsd: bidCents / 100, askUsd: (bidCents + spreadCents) / 100 };
        const buy = marketableLimitPrice('buy', quote);
        const sell = marketableLimitPrice('sell', quote);
        expect(buy).toBeGreaterThanOrEqual(quote.askUsd);
        expect(sell).toBeLessThanOrEqual(quote.bidUsd);
        expect(Math.abs(buy - quote.askUsd * 1.001)).toBeLessThanOrEqual(0.005 + 1e-9);
        expect(Math.abs(sell - quote.bidUsd * 0.999)).toBeLessThanOrEqual(0.005 + 1e-9);
        expect(Math.round(buy * 100) / 100).toBe(buy);
        expect(Math.round(sell * 100) / 100).toBe(sell);
      }),
    );
  });
});
