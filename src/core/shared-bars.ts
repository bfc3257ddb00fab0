import type { BarSeries } from './bar-series.js';

/**
 * Bar series packed into one SharedArrayBuffer, so worker threads read the memory the main
 * thread loaded instead of each receiving a copy. Per symbol: day (Int32, padded to 8 bytes),
 * then open/high/low/close/volume (Float64).
 */
export interface SharedBars {
  readonly buffer: SharedArrayBuffer;
  readonly symbols: readonly string[];
  readonly lengths: readonly number[];
  readonly offsets: readonly number[];
}

const FLOAT_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
const dayBytes = (n: number): number => Math.ceil((n * 4) / 8) * 8;

export function shareBars(series: readonly BarSeries[]): SharedBars {
  const offsets: number[] = [];
  let total = 0;
  for (const s of series) {
    offsets.push(total);
    total += dayBytes(s.day.length) + s.day.length * 8 * FLOAT_COLUMNS.length;
  }
  const shared: SharedBars = { buffer: new SharedArrayBuffer(total), symbols: series.map((s) => s.symbol), lengths: series.map((s) => s.day.length), offsets };
  const views = viewSharedBars(shared);
  series.forEach((s, i) => {
    views[i].day.set(s.day);
    for (const c of FLOAT_COLUMNS) views[i][c].set(s[c]);
  });
  return shared;
}

export function viewSharedBars(m: SharedBars): BarSeries[] {
  return m.symbols.map((symbol, i) => {
    const n = m.lengths[i];
    let at = m.offsets[i];
    const day = new Int32Array(m.buffer, at, n);
    at += dayBytes(n);
    const col = () => {
      const a = new Float64Array(m.buffer, at, n);
      at += n * 8;
      return a;
    };
    return { symbol, day, open: col(), high: col(), low: col(), close: col(), volume: col() };
  });
}
