import type { Params } from '../strategies/params.js';
import { SIGNAL_EXIT, SIGNAL_LONG } from '../strategies/types.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineConfig } from './config.js';
import { commissionUsd, slippedPrice } from './costs.js';
import { intrabarExit, type IntrabarExit } from './fills.js';
import type { TradeRecord } from './metrics.js';
import type { MarketPanel } from './panel.js';
import type { SignalBook } from './signal-book.js';

/** One strategy with its parameters and precomputed signals, trading in the shared account. */
export interface EngineLeg {
  readonly strategy: Strategy;
  readonly params: Params;
  readonly book: SignalBook;
}

export interface EngineInput {
  readonly panel: MarketPanel;
  readonly legs: readonly EngineLeg[];
  readonly config: EngineConfig;
  /** Calendar index range traded, inclusive; bars before `from` only warm indicators up. */
  readonly from: number;
  readonly to: number;
  /** Per calendar index: 1 = index above its SMA (longs allowed), 0 = below; null = no filter. */
  readonly regime: Uint8Array | null;
}

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

/** Why an entry signal did or did not become an order (and, for NO_FILL_BAR/INSUFFICIENT_CASH, a fill). */
export interface Decision {
  readonly day: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  readonly admitted: boolean;
  readonly code: DenialCode | null;
  readonly detail: string;
}

export interface Trade extends TradeRecord {
  readonly strategy: string;
  readonly entrySignalDay: number;
}

export interface EngineResult {
  /** Session days [from..to] and the account marked at each close. */
  readonly days: Int32Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  /** Sum of |shares x last close| over open positions at each close, USD (0 when flat). */
  readonly grossExposureUsd: Float64Array;
  /** grossExposureUsd / equity (0 when equity is not positive). */
  readonly exposureFrac: Float64Array;
  readonly openPositions: Int32Array;
  readonly trades: Trade[];
  readonly decisions: Decision[];
  readonly denials: Record<DenialCode, number>;
  readonly entrySignals: number;
  readonly exitSignals: number;
  readonly ordersFilled: number;
  readonly feesPaidUsd: number;
  readonly slippageUsd: number;
  readonly initialCapital: number;
  readonly finalEquity: number;
}

interface Position {
  readonly sym: number;
  readonly leg: number;
  readonly side: 1 | -1;
  readonly shares: number;
  readonly entryPrice: number;
  readonly entryFees: number;
  readonly entryDay: number;
  readonly entryBar: number;
  readonly entrySignalDay: number;
  readonly stop: number;
  readonly target: number;
  /** Stops are live from this bar on (the fill bar for open fills, the next one for midpoint fills). */
  readonly stopFromBar: number;
  readonly initialRiskUsd: number | null;
  lastClose: number;
  lastBar: number;
  /** An exit order is queued (time exit or exit signal). */
  exitPending: boolean;
  closed: boolean;
}

interface Order {
  readonly kind: 'entry' | 'exit';
  readonly sym: number;
  readonly leg: number;
  readonly side: 1 | -1;
  readonly shares: number;
  readonly fillBar: number;
  readonly signalDay: number;
  readonly stopDist: number;
  readonly targetDist: number;
  readonly reservedUsd: number;
  readonly exitReason: string;
  readonly position: Position | null;
  /** Filled, expired or dropped: removed when the order list is next compacted. */
  done: boolean;
}

/** Drops the finished entries of a list in place (no new array in the day loop). */
function compact<T>(list: T[], finished: (x: T) => boolean): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) if (!finished(list[r])) list[w++] = list[r];
  list.length = w;
}
const isDone = (o: { done: boolean }) => o.done;
const isClosed = (p: { closed: boolean }) => p.closed;

/**
 * The portfolio loop, one session at a time, in the order a real day unfolds:
 *   1. orders due at the open fill (exits first, so their cash is available to entries);
 *   2. stops and targets of open positions are checked against the bar's range;
 *   3. orders due at a midpoint fill (delay-midpoint model);
 *   4. the account is marked at the close;
 *   5. signals from the close of this bar become orders for a later bar; never for this one.
 * Pure and synchronous: no I/O, no clock, no randomness.
 */
