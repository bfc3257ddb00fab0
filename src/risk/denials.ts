/**
 * Every reason an entry signal can fail to become a filled order. The pre-trade checks in
 * `checks.ts` issue the first five; the last two are outcomes of filling, not of checking, and are
 * issued where the fill is decided:
 *   NO_FILL_BAR  the order meets no bar to fill on (the data ends first, or the symbol skips the
 *                fill session and the day order expires): `src/execution/fill-outcomes.ts`;
 *   WINDOW_END   the backtest window closes before the order's fill bar: only the engine loop
 *                knows the window (`src/backtest/engine.ts`).
 * INSUFFICIENT_CASH is also issued at the fill when the open gapped beyond the cash left
 * (`src/execution/fill-outcomes.ts`).
 */
export type DenialCode =
  | 'REGIME_FILTER'
  | 'ALREADY_IN_POSITION'
  | 'MAX_POSITIONS'
  | 'ZERO_SHARES'
  | 'INSUFFICIENT_CASH'
  | 'NO_FILL_BAR'
  | 'WINDOW_END';

export const DENIAL_CODES: readonly DenialCode[] = [
  'REGIME_FILTER',
  'ALREADY_IN_POSITION',
  'MAX_POSITIONS',
  'ZERO_SHARES',
  'INSUFFICIENT_CASH',
  'NO_FILL_BAR',
  'WINDOW_END',
];

export interface CheckPassed {
  readonly ok: true;
}

export interface Denial {
  readonly ok: false;
  readonly code: DenialCode;
  readonly detail: string;
}

export type CheckResult = CheckPassed | Denial;

/** The one result every passing check returns: shared and frozen, so a pass allocates nothing. */
export const CHECK_PASSED: CheckPassed = Object.freeze({ ok: true });

export const denial = (code: DenialCode, detail: string): Denial => Object.freeze({ ok: false, code, detail });
