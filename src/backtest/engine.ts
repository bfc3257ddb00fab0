import { SIGNAL_EXIT, SIGNAL_LONG } from '../strategies/types.js';
import { commissionUsd, estimatedCostUsd, sharesForCash } from '../execution/costs.js';
import { NO_FILL_BAR_DATA_ENDS, NO_FILL_BAR_SESSION_SKIPPED, noCashAtOpen } from '../execution/fill-outcomes.js';
import { fillDelayBars, intrabarExit, marketFillPrice, slippedPrice, stopLevel, stopsLiveFromBar, targetLevel, type IntrabarExit } from '../execution/fill-price.js';
import { kellySettings } from '../portfolio/allocation.js';
import { ReturnPairs } from '../portfolio/correlation.js';
import { Sleeves, type TradeRecordColumns } from '../portfolio/sleeves.js';
import { sizeOrder, symbolWeightCapShares } from '../portfolio/sizing.js';
import {
  checkAlreadyInPosition,
  checkCorrelation,
  checkInsufficientCash,
  checkMaxPositions,
  checkRegime,
  checkStrategyBudget,
  checkZeroShares,
} from '../risk/checks.js';
import { DENIAL_CODES, denial, type CheckResult, type Denial, type DenialCode } from '../risk/denials.js';
import { compact, isClosed, isDone, type Order, type Position } from './engine-state.js';
import type { Decision, EngineInput, EngineResult, Trade } from './engine-types.js';
import { upperBound } from '../core/calendar.js';
import { CORRELATION_SESSIONS } from './config.js';

// What the engine takes and returns lives in engine-types.ts; its users import it from here.
export type { Decision, EngineInput, EngineLeg, EngineResult, Trade } from './engine-types.js';
export { DENIAL_CODES, type DenialCode };

/** The window closes before the order's fill bar: an outcome only the engine, which holds the window, knows. */
const WINDOW_END = denial('WINDOW_END', 'entry would fill after the window');

/**
 * The portfolio loop, one session at a time, in the order a real day unfolds:
 *   1. orders due at the open fill (exits first, so their cash is available to entries);
 *   2. stops and targets of open positions are checked against the bar's range;
 *   3. orders due at a midpoint fill (delay-midpoint model);
 *   4. the account is marked at the close;
 *   5. signals from the close of this bar become orders for a later bar; never for this one.
 * It wires the stages: an order is sized in `src/portfolio/sizing.ts`, denied or admitted by the
 * pre-trade checks of `src/risk/checks.ts`, and priced where fills are decided,
 * `src/execution/fill-price.ts` (commission in `src/execution/costs.ts`).
 * Pure and synchronous: no I/O, no clock, no randomness.
 */
