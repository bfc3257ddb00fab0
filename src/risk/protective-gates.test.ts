import { describe, expect, it } from 'vitest';
import { evaluateProtectiveGates, type ProtectiveGateOrder } from './protective-gates.js';

const exit: ProtectiveGateOrder = { symbol: 'XYZ', side: 'sell', shares: 10, stopPriceUsd: 45, targetPriceUsd: 55 };
const codes = (order: ProtectiveGateOrder, held: number) => evaluateProtectiveGates(order, held).denials.map((d) => d.code);

describe('evaluateProtectiveGates', () => {
  it('passes a well-formed exit of at most the shares held on the side it closes', () => {
    expect(evaluateProtectiveGates(exit, 10)).toEqual({ allowed: true, denials: [] });
    expect(codes({ ...exit, stopPriceUsd: null }, 12)).toEqual([]);
    expect(codes({ ...exit, side: 'buy', stopPriceUsd: 55, targetPriceUsd: 45 }, -10)).toEqual([]);
  });

  it('denies more shares than held, the wrong side of the position, and a malformed exit; every denial is reported', () => {
    expect(codes(exit, 9)).toEqual(['PROTECTION_EXCEEDS_POSITION']);
    expect(codes(exit, -10)).toEqual(['PROTECTION_EXCEEDS_POSITION']);
    expect(codes({ ...exit, side: 'buy', stopPriceUsd: 55, targetPriceUsd: 45 }, 10)).toEqual(['PROTECTION_EXCEEDS_POSITION']);
    expect(codes({ ...exit, stopPriceUsd: 56 }, 10)).toEqual(['BAD_ORDER']);
    expect(codes({ ...exit, stopPriceUsd: null, targetPriceUsd: null }, 0)).toEqual(['BAD_ORDER', 'PROTECTION_EXCEEDS_POSITION']);
    expect(codes({ ...exit, shares: 1.5 }, 10)).toEqual(['BAD_ORDER']);
    expect(codes({ ...exit, targetPriceUsd: Number.POSITIVE_INFINITY }, 10)).toEqual(['BAD_ORDER']);
    expect(evaluateProtectiveGates(exit, 0).denials[0]?.detail).toBe('a protective sell of 10 XYZ exceeds the position it would close (no position)');
  });
});