export function runEngine(input: EngineInput): EngineResult {
  const { panel, legs, config, from, to, regime } = input;
  const { costs, fill } = config;
  const midpoint = fill.kind === 'delay-midpoint';
  const fillDelay = fill.kind === 'delay-midpoint' ? fill.delayBars : 1;
  const n = to - from + 1;
  const days = panel.calendar.slice(from, to + 1);
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

  // The detail text is built only when decisions are recorded: tuning runs deny thousands of
  // signals and need only the counts. `a` and `b` are the numbers the text quotes.
  const deny = (t: number, sym: number, leg: number, side: 1 | -1, code: DenialCode, a = 0, b = 0) => {
    denials[code]++;
    if (config.recordDecisions) {
      decisions.push({ day: panel.calendar[t], symbol: panel.symbols[sym], strategy: legs[leg].strategy.name, side: side === 1 ? 'long' : 'short', admitted: false, code, detail: denialDetail(code, config, side, a, b) });
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
    const affordable = Math.floor((cash - reservedUsd - costs.commissionPerOrderUsd) / (price + costs.commissionPerShareUsd));
    if (shares > affordable) shares = Math.max(0, affordable);
    if (shares <= 0) {
      holding[o.sym]--;
      deny(t, o.sym, o.leg, o.side, 'INSUFFICIENT_CASH', rawPrice, -1);
      return;
    }
    const fees = commissionUsd(costs, shares);
    slippageUsd += Math.abs(price - rawPrice) * shares;
    cash -= o.side * shares * price + fees;
    feesPaid += fees;
    ordersFilled++;
    const stop = Number.isNaN(o.stopDist) ? Number.NaN : price - o.side * o.stopDist;
    const target = Number.isNaN(o.targetDist) ? Number.NaN : price + o.side * o.targetDist;
    positions.push({
      sym: o.sym,
      leg: o.leg,
      side: o.side,
      shares,
      entryPrice: price,
      entryFees: fees,
      entryDay: panel.calendar[t],
      entryBar: bar,
      entrySignalDay: o.signalDay,
      stop,
      target,
      stopFromBar: midpoint ? bar + 1 : bar,
      initialRiskUsd: Number.isNaN(o.stopDist) ? null : o.stopDist * shares,
      lastClose: panel.series[o.sym].close[bar],
      lastBar: bar,
      exitPending: false,
      closed: false,
    });
  };

  /** Fills the orders due on bar t, at the open or at the bar's midpoint. */
  const fillDue = (t: number, atMidpoint: boolean) => {
    if (orders.length === 0) return;
    // Exits before entries: a sale's proceeds fund the same morning's buys.
    fillPass(t, atMidpoint, 'exit');
    fillPass(t, atMidpoint, 'entry');
    compact(orders, isDone);
    compact(positions, isClosed);
  };

  const fillPass = (t: number, atMidpoint: boolean, kind: 'exit' | 'entry') => {
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
          deny(t, o.sym, o.leg, o.side, 'NO_FILL_BAR', 1);
        }
        continue;
      }
      o.done = true;
      const s = panel.series[o.sym];
      const price = atMidpoint ? (s.open[bar] + s.close[bar]) / 2 : s.open[bar];
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
    const k = t - from;
    if (!midpoint) fillDue(t, false);
    checkStops(t);
    if (midpoint) fillDue(t, true);

    // Mark to market at the close.
    let gross = 0;
    let marked = cash;
    for (const p of positions) {
      const bar = panel.barAt[p.sym][t];
      if (bar >= 0) {
        p.lastClose = panel.series[p.sym].close[bar];
        p.lastBar = bar;
      }
      marked += p.side * p.shares * p.lastClose;
      gross += p.shares * p.lastClose;
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

    // Entries decided at this close, best-ranked first.
    let slotsUsed = positions.length + pendingEntries;
    const regimeUp = regime === null ? -1 : regime[t];
    for (let leg = 0; leg < legs.length; leg++) {
      const book = legs[leg].book;
      for (let j = book.dayStart[t]; j < book.dayStart[t + 1]; j++) {
        const code = book.code[j];
        if (code === SIGNAL_EXIT) continue;
        entrySignals++;
        const sym = book.sym[j];
        const side: 1 | -1 = code === SIGNAL_LONG ? 1 : -1;
        if (regimeUp !== -1 && (side === 1 ? regimeUp === 0 : regimeUp === 1)) {
          deny(t, sym, leg, side, 'REGIME_FILTER');
          continue;
        }
        if (holding[sym] > 0) {
          deny(t, sym, leg, side, 'ALREADY_IN_POSITION');
          continue;
        }
        if (slotsUsed >= config.maxPositions) {
          deny(t, sym, leg, side, 'MAX_POSITIONS');
          continue;
        }
        const bar = book.bar[j];
        const fillBar = bar + fillDelay;
        if (fillBar >= panel.series[sym].day.length) {
          deny(t, sym, leg, side, 'NO_FILL_BAR', 0);
          continue;
        }
        const ref = panel.series[sym].close[bar];
        const shares = sizeOrder(config, marked, cash - reservedUsd, ref, book.stopDist[j]);
        if (shares <= 0) {
          deny(t, sym, leg, side, 'ZERO_SHARES', ref);
          continue;
        }
        const estimate = shares * slippedPrice(costs, ref, 1) + commissionUsd(costs, shares);
        if (estimate > cash - reservedUsd) {
          deny(t, sym, leg, side, 'INSUFFICIENT_CASH', estimate, cash - reservedUsd);
          continue;
        }
        reservedUsd += estimate;
        holding[sym]++;
        slotsUsed++;
        pendingEntries++;
        orders.push({ kind: 'entry', sym, leg, side, shares, fillBar, signalDay: panel.calendar[t], stopDist: book.stopDist[j], targetDist: book.targetDist[j], reservedUsd: estimate, exitReason: '', position: null, done: false });
        if (config.recordDecisions) {
          decisions.push({ day: panel.calendar[t], symbol: panel.symbols[sym], strategy: legs[leg].strategy.name, side: side === 1 ? 'long' : 'short', admitted: true, code: null, detail: `${shares} shares ordered for bar ${fillDelay} ahead` });
        }
      }
    }

    equityCurve[k] = marked;
    cashCurve[k] = cash;
    grossCurve[k] = gross;
    exposure[k] = marked > 0 ? gross / marked : 0;
    openCount[k] = positions.length;
  }

  // The window ends flat: open positions are sold at the last close, with costs, and unfilled
  // entries are cancelled (they would fill outside the window).
  for (const o of orders) {
    if (o.kind === 'entry') deny(to, o.sym, o.leg, o.side, 'WINDOW_END');
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
  };

  function queueExit(p: Position, t: number, bar: number, reason: string) {
    p.exitPending = true;
    orders.push({ kind: 'exit', sym: p.sym, leg: p.leg, side: p.side, shares: p.shares, fillBar: bar + fillDelay, signalDay: panel.calendar[t], stopDist: Number.NaN, targetDist: Number.NaN, reservedUsd: 0, exitReason: reason, position: p, done: false });
  }
}

