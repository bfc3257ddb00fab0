import { inputError } from '../core/errors.js';
import type { OrderDenialCode } from './denials.js';

/**
 * The circuit breaker of the order path: a pure state machine (nautilus' RiskEngine trading
 * state, reduced to two states). ACTIVE lets orders through to the other gates; a trip moves it
 * to HALTED, which denies every order, and only an explicit reset with a reason, made by a
 * person, moves it back. A trip condition that clears (a winning trade, a new day) does not
 * un-halt it. The app layer stores the state and records every transition (journal, audit log).
 *
 *   ACTIVE --trip(daily loss | losing streak | errors)--> HALTED --reset(reason)--> ACTIVE
 */
export interface BreakerState {
  readonly state: 'ACTIVE' | 'HALTED';
  /** When the breaker tripped, UTC ms; null while ACTIVE. */
  readonly trippedAt: number | null;
  /** Why it tripped (a trip code and its numbers) while HALTED; the reason given for the last reset while ACTIVE (null if never reset). */
  readonly reason: string | null;
}

/** A breaker that has never tripped. */
export const BREAKER_ACTIVE: BreakerState = Object.freeze({ state: 'ACTIVE', trippedAt: null, reason: null });

/**
 * What the breaker watches, as the app counts it from the journal and the broker. Each is
 * counted since the later of the start of the trading day (`tradingDayOf`) and the last reset
 * (except the losing streak, which spans days and counts from the last reset), so a reset is
 * not undone at once by the facts that tripped it.
 */
export interface BreakerFacts {
  /** Realised plus unrealised P&L of the account over the trading day, USD (a loss is negative). */
  readonly dayPnlUsd: number;
  /** Closed trades in a row with a loss, most recent last; a trade with pnl >= 0 ends a streak. */
  readonly consecutiveLosingTrades: number;
  /** Broker and runtime errors in the trading day. */
  readonly errorsToday: number;
}

export interface BreakerLimits {
  /** Trips when the day's P&L is at or below -dailyLossLimitUsd. */
  readonly dailyLossLimitUsd: number;
  /** Trips at this many consecutive losing trades. */
  readonly maxConsecutiveLosses: number;
  /** Trips at this many broker or runtime errors in a trading day. */
  readonly maxErrorsPerDay: number;
}

export interface BreakerTrip {
  readonly code: Extract<OrderDenialCode, 'DAILY_LOSS_LIMIT' | 'CONSECUTIVE_LOSSES' | 'ERROR_LIMIT'>;
  readonly detail: string;
}

const usd = (x: number): string => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;

/**
 * The first trip condition the facts meet, or null. A fact that is not a finite number trips
 * (an unknown P&L is not a safe P&L).
 */
export function breakerTrip(facts: BreakerFacts, limits: BreakerLimits): BreakerTrip | null {
  if (!(facts.dayPnlUsd > -limits.dailyLossLimitUsd)) {
    return { code: 'DAILY_LOSS_LIMIT', detail: `day P&L ${Number.isFinite(facts.dayPnlUsd) ? usd(facts.dayPnlUsd) : 'unknown'} at or below the loss limit -$${limits.dailyLossLimitUsd.toFixed(2)}` };
  }
  if (!(facts.consecutiveLosingTrades < limits.maxConsecutiveLosses)) {
    return { code: 'CONSECUTIVE_LOSSES', detail: `${String(facts.consecutiveLosingTrades)} consecutive losing trades (limit ${limits.maxConsecutiveLosses})` };
  }
  if (!(facts.errorsToday < limits.maxErrorsPerDay)) {
    return { code: 'ERROR_LIMIT', detail: `${String(facts.errorsToday)} broker or runtime errors today (limit ${limits.maxErrorsPerDay})` };
  }
  return null;
}

/**
 * The breaker after looking at the facts at `nowUtcMs`: ACTIVE trips to HALTED on a trip
 * condition (the reason is its code and numbers); HALTED stays HALTED whatever the facts.
 * Returns the same object when nothing changes.
 */
export function stepBreaker(breaker: BreakerState, facts: BreakerFacts, limits: BreakerLimits, nowUtcMs: number): BreakerState {
  if (breaker.state === 'HALTED') return breaker;
  const trip = breakerTrip(facts, limits);
  if (trip === null) return breaker;
  return { state: 'HALTED', trippedAt: nowUtcMs, reason: `${trip.code}: ${trip.detail}` };
}

/** Trips the breaker by hand (or on an event the facts do not cover); a HALTED breaker keeps its first trip. */
export function tripBreaker(breaker: BreakerState, reason: string, nowUtcMs: number): BreakerState {
  if (breaker.state === 'HALTED') return breaker;
  return { state: 'HALTED', trippedAt: nowUtcMs, reason: checkReason(reason) };
}

/**
 * The one way back to ACTIVE: an explicit reset with a non-blank reason, which the breaker keeps
 * (and the app records). Resetting an ACTIVE breaker is allowed and records the new reason.
 */
export function resetBreaker(_breaker: BreakerState, reason: string): BreakerState {
  return { state: 'ACTIVE', trippedAt: null, reason: checkReason(reason) };
}

function checkReason(reason: string): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '') {
    throw inputError('BREAKER_REASON_REQUIRED', 'reason must say why the circuit breaker is reset or tripped, was empty', {
      param: 'reason',
      value: reason,
      hint: 'give a short reason a reviewer of the audit log will understand',
    });
  }
  return text;
}
