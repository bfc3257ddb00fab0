import { describe, expect, it } from 'vitest';
import { parseMix, topPicks, tradeOfDay, type Rankable } from './rank.js';

const r = (strategy: string, strength: number, confidence: number | null = null, admitted = true): Rankable => ({ strategy, strength, confidence, admitted });
const MIX = [{ strategy: 'turtle-soup', count: 2 }, { strategy: 'ibs-rsi', count: 1 }];

describe('Top-3 by mix', () => {
  it('takes 2 turtle-soup and 1 ibs-rsi by strength without a model, denied signals never', () => {
    const rows = [r('ibs-rsi', 5), r('turtle-soup', 1), r('turtle-soup', 3), r('turtle-soup', 2), r('ibs-rsi', 9, null, false)];
    expect(topPicks(rows, MIX, true)).toEqual([0, 2, 3]);
  });
  it('others fill the slots when a strategy has too few picks (ensure-top3), not without it', () => {
    const rows = [r('ibs-rsi', 5), r('ibs-rsi', 4), r('turtle-soup', 1)];
    expect(topPicks(rows, MIX, true)).toEqual([0, 1, 2]);
    expect(topPicks(rows, MIX, false)).toEqual([0, 2]);
  });
  it('ranks by confidence when there is one', () => {
    const rows = [r('turtle-soup', 9, 0.5), r('turtle-soup', 1, 0.7), r('turtle-soup', 5, 0.6)];
    expect(topPicks(rows, [{ strategy: 'turtle-soup', count: 2 }], false)).toEqual([1, 2]);
  });
});

describe('trade of the day', () => {
  it('is the highest-confidence pick at or above the minimum, else none with the reason', () => {
    const rows = [r('a', 1, 0.55), r('a', 1, 0.65), r('a', 1, 0.62)];
    expect(tradeOfDay(rows, [0, 1, 2], 0.6, null)).toMatchObject({ pick: 1 });
    expect(tradeOfDay(rows, [0], 0.6, null)).toMatchObject({ pick: null, reason: expect.stringContaining('below 0.6') });
    expect(tradeOfDay(rows, [], 0.6, null).pick).toBeNull();
    expect(tradeOfDay(rows, [1], 0.6, 'uncalibrated')).toEqual({ pick: null, reason: 'no trade today: uncalibrated' });
  });
  it('parses a mix and refuses a bad one', () => {
    expect(parseMix('turtle-soup:2,ibs-rsi:1', () => true)).toEqual(MIX);
    expect(typeof parseMix('turtle-soup', () => true)).toBe('string');
    expect(typeof parseMix('nope:1', (n) => n !== 'nope')).toBe('string');
  });
});
