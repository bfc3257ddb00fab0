import type { SymbolSignals } from '../strategies/scan.js';
import type { MarketPanel } from './panel.js';

/**
 * One strategy's signals over the whole panel, bucketed by calendar day (CSR layout): the engine
 * reads day t's signals as entries dayStart[t] .. dayStart[t+1]-1, already ranked (score
 * descending, then symbol order), so a day costs only its own signals.
 */
export interface SignalBook {
  readonly dayStart: Int32Array;
  readonly sym: Int32Array;
  readonly bar: Int32Array;
  readonly code: Int8Array;
  readonly score: Float64Array;
  readonly stopDist: Float64Array;
  readonly targetDist: Float64Array;
}

export function buildSignalBook(panel: MarketPanel, perSymbol: readonly SymbolSignals[]): SignalBook {
  const days = panel.calendar.length;
  const counts = new Int32Array(days + 1);
  let total = 0;
  // Bar -> calendar index: the calendar is the union of all days, so a binary search per signal
  // is cheap (signals are sparse) and avoids keeping an inverse map per symbol.
  const calOf = (sym: number, bar: number): number => {
    const day = panel.series[sym].day[bar];
    let lo = 0;
    let hi = days - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (panel.calendar[mid] < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const cal: Int32Array[] = perSymbol.map((sigs, s) => {
    const c = new Int32Array(sigs.bar.length);
    for (let j = 0; j < sigs.bar.length; j++) {
      c[j] = calOf(s, sigs.bar[j]);
      counts[c[j] + 1]++;
    }
    total += sigs.bar.length;
    return c;
  });
  const dayStart = new Int32Array(days + 1);
  for (let t = 0; t < days; t++) dayStart[t + 1] = dayStart[t] + counts[t + 1];
  const fill = dayStart.slice(0, days);
  const book: SignalBook = {
    dayStart,
    sym: new Int32Array(total),
    bar: new Int32Array(total),
    code: new Int8Array(total),
    score: new Float64Array(total),
    stopDist: new Float64Array(total),
    targetDist: new Float64Array(total),
  };
  for (let s = 0; s < perSymbol.length; s++) {
    const sigs = perSymbol[s];
    for (let j = 0; j < sigs.bar.length; j++) {
      const k = fill[cal[s][j]]++;
      book.sym[k] = s;
      book.bar[k] = sigs.bar[j];
      book.code[k] = sigs.code[j];
      book.score[k] = sigs.score[j];
      book.stopDist[k] = sigs.stopDist[j];
      book.targetDist[k] = sigs.targetDist[j];
    }
  }
  rankWithinDays(book);
  return book;
}

/** Insertion sort per day: days hold a handful of signals, already in symbol order. */
function rankWithinDays(b: SignalBook): void {
  const before = (x: number, y: number) => b.score[x] > b.score[y] || (b.score[x] === b.score[y] && b.sym[x] < b.sym[y]);
  for (let t = 0; t + 1 < b.dayStart.length; t++) {
    const from = b.dayStart[t];
    const to = b.dayStart[t + 1];
    for (let i = from + 1; i < to; i++) {
      let j = i;
      while (j > from && before(j, j - 1)) {
        swap(b, j, j - 1);
        j--;
      }
    }
  }
}

function swap(b: SignalBook, i: number, j: number): void {
  const arrays = [b.sym, b.bar, b.code, b.score, b.stopDist, b.targetDist] as const;
  for (const a of arrays) {
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
}

export function signalCount(book: SignalBook, from: number, to: number): number {
  return book.dayStart[to + 1] - book.dayStart[from];
}
