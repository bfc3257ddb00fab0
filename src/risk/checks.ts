import type { EngineConfig } from '../backtest/config.js';
import { CHECK_PASSED, denial, type CheckResult, type Denial, type DenialCode } from './denials.js';

/**
 * Where a pre-trade denial is issued: one function per check, each a pure function of the order,
 * the account, the market and the configuration, returning `CHECK_PASSED` or a denial with its
 * code and detail. The backtest engine and a paper or live order path call the same functions.
 * The engine reuses one object of each snapshot kind and updates it in place (no allocation per
 * signal); a live path builds them fresh.
 */

/**
 * An entry order as the checks see it. Only `side` is read before sizing (regime, position and
 * slot checks); the engine fills in the price, the size and the cost as it reaches the checks
 * that read them, in `PRE_TRADE_CHECKS` order.
 */
export interface OrderIntent {
  /** +1 buys (long), -1 sells short. */
  readonly side: 1 | -1;
  /** The price the order is sized at (the signal bar's close), USD. */
  readonly refPrice: number;
  /** Shares the portfolio sized. */
  readonly shares: number;
  /** Cash the order is expected to need, USD (`estimatedCostUsd` in `src/execution/costs.ts`). */
  readonly estimatedCostUsd: number;
}

/** The account when the order is considered. */
export interface AccountSnapshot {
  /** Cash plus positions marked at the signal's close, USD. */
  readonly equityUsd: number;
  /** Cash not reserved by pending entry orders, USD. */
  readonly freeCashUsd: number;
  /** Open positions plus pending entry orders. */
  readonly positionsUsed: number;
  /** Open positions plus pending entry orders in the order's own symbol. */
  readonly symbolPositions: number;
  /** USD the order's strategy may still commit under Kelly sizing (its sleeve's budget); NaN or absent without sleeves. */
  readonly strategyBudgetUsd?: number;
  /** The order's strategy, for the detail of a budget denial. */
  readonly strategy?: string;
}

/** The market when the order is considered. */
export interface MarketSnapshot {
  /** The regime filter at the signal's close: 1 index above its SMA, 0 below, -1 no filter. */
  readonly regime: number;
  /**
   * The strongest daily-return correlation of the order's symbol with an open or ordered one over
   * the last CORRELATION_SESSIONS sessions, and that symbol; NaN (and '') when not measured (no
   * limit set, nothing open, or too few common sessions); absent on a path that does not measure it.
   */
  readonly maxCorrelation?: number;
  readonly correlatedSymbol?: string;
}

/** What the checks read from the account's configuration. */
export type RiskConfig = Pick<EngineConfig, 'maxPositions' | 'sizing' | 'limits'>;

export type PreTradeCheck = (order: OrderIntent, account: AccountSnapshot, market: MarketSnapshot, config: RiskConfig) => CheckResult;

const REGIME_LONG_DENIED = denial('REGIME_FILTER', 'index closed below its SMA');
const REGIME_SHORT_DENIED = denial('REGIME_FILTER', 'index closed above its SMA');
const ALREADY_IN_POSITION_DENIED = denial('ALREADY_IN_POSITION', 'symbol already held or ordered');
/** One frozen denial per position limit (indexed by the limit), so a full book denies without allocating. */
const maxPositionsDenials: Denial[] = [];

/** Longs only while the index closes above its SMA, shorts only below. */
export const checkRegime: PreTradeCheck = (order, _account, market) => {
  if (market.regime === -1) return CHECK_PASSED;
  if (order.side === 1) return market.regime === 0 ? REGIME_LONG_DENIED : CHECK_PASSED;
  return market.regime === 1 ? REGIME_SHORT_DENIED : CHECK_PASSED;
};

/** One position per symbol: none while the symbol is held or an entry for it is pending. */
export const checkAlreadyInPosition: PreTradeCheck = (_order, account) =>
  account.symbolPositions > 0 ? ALREADY_IN_POSITION_DENIED : CHECK_PASSED;

/** At most `maxPositions` positions held or ordered. */
export const checkMaxPositions: PreTradeCheck = (_order, account, _market, config) => {
  if (account.positionsUsed < config.maxPositions) return CHECK_PASSED;
  return (maxPositionsDenials[config.maxPositions] ??= denial('MAX_POSITIONS', `${config.maxPositions} positions held or ordered`));
};

