import { sma } from '../indicators/index.js';
import type { MarketPanel } from './panel.js';

/**
 * Per calendar index: 1 when the index closed above its SMA on that session, else 0. A session
 * the index did not trade carries the last known state forward (never a later one).
 */
export function regimeMask(panel: MarketPanel, smaPeriod: number): Uint8Array | null {
  if (panel.index === null || panel.indexBarAt === null) return null;
  const trend = sma(panel.index.close, smaPeriod);
  const out = new Uint8Array(panel.calendar.length);
  let state = 0;
  for (let t = 0; t < out.length; t++) {
    const bar = panel.indexBarAt[t];
    if (bar >= 0) state = panel.index.close[bar] > trend[bar] ? 1 : 0;
    out[t] = state;
  }
  return out;
}

/**
 * Buy-and-hold of the index over calendar indices [from, to]: bought at the close of `from`
 * (when the strategy's account is first marked), so both curves start at the same capital.
 */
export function benchmarkCurve(panel: MarketPanel, from: number, to: number, capital: number): Float64Array | null {
  if (panel.index === null || panel.indexBarAt === null) return null;
  const out = new Float64Array(to - from + 1);
  // Base on the index's last close at or before `from`, so a holiday in the index is no gap.
  let base = Number.NaN;
  for (let t = from; t >= 0 && Number.isNaN(base); t--) {
    const bar = panel.indexBarAt[t];
    if (bar >= 0) base = panel.index.close[bar];
  }
  let last = base;
  for (let t = from; t <= to; t++) {
    const bar = panel.indexBarAt[t];
    if (bar >= 0) {
      last = panel.index.close[bar];
      if (Number.isNaN(base)) base = last;
    }
    out[t - from] = Number.isNaN(base) ? capital : (capital * last) / base;
  }
  return out;
}
