import type { BarSeries } from '../core/bar-series.js';
import { dayToIso, lowerBound, upperBound } from '../core/calendar.js';
import { inputError, type KobeError } from '../core/errors.js';
import type { RawBars } from './parse-bars.js';

/**
 * Data-quality checks on parsed bars (pure: no I/O, no clock) and the bad-data policies that
 * turn checked bars into the clean, strictly increasing BarSeries the engine needs.
 *
 * Checks, with their severity:
 * - DUPLICATE_DATE (error): a date appears twice, even as an identical row: the file is not
 *   what its writer meant (a bad merge or an appended download) and `fail` must stop on it.
 *   `mask` keeps the first of identical rows and drops both of rows that differ.
 * - UNSORTED_DATES (error, one issue per symbol with a count): a date earlier than the row
 *   above it. Every policy but `fail` and `skip-symbol` sorts the rows (`mask` handles it
 *   without dropping a bar).
 * - NON_POSITIVE_PRICE (error): open, high, low or close <= 0.
 * - NEGATIVE_VOLUME (error): volume < 0.
 * - HIGH_BELOW_LOW (error).
 * - OPEN_OUTSIDE_RANGE / CLOSE_OUTSIDE_RANGE (error): outside [low, high] by more than
 *   RANGE_TOLERANCE_FRAC (rounding of adjusted prices to a few decimals is not an error).
 * - BAD_TICK (error): a close-to-close move of more than 50% (a ratio above 1.5 or below 1/1.5)
 *   that the next bar takes back (the two-bar move is less than half the spike, in log terms);
 *   or a decimal-shift outlier: an open, high or low more than 5x away from both its own close
 *   and the previous close (the next one for the first bar).
 * - SUSPECT_SPLIT (error): a close-to-close move of more than 50% (as above) that is not taken
 *   back, whose close AND open (against the previous close) are both within 5% of a common
 *   split ratio (2, 3, 4, 1.5, 5, 10 or an inverse), that did not trade unusual dollar volume
 *   and came out of a calm stretch (SPLIT_DOLLAR_VOLUME_JUMP_MAX, SPLIT_CALM_MULTIPLE): most
 *   likely an unadjusted split (or spin-off), which would look like a crash or a rally to a
 *   strategy. An unadjusted split moves every price of the bar, so the open gaps by the ratio
 *   too; a crash that opens near the previous close and falls during the day (GGP 2008-10-02,
 *   CBL 2008-10-07, CNO 2008-09-29 on the real data) is not a split whatever its size.
 * - LARGE_GAP (warn): any other close-to-close move beyond SPIKE_RATIO that is neither taken
 *   back (BAD_TICK) nor a SUSPECT_SPLIT: a merger or share exchange (VRX 2010-09-28,
 *   Biovail/Valeant, 63.25 -> 26.39 at the open), a spin-off off the split ratios, or a real
 *   crash. The bars are real, so no policy masks them; trades held across one are flagged
 *   (tradesAcrossGaps in gap-flags.ts) so a run's worst trade is not silently a corporate event.
 *   The move checks skip bars with non-positive prices and flat zero-volume placeholders.
 * - MISSING_SESSION (warn): a session of the calendar between the symbol's first and last bar
 *   that it lacks. Up to MISSING_SESSION_LIST_MAX are reported one by one; more become one
 *   issue with the count and the first few dates.
 * - ZERO_RANGE_BAR (warn): open = high = low = close with zero volume (a day without trading).
 *
 * Bar checks run in time order (sorted by date, first of duplicate rows kept); `barIndex` and
 * `line` point at the row in the file.
 */

export type IssueCode =
  | 'DUPLICATE_DATE'
  | 'UNSORTED_DATES'
  | 'NON_POSITIVE_PRICE'
  | 'NEGATIVE_VOLUME'
  | 'HIGH_BELOW_LOW'
  | 'OPEN_OUTSIDE_RANGE'
  | 'CLOSE_OUTSIDE_RANGE'
  | 'BAD_TICK'
  | 'SUSPECT_SPLIT'
  | 'LARGE_GAP'
  | 'MISSING_SESSION'
  | 'ZERO_RANGE_BAR';

/** Every code, in the order issues of one row are listed. */
export const ISSUE_CODES: readonly IssueCode[] = [
  'DUPLICATE_DATE',
  'UNSORTED_DATES',
  'NON_POSITIVE_PRICE',
  'NEGATIVE_VOLUME',
  'HIGH_BELOW_LOW',
  'OPEN_OUTSIDE_RANGE',
  'CLOSE_OUTSIDE_RANGE',
  'BAD_TICK',
  'SUSPECT_SPLIT',
  'LARGE_GAP',
  'MISSING_SESSION',
  'ZERO_RANGE_BAR',
];

