import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateOrderRequest } from '../../brokers/order-request.js';
import { clientOrderId, type OrderKey } from '../../execution/client-order-id.js';
import { fcOptions } from '../../test-support/synthetic-bars.js';

const keyArb: fc.Arbitrary<OrderKey> = fc.record({
  tradingDate: fc.date({ min: new Date('1990-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  strategy: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }).filter((s) => s.trim() !== '' && !/\p{Cc}/u.test(s)),
  symbol: fc.stringMatching(/^[A-Z][A-Z0-9.]{0,9}$/),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  intent: fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/),
});

// The OMS derives the id (execution/client-order-id.ts) and every broker validates it
// (brokers/order-request.ts, Alpaca's 48 characters): the two must agree, or no order can be sent.
describe('client order ids travel to the brokers', () => {
  it('the documented example and every key a broker can trade give an id the brokers accept', () => {
    const example = clientOrderId({ tradingDate: '2017-11-10', strategy: 'ibs-rsi', symbol: 'AAPL', side: 'buy', intent: 'entry' });
    expect(() => validateOrderRequest({ clientOrderId: example, symbol: 'AAPL', side: 'buy', qty: 1, limitPriceUsd: 1 })).not.toThrow();
    fc.assert(
      fc.property(keyArb, (k) => {
        const id = clientOrderId(k);
        expect(() => validateOrderRequest({ clientOrderId: id, symbol: k.symbol, side: k.side, qty: 1, limitPriceUsd: 1 })).not.toThrow();
      }),
      fcOptions(300),
    );
  });
});
