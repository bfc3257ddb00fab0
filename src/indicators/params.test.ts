import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { checkPeriod, checkSameLength, MAX_PERIOD } from './params.js';

function caught(f: () => unknown): KobeError {
  try {
    f();
  } catch (e) {
    if (e instanceof KobeError) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

describe('checkPeriod', () => {
  it('accepts integers from the minimum up to MAX_PERIOD', () => {
    expect(() => checkPeriod(1)).not.toThrow();
    expect(() => checkPeriod(MAX_PERIOD)).not.toThrow();
    expect(() => checkPeriod(2, 2)).not.toThrow();
  });

  it('names the offending value in a usage error', () => {
    const e = caught(() => checkPeriod(0));
    expect(e.code).toBe('BAD_PARAM');
    expect(e.kind).toBe('usage');
    expect(e.message).toBe('period must be a positive integer, was 0');
    expect(e.value).toBe(0);
    expect(caught(() => checkPeriod(2.5)).message).toBe('period must be a positive integer, was 2.5');
    expect(caught(() => checkPeriod(Number.NaN)).message).toBe('period must be a positive integer, was NaN');
    expect(caught(() => checkPeriod(1, 2, 'why')).message).toBe('period must be an integer >= 2, was 1');
    expect(caught(() => checkPeriod(1, 2, 'why')).hint).toBe('why');
    expect(caught(() => checkPeriod(MAX_PERIOD + 1)).message).toBe(`period must be at most ${MAX_PERIOD}, was ${MAX_PERIOD + 1}`);
  });
});

describe('checkSameLength', () => {
  it('returns the common length', () => {
    expect(checkSameLength({ high: [1, 2], low: new Float64Array(2) })).toBe(2);
  });

  it('reports every length when they differ', () => {
    const e = caught(() => checkSameLength({ high: [1, 2], low: [1], close: [1, 2] }));
    expect(e.code).toBe('BAD_COLUMNS');
    expect(e.kind).toBe('input');
    expect(e.message).toBe('input columns differ in length: high has 2, low has 1, close has 2');
    expect(e.value).toEqual({ high: 2, low: 1, close: 2 });
  });
});