export type IssueSeverity = 'error' | 'warn';

export interface DataIssue {
  readonly symbol: string;
  readonly code: IssueCode;
  readonly severity: IssueSeverity;
  /** Row index in the RawBars (file order). */
  readonly barIndex: number;
  /** Day number the issue is about (for MISSING_SESSION: the missing day). */
  readonly day: number;
  /** 1-based line in the source file. */
  readonly line: number;
  readonly detail: string;
  /** How many occurrences this issue stands for (more than 1 only for compacted reports). */
  readonly count: number;
}

export const RANGE_TOLERANCE_FRAC = 1e-6;
export const SPIKE_RATIO = 1.5;
export const DECIMAL_SHIFT_RATIO = 5;
export const SPLIT_RATIO_TOLERANCE_FRAC = 0.05;
export const SPLIT_RATIOS: readonly number[] = [2, 3, 4, 1.5, 5, 10, 1 / 2, 1 / 3, 1 / 4, 2 / 3, 1 / 5, 1 / 10];
/**
 * SUSPECT_SPLIT needs the day's dollar volume (volume x price ratio, which an unadjusted split
 * leaves unchanged) at most this multiple of the median of the previous bars'. Real moves of
 * 50% trade many times the usual dollar volume; on the adjusted real data set every 3:2-sized
 * move flagged without this test was a real move.
 */
export const SPLIT_DOLLAR_VOLUME_JUMP_MAX = 3;
export const SPLIT_VOLUME_LOOKBACK_BARS = 20;
/**
 * SUSPECT_SPLIT also needs the move to be at least this multiple of the median absolute daily
 * move (log) of the previous SPLIT_VOLUME_LOOKBACK_BARS bars: a split is a jump out of nowhere,
 * a 35% day in a stock that moves 8% a day is not.
 */
export const SPLIT_CALM_MULTIPLE = 8;
export const MISSING_SESSION_LIST_MAX = 3;
const MISSING_SESSION_SHOWN = 5;

const LN_SPLIT_TOL = Math.log(1 + SPLIT_RATIO_TOLERANCE_FRAC);


/** Time order of a RawBars: row indices sorted by date (stable), duplicates removed. Read-only. */
export interface TimeOrder {
  /** Row indices, strictly increasing by day; of rows sharing a date the first in the file. */
  readonly order: Int32Array;
  /** True when `order` is 0..n-1 (the file was sorted without duplicates). */
  readonly identity: boolean;
  /** Pairs [duplicateRow, keptRow]. */
  readonly duplicates: ReadonlyArray<readonly [number, number]>;
  /** Rows whose date is earlier than the row above (file order). */
  readonly descents: number;
  readonly firstDescent: number;
}

const timeOrders = new WeakMap<Int32Array, TimeOrder>();

/**
 * The time order of a day column (memoised per array: verify, the policy and the loader all
 * need it, and RawBars columns are never modified after parsing).
 */
export function timeOrder(day: Int32Array): TimeOrder {
  let t = timeOrders.get(day);
  if (t === undefined) {
    t = computeTimeOrder(day);
    timeOrders.set(day, t);
  }
  return t;
}

let identity = new Int32Array(0);

/** 0..n-1, as a view of one shared array (read-only by contract, like all RawBars columns). */
function identityOrder(n: number): Int32Array {
  if (identity.length < n) {
    identity = new Int32Array(Math.max(n, 2 * identity.length, 4096));
    for (let i = 0; i < identity.length; i++) identity[i] = i;
  }
  return identity.subarray(0, n);
}

function computeTimeOrder(day: Int32Array): TimeOrder {
  const n = day.length;
  let descents = 0;
  let firstDescent = -1;
  let equal = 0;
  for (let i = 1; i < n; i++) {
    if (day[i] < day[i - 1]) {
      if (descents === 0) firstDescent = i;
      descents++;
    } else if (day[i] === day[i - 1]) equal++;
  }
  const duplicates: Array<[number, number]> = [];
  if (descents === 0 && equal === 0) return { order: identityOrder(n), identity: true, duplicates, descents, firstDescent };
  const sorted: ArrayLike<number> =
    descents === 0 ? identityOrder(n) : Array.from({ length: n }, (_, i) => i).sort((a, b) => day[a] - day[b] || a - b);
  const order = new Int32Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = sorted[k];
    if (m > 0 && day[order[m - 1]] === day[i]) duplicates.push([i, order[m - 1]]);
    else order[m++] = i;
  }
  return { order: order.subarray(0, m), identity: false, duplicates, descents, firstDescent };
}

