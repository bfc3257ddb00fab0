import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { dayToIso } from '../core/calendar.js';
import { inputError } from '../core/errors.js';
import { isRegularTradingHours } from '../core/exchange-calendar.js';
import { checkInsufficientCash } from './checks.js';
import { breakerTrip, type BreakerLimits, type BreakerState } from './circuit-breaker.js';
import { CHECK_PASSED, denial, type CheckResult, type Denial, type DenialCode, type OrderDenialCode } from './denials.js';
import { activeProhibition, type ProhibitedEntry } from './prohibited.js';
import { submittedNotionalUsd, tradingDayOf, type DayNotionalCounter } from './trading-day.js';

/**
 * Pre-trade risk for the order path (paper and live): the gates every order meets before a
 * broker call. One pure function per check, each of the order, a snapshot of the account, the
 * market and the risk state, and the configuration, returning `CHECK_PASSED` or a denial
 * `{ok: false, code, detail}` (the engine's result shape, `denials.ts`). `evaluateOrderGates`
 * runs every check of every gate, never stopping at the first denial, so every reason is
 * reported and recorded; an order goes out only when all pass.
 *
 * Orders that only reduce a held position (a sell of at most the long held, a buy of at most the
 * short held) pass the size, liquidity and position checks: a cap that can trap a position in the
 * book adds risk instead of limiting it. They still meet the quote check, regular hours, the
 * pattern-day-trader rule, the circuit breaker and the kill switch.
 */

/** One order as the gates see it. */
export interface OrderRequest {
  /** Upper-case symbol. */
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Whole shares, > 0. */
  readonly shares: number;
  /** The limit price, USD: the worst price the order can fill at, so `shares x limitPriceUsd` bounds its notional. */
  readonly limitPriceUsd: number;
}

/** The account's position in one symbol. */
export interface OrderPosition {
  /** Signed shares: > 0 long, < 0 short. */
  readonly shares: number;
  /** Shares bought in the current trading day, other than to cover a short held overnight (FINRA 4210(f)(8)(B)(i)). */
  readonly longOpenedTodayShares: number;
  /** Shares sold short in the current trading day, other than to sell a long held overnight. */
  readonly shortOpenedTodayShares: number;
}

/**
 * The facts FINRA Rule 4210(f)(8)(B) needs (https://www.finra.org/rules-guidance/rulebooks/finra-rules/4210):
 * a day trade is buying and selling (or selling short and buying) the same security on the same
 * day in a margin account, except selling a long or covering a short held overnight before the
 * new trade; a customer who makes four or more day trades in five business days (and more than
 * 6% of the account's trades in them) is a pattern day trader, and a pattern day trader must hold
 * at least $25,000 of equity on any day they day-trade (4210(f)(8)(B)(iv)(a)).
 */
export interface PatternDayTraderFacts {
  /** The rule binds margin accounts; a cash account has settlement rules instead (not checked here). */
  readonly marginAccount: boolean;
  /** The broker flags the account as a pattern day trader (Alpaca's `pattern_day_trader`). */
  readonly flaggedPatternDayTrader: boolean;
  /** Day trades made in the current trading day and the sessions before it in the window (Alpaca's `daytrade_count`); `dayTradesInWindow` counts them from a list. */
  readonly dayTradesInWindow: number;
  /** Equity at the previous session's close, USD (Alpaca's `last_equity`): the rule's measure. */
  readonly lastEquityUsd: number;
}

export interface OrderAccountState {
  /** Cash plus positions marked now, USD. */
  readonly equityUsd: number;
  /** Cash free to buy with, USD. */
  readonly cashUsd: number;
  /** Positions by upper-case symbol; a symbol not held may be absent. */
  readonly positions: Readonly<Record<string, OrderPosition>>;
  /** Notional of the entries submitted so far, keyed by their trading day (`trading-day.ts`). */
  readonly submittedNotional: DayNotionalCounter;
  /** Day P&L, USD, counted since the later of the trading day's start and the breaker's last reset. */
  readonly dayPnlUsd: number;
  /** Losing closed trades in a row, counted since the breaker's last reset. */
  readonly consecutiveLosingTrades: number;
  /** Broker and runtime errors in the trading day since the breaker's last reset. */
  readonly errorsToday: number;
  readonly pdt: PatternDayTraderFacts;
}

