/**
 * The vocabulary of the data check (verify.ts): issue codes, their severity, one issue, and the
 * thresholds that define them. The codes are documented in verify.ts, where they are found.
 */

/**
 * Version of the check's output: bump it whenever a change to verify.ts, verify-scan.ts,
 * time-order.ts or the thresholds below can change the issues of some data, because warm loads
 * reuse cached issues (verdict-cache.ts) keyed by it. A test pins those files' contents
 * (verdict-cache.test.ts), so an edit cannot slip by without that decision.
 */
export const CHECK_VERSION = 1;

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

/** How verifyBars' parts record an issue. */
export type AddIssue = (code: IssueCode, severity: IssueSeverity, row: number, day: number, detail: string, count?: number) => void;
