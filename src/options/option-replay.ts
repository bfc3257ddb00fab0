import type { BarSeries } from '../core/bar-series.js';
import { lowerBound, upperBound } from '../core/calendar.js';
import { usageError } from '../core/errors.js';
import type { Trade } from '../backtest/engine-types.js';
import { computeMetrics, type Metrics, type TradeRecord } from '../backtest/metrics.js';
import type { MarketPanel } from '../backtest/panel.js';
import { bsGreeks, bsPriceRaw, CALENDAR_DAYS_PER_YEAR, type Greeks, type OptionKind } from '../pricing/black-scholes.js';
import { closeToCloseVol, garmanKlassVol, parkinsonVol, rogersSatchellVol, yangZhangVol } from '../pricing/vol-estimators.js';
import { contractsForPremium, listedStrikes, moneyness, selectStrikeByDelta, SHARES_PER_CONTRACT, type Moneyness } from './strike-selection.js';

/**
 * The option replay: a stock backtest's trades, each traded instead as one long option on the
 * same symbol (a call for a long, a put for a short), priced by Black-Scholes-Merton. SYNTHETIC:
 * no volatility skew, no bid/ask (the stock fill's slippage is the only spread), no early
 * exercise, a constant rate and dividend yield, and expiries on any calendar day (entry + DTE),
 * not on listed Fridays.
 *
 * The rules, in the order a trade meets them:
 * - Signal (the close of the engine's entrySignalDay): volatility is the chosen estimator over the
 *   last `volBars` bars of the symbol up to and including the signal bar, never later bars. The
 *   strike is the listed strike (listedStrikes) whose delta at the signal close, with the days
 *   from the signal to expiry, is nearest +-targetAbsDelta; a premium under MIN_PREMIUM_PER_SHARE
 *   is not bought. Contracts: as many as keep the premium at the signal close plus the entry
 *   commission within premiumRiskFrac of the option account's equity at that close.
 * - Entry (the engine's entry fill): premium = BSM at the stock's fill price (slippage included,
 *   the engine's entryPrice), daysToExpiry days left; contracts are cut to the cash at hand.
 * - Life: the position is marked at each close by BSM at the symbol's close with the days left
 *   and the ENTRY volatility (one volatility for the option's life, as BSM itself assumes: the
 *   P&L is the stock's move and time decay, no vega P&L).
 * - Exit (the engine's exit fill, on or before expiry): premium = BSM at the stock's exit price
 *   with the days left and the entry volatility. A stock trade that outlives expiry settles the
 *   option at intrinsic value at the close of the symbol's last session on or before the expiry
 *   day, without a closing commission (nothing is traded; exercise is assumed free).
 * - Commission: commissionPerContractUsd per contract per side.
 *
 * The account starts with the stock run's initial capital and holds only cash and these options;
 * its curve feeds the same computeMetrics as the stock run. A trade that cannot be bought is
 * skipped with a code, recorded and counted, like the engine's denials.
 */

export type VolEstimatorName = 'close-close' | 'parkinson' | 'garman-klass' | 'rogers-satchell' | 'yang-zhang';
export const VOL_ESTIMATOR_NAMES: readonly VolEstimatorName[] = ['close-close', 'parkinson', 'garman-klass', 'rogers-satchell', 'yang-zhang'];

export interface OptionReplaySettings {
  /** |delta| sought at the signal: a call's delta, minus a put's; in (0, 1). */
  readonly targetAbsDelta: number;
  /** Calendar days from the entry day to expiry, an integer >= 1. */
  readonly daysToExpiry: number;
  readonly volEstimator: VolEstimatorName;
  /** Bars in the estimator's window, an integer >= 2. */
  readonly volBars: number;
  /** Continuously compounded risk-free rate per year, constant over the run. */
  readonly rateFrac: number;
  /** Continuous dividend yield per year, constant. */
  readonly dividendYieldFrac: number;
  /** Premium at risk per trade as a fraction of the option account's equity, in (0, 1]. */
  readonly premiumRiskFrac: number;
  /** USD per contract per side, >= 0. */
  readonly commissionPerContractUsd: number;
}

