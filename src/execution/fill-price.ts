import type { CostModel, FillModel } from '../backtest/config.js';

/**
 * Where every fill price is decided: which bar an order fills on, the market price it meets there
 * (the open, or the bar's midpoint), where a protective stop or a take-profit fills inside a bar,
 * and the one slippage formula that turns a market price into the price paid or received.
 * Conventions are conservative: a signal on the close of bar t never fills before bar t+1, a gap
 * through a level fills at the open, and when a stop and a target both lie inside one bar the
 * stop wins.
 */

/** Bars between the signal's bar and the bar its order fills on. */
export const fillDelayBars = (fill: FillModel): number => (fill.kind === 'delay-midpoint' ? fill.delayBars : 1);

/** The market price an order meets on its fill bar, before slippage: the open, or (open + close) / 2. */
export const marketFillPrice = (fill: FillModel, open: number, close: number): number =>
  fill.kind === 'delay-midpoint' ? (open + close) / 2 : open;

/**
 * The first bar a new position's stop and target can trigger on: the fill bar itself for an open
 * fill (the rest of the bar follows the fill), the next bar for a midpoint fill (the bar's range
 * may lie before the fill).
 */
export const stopsLiveFromBar = (fill: FillModel, fillBar: number): number => (fill.kind === 'delay-midpoint' ? fillBar + 1 : fillBar);

/** The price actually paid (side +1 buys) or received (side -1 sells): always worse than `price`. */
export const slippedPrice = (c: CostModel, price: number, side: 1 | -1): number => price * (1 + (side * c.slippageBps) / 10_000);

/** A stop `dist` below a long's entry price (above a short's); NaN when the order has no stop. */
export const stopLevel = (side: 1 | -1, entryPrice: number, dist: number): number => (Number.isNaN(dist) ? Number.NaN : entryPrice - side * dist);

/** A target `dist` above a long's entry price (below a short's); NaN when the order has no target. */
export const targetLevel = (side: 1 | -1, entryPrice: number, dist: number): number => (Number.isNaN(dist) ? Number.NaN : entryPrice + side * dist);

/**
 * Where a protective stop or a take-profit fills inside one daily bar, conservatively: a gap
 * through a level fills at the open (not at the level); when both the stop and the target lie
 * inside the bar's range we cannot know which came first, so the stop wins.
 * `side` is +1 for a long position, -1 for a short. NaN levels are absent.
 * Returns the fill price, and writes which level hit into `hit` ('stop' | 'target').
 */
export interface IntrabarExit {
  price: number;
  reason: 'stop' | 'target' | null;
}

export function intrabarExit(
  side: 1 | -1,
  stop: number,
  target: number,
  open: number,
  high: number,
  low: number,
  checkOpenGap: boolean,
  out: IntrabarExit,
): IntrabarExit {
  out.reason = null;
  out.price = Number.NaN;
  const hasStop = !Number.isNaN(stop);
  const hasTarget = !Number.isNaN(target);
  if (side === 1) {
    if (checkOpenGap && hasStop && open <= stop) return set(out, open, 'stop');
    if (checkOpenGap && hasTarget && open >= target) return set(out, open, 'target');
    if (hasStop && low <= stop) return set(out, stop, 'stop');
    if (hasTarget && high >= target) return set(out, target, 'target');
  } else {
    if (checkOpenGap && hasStop && open >= stop) return set(out, open, 'stop');
    if (checkOpenGap && hasTarget && open <= target) return set(out, open, 'target');
    if (hasStop && high >= stop) return set(out, stop, 'stop');
    if (hasTarget && low <= target) return set(out, target, 'target');
  }
  return out;
}

function set(out: IntrabarExit, price: number, reason: 'stop' | 'target'): IntrabarExit {
  out.price = price;
  out.reason = reason;
  return out;
}