export function runEngine(input: EngineInput): EngineResult {
  const { panel, legs, config, from, to, regime } = input;
  const { costs, fill } = config;
  const midpoint = fill.kind === 'delay-midpoint';
  const fillDelay = fillDelayBars(fill);
  const n = to - from + 1;
  // A view of the panel's calendar, which outlives the result anyway: no copy (read-only, like the panel).
  const days = panel.calendar.subarray(from, to + 1);
  const equityCurve = new Float64Array(n);
  const cashCurve = new Float64Array(n);
  const grossCurve = new Float64Array(n);
  const exposure = new Float64Array(n);
  const openCount = new Int32Array(n);
  const trades: Trade[] = [];
  const decisions: Decision[] = [];
  const denials = Object.fromEntries(DENIAL_CODES.map((c) => [c, 0])) as Record<DenialCode, number>;
  let cash = config.initialCapital;
  let reservedUsd = 0;
  let feesPaid = 0;
  let slippageUsd = 0;
  let ordersFilled = 0;
  let entrySignals = 0;
  let exitSignals = 0;
  const positions: Position[] = [];
  const orders: Order[] = [];
  let pendingEntries = 0;
  const holding = new Int32Array(panel.series.length);
  const scratch: IntrabarExit = { price: Number.NaN, reason: null };
  // The stages' views of one entry signal, reused for every signal (no allocation per signal).
  const order = { side: 1 as 1 | -1, refPrice: Number.NaN, shares: 0, estimatedCostUsd: 0 };
  const account = { equityUsd: 0, freeCashUsd: 0, positionsUsed: 0, symbolPositions: 0, strategyBudgetUsd: Number.NaN, strategy: '' };
  const market = { regime: -1, maxCorrelation: Number.NaN, correlatedSymbol: '' };
  let sizeClamps = 0;
  // Kelly sizing: one sleeve of capital per leg, weighted from its trade record (src/portfolio/sleeves.ts).
  const sleeves =
    config.sizing.mode === 'kelly'
      ? new Sleeves(legs.length, n, config.maxPositions, kellySettings(config.sizing.fraction), kellyRecordsOf(input))
      : null;
  const unrealized = new Float64Array(legs.length);
  const pairs = config.limits.maxCorrelation === null ? null : new ReturnPairs();

  // Tuning runs deny thousands of signals and need only the counts: a Decision is built only when
  // decisions are recorded.
  const deny = (t: number, sym: number, leg: number, side: 1 | -1, d: Denial) => {
    denials[d.code]++;
    if (config.recordDecisions) {
      decisions.push({ day: panel.calendar[t], symbol: panel.symbols[sym], strategy: legs[leg].strategy.name, side: side === 1 ? 'long' : 'short', admitted: false, code: d.code, detail: d.detail });
    }
  };

  const closePosition = (p: Position, rawPrice: number, day: number, bar: number, reason: string) => {
    const exitSide = p.side === 1 ? -1 : 1;
    const price = slippedPrice(costs, rawPrice, exitSide);
    const fees = commissionUsd(costs, p.shares);
    slippageUsd += Math.abs(price - rawPrice) * p.shares;
    cash += p.side * p.shares * price - fees;
    feesPaid += fees;
    ordersFilled++;
    holding[p.sym]--;
    p.closed = true;
    const pnl = p.side * p.shares * (price - p.entryPrice) - p.entryFees - fees;
    sleeves?.closed(p.leg, p.costUsd, pnl);
    trades.push({
      symbol: panel.symbols[p.sym],
      strategy: legs[p.leg].strategy.name,
      side: p.side === 1 ? 'long' : 'short',
      entrySignalDay: p.entrySignalDay,
      entryDay: p.entryDay,
      entryPrice: p.entryPrice,
      exitDay: day,
      exitPrice: price,
      shares: p.shares,
      pnl,
      fees: p.entryFees + fees,
      exitReason: reason,
      initialRiskUsd: p.initialRiskUsd,
      barsHeld: bar - p.entryBar,
    });
  };

  const openPosition = (o: Order, t: number, bar: number, rawPrice: number) => {
    reservedUsd -= o.reservedUsd;
    const price = slippedPrice(costs, rawPrice, o.side);
    // Shares were fixed at the signal; the open may have gapped, so never spend cash we lack.
    let shares = o.shares;
    const affordable = sharesForCash(costs, cash - reservedUsd, price);
    if (shares > affordable) shares = affordable;
    if (shares <= 0) {
      holding[o.sym]--;
      sleeves?.commit(o.leg, -o.reservedUsd);
      deny(t, o.sym, o.leg, o.side, noCashAtOpen(rawPrice));
      return;
    }
    const fees = commissionUsd(costs, shares);
    const costUsd = shares * price + fees;
    sleeves?.commit(o.leg, costUsd - o.reservedUsd);
    slippageUsd += Math.abs(price - rawPrice) * shares;
    cash -= o.side * shares * price + fees;
    feesPaid += fees;
    ordersFilled++;
    positions.push({
      sym: o.sym,
      leg: o.leg,
      side: o.side,
      shares,
      entryPrice: price,
      entryFees: fees,
      costUsd,
      entryDay: panel.calendar[t],
      entryBar: bar,
      entrySignalDay: o.signalDay,
      stop: stopLevel(o.side, price, o.stopDist),
      target: targetLevel(o.side, price, o.targetDist),
      stopFromBar: stopsLiveFromBar(fill, bar),
      initialRiskUsd: Number.isNaN(o.stopDist) ? null : o.stopDist * shares,
      lastClose: panel.series[o.sym].close[bar],
      lastBar: bar,
      exitPending: false,
      closed: false,
    });
  };

  /** Fills the orders due on bar t, at the open or at the bar's midpoint (the fill model's price). */
  const fillDue = (t: number) => {
    if (orders.length === 0) return;
    // Exits before entries: a sale's proceeds fund the same morning's buys.
    fillPass(t, 'exit');
    fillPass(t, 'entry');
    compact(orders, isDone);
    compact(positions, isClosed);
  };

  const fillPass = (t: number, kind: 'exit' | 'entry') => {
    for (const o of orders) {
      if (o.kind !== kind || o.done) continue;
      const bar = panel.barAt[o.sym][t];
      if (bar !== o.fillBar) {
        if (kind === 'entry' && !midpoint && bar === -1) {
          // The symbol skipped the session the order was for: a day order expires unfilled.
          o.done = true;
          pendingEntries--;
          reservedUsd -= o.reservedUsd;
          holding[o.sym]--;
          sleeves?.commit(o.leg, -o.reservedUsd);
          deny(t, o.sym, o.leg, o.side, NO_FILL_BAR_SESSION_SKIPPED);
        }
        continue;
      }
      o.done = true;
      const s = panel.series[o.sym];
      const price = marketFillPrice(fill, s.open[bar], s.close[bar]);
      if (kind === 'exit') {
        closePosition(o.position!, price, panel.calendar[t], bar, o.exitReason);
      } else {
        pendingEntries--;
        openPosition(o, t, bar, price);
      }
    }
  };

  const checkStops = (t: number) => {
    let closedAny = false;
    for (const p of positions) {
      const bar = panel.barAt[p.sym][t];
      if (bar < p.stopFromBar || (Number.isNaN(p.stop) && Number.isNaN(p.target))) continue;
      const s = panel.series[p.sym];
      // On the entry bar itself the open is the fill, so only the rest of the bar can hit.
      intrabarExit(p.side, p.stop, p.target, s.open[bar], s.high[bar], s.low[bar], bar > p.entryBar, scratch);
      if (scratch.reason === null) continue;
      closePosition(p, scratch.price, panel.calendar[t], bar, scratch.reason);
      closedAny = true;
    }
    if (closedAny) {
      compact(positions, isClosed);
      // A position its stop closed drops the exit order it may have had queued.
      for (const o of orders) if (o.kind === 'exit' && o.position!.closed) o.done = true;
      compact(orders, isDone);
    }
  };

  for (let t = from; t <= to; t++) {
    // Most sessions of a long series need only the marking: jump over them in one tight loop.
    // The last session goes through the loop below, which closes the window.
    // Sleeves read every session's marks (their daily returns and the schedule), so they never skip.
    if (orders.length === 0 && t < to && sleeves === null && onlyPriceMoves(positions, legs)) {
      const end = Math.min(nextSignalDay(legs, t), to);
      if (end > t) {
        markStretch(panel, positions, cash, t, end, t - from, equityCurve, cashCurve, grossCurve, exposure, openCount);
        t = end;
      }
    }
    const k = t - from;
    if (!midpoint) fillDue(t);
    checkStops(t);
    if (midpoint) fillDue(t);

    // Mark to market at the close. Nothing later in the day moves cash or opens or closes a
    // position, so the curves can be written now.
    const marked = markStretch(panel, positions, cash, t, t + 1, k, equityCurve, cashCurve, grossCurve, exposure, openCount);
    if (sleeves !== null) {
      unrealized.fill(0);
      for (const p of positions) unrealized[p.leg] += p.side * p.shares * (p.lastClose - p.entryPrice) - p.entryFees;
      sleeves.markAndRebalance(k, panel.calendar[t], marked, unrealized);
    }

    if (t === to) break;

    // Exits decided at this close: time exits and strategy exit signals.
    for (const p of positions) {
      if (p.exitPending) continue;
      const bar = panel.barAt[p.sym][t];
      if (bar < 0) continue;
      const timeBars = legs[p.leg].params.timeExitBars;
      if (timeBars > 0 && bar - p.entryBar + 1 >= timeBars) queueExit(p, t, bar, 'time');
    }
    for (let leg = 0; leg < legs.length; leg++) {
      const book = legs[leg].book;
      for (let j = book.dayStart[t]; j < book.dayStart[t + 1]; j++) {
        if (book.code[j] !== SIGNAL_EXIT) continue;
        exitSignals++;
        for (const p of positions) if (p.leg === leg && p.sym === book.sym[j] && !p.exitPending) queueExit(p, t, book.bar[j], 'signal');
      }
    }

    // Entries decided at this close, best-ranked first: each signal goes through the pre-trade
    // checks (src/risk) in PRE_TRADE_CHECKS order, sized (src/portfolio) before the checks that
    // read the size; the first denial is the one recorded.
    account.positionsUsed = positions.length + pendingEntries;
    account.equityUsd = marked;
    market.regime = regime === null ? -1 : regime[t];
    for (let leg = 0; leg < legs.length; leg++) {
      const book = legs[leg].book;
      for (let j = book.dayStart[t]; j < book.dayStart[t + 1]; j++) {
        const code = book.code[j];
        if (code === SIGNAL_EXIT) continue;
        entrySignals++;
        const sym = book.sym[j];
        const bar = book.bar[j];
        const fillBar = bar + fillDelay;
        // The first denial stops the signal and is the one recorded. The snapshots are filled as
        // the checks that read them come up: most signals stop at the first three.
        order.side = code === SIGNAL_LONG ? 1 : -1;
        let r: CheckResult = checkRegime(order, account, market, config);
        if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        account.symbolPositions = holding[sym];
        r = checkAlreadyInPosition(order, account, market, config);
        if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        r = checkMaxPositions(order, account, market, config);
        if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        if (pairs !== null) {
          strongestCorrelation(sym, t);
          r = checkCorrelation(order, account, market, config);
          if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        }
        if (fillBar >= panel.series[sym].day.length) { deny(t, sym, leg, order.side, NO_FILL_BAR_DATA_ENDS); continue; }
        // A random symbol's close is a cache miss: read only for signals that got this far.
        order.refPrice = panel.series[sym].close[bar];
        if (sleeves !== null) {
          account.strategyBudgetUsd = sleeves.orderBudgetUsd(leg, marked);
          account.strategy = legs[leg].strategy.name;
          r = checkStrategyBudget(order, account, market, config);
          if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        }
        account.freeCashUsd = cash - reservedUsd;
        order.shares = sizeOrder(config, marked, account.freeCashUsd, order.refPrice, book.stopDist[j], account.strategyBudgetUsd);
        const capShares = symbolWeightCapShares(config, marked, order.refPrice);
        const clamped = order.shares > capShares;
        if (clamped) order.shares = capShares;
        r = checkZeroShares(order, account, market, config);
        if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        order.estimatedCostUsd = estimatedCostUsd(costs, order.shares, order.refPrice);
        r = checkInsufficientCash(order, account, market, config);
        if (!r.ok) { deny(t, sym, leg, order.side, r); continue; }
        const { side, shares, estimatedCostUsd: estimate } = order;
        reservedUsd += estimate;
        sleeves?.commit(leg, estimate);
        if (clamped) sizeClamps++;
        holding[sym]++;
        account.positionsUsed++;
        pendingEntries++;
        orders.push({ kind: 'entry', sym, leg, side, shares, fillBar, signalDay: panel.calendar[t], stopDist: book.stopDist[j], targetDist: book.targetDist[j], reservedUsd: estimate, exitReason: '', position: null, done: false });
        if (config.recordDecisions) {
          decisions.push({ day: panel.calendar[t], symbol: panel.symbols[sym], strategy: legs[leg].strategy.name, side: side === 1 ? 'long' : 'short', admitted: true, code: null, detail: `${shares} shares ordered for bar ${fillDelay} ahead${clamped ? `, clamped to ${config.limits.maxSymbolWeight} of equity` : ''}` });
        }
      }
    }

  }

  // The window ends flat: open positions are sold at the last close, with costs, and unfilled
  // entries are cancelled (they would fill outside the window).
  for (const o of orders) {
    if (o.kind === 'entry') deny(to, o.sym, o.leg, o.side, WINDOW_END);
  }
  orders.length = 0;
  pendingEntries = 0;
  reservedUsd = 0;
  for (const p of positions) closePosition(p, p.lastClose, panel.calendar[to], p.lastBar, 'window_end');
  positions.length = 0;
  // Trades close in exit order; users read trade lists in entry order.
  trades.sort((a, b) => a.entryDay - b.entryDay || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.exitDay - b.exitDay));
  const last = n - 1;
  equityCurve[last] = cash;
  cashCurve[last] = cash;
  grossCurve[last] = 0;
  exposure[last] = 0;
  openCount[last] = 0;

  return {
    days,
    equity: equityCurve,
    cash: cashCurve,
    grossExposureUsd: grossCurve,
    exposureFrac: exposure,
    openPositions: openCount,
    trades,
    decisions,
    denials,
    entrySignals,
    exitSignals,
    ordersFilled,
    feesPaidUsd: feesPaid,
    slippageUsd,
    initialCapital: config.initialCapital,
    finalEquity: cash,
    sizeClamps,
    allocation: sleeves === null ? null : sleeves.events,
  };

  /** Sets market.maxCorrelation: the strongest correlation of `sym` with a held or ordered symbol at close t. */
  function strongestCorrelation(sym: number, t: number) {
    let best = Number.NEGATIVE_INFINITY;
    let withSym = -1;
    const consider = (other: number) => {
      const rho = pairs!.returnCorrelation(panel, sym, other, t, CORRELATION_SESSIONS);
      if (rho > best) {
        best = rho;
        withSym = other;
      }
    };
    for (const p of positions) if (!p.closed) consider(p.sym);
    for (const o of orders) if (o.kind === 'entry' && !o.done) consider(o.sym);
    market.maxCorrelation = withSym < 0 ? Number.NaN : best;
    market.correlatedSymbol = withSym < 0 ? '' : panel.symbols[withSym];
  }

  function queueExit(p: Position, t: number, bar: number, reason: string) {
    p.exitPending = true;
    orders.push({ kind: 'exit', sym: p.sym, leg: p.leg, side: p.side, shares: p.shares, fillBar: bar + fillDelay, signalDay: panel.calendar[t], stopDist: Number.NaN, targetDist: Number.NaN, reservedUsd: 0, exitReason: reason, position: p, done: false });
  }
}