export interface OrderMarketState {
  /** The last trade price, USD. */
  readonly priceUsd: number;
  readonly bidUsd: number;
  readonly askUsd: number;
  /** Average dollar volume (close x volume) of the last 20 sessions, USD; NaN when fewer are known. */
  readonly adv20Usd: number;
}

export interface OrderGateSnapshot {
  readonly account: OrderAccountState;
  readonly market: OrderMarketState;
  readonly breaker: BreakerState;
  /** Whether the kill switch is on (the app reads it, e.g. from a file, immediately before the broker call). */
  readonly killSwitchEngaged: boolean;
  /** The instant the order would be submitted, UTC ms (passed in: the gates read no clock). */
  readonly nowUtcMs: number;
}

export interface OrderGateConfig extends BreakerLimits {
  /** Most notional one order may carry, USD. */
  readonly maxOrderNotionalUsd: number;
  /** Most notional the entries of one trading day may carry together, USD. */
  readonly maxDailyNotionalUsd: number;
  /** Least 20-day average dollar volume, USD. */
  readonly minAdvUsd: number;
  /** Widest quoted spread, as a fraction of the mid. */
  readonly maxSpreadFrac: number;
  /** Largest order as a fraction of the 20-day average dollar volume. */
  readonly maxAdvFrac: number;
  /** Largest position in one symbol after the order, as a fraction of equity. */
  readonly maxPositionFrac: number;
  /** Least last price, USD. */
  readonly minPriceUsd: number;
  /** Equity below which the pattern-day-trader rule limits day trades, USD (FINRA 4210: $25,000). */
  readonly pdtMinEquityUsd: number;
  /** Day trades allowed in the window below that equity (the fourth makes a pattern day trader). */
  readonly pdtMaxDayTrades: number;
  /** The window, in sessions (FINRA 4210: five business days). */
  readonly pdtWindowSessions: number;
  readonly prohibited: readonly ProhibitedEntry[];
}

/** The defaults: every number documented in the README's "Pre-trade risk (order path)". */
export const DEFAULT_ORDER_GATE_CONFIG: OrderGateConfig = Object.freeze({
  maxOrderNotionalUsd: 75,
  maxDailyNotionalUsd: 1_000,
  minAdvUsd: 5_000_000,
  maxSpreadFrac: 0.02,
  maxAdvFrac: 0.01,
  maxPositionFrac: 0.1,
  minPriceUsd: 5,
  pdtMinEquityUsd: 25_000,
  pdtMaxDayTrades: 3,
  pdtWindowSessions: 5,
  dailyLossLimitUsd: 100,
  maxConsecutiveLosses: 4,
  maxErrorsPerDay: 3,
  prohibited: Object.freeze([]) as readonly ProhibitedEntry[],
});

const POSITIVE_NUMBERS = [
  'maxOrderNotionalUsd',
  'maxDailyNotionalUsd',
  'minAdvUsd',
  'maxSpreadFrac',
  'maxAdvFrac',
  'maxPositionFrac',
  'minPriceUsd',
  'pdtMinEquityUsd',
  'dailyLossLimitUsd',
] as const;
const POSITIVE_INTEGERS = ['pdtWindowSessions', 'maxConsecutiveLosses', 'maxErrorsPerDay'] as const;

