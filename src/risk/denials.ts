/**
 * Every reason an entry signal can fail to become a filled order. The pre-trade checks in
 * `checks.ts` issue the first seven (CORRELATION_LIMIT only under `limits.maxCorrelation`,
 * STRATEGY_BUDGET only under Kelly sizing); the last two are outcomes of filling, not of checking, and are
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
  | 'CORRELATION_LIMIT'
  | 'STRATEGY_BUDGET'
  | 'ZERO_SHARES'
  | 'INSUFFICIENT_CASH'
  | 'NO_FILL_BAR'
  | 'WINDOW_END';

export const DENIAL_CODES: readonly DenialCode[] = [
  'REGIME_FILTER',
  'ALREADY_IN_POSITION',
  'MAX_POSITIONS',
  'CORRELATION_LIMIT',
  'STRATEGY_BUDGET',
  'ZERO_SHARES',
  'INSUFFICIENT_CASH',
  'NO_FILL_BAR',
  'WINDOW_END',
];

/**
 * Every reason the order path (paper or live) can refuse an order, issued by the order gates in
 * `order-gates.ts` (policy, liquidity, compliance, circuit breaker, kill switch), by the size
 * clamp in `order-sizing.ts` and by the protective-exit gates in `protective-gates.ts`. Apart from the engine's list so a backtest's denial counts keep
 * their shape; the shape of a result is the same (`{ok, code, detail}`).
 */
export type OrderDenialCode =
  | 'BAD_ORDER'
  | 'ORDER_NOTIONAL_LIMIT'
  | 'DAILY_NOTIONAL_LIMIT'
  | 'QUOTE_INVALID'
  | 'ADV_UNKNOWN'
  | 'ADV_BELOW_MIN'
  | 'SPREAD_TOO_WIDE'
  | 'ORDER_ABOVE_ADV_FRACTION'
  | 'POSITION_LIMIT'
  | 'PRICE_BELOW_MIN'
  | 'OUTSIDE_REGULAR_HOURS'
  | 'PATTERN_DAY_TRADER'
  | 'PROHIBITED_SYMBOL'
  | 'CIRCUIT_BREAKER_HALTED'
  | 'DAILY_LOSS_LIMIT'
  | 'CONSECUTIVE_LOSSES'
  | 'ERROR_LIMIT'
  | 'KILL_SWITCH_ENGAGED'
  | 'SIZE_CLAMPED_TO_ZERO'
  | 'PROTECTION_EXCEEDS_POSITION';

export const ORDER_DENIAL_CODES: readonly OrderDenialCode[] = [
  'BAD_ORDER',
  'ORDER_NOTIONAL_LIMIT',
  'DAILY_NOTIONAL_LIMIT',
  'QUOTE_INVALID',
  'ADV_UNKNOWN',
  'ADV_BELOW_MIN',
  'SPREAD_TOO_WIDE',
  'ORDER_ABOVE_ADV_FRACTION',
  'POSITION_LIMIT',
  'PRICE_BELOW_MIN',
  'OUTSIDE_REGULAR_HOURS',
  'PATTERN_DAY_TRADER',
  'PROHIBITED_SYMBOL',
  'CIRCUIT_BREAKER_HALTED',
  'DAILY_LOSS_LIMIT',
  'CONSECUTIVE_LOSSES',
  'ERROR_LIMIT',
  'KILL_SWITCH_ENGAGED',
  'SIZE_CLAMPED_TO_ZERO',
  'PROTECTION_EXCEEDS_POSITION',
];

export interface CheckPassed {
  readonly ok: true;
}

/** A refusal with its code; `C` is the engine's codes by default, `OrderDenialCode` on the order path. */
export interface Denial<C extends string = DenialCode> {
  readonly ok: false;
  readonly code: C;
  readonly detail: string;
}

export type CheckResult<C extends string = DenialCode> = CheckPassed | Denial<C>;

/** The one result every passing check returns: shared and frozen, so a pass allocates nothing. */
export const CHECK_PASSED: CheckPassed = Object.freeze({ ok: true });

export const denial = <C extends string = DenialCode>(code: C, detail: string): Denial<C> => Object.freeze({ ok: false, code, detail });