/** Rows a and b have the same prices and volume (a duplicate `mask` can keep one of). */
function sameRow(raw: RawBars, a: number, b: number): boolean {
  return (
    raw.open[a] === raw.open[b] &&
    raw.high[a] === raw.high[b] &&
    raw.low[a] === raw.low[b] &&
    raw.close[a] === raw.close[b] &&
    raw.volume[a] === raw.volume[b]
  );
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

function splitLabel(ratio: number): string {
  // ratio = new close / old close; a 2:1 split halves the price.
  const k = ratio < 1 ? 1 / ratio : ratio;
  const pair = Math.abs(k - 1.5) < 1e-9 ? ['3', '2'] : [fmt(k), '1'];
  return ratio < 1 ? `${pair[0]}:${pair[1]} split` : `${pair[1]}:${pair[0]} reverse split`;
}

// Per-bar flags (time positions), set by the hot scan below.
const F_NON_POSITIVE = 1;
const F_NEGATIVE_VOLUME = 2;
const F_HIGH_BELOW_LOW = 4;
const F_OPEN_OUTSIDE = 8;
const F_CLOSE_OUTSIDE = 16;
const F_FLAT = 32;
/** Close-to-close move beyond SPIKE_RATIO from the previous valid bar (bad tick or split?). */
const F_BIG_MOVE = 64;
/** High more than DECIMAL_SHIFT_RATIO times the low: a decimal shift is possible. */
const F_WIDE = 128;
const F_RANGE = F_HIGH_BELOW_LOW | F_OPEN_OUTSIDE | F_CLOSE_OUTSIDE;

/**
 * All data-quality issues of one symbol's bars. `calendar` (sorted day numbers of the market's
 * sessions, e.g. from buildSessionCalendar) enables MISSING_SESSION.
 *
 * Shape, for speed (this runs over every bar of every symbol on every load): one hot scan
 * only sets bit flags (typed-array arithmetic, no calls, no allocation, no strings); cold code
 * then looks closer at the few flagged bars and writes the issues.
 */
export function verifyBars(raw: RawBars, calendar?: Int32Array): DataIssue[] {
  const issues: DataIssue[] = [];
  const n = raw.day.length;
  const add = (code: IssueCode, severity: IssueSeverity, row: number, day: number, detail: string, count = 1) => {
    addIssue(issues, raw, code, severity, row, day, detail, count);
  };
  if (n === 0) return issues;
  const { open, high, low, close, volume, day } = raw;

  const t = timeOrder(day);
  if (t.descents > 0) {
    const i = t.firstDescent;
    add(
      'UNSORTED_DATES',
      'error',
      i,
      day[i],
      `${dayToIso(day[i])} comes after ${dayToIso(day[i - 1])} (line ${raw.line[i - 1]}); ${t.descents} row(s) out of order`,
      t.descents,
    );
  }
  for (const [dup, kept] of t.duplicates) {
    const same = sameRow(raw, dup, kept);
    add(
      'DUPLICATE_DATE',
      'error',
      dup,
      day[dup],
      `${dayToIso(day[dup])} already on line ${raw.line[kept]}${same ? ' (identical row)' : ' with different values'}`,
    );
  }

  const order = t.order;
  const m = order.length;
  const s = scratch(m);
  const nv = scanBars(order, open, high, low, close, volume, s.flags, s.valid, s.flaggedK, s.flaggedJ);
  const flagged = scanFlagged;
  if (flagged > 0) {
    barIssues(raw, order, s.flags, s.flaggedK, flagged, add);
    moveIssues(raw, order, s.flags, s.valid, nv, s.flaggedK, s.flaggedJ, flagged, add);
  }
  if (calendar !== undefined && m > 0) verifySessions(raw, order, calendar, add);

  const rank = (c: IssueCode) => ISSUE_CODES.indexOf(c);
  return issues.sort((a, b) => a.line - b.line || rank(a.code) - rank(b.code));
}

type AddIssue = (code: IssueCode, severity: IssueSeverity, row: number, day: number, detail: string, count?: number) => void;

function addIssue(
  issues: DataIssue[],
  raw: RawBars,
  code: IssueCode,
  severity: IssueSeverity,
  row: number,
  day: number,
  detail: string,
  count: number,
): void {
  issues.push({ symbol: raw.symbol, code, severity, barIndex: row, day, line: raw.line[row], detail, count });
}

/** How many bars the last scanBars flagged (0 lets the cold passes be skipped). */
let scanFlagged = 0;

interface Scratch {
  flags: Uint8Array;
  valid: Int32Array;
  flaggedK: Int32Array;
  flaggedJ: Int32Array;
}

let scratchSpace: Scratch = { flags: new Uint8Array(0), valid: new Int32Array(0), flaggedK: new Int32Array(0), flaggedJ: new Int32Array(0) };

/**
 * Work arrays for verifyBars, reused across calls (verifyBars is synchronous and does not keep
 * them): allocating four typed arrays per symbol showed up in warm loads of 900 symbols.
 */
function scratch(m: number): Scratch {
  if (scratchSpace.flags.length < m + 1) {
    const size = Math.max(m + 1, 4096);
    scratchSpace = { flags: new Uint8Array(size), valid: new Int32Array(size), flaggedK: new Int32Array(size), flaggedJ: new Int32Array(size) };
  }
  return scratchSpace;
}

/**
 * The hot scan, over every bar in time order: sets the F_* flags and collects
 * - the positions of bars with real prices (all positive, not a flat zero-volume placeholder)
 *   into `valid` (returns how many);
 * - the positions of flagged bars into `flaggedK`, with their index in `valid` (or -1) in
 *   `flaggedJ`, how many in `scanFlagged`.
 * F_BIG_MOVE compares with the previous valid bar's close.
 *
 * Flags come from conditional expressions that run on every bar, and the lists are written
 * without branches (always write, advance only when flagged): V8 deoptimises a loop the first
 * time a rarely-taken `if (...) { ... }` runs, and these loops run over every bar of every
 * symbol on every load.
 */
function scanBars(
  order: Int32Array,
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  flags: Uint8Array,
  valid: Int32Array,
  flaggedK: Int32Array,
  flaggedJ: Int32Array,
): number {
  const up = 1 + RANGE_TOLERANCE_FRAC;
  const down = 1 - RANGE_TOLERANCE_FRAC;
  const spike = SPIKE_RATIO;
  const shift = DECIMAL_SHIFT_RATIO;
  let nv = 0;
  let flagged = 0;
  let prevClose = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const c = close[i];
    const v = volume[i];
    const nonPositive = o > 0 && h > 0 && l > 0 && c > 0 ? 0 : F_NON_POSITIVE;
    const flat = h === l && o === h && c === h && v === 0 ? F_FLAT : 0;
    const negativeVolume = v < 0 ? F_NEGATIVE_VOLUME : 0;
    const inverted = h < l ? F_HIGH_BELOW_LOW : 0;
    const hi = h * up;
    const lo = l * down;
    const openOutside = o > hi || o < lo ? F_OPEN_OUTSIDE : 0;
    const closeOutside = c > hi || c < lo ? F_CLOSE_OUTSIDE : 0;
    // With o and c inside [lo, hi] and hi <= shift * lo, no price is `shift` times another.
    const wide = hi > shift * lo ? F_WIDE : 0;
    const isValid = (nonPositive | flat) === 0;
    const big = isValid && nv > 0 && (c > spike * prevClose || c * spike < prevClose) ? F_BIG_MOVE : 0;
    const range = inverted === 0 ? openOutside | closeOutside : inverted;
    const f = nonPositive | flat | negativeVolume | range | wide | big;
    flags[k] = f;
    flaggedK[flagged] = k;
    flaggedJ[flagged] = isValid ? nv : -1;
    flagged += f === 0 ? 0 : 1;
    valid[nv] = k;
    nv += isValid ? 1 : 0;
    prevClose = isValid ? c : prevClose;
  }
  scanFlagged = flagged;
  return nv;
}