/** Validates a configuration once, at the edge that builds it; throws an input error naming the parameter. */
export function checkOrderGateConfig(config: OrderGateConfig): OrderGateConfig {
  for (const key of POSITIVE_NUMBERS) {
    const v = config[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw inputError('BAD_RISK_CONFIG', `${key} must be a finite number > 0, was ${String(v)}`, { param: key, value: v });
    }
  }
  for (const key of POSITIVE_INTEGERS) {
    const v = config[key];
    if (!(Number.isInteger(v) && v >= 1)) throw inputError('BAD_RISK_CONFIG', `${key} must be an integer >= 1, was ${String(v)}`, { param: key, value: v });
  }
  if (!(Number.isInteger(config.pdtMaxDayTrades) && config.pdtMaxDayTrades >= 0)) {
    throw inputError('BAD_RISK_CONFIG', `pdtMaxDayTrades must be an integer >= 0, was ${String(config.pdtMaxDayTrades)}`, { param: 'pdtMaxDayTrades', value: config.pdtMaxDayTrades });
  }
  if (config.maxOrderNotionalUsd > config.maxDailyNotionalUsd) {
    throw inputError('BAD_RISK_CONFIG', `maxOrderNotionalUsd ${config.maxOrderNotionalUsd} exceeds maxDailyNotionalUsd ${config.maxDailyNotionalUsd}`, {
      param: 'maxOrderNotionalUsd',
      value: config.maxOrderNotionalUsd,
      hint: 'one order cannot carry more than a whole day may',
    });
  }
  return config;
}

/** Every code an order gate or the size clamp can issue: the order path's own plus the engine's cash and zero-share codes it reuses. */
export type OrderGateCode = OrderDenialCode | Extract<DenialCode, 'INSUFFICIENT_CASH' | 'ZERO_SHARES'>;

export type OrderCheck = (order: OrderRequest, snapshot: OrderGateSnapshot, config: OrderGateConfig) => CheckResult<OrderGateCode>;

export type OrderGateName = 'policy' | 'liquidity' | 'compliance' | 'circuit-breaker' | 'kill-switch';

