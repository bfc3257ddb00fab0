import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKER_ACTIVE, breakerTrip, resetBreaker, stepBreaker, tripBreaker, type BreakerFacts, type BreakerState } from './circuit-breaker.js';

const limits = { dailyLossLimitUsd: 100, maxConsecutiveLosses: 4, maxErrorsPerDay: 3 };
const calm: BreakerFacts = { dayPnlUsd: -20, consecutiveLosingTrades: 1, errorsToday: 0 };
const T = Date.parse('2017-11-10T15:00:00Z');

describe('circuit breaker', () => {
  it('trips on each condition with its code, at the limit itself', () => {
    expect(breakerTrip(calm, limits)).toBeNull();
    expect(breakerTrip({ ...calm, dayPnlUsd: -99.99 }, limits)).toBeNull();
    expect(breakerTrip({ ...calm, dayPnlUsd: -100 }, limits)).toEqual({ code: 'DAILY_LOSS_LIMIT', detail: 'day P&L -$100.00 at or below the loss limit -$100.00' });
    expect(breakerTrip({ ...calm, consecutiveLosingTrades: 4 }, limits)?.code).toBe('CONSECUTIVE_LOSSES');
    expect(breakerTrip({ ...calm, errorsToday: 3 }, limits)?.code).toBe('ERROR_LIMIT');
    // Unknown facts trip rather than pass.
    expect(breakerTrip({ ...calm, dayPnlUsd: Number.NaN }, limits)?.code).toBe('DAILY_LOSS_LIMIT');
    expect(breakerTrip({ ...calm, errorsToday: Number.NaN }, limits)?.code).toBe('ERROR_LIMIT');
  });

  it('ACTIVE -> HALTED on a trip, with the time and the reason; calm facts leave it as it is', () => {
    expect(stepBreaker(BREAKER_ACTIVE, calm, limits, T)).toBe(BREAKER_ACTIVE);
    const h = stepBreaker(BREAKER_ACTIVE, { ...calm, consecutiveLosingTrades: 5 }, limits, T);
    expect(h).toEqual({ state: 'HALTED', trippedAt: T, reason: 'CONSECUTIVE_LOSSES: 5 consecutive losing trades (limit 4)' });
    expect(stepBreaker(h, calm, limits, T + 1)).toBe(h);
    expect(tripBreaker(BREAKER_ACTIVE, ' broker outage ', T)).toEqual({ state: 'HALTED', trippedAt: T, reason: 'broker outage' });
  });

  it('only a reset with a reason moves it back to ACTIVE', () => {
    const h = tripBreaker(BREAKER_ACTIVE, 'test', T);
    expect(resetBreaker(h, 'checked the fills with the broker')).toEqual({ state: 'ACTIVE', trippedAt: null, reason: 'checked the fills with the broker' });
    expect(() => resetBreaker(h, '   ')).toThrow(/reason must say why/);
    expect(() => resetBreaker(h, '')).toThrow(expect.objectContaining({ code: 'BREAKER_REASON_REQUIRED', param: 'reason' }));
  });

  it('property: once tripped it stays HALTED through any facts until a reset', () => {
    const facts = fc.record({
      dayPnlUsd: fc.double({ min: -1000, max: 1000, noNaN: true }),
      consecutiveLosingTrades: fc.integer({ min: 0, max: 10 }),
      errorsToday: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(facts, fc.constant('reset' as const)), { maxLength: 40 }), (steps) => {
        let b: BreakerState = BREAKER_ACTIVE;
        let t = T;
        for (const s of steps) {
          t += 1000;
          const before = b;
          if (s === 'reset') {
            b = resetBreaker(b, 'operator reviewed');
            expect(b.state).toBe('ACTIVE');
            continue;
          }
          b = stepBreaker(b, s, limits, t);
          if (before.state === 'HALTED') expect(b).toBe(before);
          else expect(b.state).toBe(breakerTrip(s, limits) === null ? 'ACTIVE' : 'HALTED');
          if (b.state === 'HALTED') expect(b.trippedAt).not.toBeNull();
        }
      }),
    );
  });
});