/**
 * Defaults: delta 0.4 and 30 days (the example); Yang-Zhang, the one estimator unbiased
 * with both drift and overnight gaps, over 20 sessions, about the 21 sessions a 30-day option
 * lives; r = 2 % (a round constant between the ~5 % of 2006-07 and the ~0 of 2009-15; a 30-day
 * option's premium moves about 2 % per rate point); q = 0; 2 % of equity per trade;
 * $0.65 per contract per side, the common US retail commission.
 */
export const DEFAULT_OPTION_REPLAY: OptionReplaySettings = {
  targetAbsDelta: 0.4,
  daysToExpiry: 30,
  volEstimator: 'yang-zhang',
  volBars: 20,
  rateFrac: 0.02,
  dividendYieldFrac: 0,
  premiumRiskFrac: 0.02,
  commissionPerContractUsd: 0.65,
};

/** Throws BAD_PARAM naming the first setting outside its domain. */
export function checkOptionReplaySettings(s: OptionReplaySettings): void {
  const bad = (param: keyof OptionReplaySettings, rule: string): never => {
    throw usageError('BAD_PARAM', `${param} must be ${rule}, was ${String(s[param])}`, { param, value: s[param] });
  };
  if (!(s.targetAbsDelta > 0 && s.targetAbsDelta < 1)) bad('targetAbsDelta', 'in (0, 1)');
  if (!(Number.isInteger(s.daysToExpiry) && s.daysToExpiry >= 1)) bad('daysToExpiry', 'an integer >= 1');
  if (!VOL_ESTIMATOR_NAMES.includes(s.volEstimator)) bad('volEstimator', `one of ${VOL_ESTIMATOR_NAMES.join(', ')}`);
  if (!(Number.isInteger(s.volBars) && s.volBars >= 2)) bad('volBars', 'an integer >= 2');
  if (!Number.isFinite(s.rateFrac) || Math.abs(s.rateFrac) > 1) bad('rateFrac', 'a finite fraction in [-1, 1]');
  if (!Number.isFinite(s.dividendYieldFrac) || Math.abs(s.dividendYieldFrac) > 1) bad('dividendYieldFrac', 'a finite fraction in [-1, 1]');
  if (!(s.premiumRiskFrac > 0 && s.premiumRiskFrac <= 1)) bad('premiumRiskFrac', 'in (0, 1]');
  if (!(s.commissionPerContractUsd >= 0 && Number.isFinite(s.commissionPerContractUsd))) bad('commissionPerContractUsd', 'a finite number >= 0');
}

/** The one line every option output starts with: what the numbers are and what they assume. */
export function describeOptionReplay(s: OptionReplaySettings): string {
  const p = (frac: number) => `${(frac * 100).toFixed(2)}%`;
  return (
    `SYNTHETIC option replay: Black-Scholes-Merton, no skew, no bid/ask, no early exercise; r=${p(s.rateFrac)}, q=${p(s.dividendYieldFrac)}, ` +
    `vol=${s.volEstimator} over ${s.volBars} bars up to the signal, held for the option's life`
  );
}

/**
 * The estimator's annualised volatility at bar `bar` of `s` from bars (bar - volBars, bar] only
 * (one bar more for the estimators that need the previous close): the window is cut before the
 * estimator sees it, so no later bar can reach the value. NaN when the window is short or holds
 * a missing price.
 */
export function volatilityAt(s: BarSeries, bar: number, estimator: VolEstimatorName, volBars: number): number {
  const start = Math.max(0, bar - volBars);
  const cut = (a: Float64Array) => a.subarray(start, bar + 1);
  const ohlc = { open: cut(s.open), high: cut(s.high), low: cut(s.low), close: cut(s.close) };
  const n = ohlc.close.length;
  if (n === 0) return Number.NaN;
  let out: Float64Array;
  switch (estimator) {
    case 'close-close':
      out = closeToCloseVol(ohlc.close, volBars);
      break;
    case 'parkinson':
      out = parkinsonVol(ohlc.high, ohlc.low, volBars);
      break;
    case 'garman-klass':
      out = garmanKlassVol(ohlc, volBars);
      break;
    case 'rogers-satchell':
      out = rogersSatchellVol(ohlc, volBars);
      break;
    case 'yang-zhang':
      out = yangZhangVol(ohlc, volBars);
      break;
  }
  return out[n - 1];
}