const usd = (x: number): string => (Number.isFinite(x) ? `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : String(x));
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** The order's notional at its limit price, USD (NaN for a malformed order, which every notional check then denies). */
export const orderNotionalUsd = (order: OrderRequest): number => order.shares * order.limitPriceUsd;

/** The signed share change the order makes: + for a buy, - for a sell. */
const signedShares = (order: OrderRequest): number => (order.side === 'buy' ? order.shares : -order.shares);

const NO_POSITION: OrderPosition = Object.freeze({ shares: 0, longOpenedTodayShares: 0, shortOpenedTodayShares: 0 });

export const positionOf = (account: OrderAccountState, symbol: string): OrderPosition => account.positions[symbol.toUpperCase()] ?? NO_POSITION;

/** Whether the order only reduces a held position: a sell of at most the long held, or a buy of at most the short held. */
export function isReducingOrder(order: OrderRequest, account: OrderAccountState): boolean {
  const held = positionOf(account, order.symbol).shares;
  if (!(order.shares > 0)) return false;
  return order.side === 'sell' ? held >= order.shares : -held >= order.shares;
}

// --- policy ---------------------------------------------------------------------------------

/** A well-formed order: a symbol, a side, whole shares > 0 and a finite limit price > 0. */
export const checkOrderShape: OrderCheck = (order) => {
  if (typeof order.symbol !== 'string' || order.symbol.trim() === '') return denial('BAD_ORDER', `symbol must be a non-empty symbol, was '${String(order.symbol)}'`);
  if (order.side !== 'buy' && order.side !== 'sell') return denial('BAD_ORDER', `side must be buy or sell, was '${String(order.side)}'`);
  if (!(Number.isInteger(order.shares) && order.shares > 0)) return denial('BAD_ORDER', `shares must be a whole number > 0, was ${String(order.shares)}`);
  if (!(Number.isFinite(order.limitPriceUsd) && order.limitPriceUsd > 0)) return denial('BAD_ORDER', `limitPriceUsd must be a finite price > 0, was ${String(order.limitPriceUsd)}`);
  return CHECK_PASSED;
};

/** At most `maxOrderNotionalUsd` per order (entries). */
export const checkOrderNotional: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const notional = orderNotionalUsd(order);
  if (notional <= config.maxOrderNotionalUsd) return CHECK_PASSED;
  return denial('ORDER_NOTIONAL_LIMIT', `order notional ${usd(notional)} (${order.shares} x ${usd(order.limitPriceUsd)}) exceeds the per-order limit ${usd(config.maxOrderNotionalUsd)}`);
};

/** At most `maxDailyNotionalUsd` of entries per trading day, this order included; the counter resets when the trading day changes. */
export const checkDailyNotional: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const already = submittedNotionalUsd(snapshot.account.submittedNotional, snapshot.nowUtcMs);
  const notional = orderNotionalUsd(order);
  if (already + notional <= config.maxDailyNotionalUsd) return CHECK_PASSED;
  const day = dayToIso(tradingDayOf(snapshot.nowUtcMs));
  return denial(
    'DAILY_NOTIONAL_LIMIT',
    `trading day ${day}: ${usd(already)} submitted + ${usd(notional)} exceeds the daily limit ${usd(config.maxDailyNotionalUsd)}`,
  );
};

// --- liquidity ------------------------------------------------------------------------------

/** 20-day average dollar volume at least `minAdvUsd`; unknown volume denies. */
export const checkAdv: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const adv = snapshot.market.adv20Usd;
  if (!Number.isFinite(adv)) return denial('ADV_UNKNOWN', `20-day average dollar volume of ${order.symbol} unknown (${String(adv)})`);
  if (adv >= config.minAdvUsd) return CHECK_PASSED;
  return denial('ADV_BELOW_MIN', `20-day average dollar volume ${usd(adv)} below ${usd(config.minAdvUsd)}`);
};

/** A usable quote (0 < bid <= ask, finite) for every order; for entries a spread of at most `maxSpreadFrac` of the mid. */
export const checkSpread: OrderCheck = (order, snapshot, config) => {
  const { bidUsd: bid, askUsd: ask } = snapshot.market;
  if (!(Number.isFinite(bid) && Number.isFinite(ask) && bid > 0 && ask >= bid)) {
    return denial('QUOTE_INVALID', `quote of ${order.symbol} unusable: bid ${String(bid)}, ask ${String(ask)} (need 0 < bid <= ask)`);
  }
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const mid = (bid + ask) / 2;
  const frac = (ask - bid) / mid;
  if (frac <= config.maxSpreadFrac) return CHECK_PASSED;
  return denial('SPREAD_TOO_WIDE', `spread ${pct(frac)} of mid ${usd(mid)} (bid ${usd(bid)}, ask ${usd(ask)}) exceeds ${pct(config.maxSpreadFrac)}`);
};

/** Order notional at most `maxAdvFrac` of the 20-day average dollar volume. */
export const checkAdvFraction: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const adv = snapshot.market.adv20Usd;
  const notional = orderNotionalUsd(order);
  if (!Number.isFinite(adv)) return denial('ADV_UNKNOWN', `20-day average dollar volume of ${order.symbol} unknown (${String(adv)}): the order's share of it cannot be checked`);
  if (notional <= config.maxAdvFrac * adv) return CHECK_PASSED;
  return denial('ORDER_ABOVE_ADV_FRACTION', `order notional ${usd(notional)} is ${pct(notional / adv)} of the 20-day average dollar volume ${usd(adv)}, above ${pct(config.maxAdvFrac)}`);
};

// --- compliance -----------------------------------------------------------------------------

/** The position in the symbol after the order, valued at the limit price, at most `maxPositionFrac` of equity. */
export const checkPositionLimit: OrderCheck = (order, snapshot, config) => {
  const { account } = snapshot;
  if (isReducingOrder(order, account)) return CHECK_PASSED;
  const after = Math.abs(positionOf(account, order.symbol).shares + signedShares(order)) * order.limitPriceUsd;
  if (account.equityUsd > 0 && after <= config.maxPositionFrac * account.equityUsd) return CHECK_PASSED;
  if (!(account.equityUsd > 0)) return denial('POSITION_LIMIT', `equity ${usd(account.equityUsd)} leaves no room for a position`);
  return denial('POSITION_LIMIT', `${order.symbol} position after the order ${usd(after)} is ${pct(after / account.equityUsd)} of equity ${usd(account.equityUsd)}, above ${pct(config.maxPositionFrac)}`);
};

/** Last price at least `minPriceUsd` (entries). */
export const checkMinPrice: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const price = snapshot.market.priceUsd;
  if (price >= config.minPriceUsd) return CHECK_PASSED;
  return denial('PRICE_BELOW_MIN', `last price ${usd(price)} of ${order.symbol} below ${usd(config.minPriceUsd)}`);
};