/** Issues of single bars: prices, volume, range, flat bars. */
function barIssues(raw: RawBars, order: Int32Array, flags: Uint8Array, flaggedK: Int32Array, flagged: number, add: AddIssue): void {
  const { open, high, low, close, volume, day } = raw;
  for (let q = 0; q < flagged; q++) {
    const k = flaggedK[q];
    const f = flags[k] & ~(F_BIG_MOVE | F_WIDE);
    if (f === 0) continue;
    const i = order[k];
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const c = close[i];
    const d = day[i];
    const date = dayToIso(d);
    if (f & F_NON_POSITIVE) add('NON_POSITIVE_PRICE', 'error', i, d, `${date}: open ${fmt(o)} high ${fmt(h)} low ${fmt(l)} close ${fmt(c)}`);
    if (f & F_NEGATIVE_VOLUME) add('NEGATIVE_VOLUME', 'error', i, d, `${date}: volume ${fmt(volume[i])}`);
    if (f & F_HIGH_BELOW_LOW) add('HIGH_BELOW_LOW', 'error', i, d, `${date}: high ${fmt(h)} < low ${fmt(l)}`);
    if (f & F_OPEN_OUTSIDE) add('OPEN_OUTSIDE_RANGE', 'error', i, d, `${date}: open ${fmt(o)} outside low ${fmt(l)} .. high ${fmt(h)}`);
    if (f & F_CLOSE_OUTSIDE) add('CLOSE_OUTSIDE_RANGE', 'error', i, d, `${date}: close ${fmt(c)} outside low ${fmt(l)} .. high ${fmt(h)}`);
    if (f & F_FLAT) add('ZERO_RANGE_BAR', 'warn', i, d, `${date}: flat at ${fmt(c)} with zero volume`);
  }
}