function denialDetail(code: DenialCode, config: EngineConfig, side: 1 | -1, a: number, b: number): string {
  switch (code) {
    case 'REGIME_FILTER':
      return side === 1 ? 'index closed below its SMA' : 'index closed above its SMA';
    case 'ALREADY_IN_POSITION':
      return 'symbol already held or ordered';
    case 'MAX_POSITIONS':
      return `${config.maxPositions} positions held or ordered`;
    case 'NO_FILL_BAR':
      return a === 1 ? 'no bar on the fill session' : 'the data ends before the fill bar';
    case 'ZERO_SHARES':
      return `sizing ${config.sizing.mode} gives no whole share at ${a.toFixed(2)}`;
    case 'INSUFFICIENT_CASH':
      // b = -1 marks the fill-time case (the open gapped beyond the cash), a is then the open.
      return b === -1 ? `open ${a.toFixed(2)} left no cash for a single share` : `needs ${a.toFixed(0)} USD, ${b.toFixed(0)} free`;
    case 'WINDOW_END':
      return 'entry would fill after the window';
  }
}

/** Shares for a new order, from equity and free cash at the signal's close. */
export function sizeOrder(config: EngineConfig, equity: number, freeCash: number, refPrice: number, stopDist: number): number {
  const s = config.sizing;
  const perShare = refPrice * (1 + config.costs.slippageBps / 10_000) + config.costs.commissionPerShareUsd;
  const byCash = (usd: number) => Math.floor(Math.max(0, usd - config.costs.commissionPerOrderUsd) / perShare);
  switch (s.mode) {
    case 'equal-weight':
      return byCash(Math.min(equity / config.maxPositions, freeCash));
    case 'all-in':
      return byCash(freeCash);
    case 'fixed-shares':
      return s.shares;
    case 'fixed-notional':
      return byCash(Math.min(s.usd, freeCash));
    case 'risk-pct':
      // Without a stop there is no risk distance: the config check refuses that combination.
      if (!(stopDist > 0)) return 0;
      return Math.min(Math.floor((equity * s.pct) / 100 / stopDist), byCash(freeCash));
  }
}
