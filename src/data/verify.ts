import { dayToIso, lowerBound, upperBound } from '../core/calendar.js';
import {
  type AddIssue,
  DECIMAL_SHIFT_RATIO,
  type DataIssue,
  ISSUE_CODES,
  type IssueCode,
  type IssueSeverity,
  MISSING_SESSION_LIST_MAX,
  SPLIT_CALM_MULTIPLE,
  SPLIT_DOLLAR_VOLUME_JUMP_MAX,
  SPLIT_RATIO_TOLERANCE_FRAC,
  SPLIT_RATIOS,
  SPLIT_VOLUME_LOOKBACK_BARS,
} from './data-issue.js';
import type { RawBars } from './parse-bars.js';
import { sameRow, timeOrder } from './time-order.js';
import {
  F_BIG_MOVE,
  F_CLOSE_OUTSIDE,
  F_FLAT,
  F_HIGH_BELOW_LOW,
  F_NEGATIVE_VOLUME,
  F_NON_POSITIVE,
  F_OPEN_OUTSIDE,
  F_RANGE,
  F_WIDE,
  flaggedByLastScan,
  scanBars,
  scratch,
} from './verify-scan.js';

/**
 * Data-quality checks on parsed bars (pure: no I/O, no clock). The codes, severities and
 * thresholds are in data-issue.ts, the hot scan in verify-scan.ts, and the bad-data policies
 * that turn checked bars into a clean BarSeries in bad-data-policy.ts.
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

const MISSING_SESSION_SHOWN = 5;

const LN_SPLIT_TOL = Math.log(1 + SPLIT_RATIO_TOLERANCE_FRAC);

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

function splitLabel(ratio: number): string {
  // ratio = new close / old close; a 2:1 split halves the price.
  const k = ratio < 1 ? 1 / ratio : ratio;
  const pair = Math.abs(k - 1.5) < 1e-9 ? ['3', '2'] : [fmt(k), '1'];
  return ratio < 1 ? `${pair[0]}:${pair[1]} split` : `${pair[1]}:${pair[0]} reverse split`;
}

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
  const flagged = flaggedByLastScan();
  if (flagged > 0) {
    barIssues(raw, order, s.flags, s.flaggedK, flagged, add);
    moveIssues(raw, order, s.flags, s.valid, nv, s.flaggedK, s.flaggedJ, flagged, add);
  }
  if (calendar !== undefined && m > 0) verifySessions(raw, order, calendar, add);

  const rank = (c: IssueCode) => ISSUE_CODES.indexOf(c);
  return issues.sort((a, b) => a.line - b.line || rank(a.code) - rank(b.code));
}

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
