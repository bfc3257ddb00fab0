import { inputError } from '../core/errors.js';

/**
 * Which historical trades a confidence model may learn from. A trade's outcome (won after costs
 * or not) is known only once it has closed, so the model used on day D learns from exactly the
 * trades that closed BEFORE D: a trade signalled before D but still open at D would leak its
 * outcome into the model, the look-ahead this file exists to prevent.
 *
 * Folds for training (fit on the oldest, calibrate on the next, evaluate on the newest), cut at
 * two days c < h:
 *   fit        closeDay  <  c                      (the model used from c on sees only these)
 *   calibrate  signalDay >= c  and  closeDay < h    (scored by that model out of sample)
 *   held-out   signalDay >= h                       (scored by model + calibration, both of which
 *                                                   saw only trades closed before h)
 *   purged     the rest: trades open across a cut (signalled before it, closed on or after it);
 *              they belong to no fold, since the fold before would see their outcome too late
 *              and the fold after would score a signal taken before its model existed.
 * Rows need not be sorted; fold members are returned as row indices in input order.
 */

export interface TradeDays {
  /** Day number of the signal's close (the features are known then). */
  readonly signalDays: Int32Array;
  /** Day number the trade closed (its outcome known from then on); >= its signal day. */
  readonly closeDays: Int32Array;
}

export interface DayWindow {
  /** Earliest signal day of the fold's rows. */
  readonly from: number;
  /** Latest close day of the fold's rows. */
  readonly to: number;
}

export interface FoldSplit {
  /** First day of the calibrate fold: the fit fold holds trades closed before it. */
  readonly calibrateFrom: number;
  /** First day of the held-out fold: the calibrate fold holds trades closed before it. */
  readonly heldOutFrom: number;
  readonly fit: Int32Array;
  readonly calibrate: Int32Array;
  readonly heldOut: Int32Array;
  readonly purged: Int32Array;
  /** Span of each fold's rows; null for an empty fold. */
  readonly windows: { readonly fit: DayWindow | null; readonly calibrate: DayWindow | null; readonly heldOut: DayWindow | null };
}

export interface FoldFractions {
  /** Share of the distinct signal days before the calibrate fold; in (0, 1). */
  readonly fitFrac: number;
  /** Share of the distinct signal days in the calibrate fold; fitFrac + calibrateFrac < 1. */
  readonly calibrateFrac: number;
}

function bad(parameter: string, message: string, value: unknown, hint: string): never {
  throw inputError('BAD_CONFIDENCE_INPUT', `${parameter} ${message}`, { value, hint });
}

export function checkTradeDays(days: TradeDays): void {
  const { signalDays, closeDays } = days;
  if (signalDays.length !== closeDays.length) {
    bad('closeDays', `has ${closeDays.length} values for ${signalDays.length} signalDays`, closeDays.length, 'give one signal day and one close day per trade');
  }
  for (let i = 0; i < signalDays.length; i++) {
    if (closeDays[i] < signalDays[i]) {
      bad(`closeDays[${i}]`, `(${closeDays[i]}) is before its signal day (${signalDays[i]})`, closeDays[i], 'a trade closes on or after the day it was signalled');
    }
  }
}

function checkDay(parameter: string, day: number): void {
  if (!Number.isInteger(day)) bad(parameter, `must be a whole day number, was ${day}`, day, 'days are integer day numbers (days since 1970-01-01)');
}

/** Indices of the trades the model used on `day` may learn from: those closed before it. */
export function trainingRowsFor(days: TradeDays, day: number): Int32Array {
  checkTradeDays(days);
  checkDay('day', day);
  const out: number[] = [];
  for (let i = 0; i < days.closeDays.length; i++) if (days.closeDays[i] < day) out.push(i);
  return Int32Array.from(out);
}

function windowOf(days: TradeDays, rows: readonly number[]): DayWindow | null {
  if (rows.length === 0) return null;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const i of rows) {
    from = Math.min(from, days.signalDays[i]);
    to = Math.max(to, days.closeDays[i]);
  }
  return { from, to };
}

/** Fit / calibrate / held-out folds cut at calibrateFrom < heldOutFrom (see the file comment). */
export function splitByDates(days: TradeDays, calibrateFrom: number, heldOutFrom: number): FoldSplit {
  checkTradeDays(days);
  checkDay('calibrateFrom', calibrateFrom);
  checkDay('heldOutFrom', heldOutFrom);
  if (!(calibrateFrom < heldOutFrom)) {
    bad('heldOutFrom', `(${heldOutFrom}) must be after calibrateFrom (${calibrateFrom})`, heldOutFrom, 'the folds are fit, then calibrate, then held-out, in time order');
  }
  const fit: number[] = [];
  const calibrate: number[] = [];
  const heldOut: number[] = [];
  const purged: number[] = [];
  const { signalDays, closeDays } = days;
  for (let i = 0; i < signalDays.length; i++) {
    if (closeDays[i] < calibrateFrom) fit.push(i);
    else if (signalDays[i] >= heldOutFrom) heldOut.push(i);
    else if (signalDays[i] >= calibrateFrom && closeDays[i] < heldOutFrom) calibrate.push(i);
    else purged.push(i);
  }
  return {
    calibrateFrom,
    heldOutFrom,
    fit: Int32Array.from(fit),
    calibrate: Int32Array.from(calibrate),
    heldOut: Int32Array.from(heldOut),
    purged: Int32Array.from(purged),
    windows: { fit: windowOf(days, fit), calibrate: windowOf(days, calibrate), heldOut: windowOf(days, heldOut) },
  };
}

/**
 * Cut days from fractions of the distinct signal days: with U of them in order, calibrate starts
 * on U[floor(fitFrac * U)] and held-out on U[floor((fitFrac + calibrateFrac) * U)]. Each fold
 * starts on a signal day, so none is empty of signals.
 */
export function chooseCuts(days: TradeDays, fractions: FoldFractions): { calibrateFrom: number; heldOutFrom: number } {
  checkTradeDays(days);
  const { fitFrac, calibrateFrac } = fractions;
  if (!(fitFrac > 0 && fitFrac < 1)) bad('fitFrac', `must be in (0, 1), was ${fitFrac}`, fitFrac, 'e.g. 0.6 fits on the oldest 60% of signal days');
  if (!(calibrateFrac > 0 && fitFrac + calibrateFrac < 1)) {
    bad('calibrateFrac', `must be > 0 with fitFrac + calibrateFrac < 1, was ${calibrateFrac} (fitFrac ${fitFrac})`, calibrateFrac, 'e.g. 0.2, leaving 0.2 held out');
  }
  const unique = Int32Array.from(new Set(days.signalDays)).sort();
  const u = unique.length;
  const c = Math.floor(fitFrac * u);
  const h = Math.floor((fitFrac + calibrateFrac) * u);
  if (c < 1 || h <= c || h >= u) {
    bad('signalDays', `hold ${u} distinct days, too few to cut into fit / calibrate / held-out folds at ${fitFrac} and ${fitFrac + calibrateFrac}`, u, 'train on a longer history');
  }
  return { calibrateFrom: unique[c], heldOutFrom: unique[h] };
}

/** splitByDates at the cuts chooseCuts picks. */
export function splitFolds(days: TradeDays, fractions: FoldFractions): FoldSplit {
  const { calibrateFrom, heldOutFrom } = chooseCuts(days, fractions);
  return splitByDates(days, calibrateFrom, heldOutFrom);
}