/** No new position that moves with one already held or ordered (above `limits.maxCorrelation`). */
export const checkCorrelation: PreTradeCheck = (_order, _account, market, config) => {
  const limit = config.limits.maxCorrelation;
  const rho = market.maxCorrelation ?? Number.NaN;
  if (limit === null || !(rho > limit)) return CHECK_PASSED;
  return new CorrelationDenial(rho, market.correlatedSymbol ?? '?', limit);
};

/** Under Kelly sizing a strategy trades only out of its own sleeve: its budget must buy a share. */
export const checkStrategyBudget: PreTradeCheck = (order, account) => {
  const budget = account.strategyBudgetUsd ?? Number.NaN;
  return !(budget < order.refPrice) ? CHECK_PASSED : new StrategyBudgetDenial(account.strategy ?? '?', budget);
};

/** The sizing must buy at least one whole share. */
export const checkZeroShares: PreTradeCheck = (order, _account, _market, config) =>
  order.shares > 0 ? CHECK_PASSED : new ZeroSharesDenial(config.sizing.mode, order.refPrice);

/** The order's estimated cost must fit in the free cash. */
export const checkInsufficientCash: PreTradeCheck = (order, account) =>
  order.estimatedCostUsd > account.freeCashUsd ? new InsufficientCashDenial(order.estimatedCostUsd, account.freeCashUsd) : CHECK_PASSED;

// Denials that quote numbers keep the numbers and format the detail only when it is read: a
// tuning run denies thousands of orders this way and reads only the codes. `toJSON` writes the
// plain {ok, code, detail} shape.

// Fields are assigned in the constructor (not class fields, which V8 defines more slowly).
abstract class QuotedDenial<C extends DenialCode> implements Denial<C> {
  declare readonly ok: false;
  declare readonly code: C;
  constructor(code: C) {
    this.ok = false;
    this.code = code;
  }
  abstract get detail(): string;
  toJSON(): Denial<C> {
    return { ok: false, code: this.code, detail: this.detail };
  }
}

class ZeroSharesDenial extends QuotedDenial<'ZERO_SHARES'> {
  declare readonly sizingMode: string;
  declare readonly refPrice: number;
  constructor(sizingMode: string, refPrice: number) {
    super('ZERO_SHARES');
    this.sizingMode = sizingMode;
    this.refPrice = refPrice;
  }
  get detail(): string {
    return `sizing ${this.sizingMode} gives no whole share at ${this.refPrice.toFixed(2)}`;
  }
}

class InsufficientCashDenial extends QuotedDenial<'INSUFFICIENT_CASH'> {
  declare readonly neededUsd: number;
  declare readonly freeUsd: number;
  constructor(neededUsd: number, freeUsd: number) {
    super('INSUFFICIENT_CASH');
    this.neededUsd = neededUsd;
    this.freeUsd = freeUsd;
  }
  get detail(): string {
    return `needs ${this.neededUsd.toFixed(0)} USD, ${this.freeUsd.toFixed(0)} free`;
  }
}

class CorrelationDenial extends QuotedDenial<'CORRELATION_LIMIT'> {
  declare readonly correlation: number;
  declare readonly withSymbol: string;
  declare readonly limit: number;
  constructor(correlation: number, withSymbol: string, limit: number) {
    super('CORRELATION_LIMIT');
    this.correlation = correlation;
    this.withSymbol = withSymbol;
    this.limit = limit;
  }
  get detail(): string {
    return `daily-return correlation ${this.correlation.toFixed(2)} with ${this.withSymbol} (held or ordered) exceeds ${this.limit}`;
  }
}

class StrategyBudgetDenial extends QuotedDenial<'STRATEGY_BUDGET'> {
  declare readonly strategy: string;
  declare readonly budgetUsd: number;
  constructor(strategy: string, budgetUsd: number) {
    super('STRATEGY_BUDGET');
    this.strategy = strategy;
    this.budgetUsd = budgetUsd;
  }
  get detail(): string {
    return `${this.strategy}'s Kelly sleeve has no room: ${this.budgetUsd.toFixed(0)} USD usable (under half a position, or under one share)`;
  }
}
