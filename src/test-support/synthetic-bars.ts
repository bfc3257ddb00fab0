import fc from 'fast-check';
import { allocateBars, type BarSeries } from '../core/bar-series.js';
import { createRng } from '../core/rng.js';

/** fast-check options: runs pinned from FC_SEED when set, so a printed failing seed can be replayed. */
export const fcOptions = (numRuns = 100): fc.Parameters<unknown> =>
  process.env.FC_SEED !== undefined ? { numRuns, seed: Number(process.env.FC_SEED) } : { numRuns };

/** A consistent random-walk series (high >= max(open, close), low <= min(open, close)) on weekdays. */
export function randomWalkBars(symbol: string, length: number, seed: number, startDay = 16_000, startPrice = 50): BarSeries {
  const rng = createRng(seed);
  const s = allocateBars(symbol, length);
  let day = startDay;
  let close = startPrice;
  for (let i = 0; i < length; i++) {
    do day++;
    while ((day + 4) % 7 === 0 || (day + 4) % 7 === 6);
    const open = close * Math.exp(0.01 * rng.normal());
    close = open * Math.exp(0.02 * rng.normal());
    const high = Math.max(open, close) * (1 + 0.01 * rng.next());
    const low = Math.min(open, close) * (1 - 0.01 * rng.next());
    s.day[i] = day;
    s.open[i] = open;
    s.high[i] = high;
    s.low[i] = low;
    s.close[i] = close;
    s.volume[i] = 1e6 * (1 + rng.next());
  }
  return s;
}

/** Constant price bars: open = high = low = close = price. */
export function flatBars(symbol: string, length: number, price: number, startDay = 16_000): BarSeries {
  const s = allocateBars(symbol, length);
  for (let i = 0; i < length; i++) {
    s.day[i] = startDay + i;
    s.open[i] = price;
    s.high[i] = price;
    s.low[i] = price;
    s.close[i] = price;
    s.volume[i] = 1e6;
  }
  return s;
}

/** A copy whose bars from index k on are replaced by another walk: the "altered future". */
export function alterFuture(s: BarSeries, k: number, seed: number): BarSeries {
  const other = randomWalkBars(s.symbol, s.day.length, seed, s.day[0] - 1, s.close[Math.max(0, k - 1)]);
  const out = allocateBars(s.symbol, s.day.length);
  for (const key of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) out[key].set(s[key]);
  for (let i = k; i < s.day.length; i++) {
    out.open[i] = other.open[i];
    out.high[i] = other.high[i];
    out.low[i] = other.low[i];
    out.close[i] = other.close[i];
    out.volume[i] = other.volume[i];
  }
  return out;
}

/** A plain geometric random walk of closes (2% daily moves) starting at 100. */
export function randomWalkCloses(seed: number, n: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  let c = 100;
  for (let i = 0; i < n; i++) out.push((c *= Math.exp(0.02 * rng.normal())));
  return out;
}

export interface Hlc {
  high: number[];
  low: number[];
  close: number[];
}

/** A random walk of closes with highs and lows up to 2% away, as plain arrays. */
export function randomHlc(seed: number, n: number): Hlc {
  const rng = createRng(seed);
  const bars: Hlc = { high: [], low: [], close: [] };
  let c = 100;
  for (let i = 0; i < n; i++) {
    c *= Math.exp(0.02 * rng.normal());
    bars.close.push(c);
    bars.high.push(c * (1 + 0.02 * rng.next()));
    bars.low.push(c * (1 - 0.02 * rng.next()));
  }
  return bars;
}