const isShifted = (x: number, ref: number): boolean => x > DECIMAL_SHIFT_RATIO * ref || x * DECIMAL_SHIFT_RATIO < ref;

/** BAD_TICK, SUSPECT_SPLIT and LARGE_GAP: a closer look at the flagged bars among the valid ones. */
function moveIssues(
  raw: RawBars,
  order: Int32Array,
  flags: Uint8Array,
  valid: Int32Array,
  nv: number,
  flaggedK: Int32Array,
  flaggedJ: Int32Array,
  flagged: number,
  add: AddIssue,
): void {
  const { open, high, low, close, volume, day } = raw;
  const closeAt = (j: number) => close[order[valid[j]]];
  const ticks = new Set<number>();
  for (let q = 0; q < flagged; q++) {
    const j = flaggedJ[q];
    const f = flags[flaggedK[q]];
    if (j < 0 || (f & (F_BIG_MOVE | F_WIDE | F_RANGE)) === 0) continue;
    const i = order[valid[j]];
    const c = close[i];
    // Reference close: the previous valid bar's; for the first bar the next one.
    const ref = j >= 1 ? closeAt(j - 1) : j + 1 < nv ? closeAt(j + 1) : c;
    const reasons: string[] = [];
    if (f & F_BIG_MOVE && j + 1 < nv && takenBack(c / ref, closeAt(j + 1) / c)) {
      reasons.push(`close ${fmt(c)} between ${fmt(ref)} and ${fmt(closeAt(j + 1))} (x${fmt(c / ref)}, taken back the next bar)`);
    }
    for (const [name, x] of [
      ['open', open[i]],
      ['high', high[i]],
      ['low', low[i]],
    ] as const) {
      if (isShifted(x, c) && isShifted(x, ref)) reasons.push(`${name} ${fmt(x)} against close ${fmt(c)} (decimal shift?)`);
    }
    if (reasons.length === 0) continue;
    ticks.add(j);
    add('BAD_TICK', 'error', i, day[i], `${dayToIso(day[i])}: ${reasons.join('; ')}`);
  }
  for (let q = 0; q < flagged; q++) {
    const j = flaggedJ[q];
    if (j < 1 || (flags[flaggedK[q]] & F_BIG_MOVE) === 0 || ticks.has(j) || ticks.has(j - 1)) continue;
    const i = order[valid[j]];
    const cp = closeAt(j - 1);
    const c = close[i];
    const ratio = c / cp;
    if (j + 1 < nv && takenBack(ratio, closeAt(j + 1) / c)) continue;
    const gap = open[i] / cp;
    const move = `close ${fmt(cp)} -> ${fmt(c)} (x${fmt(ratio)}), open ${fmt(open[i])} (x${fmt(gap)})`;
    const near = nearSplitRatio(ratio);
    let why: string;
    if (near === 0) why = 'not near a split ratio';
    else if (nearSplitRatio(gap) !== near) why = `the open did not gap by the ${splitLabel(near)} ratio (a move during the day, not a split)`;
    else {
      const usual = medianVolumeBefore(volume, order, valid, j, SPLIT_VOLUME_LOOKBACK_BARS);
      const dollarJump = usual > 0 ? (volume[i] * ratio) / usual : Number.NaN;
      // A stock that moved this much on ordinary days anyway (2008) gives no evidence of a split.
      const calm = medianAbsLogMoveBefore(close, order, valid, j, SPLIT_VOLUME_LOOKBACK_BARS);
      if (calm > 0 && Math.abs(Math.log(ratio)) < SPLIT_CALM_MULTIPLE * calm) why = `near a ${splitLabel(near)} but in a stock that moves this much anyway`;
      // A real move this size trades heavy dollar volume; an unadjusted split does not.
      else if (dollarJump > SPLIT_DOLLAR_VOLUME_JUMP_MAX) why = `near a ${splitLabel(near)} but on dollar volume x${fmt(dollarJump)} of usual`;
      else {
        add(
          'SUSPECT_SPLIT',
          'error',
          i,
          day[i],
          `${dayToIso(day[i])}: ${move}, near a ${splitLabel(near)}, not taken back, ` +
            (Number.isNaN(dollarJump) ? 'no volume to tell' : `dollar volume x${fmt(dollarJump)} of usual`),
        );
        continue;
      }
    }
    add(
      'LARGE_GAP',
      'warn',
      i,
      day[i],
      `${dayToIso(day[i])}: ${move}, not taken back, ${why}: a merger, spin-off or real crash? trades held across it are flagged`,
    );
  }
}