function kellyRecordsOf(input: EngineInput): readonly TradeRecordColumns[] {
  const records = input.kellyRecords;
  if (records === undefined || records.length !== input.legs.length) {
    throw new RangeError(`Kelly sizing needs one trade record per leg (${input.legs.length}), got ${records?.length ?? 'none'}`);
  }
  return records;
}

/**
 * True when no open position can change by itself at a close: none has a stop, a target or a
 * time exit. With no working order and no signal, such a session changes nothing but the marks.
 */
function onlyPriceMoves(positions: readonly Position[], legs: EngineInput['legs']): boolean {
  for (const p of positions) {
    if (!Number.isNaN(p.stop) || !Number.isNaN(p.target)) return false;
    if (!p.exitPending && legs[p.leg].params.timeExitBars > 0) return false;
  }
  return true;
}

/** The first calendar index >= t with a signal in any leg (Infinity when none is left). */
function nextSignalDay(legs: EngineInput['legs'], t: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const { book } of legs) {
    const first = book.dayStart[t];
    if (first === book.dayStart[t + 1]) {
      // dayStart counts the signals before each day: the day of signal `first` is the last index whose count is `first`.
      if (first < book.sym.length) next = Math.min(next, upperBound(book.dayStart, first) - 1);
    } else {
      return t;
    }
  }
  return next;
}

