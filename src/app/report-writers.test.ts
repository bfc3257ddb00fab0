import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcOptions } from '../test-support/synthetic-bars.js';
import { fmt } from './report-writers.js';

const reference = (v: number) => String(Number(v.toFixed(6)));

describe('fmt', () => {
  it('equals the 6-decimal rounding read back, for any finite number', () => {
    const prices = fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }).map((n) => n / 10_000);
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e21, max: 1e21 }), prices), (v) => {
        expect(fmt(v)).toBe(reference(v));
      }),
      fcOptions(20_000),
    );
  });

  it('drops float noise and prints nothing for a missing value', () => {
    expect(fmt(0.1 + 0.2)).toBe('0.3');
    expect(fmt(1e-7)).toBe('0');
    expect(fmt(-0)).toBe('0');
    expect(fmt(123.4567891)).toBe('123.456789');
    expect(fmt(null)).toBe('');
    expect(fmt(Number.NaN)).toBe('');
    expect(fmt(Number.POSITIVE_INFINITY)).toBe('');
  });
});
