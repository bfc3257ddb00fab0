import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { CLIENT_ORDER_ID_MAX_CHARS, clientOrderId, isKobeClientOrderId, type OrderKey } from './client-order-id.js';

const key: OrderKey = { tradingDate: '2017-11-10', strategy: 'ibs-rsi', symbol: 'AAPL', side: 'buy', intent: 'entry' };

const keyArb: fc.Arbitrary<OrderKey> = fc.record({
  tradingDate: fc.date({ min: new Date('1990-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  strategy: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }).filter((s) => s.trim() !== '' && !/\p{Cc}/u.test(s)),
  symbol: fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{0,15}$/),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  intent: fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/),
});

describe('clientOrderId', () => {
  it('is readable and stable: the same intent gives the same id, today and in every later version', () => {
    const id = clientOrderId(key);
    expect(id).toMatch(/^kobe-20171110-AAPL-buy-entry-[0-9a-f]{16}$/);
    expect(id).toBe(clientOrderId({ ...key }));
    // The documented scheme, computed here by hand: a change of it would make a rerun send a
    // second order for a day already traded, so it must fail this test, not pass silently.
    const text = '{"intent":"entry","side":"buy","strategy":"ibs-rsi","symbol":"AAPL","tradingDate":"2017-11-10","v":1}';
    expect(id.slice(-16)).toBe(createHash('sha256').update(text).digest('hex').slice(0, 16));
  });

  it('the README and this module show the id kobe really computes for their example', () => {
    const id = clientOrderId(key);
    expect(readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')).toContain(`\n${id}\n`);
    expect(readFileSync(fileURLToPath(new URL('./client-order-id.ts', import.meta.url)), 'utf8')).toContain(` ${id}\n`);
  });

  it('treats the symbol case-insensitively', () => {
    expect(clientOrderId({ ...key, symbol: 'aapl' })).toBe(clientOrderId(key));
  });

  it('differs when any field differs, including strategies whose readable slugs collide', () => {
    const base = clientOrderId(key);
    expect(clientOrderId({ ...key, tradingDate: '2017-11-13' })).not.toBe(base);
    expect(clientOrderId({ ...key, strategy: 'ibs-rsi-2' })).not.toBe(base);
    expect(clientOrderId({ ...key, symbol: 'MSFT' })).not.toBe(base);
    expect(clientOrderId({ ...key, side: 'sell' })).not.toBe(base);
    expect(clientOrderId({ ...key, intent: 'exit' })).not.toBe(base);
    const a = clientOrderId({ ...key, strategy: 'IBS RSI' });
    const b = clientOrderId({ ...key, strategy: 'ibs_rsi' });
    expect(a.slice(0, -16)).toBe(b.slice(0, -16));
    expect(a).not.toBe(b);
  });

  it('refuses bad fields with an input error naming the parameter', () => {
    const cases: [Partial<OrderKey>, string][] = [
      [{ tradingDate: '2017-02-30' }, 'tradingDate'],
      [{ tradingDate: '20171110' }, 'tradingDate'],
      [{ strategy: '  ' }, 'strategy'],
      [{ strategy: 'a\nb' }, 'strategy'],
      [{ symbol: 'AA PL' }, 'symbol'],
      [{ symbol: '' }, 'symbol'],
      [{ side: 'short' as 'buy' }, 'side'],
      [{ intent: 'Entry' }, 'intent'],
      [{ intent: 'x'.repeat(17) }, 'intent'],
    ];
    for (const [bad, param] of cases) {
      let err: unknown;
      try {
        clientOrderId({ ...key, ...bad });
      } catch (e) {
        err = e;
      }
      expect(err, param).toBeInstanceOf(KobeError);
      expect((err as KobeError).code).toBe('BAD_ORDER_KEY');
      expect((err as KobeError).kind).toBe('input');
      expect((err as KobeError).param).toBe(param);
    }
  });

  it('property: deterministic, within Alpaca’s 48 characters, recognisable as kobe’s, and one id per key', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (k1, k2) => {
        const id = clientOrderId(k1);
        expect(clientOrderId({ ...k1 })).toBe(id);
        expect(id.length).toBeLessThanOrEqual(CLIENT_ORDER_ID_MAX_CHARS);
        expect(isKobeClientOrderId(id)).toBe(true);
        const same = k1.tradingDate === k2.tradingDate && k1.strategy === k2.strategy && k1.symbol === k2.symbol && k1.side === k2.side && k1.intent === k2.intent;
        expect(clientOrderId(k2) === id).toBe(same);
      }),
      fcOptions(300),
    );
  });

  it('tells kobe ids from ids placed by hand', () => {
    expect(isKobeClientOrderId('my-manual-order')).toBe(false);
    expect(isKobeClientOrderId(`${clientOrderId(key)}x`)).toBe(false);
  });
});