/** The split ratio (SPLIT_RATIOS) within SPLIT_RATIO_TOLERANCE_FRAC of `ratio`, else 0. */
function nearSplitRatio(ratio: number): number {
  const x = Math.log(ratio);
  for (const r of SPLIT_RATIOS) if (Math.abs(x - Math.log(r)) < LN_SPLIT_TOL) return r;
  return 0;
}

/** Median volume of up to `lookback` valid bars before position j (0 when none or all zero). */
function medianVolumeBefore(volume: Float64Array, order: Int32Array, valid: Int32Array, j: number, lookback: number): number {
  const from = Math.max(0, j - lookback);
  const v: number[] = [];
  for (let q = from; q < j; q++) v.push(volume[order[valid[q]]]);
  if (v.length === 0) return 0;
  v.sort((a, b) => a - b);
  return v[v.length >> 1];
}

/** Median |ln(close move)| of up to `lookback` moves before position j (0 with fewer than 5). */
function medianAbsLogMoveBefore(close: Float64Array, order: Int32Array, valid: Int32Array, j: number, lookback: number): number {
  const from = Math.max(1, j - lookback);
  const v: number[] = [];
  for (let q = from; q < j; q++) v.push(Math.abs(Math.log(close[order[valid[q]]] / close[order[valid[q - 1]]])));
  if (v.length < 5) return 0;
  v.sort((a, b) => a - b);
  return v[v.length >> 1];
}

/**
 * Does the move `back` (a ratio) take back the move `up`: the opposite way, leaving a net move
 * of less than half the first in log terms? |ln(up * back)| < |ln up| / 2 is computed without
 * logs as (up * back)^2 inside (1/U, U) with U = max(up, 1/up).
 */
function takenBack(up: number, back: number): boolean {
  const opposite = up > 1 ? back < 1 : back > 1;
  const size = up > 1 ? up : 1 / up;
  const net2 = up * back * (up * back);
  return opposite && net2 < size && net2 * size > 1;
}

/** Where a symbol lacks sessions: counted in a hot loop, the first few kept for the report. */
function verifySessions(raw: RawBars, order: Int32Array, calendar: Int32Array, add: AddIssue): void {
  const { day } = raw;
  const m = order.length;
  const first = day[order[0]];
  const last = day[order[m - 1]];
  const keep = Math.max(MISSING_SESSION_SHOWN, MISSING_SESSION_LIST_MAX);
  const sessions = new Int32Array(keep);
  const rows = new Int32Array(keep);
  const missing = scanSessions(day, order, calendar, lowerBound(calendar, first), upperBound(calendar, last), sessions, rows, keep);
  if (missing === 0) return;
  if (missing <= MISSING_SESSION_LIST_MAX) {
    for (let q = 0; q < missing; q++) add('MISSING_SESSION', 'warn', rows[q], sessions[q], `no bar for session ${dayToIso(sessions[q])}`);
    return;
  }
  const shown = Array.from(sessions.subarray(0, Math.min(missing, MISSING_SESSION_SHOWN)), dayToIso);
  const more = missing > shown.length ? ', ...' : '';
  add(
    'MISSING_SESSION',
    'warn',
    rows[0],
    sessions[0],
    `${missing} sessions missing between ${dayToIso(first)} and ${dayToIso(last)}: ${shown.join(', ')}${more}`,
    missing,
  );
}

