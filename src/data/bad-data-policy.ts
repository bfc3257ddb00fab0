import { barColumns, type BarSeries, takeBars } from '../core/bar-series.js';
import { inputError, type KobeError } from '../core/errors.js';
import type { DataIssue, IssueCode } from './data-issue.js';
import type { RawBars } from './parse-bars.js';
import { sameRow, timeOrder } from './time-order.js';

/**
 * The bad-data policies that turn checked bars (verify.ts) into the clean, strictly increasing
 * BarSeries the engine needs, with the per-symbol report row.
 */

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
  // Only duplicates and issues that remove bars need the masking pass: warnings alone (a
  // missing session, a large gap) keep every bar, so the pass would copy the time order.
  if (policy === 'mask' && (t.duplicates.length > 0 || mine.some((x) => MASKED_CODES.has(x.code) || x.code === 'SUSPECT_SPLIT'))) {
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

  // Nothing reordered or dropped: the raw columns themselves, else a copy of the kept rows.
  const series = t.identity && keep.length === raw.day.length ? barColumns(raw) : takeBars(raw, keep);
  return {
    series,
    masked,
    report: { ...base, bars: keep.length, masked, status: masked > 0 ? 'masked' : 'ok', reason: null },
  };
}
