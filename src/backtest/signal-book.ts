import type { SymbolSignals } from '../strategies/scan.js';
import { SignalColumns } from '../strategies/signal-columns.js';
import { SIGNAL_LONG, SIGNAL_SHORT } from '../strategies/types.js';
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

/** The book of per-symbol signal arrays (perSymbol[s] is panel symbol s). */
export function buildSignalBook(panel: MarketPanel, perSymbol: readonly SymbolSignals[]): SignalBook {
  const columns = new SignalColumns();
  perSymbol.forEach((sigs, s) => {
    const at = columns.reserve(sigs.bar.length);
    columns.sym.fill(s, at, at + sigs.bar.length);
    columns.bar.set(sigs.bar, at);
    columns.code.set(sigs.code, at);
    columns.score.set(sigs.score, at);
    columns.stopDist.set(sigs.stopDist, at);
    columns.targetDist.set(sigs.targetDist, at);
    columns.length += sigs.bar.length;
  });
  return signalBookOf(panel, columns);
}

const fit = <T extends Int32Array | Float64Array>(have: T, n: number, make: (k: number) => T): T => (have.length >= n ? have : make(n));

/**
 * Working and output arrays reused from one book to the next by a caller that never holds two of
 * its books at once (a genome search judges one genome at a time): a full-universe book whose
 * exit rule fires on most bars holds ~1.7M signals, and on a machine where fresh memory costs
 * ~3 ms/MB, allocating its ~100 MB anew per genome cost more than building it.
 */
export class SignalBookBuffers {
  cal = new Int32Array(0);
  order = new Int32Array(0);
  rank = new Float64Array(0);
  dayStart = new Int32Array(0);
  readonly out = new SignalColumns();

  /** Sizes the buffers for books of up to `signals` signals over `days` sessions. */
  reserve(signals: number, days: number): void {
    this.cal = fit(this.cal, signals, (k) => new Int32Array(k));
    this.order = fit(this.order, signals, (k) => new Int32Array(k));
    this.rank = fit(this.rank, signals, (k) => new Float64Array(k));
    this.dayStart = fit(this.dayStart, days + 1, (k) => new Int32Array(k));
    this.out.reserve(signals);
  }
}

const view = <T extends Int32Array | Int8Array | Float64Array>(a: T, n: number): T => (a.length === n ? a : (a.subarray(0, n) as T));

/**
 * The book of signals appended symbol by symbol (symbol, then bar order) into flat columns. With
 * `reuse`, the book's arrays are views into those buffers, valid until the next book built with
 * them.
 */
export function signalBookOf(panel: MarketPanel, c: SignalColumns, reuse?: SignalBookBuffers): SignalBook {
  const days = panel.calendar.length;
  const total = c.length;
  const b = reuse ?? new SignalBookBuffers();
  // Order once by (day, score descending, symbol): days with hundreds of signals (a market-wide
  // selloff) cost n log n, not n^2. A counting sort by day keeps symbol order within a day (the
  // columns come in symbol order), then each day is ranked by score.
  const cal = (b.cal = fit(b.cal, total, (k) => new Int32Array(k)));
  // Each symbol's signals come in bar order: each one's session is found from the previous one's.
  for (let i = 0, t = 0, prev = -1; i < total; i++) {
    const s = c.sym[i];
    if (s !== prev) {
      t = 0;
      prev = s;
    }
    t = lowerBoundFrom(panel.calendar, panel.series[s].day[c.bar[i]], t);
    cal[i] = t;
  }
  const dayStart = view((b.dayStart = fit(b.dayStart, days + 1, (k) => new Int32Array(k))), days + 1);
  if (reuse !== undefined) dayStart.fill(0);
  for (let i = 0; i < total; i++) dayStart[cal[i] + 1]++;
  for (let t = 0; t < days; t++) dayStart[t + 1] += dayStart[t];
  // Placed from the back, each day's end moving down to its start: stable without a second
  // calendar-length array of cursors. Each dayStart[t + 1] ends at day t's start, shifted back after.
  const order = (b.order = fit(b.order, total, (k) => new Int32Array(k)));
  for (let i = total - 1; i >= 0; i--) order[--dayStart[cal[i] + 1]] = i;
  dayStart.copyWithin(0, 1);
  dayStart[days] = total;
  const sym = c.sym;
  const rank = (b.rank = fit(b.rank, total, (k) => new Float64Array(k)));
  for (let i = 0; i < total; i++) {
    const v = c.score[i];
    rank[i] = v === v ? v : Number.NEGATIVE_INFINITY;
  }
  sortDaysByRank(dayStart, order, rank);
  // Gathered into separate columns, not permuted in place: the gather reads each symbol's
  // signals in order as the days advance, a cycle-following permutation jumps across the whole
  // book and cost 3x as much.
  const out = b.out;
  out.length = 0;
  out.reserve(total);
  const book: SignalBook = {
    dayStart,
    sym: view(out.sym, total),
    bar: view(out.bar, total),
    code: view(out.code, total),
    score: view(out.score, total),
    stopDist: view(out.stopDist, total),
    targetDist: view(out.targetDist, total),
  };
  for (let r = 0; r < total; r++) {
    const i = order[r];
    book.sym[r] = sym[i];
    book.bar[r] = c.bar[i];
    book.code[r] = c.code[i];
    book.score[r] = c.score[i];
    book.stopDist[r] = c.stopDist[i];
    book.targetDist[r] = c.targetDist[i];
  }
  return book;
}