/** Counts calendar[from..to) days without a bar; the first ones go to sessions/rows (row: the next bar). */
function scanSessions(
  day: Int32Array,
  order: Int32Array,
  calendar: Int32Array,
  from: number,
  to: number,
  sessions: Int32Array,
  rows: Int32Array,
  keep: number,
): number {
  const m = order.length;
  let k = 0;
  let missing = 0;
  for (let c = from; c < to; c++) {
    const session = calendar[c];
    while (k < m && day[order[k]] < session) k++;
    if (k < m && day[order[k]] === session) continue;
    // k is the first bar after the missing session (there is one: session <= last).
    if (missing < keep) {
      sessions[missing] = session;
      rows[missing] = order[k];
    }
    missing++;
  }
  return missing;
}

export type BadDataPolicy = 'warn' | 'mask' | 'skip-symbol' | 'fail';
export const BAD_DATA_POLICIES: readonly BadDataPolicy[] = ['warn', 'mask', 'skip-symbol', 'fail'];

export type SymbolStatus = 'ok' | 'masked' | 'skipped';

/** One row of the per-symbol data report. */
export interface SymbolDataReport {
  readonly symbol: string;
  readonly file: string;
  readonly format: string;
  /** Rows read from the file. */
  readonly rawBars: number;
  /** Bars in the clean series (0 when skipped). */
  readonly bars: number;
  /** Occurrences of error / warn issues (compacted issues count in full). */
  readonly errors: number;
  readonly warnings: number;
  /** Bars removed by the policy (duplicates dropped by sorting are not counted). */
  readonly masked: number;
  readonly status: SymbolStatus;
  /** Why the symbol was skipped, else null. */
  readonly reason: string | null;
}

export interface PolicyResult {
  readonly series: BarSeries | null;
  readonly masked: number;
  readonly report: SymbolDataReport;
}

/** Codes that `mask` removes bars for (besides SUSPECT_SPLIT, which cuts the history). */
const MASKED_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>([
  'NON_POSITIVE_PRICE',
  'NEGATIVE_VOLUME',
  'HIGH_BELOW_LOW',
  'OPEN_OUTSIDE_RANGE',
  'CLOSE_OUTSIDE_RANGE',
  'BAD_TICK',
  // Flat, zero-volume bars are days without trading: a fill there would be fiction.
  'ZERO_RANGE_BAR',
]);

function countBySeverity(issues: readonly DataIssue[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const x of issues) {
    if (x.severity === 'error') errors += x.count;
    else warnings += x.count;
  }
  return { errors, warnings };
}

/** The input error `fail` throws: the first error-severity issue, and how many more there are. */
export function badDataError(first: DataIssue, file: string, moreErrors: number, moreSymbols = 0): KobeError {
  const more =
    moreErrors > 0 ? ` (and ${moreErrors} more error${moreErrors === 1 ? '' : 's'}${moreSymbols > 0 ? ` in ${moreSymbols + 1} symbols` : ''})` : '';
  return inputError('BAD_DATA', `${first.symbol}: ${first.code}: ${first.detail}${more}`, {
    file,
    line: first.line,
    value: first.code,
    hint: 'fix the file, or choose another bad-data policy: warn (keep and report), mask (drop bad bars) or skip-symbol',
  });
}

/**
 * Applies a bad-data policy to one symbol's bars and its issues (from verifyBars):
 * - `warn`: keeps every bar (sorted; of duplicate dates the first row) and reports the issues.
 * - `mask`: drops the bars with error issues and flat zero-volume bars (they become missing
 *   sessions); both rows of a duplicate date with different values (the first of identical
 *   ones is kept); and for a SUSPECT_SPLIT every bar before the split, so nothing trades
 *   across it. Unsorted rows are sorted. So under `mask` no error is left in the series;
 *   LARGE_GAP and the other warnings stay (the bars are real).
 * - `skip-symbol`: no series when there is any error-severity issue.
 * - `fail`: throws an input error (file, line, problem) for the first error-severity issue.
 */
