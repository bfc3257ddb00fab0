import {
  checkAlreadyInPosition,
  checkCorrelation,
  checkInsufficientCash,
  checkMaxPositions,
  checkRegime,
  checkStrategyBudget,
  checkZeroShares,
  type AccountSnapshot,
  type MarketSnapshot,
  type OrderIntent,
  type PreTradeCheck,
  type RiskConfig,
} from './checks.js';
import type { CheckResult } from './denials.js';

/**
 * Every pre-trade check, in the order the backtest engine applies them (it stops at the first
 * denial and records that one). Checks that read the sized order come after sizing.
 */
export const PRE_TRADE_CHECKS: readonly PreTradeCheck[] = [
  checkRegime,
  checkAlreadyInPosition,
  checkMaxPositions,
  checkCorrelation,
  checkStrategyBudget,
  checkZeroShares,
  checkInsufficientCash,
];

/** Runs every check on a sized order: one result per check in `PRE_TRADE_CHECKS` order, for a paper or live path to report all of them. */
export function runAllChecks(order: OrderIntent, account: AccountSnapshot, market: MarketSnapshot, config: RiskConfig): CheckResult[] {
  return PRE_TRADE_CHECKS.map((check) => check(order, account, market, config));
}