/**
 * Marks the account at the closes of sessions [t0, t1) and writes the curves there; returns the
 * equity marked at the last of them. The day loop marks one session with it; a stretch of
 * sessions on which nothing happens but prices (see onlyPriceMoves) is marked in one call.
 * An empty account is a fill.
 */
function markStretch(
  panel: EngineInput['panel'],
  positions: readonly Position[],
  cash: number,
  t0: number,
  t1: number,
  k0: number,
  equity: Float64Array,
  cashCurve: Float64Array,
  grossCurve: Float64Array,
  exposure: Float64Array,
  openCount: Int32Array,
): number {
  const k1 = k0 + (t1 - t0);
  cashCurve.fill(cash, k0, k1);
  if (positions.length === 0) {
    // marked = cash and gross = 0: exposure and the open count stay the zeros they were made with.
    equity.fill(cash, k0, k1);
    return cash;
  }
  openCount.fill(positions.length, k0, k1);
  let marked = cash;
  for (let t = t0, k = k0; t < t1; t++, k++) {
    let gross = 0;
    marked = cash;
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i];
      const bar = panel.barAt[p.sym][t];
      if (bar >= 0) {
        p.lastClose = panel.series[p.sym].close[bar];
        p.lastBar = bar;
      }
      marked += p.side * p.shares * p.lastClose;
      gross += p.shares * p.lastClose;
    }
    equity[k] = marked;
    grossCurve[k] = gross;
    exposure[k] = marked > 0 ? gross / marked : 0;
  }
  return marked;
}