/** Submission only inside a regular NYSE session (09:30 to 16:00 New York time, 13:00 on early closes). */
export const checkRegularHours: OrderCheck = (_order, snapshot) => {
  if (isRegularTradingHours(snapshot.nowUtcMs)) return CHECK_PASSED;
  return denial('OUTSIDE_REGULAR_HOURS', `${new Date(snapshot.nowUtcMs).toISOString()} is outside regular trading hours (trading day ${dayToIso(tradingDayOf(snapshot.nowUtcMs))})`);
};

/** Whether the order would make a day trade: sell shares bought today, or buy back shares sold short today. */
export function isDayTrade(order: OrderRequest, account: OrderAccountState): boolean {
  const p = positionOf(account, order.symbol);
  return order.side === 'sell' ? p.longOpenedTodayShares > 0 : p.shortOpenedTodayShares > 0;
}

/**
 * FINRA Rule 4210(f)(8)(B) for a margin account whose equity (the lower of the previous close's
 * and now) is under `pdtMinEquityUsd`: a day trade is denied when the broker already flags the
 * account as a pattern day trader, or when it would be day trade number `pdtMaxDayTrades + 1` in
 * the window of `pdtWindowSessions` sessions (the fourth in five business days). The rule's 6%
 * condition is not used: without it the check is stricter, never looser. Orders that are not day
 * trades pass, as do cash accounts and accounts at or above the equity minimum.
 */
export const checkPatternDayTrader: OrderCheck = (order, snapshot, config) => {
  const { account } = snapshot;
  if (!isDayTrade(order, account) || !account.pdt.marginAccount) return CHECK_PASSED;
  const equity = Math.min(account.pdt.lastEquityUsd, account.equityUsd);
  if (equity >= config.pdtMinEquityUsd) return CHECK_PASSED;
  const under = `equity ${usd(equity)} under ${usd(config.pdtMinEquityUsd)}`;
  if (account.pdt.flaggedPatternDayTrader) {
    return denial('PATTERN_DAY_TRADER', `${order.side} ${order.symbol} would be a day trade; the account is flagged a pattern day trader with ${under} (FINRA 4210(f)(8)(B)(iv)(a))`);
  }
  const used = account.pdt.dayTradesInWindow;
  if (used + 1 <= config.pdtMaxDayTrades) return CHECK_PASSED;
  return denial(
    'PATTERN_DAY_TRADER',
    `${order.side} ${order.symbol} would be day trade ${used + 1} in ${config.pdtWindowSessions} sessions (at most ${config.pdtMaxDayTrades} with ${under}; FINRA 4210(f)(8)(B))`,
  );
};

