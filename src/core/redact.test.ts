import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep, redactSecrets, registerSecrets, secretEnvValues } from './redact.js';

describe('redactSecrets', () => {
  it('redacts credential query parameters, keeping the rest of the URL', () => {
    const url = 'https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/2020-01-01/2020-02-01?adjusted=true&apiKey=AbC123xyz&limit=5';
    expect(redactSecrets(url)).toBe(`https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/2020-01-01/2020-02-01?adjusted=true&apiKey=${REDACTED}&limit=5`);
    for (const name of ['api_key', 'APIKEY', 'token', 'access_token', 'key', 'password']) {
      expect(redactSecrets(`GET /x?${name}=s3cr3tvalue#frag`)).toBe(`GET /x?${name}=${REDACTED}#frag`);
    }
    // Not a parameter name that carries a secret: untouched.
    expect(redactSecrets('/x?monkey=1&keys=2')).toBe('/x?monkey=1&keys=2');
  });

  it('redacts Authorization and APCA headers, JSON key fields and URL passwords', () => {
    expect(redactSecrets('Authorization: Bearer eyJhbGciOi.xyz')).toBe(`Authorization: ${REDACTED}`);
    expect(redactSecrets('APCA-API-KEY-ID: PKABCDEF APCA-API-SECRET-KEY: sEcReT')).toBe(`APCA-API-KEY-ID: ${REDACTED} APCA-API-SECRET-KEY: ${REDACTED}`);
    expect(redactSecrets('{"apiKey":"AbC123","status":"ERROR"}')).toBe(`{"apiKey":"${REDACTED}","status":"ERROR"}`);
    expect(redactSecrets('postgres://kobe:hunter2@db:5432/kobe')).toBe(`postgres://kobe:${REDACTED}@db:5432/kobe`);
    expect(redactSecrets('see https://example.com/path and user@example.com')).toBe('see https://example.com/path and user@example.com');
  });

  it('redacts literal secret values, passed or registered, also URL-encoded', () => {
    expect(redactSecrets('key is pk_live/abc+def here', ['pk_live/abc+def'])).toBe(`key is ${REDACTED} here`);
    expect(redactSecrets('sent pk_live%2Fabc%2Bdef', ['pk_live/abc+def'])).toBe(`sent ${REDACTED}`);
    registerSecrets(['registered-secret-99', 'ab', undefined]);
    expect(redactSecrets('oops registered-secret-99 leaked')).toBe(`oops ${REDACTED} leaked`);
    // Too short to be a secret: not redacted (it would blank out ordinary words).
    expect(redactSecrets('ab cd')).toBe('ab cd');
  });

  it('finds secret environment variables by name', () => {
    expect(
      secretEnvValues({ POLYGON_API_KEY: 'abcdef123', APCA_API_SECRET_KEY: 'zzzzzz99', KOBE_SERVER_TOKEN: 'tok-123456', HOME: '/root', KOBE_DATA_DIR: '/d', SHORT_TOKEN: 'x' }).sort(),
    ).toEqual(['abcdef123', 'tok-123456', 'zzzzzz99']);
  });

  it('redactDeep redacts every string of a JSON value', () => {
    expect(redactDeep({ a: ['x?token=abc123'], b: { c: 'fine', n: 1, z: null } })).toEqual({ a: [`x?token=${REDACTED}`], b: { c: 'fine', n: 1, z: null } });
  });
});