let scratch = new Int32Array(0);

/**
 * Orders each day's signals by rank descending, ties by symbol. The counting sort left every day
 * in symbol order and a symbol signals at most once a day, so a stable sort by rank alone gives
 * exactly that order. A hand-written merge sort on typed arrays: a genome whose exit rule fires on
 * most bars puts hundreds of signals on every day, and `TypedArray.prototype.sort` with a
 * comparator calls back into JavaScript for every comparison.
 */
function sortDaysByRank(dayStart: Int32Array, order: Int32Array, rank: Float64Array): void {
  const days = dayStart.length - 1;
  for (let t = 0; t < days; t++) {
    const from = dayStart[t];
    const to = dayStart[t + 1];
    if (to - from < 2) continue;
    // Insertion-sorted runs of 16, then merged pairwise through scratch space.
    const run = 16;
    for (let a = from; a < to; a += run) {
      const b = Math.min(a + run, to);
      for (let i = a + 1; i < b; i++) {
        const v = order[i];
        const rv = rank[v];
        let j = i;
        while (j > a && rv > rank[order[j - 1]]) {
          order[j] = order[j - 1];
          j--;
        }
        order[j] = v;
      }
    }
    if (to - from <= run) continue;
    if (scratch.length < to - from) scratch = new Int32Array(Math.max(to - from, 2 * scratch.length));
    for (let width = run; width < to - from; width *= 2) {
      for (let a = from; a + width < to; a += 2 * width) {
        const mid = a + width;
        const end = Math.min(a + 2 * width, to);
        // Already in order across the seam: nothing to merge.
        if (rank[order[mid - 1]] >= rank[order[mid]]) continue;
        const n = mid - a;
        for (let k = 0; k < n; k++) scratch[k] = order[a + k];
        let l = 0;
        let r = mid;
        let w = a;
        // Left first on ties: it holds the lower symbols.
        while (l < n && r < end) order[w++] = rank[scratch[l]] >= rank[order[r]] ? scratch[l++] : order[r++];
        while (l < n) order[w++] = scratch[l++];
      }
    }
  }
}

/** Entry signals (long or short) on calendar days from..to: exit signals open no trade. */
export function entrySignalCount(book: SignalBook, from: number, to: number): number {
  let n = 0;
  for (let r = book.dayStart[from], end = book.dayStart[to + 1]; r < end; r++) if (book.code[r] === SIGNAL_LONG || book.code[r] === SIGNAL_SHORT) n++;
  return n;
}

export function signalCount(book: SignalBook, from: number, to: number): number {
  return book.dayStart[to + 1] - book.dayStart[from];
}

/**
 * The book with only the entries `keepEntry(sym, calendarIndex)` admits; every exit signal stays
 * (exits manage positions, whoever opened them). The daily pipeline's comparison backtest runs a
 * strategy's own book restricted to the signals it actually picked.
 */
export function restrictEntries(book: SignalBook, keepEntry: (sym: number, t: number) => boolean): SignalBook {
  const days = book.dayStart.length - 1;
  const keep: number[] = [];
  const dayStart = new Int32Array(days + 1);
  for (let t = 0; t < days; t++) {
    for (let r = book.dayStart[t]; r < book.dayStart[t + 1]; r++) {
      const code = book.code[r];
      if ((code !== SIGNAL_LONG && code !== SIGNAL_SHORT) || keepEntry(book.sym[r], t)) keep.push(r);
    }
    dayStart[t + 1] = keep.length;
  }
  const pick = <T extends Int32Array | Int8Array | Float64Array>(a: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((r, i) => (out[i] = a[r]));
    return out;
  };
  return {
    dayStart,
    sym: pick(book.sym, (n) => new Int32Array(n)),
    bar: pick(book.bar, (n) => new Int32Array(n)),
    code: pick(book.code, (n) => new Int8Array(n)),
    score: pick(book.score, (n) => new Float64Array(n)),
    stopDist: pick(book.stopDist, (n) => new Float64Array(n)),
    targetDist: pick(book.targetDist, (n) => new Float64Array(n)),
  };
}

/**
 * The first index whose value is >= target, searched from `from` on by galloping (probes from+1,
 * +2, +4, ...) and then bisecting, so a walk in order costs O(log gap) a step; a target before
 * sorted[from] searches from 0.
 */
function lowerBoundFrom(sorted: Int32Array, target: number, from: number): number {
  let lo = from > 0 && sorted[from - 1] >= target ? 0 : from;
  let hi = lo;
  let step = 1;
  while (hi < sorted.length && sorted[hi] < target) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi > sorted.length) hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