/** No entry in a symbol with a prohibited-list entry that applies on the order's trading day (through its expiry date inclusive). */
export const checkProhibited: OrderCheck = (order, snapshot, config) => {
  if (isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const day = tradingDayOf(snapshot.nowUtcMs);
  const entry = activeProhibition(config.prohibited, order.symbol, day);
  if (entry === null) return CHECK_PASSED;
  const until = entry.expiresDay === null ? 'no expiry' : `until ${dayToIso(entry.expiresDay)}`;
  return denial('PROHIBITED_SYMBOL', `${entry.symbol} is on the prohibited list (${entry.reason}; ${until}${entry.source === null ? '' : `; ${entry.source}`})`);
};

/** A buy that opens or adds must fit in the free cash at its limit price: the engine's INSUFFICIENT_CASH check. */
export const checkCash: OrderCheck = (order, snapshot) => {
  if (order.side !== 'buy' || isReducingOrder(order, snapshot.account)) return CHECK_PASSED;
  const { account } = snapshot;
  return checkInsufficientCash(
    { side: 1, refPrice: order.limitPriceUsd, shares: order.shares, estimatedCostUsd: orderNotionalUsd(order) },
    { equityUsd: account.equityUsd, freeCashUsd: account.cashUsd, positionsUsed: 0, symbolPositions: 0 },
    { regime: -1 },
    DEFAULT_ENGINE_CONFIG,
  ) as CheckResult<OrderGateCode>;
};

// --- circuit breaker and kill switch -------------------------------------------------------

/** HALTED denies every order; ACTIVE denies when the facts meet a trip condition now (the app then steps the breaker to HALTED). */
export const checkCircuitBreaker: OrderCheck = (order, snapshot, config) => {
  const { breaker, account } = snapshot;
  // A halt stops new risk, not the way out of it: an order that only reduces a held position (a
  // planned exit) goes through, as nautilus' REDUCING state lets it. The kill switch stops those too.
  if (isReducingOrder(order, account)) return CHECK_PASSED;
  if (breaker.state === 'HALTED') {
    const at = breaker.trippedAt === null ? 'unknown time' : new Date(breaker.trippedAt).toISOString();
    return denial('CIRCUIT_BREAKER_HALTED', `circuit breaker halted since ${at}: ${breaker.reason ?? 'no reason recorded'}; only an explicit reset with a reason resumes`);
  }
  const trip = breakerTrip(account, config);
  return trip === null ? CHECK_PASSED : denial(trip.code, trip.detail);
};

const KILL_SWITCH_DENIED = denial<OrderGateCode>('KILL_SWITCH_ENGAGED', 'the kill switch is engaged: every submission is blocked until it is switched off');

/** The kill switch blocks every order. */
export const checkKillSwitch: OrderCheck = (_order, snapshot) => (snapshot.killSwitchEngaged === false ? CHECK_PASSED : KILL_SWITCH_DENIED);

// --- all of them -----------------------------------------------------------------------------

export interface OrderGateCheck {
  readonly gate: OrderGateName;
  /** The check's name inside its gate. */
  readonly check: string;
  readonly run: OrderCheck;
}

/** Every check of every gate, in report order. */
export const ORDER_GATE_CHECKS: readonly OrderGateCheck[] = Object.freeze([
  { gate: 'policy', check: 'order-shape', run: checkOrderShape },
  { gate: 'policy', check: 'order-notional', run: checkOrderNotional },
  { gate: 'policy', check: 'daily-notional', run: checkDailyNotional },
  { gate: 'liquidity', check: 'adv', run: checkAdv },
  { gate: 'liquidity', check: 'spread', run: checkSpread },
  { gate: 'liquidity', check: 'adv-fraction', run: checkAdvFraction },
  { gate: 'compliance', check: 'position-limit', run: checkPositionLimit },
  { gate: 'compliance', check: 'min-price', run: checkMinPrice },
  { gate: 'compliance', check: 'regular-hours', run: checkRegularHours },
  { gate: 'compliance', check: 'pattern-day-trader', run: checkPatternDayTrader },
  { gate: 'compliance', check: 'prohibited', run: checkProhibited },
  { gate: 'compliance', check: 'cash', run: checkCash },
  { gate: 'circuit-breaker', check: 'breaker', run: checkCircuitBreaker },
  { gate: 'kill-switch', check: 'kill-switch', run: checkKillSwitch },
] satisfies OrderGateCheck[]);

export interface OrderGateResult {
  readonly gate: OrderGateName;
  readonly check: string;
  readonly result: CheckResult<OrderGateCode>;
}

export interface OrderGateReport {
  /** True only when every check passed. */
  readonly allowed: boolean;
  /** One result per check of `ORDER_GATE_CHECKS`, in its order. */
  readonly results: readonly OrderGateResult[];
  /** The denials among them, in the same order (empty when allowed). */
  readonly denials: readonly Denial<OrderGateCode>[];
}

/** Runs every check of every gate (no short-circuit) and says whether the order may go out: only when all pass. */
export function evaluateOrderGates(order: OrderRequest, snapshot: OrderGateSnapshot, config: OrderGateConfig = DEFAULT_ORDER_GATE_CONFIG): OrderGateReport {
  const results = ORDER_GATE_CHECKS.map((c) => ({ gate: c.gate, check: c.check, result: c.run(order, snapshot, config) }));
  const denials = results.flatMap((r) => (r.result.ok ? [] : [r.result]));
  return { allowed: denials.length === 0, results, denials };
}
