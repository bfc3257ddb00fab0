import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { ibs, IbsKernel } from './ibs.js';

describe('ibs', () => {
  it('places the close in the bar range: 0 at the low, 1 at the high', () => {
    expect(Array.from(ibs([10, 10, 10, 12], [8, 8, 8, 9], [9, 10, 8, 9.75]))).toEqual([0.5, 1, 0, 0.25]);
  });

  it('is NaN for a bar without range, an inverted bar, or a NaN input', () => {
    expect(Array.from(ibs([5, 4, NaN, 10], [5, 6, 1, 8], [5, 5, 2, NaN]))).toEqual([NaN, NaN, NaN, NaN]);
  });

  it('does not clamp a close outside the range: bad data stays visible', () => {
    expect(ibs([10], [8], [11])[0]).toBe(1.5);
  });

  it('streams the same values, and a NaN bar does not affect the next one', () => {
    const k = new IbsKernel();
    expect(k.warmup).toBe(0);
    expect([k.update(10, 8, 9), k.update(5, 5, 5), k.update(NaN, 1, 1), k.update(4, 0, 1)]).toEqual([0.5, NaN, NaN, 0.25]);
  });

  it('rejects columns of different lengths', () => {
    let caught: unknown;
    try {
      ibs([1, 2], [1], [1, 2]);
    } catch (e) {
      caught = e;
    }
    expect(isKobeError(caught) && caught.code).toBe('BAD_COLUMNS');
  });
});

describe('ibs with a start bar', () => {
  it('equals the whole-history values from `from` on, and is NaN before', () => {
    const h = [2, 3, 4, 5, 6];
    const l = [1, 1, 2, 2, 3];
    const c = [1.5, 2, 3, 4, 4];
    const full = ibs(h, l, c);
    const part = ibs(h, l, c, 2);
    expect(Array.from(part.subarray(0, 2))).toEqual([NaN, NaN]);
    expect(Array.from(part.subarray(2))).toEqual(Array.from(full.subarray(2)));
  });
});