export function applyBadDataPolicy(raw: RawBars, issues: readonly DataIssue[], policy: BadDataPolicy): PolicyResult {
  const mine = issues.filter((x) => x.symbol === raw.symbol);
  const { errors, warnings } = countBySeverity(mine);
  const t = timeOrder(raw.day);
  const base = { symbol: raw.symbol, file: raw.file, format: raw.format, rawBars: raw.day.length, errors, warnings };
  const skipped = (reason: string, masked = 0): PolicyResult => ({
    series: null,
    masked,
    report: { ...base, bars: 0, masked, status: 'skipped', reason },
  });

  if (raw.day.length === 0) return skipped('no bars');
  if (errors > 0 && (policy === 'fail' || policy === 'skip-symbol')) {
    const errs = mine.filter((x) => x.severity === 'error').sort((a, b) => a.line - b.line);
    if (policy === 'fail') throw badDataError(errs[0], raw.file, errors - errs[0].count);
    return skipped(`${errors} data error${errors === 1 ? '' : 's'}, first ${errs[0].code} on line ${errs[0].line}`);
  }

  let keep: Int32Array = t.order;
  let masked = 0;
  if (policy === 'mask' && mine.length > 0) {
    const n = raw.day.length;
    const drop = new Uint8Array(n);
    let cut = 0;
    const badDupDays = new Set<number>();
    for (const x of mine) {
      if (MASKED_CODES.has(x.code)) drop[x.barIndex] = 1;
      else if (x.code === 'SUSPECT_SPLIT') cut = Math.max(cut, t.order.indexOf(x.barIndex));
    }
    for (const [dup, kept] of t.duplicates) if (!sameRow(raw, dup, kept)) badDupDays.add(raw.day[dup]);
    const out = new Int32Array(t.order.length);
    let m = 0;
    for (let k = cut; k < t.order.length; k++) {
      const i = t.order[k];
      if (drop[i] || (badDupDays.size > 0 && badDupDays.has(raw.day[i]))) continue;
      out[m++] = i;
    }
    masked = t.order.length - m;
    keep = out.subarray(0, m);
    if (m === 0) return skipped('every bar was masked', masked);
  }

  const series = gather(raw, keep, t.identity && keep.length === raw.day.length);
  return {
    series,
    masked,
    report: { ...base, bars: keep.length, masked, status: masked > 0 ? 'masked' : 'ok', reason: null },
  };
}

/** The rows `keep` as a BarSeries; views over the raw columns when nothing is reordered. */
function gather(raw: RawBars, keep: Int32Array, asIs: boolean): BarSeries {
  if (asIs) {
    return { symbol: raw.symbol, day: raw.day, open: raw.open, high: raw.high, low: raw.low, close: raw.close, volume: raw.volume };
  }
  const m = keep.length;
  const s = {
    symbol: raw.symbol,
    day: new Int32Array(m),
    open: new Float64Array(m),
    high: new Float64Array(m),
    low: new Float64Array(m),
    close: new Float64Array(m),
    volume: new Float64Array(m),
  };
  for (let k = 0; k < m; k++) {
    const i = keep[k];
    s.day[k] = raw.day[i];
    s.open[k] = raw.open[i];
    s.high[k] = raw.high[i];
    s.low[k] = raw.low[i];
    s.close[k] = raw.close[i];
    s.volume[k] = raw.volume[i];
  }
  return s;
}

export interface SessionCalendarOptions {
  /**
   * A day is a session when at least this share of the symbols trading around it (first bar
   * <= day <= last bar) has a bar on it. 0 (default) gives the plain union of all days.
   */
  readonly minShare?: number;
}

/**
 * The market's session days from the symbols' days (each strictly increasing, as in a
 * BarSeries): by default the union. With `minShare` 0.5 a stray date in one file (a bar on a
 * holiday) does not become a session everyone else then "misses".
 */
export function buildSessionCalendar(series: ReadonlyArray<{ readonly day: Int32Array }>, opts: SessionCalendarOptions = {}): Int32Array {
  const minShare = opts.minShare ?? 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.day.length === 0) continue;
    lo = Math.min(lo, s.day[0]);
    hi = Math.max(hi, s.day[s.day.length - 1]);
  }
  if (lo > hi) return new Int32Array(0);
  const span = hi - lo + 1;
  const present = new Int32Array(span);
  const cover = new Int32Array(span + 1);
  for (const s of series) {
    const d = s.day;
    if (d.length === 0) continue;
    for (let k = 0; k < d.length; k++) present[d[k] - lo]++;
    cover[d[0] - lo]++;
    cover[d[d.length - 1] - lo + 1]--;
  }
  let count = 0;
  let live = 0;
  const isSession = new Uint8Array(span);
  for (let x = 0; x < span; x++) {
    live += cover[x];
    if (present[x] > 0 && present[x] >= minShare * live) {
      isSession[x] = 1;
      count++;
    }
  }
  const out = new Int32Array(count);
  let j = 0;
  for (let x = 0; x < span; x++) if (isSession[x]) out[j++] = lo + x;
  return out;
}