/**
 * The smallest premium per share the replay buys: $0.05, the exchanges' minimum tick for options
 * quoted under $3 outside the penny program. A model value under one tick has no market (a real
 * quote would be 0 bid), and buying it is how a coarse strike grid turns a 0.4-delta request into
 * thousands of 0.005-delta contracts whose commissions are the whole loss.
 */
export const MIN_PREMIUM_PER_SHARE = 0.05;

export type OptionSkipCode = 'NO_VOLATILITY' | 'PREMIUM_BELOW_TICK' | 'ONE_CONTRACT_OVER_BUDGET' | 'INSUFFICIENT_CASH';
export const OPTION_SKIP_CODES: readonly OptionSkipCode[] = ['NO_VOLATILITY', 'PREMIUM_BELOW_TICK', 'ONE_CONTRACT_OVER_BUDGET', 'INSUFFICIENT_CASH'];

/** A stock trade the replay did not trade as an option, and why. */
export interface OptionSkip {
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  readonly signalDay: number;
  readonly code: OptionSkipCode;
  readonly detail: string;
}

/** Greeks of a whole position: the per-share Greeks times contracts x 100, in USD (delta in shares). */
export interface PositionGreeks {
  readonly deltaShares: number;
  readonly gammaSharesPerUsd: number;
  readonly thetaUsdPerDay: number;
  readonly vegaUsdPerPoint: number;
  readonly rhoUsdPerPoint: number;
}

/**
 * One option trade. As a TradeRecord (what computeMetrics reads): entryPrice and exitPrice are
 * premiums per share, shares = contracts x 100, pnl is net of both commissions, initialRiskUsd is
 * the premium paid (all of it can be lost), side is the stock trade's direction.
 */
export interface OptionTrade extends TradeRecord {
  readonly strategy: string;
  readonly kind: OptionKind;
  readonly strike: number;
  readonly expiryDay: number;
  readonly signalDay: number;
  readonly contracts: number;
  /** Stock prices the premiums were computed at (the engine's fills; the settlement close at expiry). */
  readonly entrySpot: number;
  readonly exitSpot: number;
  readonly volFrac: number;
  /** Delta at the signal close, the one the strike was chosen by. */
  readonly signalDelta: number;
  readonly moneynessAtEntry: Moneyness;
  /** Per share, at the entry fill. */
  readonly greeksAtEntry: Greeks;
  readonly positionGreeksAtEntry: PositionGreeks;
  /** True when the stock trade outlived the option and it settled at intrinsic value. */
  readonly settledAtExpiry: boolean;
  /** The stock trade's own P&L, for comparison. */
  readonly stockPnlUsd: number;
}

export interface OptionReplayInput {
  readonly panel: MarketPanel;
  /** The engine's closed trades (any order). */
  readonly trades: readonly Trade[];
  /** Calendar index range of the run, inclusive (the engine's from..to). */
  readonly from: number;
  readonly to: number;
  readonly initialCapitalUsd: number;
  readonly settings: OptionReplaySettings;
}

export interface OptionReplayResult {
  /** Session days [from..to] and the option account at each close. */
  readonly days: Int32Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  /** Marked value of the open options / equity (0 when equity is not positive). */
  readonly exposureFrac: Float64Array;
  /** Closed option trades in exit order. */
  readonly trades: OptionTrade[];
  readonly skips: OptionSkip[];
  readonly skipCounts: Record<OptionSkipCode, number>;
  readonly feesPaidUsd: number;
  readonly initialCapital: number;
  readonly finalEquity: number;
}

interface Pending {
  readonly trade: Trade;
  readonly sym: number;
  readonly kind: OptionKind;
  readonly strike: number;
  readonly expiryDay: number;
  readonly volFrac: number;
  readonly signalDelta: number;
  readonly contracts: number;
  readonly entryCal: number;
  readonly exitCal: number;
  /** Calendar index of the settlement session, or -1 when the stock trade ends by expiry. */
  readonly settleCal: number;
}

interface Open extends Pending {
  readonly actualContracts: number;
  readonly entryPremium: number;
  readonly entryFeesUsd: number;
  readonly entryBar: number;
  readonly greeks: Greeks;
  lastClose: number;
}

const years = (days: number) => Math.max(0, days) / CALENDAR_DAYS_PER_YEAR;

/** Replays the trades as options over calendar indices [from, to]. Pure; validates its settings. */
export function replayAsOptions(input: OptionReplayInput): OptionReplayResult {
  const { panel, from, to, settings: s } = input;
  checkOptionReplaySettings(s);
  if (!(input.initialCapitalUsd > 0)) {
    throw usageError('BAD_PARAM', `initialCapitalUsd must be positive, was ${input.initialCapitalUsd}`, { param: 'initialCapitalUsd', value: input.initialCapitalUsd });
  }
  const cal = panel.calendar;
  const n = to - from + 1;
  const symIndex = new Map(panel.symbols.map((x, i) => [x, i]));
  const calOf = (day: number) => lowerBound(cal, day);
  const skipCounts = Object.fromEntries(OPTION_SKIP_CODES.map((c) => [c, 0])) as Record<OptionSkipCode, number>;
  const skips: OptionSkip[] = [];
  const skip = (t: Trade, code: OptionSkipCode, detail: string) => {
    skipCounts[code]++;
    skips.push({ symbol: t.symbol, strategy: t.strategy, side: t.side, signalDay: t.entrySignalDay, code, detail });
  };

  // Trades by signal session (stable: the engine's order within a session).
  const bySignal = input.trades.map((trade, i) => ({ trade, i, cal: calOf(trade.entrySignalDay) })).sort((a, b) => a.cal - b.cal || a.i - b.i);
  let nextSignal = 0;
  const pending: Pending[] = [];
  const open: Open[] = [];
  const closed: OptionTrade[] = [];
  let cash = input.initialCapitalUsd;
  let fees = 0;
  const days = cal.slice(from, to + 1);
  const equity = new Float64Array(n);
  const cashCurve = new Float64Array(n);
  const exposureFrac = new Float64Array(n);

  const close = (p: Open, exitSpot: number, premium: number, t: number, bar: number, settled: boolean) => {
    const exitFees = settled ? 0 : p.actualContracts * s.commissionPerContractUsd;
    const shares = p.actualContracts * SHARES_PER_CONTRACT;
    cash += shares * premium - exitFees;
    fees += exitFees;
    const g = p.greeks;
    closed.push({
      symbol: p.trade.symbol,
      strategy: p.trade.strategy,
      side: p.trade.side,
      kind: p.kind,
      strike: p.strike,
      expiryDay: p.expiryDay,
      signalDay: p.trade.entrySignalDay,
      entryDay: p.trade.entryDay,
      entryPrice: p.entryPremium,
      exitDay: cal[t],
      exitPrice: premium,
      shares,
      contracts: p.actualContracts,
      pnl: shares * (premium - p.entryPremium) - p.entryFeesUsd - exitFees,
      fees: p.entryFeesUsd + exitFees,
      exitReason: settled ? 'EXPIRY' : p.trade.exitReason,
      initialRiskUsd: shares * p.entryPremium,
      barsHeld: bar - p.entryBar,
      entrySpot: p.trade.entryPrice,
      exitSpot,
      volFrac: p.volFrac,
      signalDelta: p.signalDelta,
      moneynessAtEntry: moneyness(p.kind, p.trade.entryPrice, p.strike),
      greeksAtEntry: g,
      positionGreeksAtEntry: {
        deltaShares: g.delta * shares,
        gammaSharesPerUsd: g.gamma * shares,
        thetaUsdPerDay: g.thetaPerDay * shares,
        vegaUsdPerPoint: g.vegaPerPoint * shares,
        rhoUsdPerPoint: g.rhoPerPoint * shares,
      },
      settledAtExpiry: settled,
      stockPnlUsd: p.trade.pnl,
    });
  };

  const exitOrSettle = (p: Open, t: number): boolean => {
    const series = panel.series[p.sym];
    if (p.settleCal === t) {
      const bar = panel.barAt[p.sym][t];
      const spot = series.close[bar];
      close(p, spot, Math.max(0, p.kind === 'call' ? spot - p.strike : p.strike - spot), t, bar, true);
      return true;
    }
    if (p.settleCal < 0 && p.exitCal === t) {
      const spot = p.trade.exitPrice;
      close(p, spot, bsPriceRaw(p.kind === 'call', spot, p.strike, years(p.expiryDay - cal[t]), p.volFrac, s.rateFrac, s.dividendYieldFrac), t, panel.barAt[p.sym][t], false);
      return true;
    }
    return false;
  };

  const signal = (trade: Trade, t: number, equityUsd: number) => {
    const sym = symIndex.get(trade.symbol);
    if (sym === undefined) throw usageError('BAD_PARAM', `trade symbol ${trade.symbol} is not in the panel`, { param: 'trades', value: trade.symbol });
    const series = panel.series[sym];
    // The signal bar: the symbol's last bar on or before the signal day.
    const bar = upperBound(series.day, trade.entrySignalDay) - 1;
    const volFrac = bar < 0 ? Number.NaN : volatilityAt(series, bar, s.volEstimator, s.volBars);
    if (!(volFrac > 0)) {
      skip(trade, 'NO_VOLATILITY', `${s.volEstimator} over ${s.volBars} bars is ${Number.isNaN(volFrac) ? 'not available (too few bars or a missing price)' : String(volFrac)} at the signal`);
      return;
    }
    const kind: OptionKind = trade.side === 'long' ? 'call' : 'put';
    const spot = series.close[bar];
    const expiryDay = trade.entryDay + s.daysToExpiry;
    const choice = selectStrikeByDelta({
      kind,
      spot,
      strikes: listedStrikes(spot),
      daysToExpiry: expiryDay - trade.entrySignalDay,
      volFrac,
      rateFrac: s.rateFrac,
      dividendYieldFrac: s.dividendYieldFrac,
      targetDelta: kind === 'call' ? s.targetAbsDelta : -s.targetAbsDelta,
    });
    if (choice.premium < MIN_PREMIUM_PER_SHARE) {
      skip(trade, 'PREMIUM_BELOW_TICK', `the ${kind} at ${choice.strike} (delta ${choice.delta.toFixed(3)}, the listed strike nearest the target) is worth ${choice.premium.toFixed(4)} at the signal, under the ${MIN_PREMIUM_PER_SHARE} tick`);
      return;
    }
    // The entry commission is at risk with the premium: together they are all a long option can lose.
    const sizing = contractsForPremium(choice.premium + s.commissionPerContractUsd / SHARES_PER_CONTRACT, Math.max(0, equityUsd), s.premiumRiskFrac);
    if (sizing.contracts === 0) {
      const cost = sizing.contractCostUsd.toFixed(2);
      skip(trade, 'ONE_CONTRACT_OVER_BUDGET', `one contract costs ${cost} USD with its commission, over the budget of ${sizing.budgetUsd.toFixed(2)} USD (${(s.premiumRiskFrac * 100).toFixed(2)}% of ${equityUsd.toFixed(2)})`);
      return;
    }
    const exitCal = calOf(trade.exitDay);
    let settleCal = -1;
    if (trade.exitDay > expiryDay) {
      // The symbol's last session on or before expiry (the entry day at the earliest).
      const lastBar = upperBound(series.day, expiryDay) - 1;
      settleCal = calOf(series.day[lastBar]);
    }
    pending.push({ trade, sym, kind, strike: choice.strike, expiryDay, volFrac, signalDelta: choice.delta, contracts: sizing.contracts, entryCal: calOf(trade.entryDay), exitCal, settleCal });
  };

  const enter = (p: Pending, t: number) => {
    const spot = p.trade.entryPrice;
    const greeks = bsGreeks({ kind: p.kind, spot, strike: p.strike, yearsToExpiry: years(p.expiryDay - cal[t]), volFrac: p.volFrac, rateFrac: s.rateFrac, dividendYieldFrac: s.dividendYieldFrac });
    const perContract = greeks.price * SHARES_PER_CONTRACT + s.commissionPerContractUsd;
    // Contracts were fixed at the signal; the open may have gapped, so never spend cash we lack.
    const contracts = Math.min(p.contracts, perContract > 0 ? Math.floor(cash / perContract) : p.contracts);
    if (contracts <= 0) {
      skip(p.trade, 'INSUFFICIENT_CASH', `${p.contracts} contract(s) at ${greeks.price.toFixed(2)} need ${(p.contracts * perContract).toFixed(2)} USD, cash is ${cash.toFixed(2)} USD`);
      return;
    }
    const entryFeesUsd = contracts * s.commissionPerContractUsd;
    cash -= contracts * SHARES_PER_CONTRACT * greeks.price + entryFeesUsd;
    fees += entryFeesUsd;
    const entryBar = panel.barAt[p.sym][t];
    const o: Open = { ...p, actualContracts: contracts, entryPremium: greeks.price, entryFeesUsd, entryBar, greeks, lastClose: spot };
    if (!exitOrSettle(o, t)) open.push(o);
  };

  // Signals before the window (none in an engine run, but harmless) are sized on the initial capital.
  while (nextSignal < bySignal.length && bySignal[nextSignal].cal < from) signal(bySignal[nextSignal++].trade, from, input.initialCapitalUsd);
  for (let t = from; t <= to; t++) {
    const k = t - from;
    // 1. Exits and settlements of options opened earlier, then 2. the entries due today (an entry
    // whose stock trade ends the same session leaves at once).
    for (let j = 0; j < open.length; j++) {
      if (exitOrSettle(open[j], t)) open.splice(j--, 1);
    }
    for (let j = 0; j < pending.length; j++) {
      if (pending[j].entryCal === t) {
        enter(pending[j], t);
        pending.splice(j--, 1);
      }
    }
    // 3. Mark at the close with the entry volatility.
    let marked = 0;
    for (const p of open) {
      const bar = panel.barAt[p.sym][t];
      if (bar >= 0) p.lastClose = panel.series[p.sym].close[bar];
      marked += p.actualContracts * SHARES_PER_CONTRACT * bsPriceRaw(p.kind === 'call', p.lastClose, p.strike, years(p.expiryDay - cal[t]), p.volFrac, s.rateFrac, s.dividendYieldFrac);
    }
    equity[k] = cash + marked;
    cashCurve[k] = cash;
    exposureFrac[k] = equity[k] > 0 ? marked / equity[k] : 0;
    // 4. Today's signals, sized on the equity just marked.
    while (nextSignal < bySignal.length && bySignal[nextSignal].cal === t) signal(bySignal[nextSignal++].trade, t, equity[k]);
  }
  return {
    days,
    equity,
    cash: cashCurve,
    exposureFrac,
    trades: closed,
    skips,
    skipCounts,
    feesPaidUsd: fees,
    initialCapital: input.initialCapitalUsd,
    finalEquity: n > 0 ? equity[n - 1] : input.initialCapitalUsd,
  };
}

/** The skip codes that occurred, as `CODE count` in OPTION_SKIP_CODES order. */
export const skipSummary = (counts: Readonly<Record<OptionSkipCode, number>>): string[] =>
  OPTION_SKIP_CODES.filter((c) => counts[c] > 0).map((c) => `${c} ${counts[c]}`);

/** The usual metrics of the option account, against the same benchmark curve as the stock run. */
export function optionMetrics(r: OptionReplayResult, benchmarkEquity: Float64Array | null): Metrics {
  return computeMetrics({
    days: r.days,
    equity: r.equity,
    exposureFrac: r.exposureFrac,
    initialCapital: r.initialCapital,
    trades: r.trades,
    feesPaid: r.feesPaidUsd,
    ...(benchmarkEquity === null ? {} : { benchmarkEquity }),
  });
}
