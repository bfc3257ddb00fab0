import type { BarSeries } from '../core/bar-series.js';
import { dayToIso, lowerBound } from '../core/calendar.js';
import { usageError } from '../core/errors.js';
import { locationScale, type ScaleMethod } from './location-scale.js';

/**
 * Anomalies in today's bar, for the end-of-day report: three z-scores per symbol, each of today's
 * value against the trailing window of the sessions before it (today excluded, nothing after
 * today read: the figures for a day never change when later bars arrive).
 *
 *   return  ln(close_t / close_{t-1})   close-to-close log return
 *   gap     ln(open_t / close_{t-1})    the overnight gap
 *   volume  ln(volume_t)                log volume: volume is skewed and multiplicative, a 3x
 *                                       day is as unusual at 1M shares as at 100M
 *
 *   z = (value_t - centre) / scale   over value_{t-W} .. value_{t-1} (W = windowSessions, 60)
 *
 * centre and scale are median and 1.4826 x MAD by default (robust; location-scale.ts says why),
 * or mean and sd. Flagged when |z| >= threshold (4 for return and gap, 4 for volume). A session
 * is a row of the series, so a missing session makes the next return span two days; values that
 * cannot be formed (a non-positive or NaN price or volume, as masked bad bars are) are left out
 * of the window, and fewer than minSessions (30) usable values give no verdict, with the reason.
 */

export type AnomalyKind = 'return' | 'gap' | 'volume';

export interface AnomalyOptions {
  /** Trailing sessions before today in the window; default 60. */
  readonly windowSessions?: number;
  /** Fewest usable values in the window for a verdict; default 30. */
  readonly minSessions?: number;
  /** |z| threshold for return and gap; default 4. */
  readonly priceThreshold?: number;
  /** |z| threshold for volume; default 4. */
  readonly volumeThreshold?: number;
  /** Centre and scale: 'robust' (median, MAD; default) or 'classic' (mean, sd). */
  readonly scale?: ScaleMethod;
}

export const ANOMALY_DEFAULTS = {
  windowSessions: 60,
  minSessions: 30,
  priceThreshold: 4,
  volumeThreshold: 4,
  scale: 'robust' as ScaleMethod,
} as const;

export interface AnomalyFigure {
  readonly symbol: string;
  readonly day: number;
  /** ISO date of `day`. */
  readonly date: string;
  readonly kind: AnomalyKind;
  /** Today's z-scored value: the log return, log gap or log volume. */
  readonly value: number;
  /** The same in plain units: a simple return or gap (fraction), or the volume in shares. */
  readonly plainValue: number;
  /** Centre and scale of the trailing window (log units). */
  readonly center: number;
  readonly scale: number;
  readonly z: number;
  readonly threshold: number;
  /** |z| >= threshold. */
  readonly flagged: boolean;
  /** Usable values in the trailing window. */
  readonly sessions: number;
  /** Set when the robust scale fell back to the mean absolute deviation (MAD was 0). */
  readonly note: string | null;
}

export interface AnomalyNoVerdict {
  readonly symbol: string;
  readonly date: string;
  /** null when nothing could be computed for the symbol (no bar today). */
  readonly kind: AnomalyKind | null;
  readonly reason: string;
}

export interface AnomalyScan {
  readonly day: number;
  readonly date: string;
  /** Every figure computed, by |z| descending (then symbol, then kind). */
  readonly figures: readonly AnomalyFigure[];
  /** The flagged figures, in the same order. */
  readonly flagged: readonly AnomalyFigure[];
  readonly noVerdict: readonly AnomalyNoVerdict[];
}

export interface PanelEntry {
  readonly symbol: string;
  readonly bars: BarSeries;
}

/** Today's anomaly figures of one symbol (see the module comment). */
export function symbolAnomalies(bars: BarSeries, today: number, options: AnomalyOptions = {}): AnomalyScan {
  return panelAnomalies([{ symbol: bars.symbol, bars }], today, options);
}

/** Today's anomaly figures of every symbol in the panel, merged and sorted by |z|. */
export function panelAnomalies(panel: readonly PanelEntry[], today: number, options: AnomalyOptions = {}): AnomalyScan {
  const opts = resolveOptions(options);
  if (!Number.isInteger(today)) throw usageError('BAD_ANOMALY_OPTION', `today must be an integer day number, was ${today}`, { param: 'today', value: today });
  const date = dayToIso(today);
  const values = new Float64Array(opts.windowSessions);
  const scratch = new Float64Array(opts.windowSessions);
  const figures: AnomalyFigure[] = [];
  const noVerdict: AnomalyNoVerdict[] = [];
  for (const { symbol, bars } of panel) {
    const t = lowerBound(bars.day, today);
    if (t >= bars.day.length || bars.day[t] !== today) {
      noVerdict.push({ symbol, date, kind: null, reason: `no bar on ${date}` });
      continue;
    }
    for (const kind of KINDS) {
      const out = figureAt(bars, t, kind, opts, values, scratch);
      if (typeof out === 'string') noVerdict.push({ symbol, date, kind, reason: out });
      else figures.push({ symbol, day: today, date, kind, ...out });
    }
  }
  figures.sort(byAbsZ);
  return { day: today, date, figures, flagged: figures.filter((f) => f.flagged), noVerdict };
}

const KINDS: readonly AnomalyKind[] = ['return', 'gap', 'volume'];

type Resolved = Required<AnomalyOptions>;

function resolveOptions(o: AnomalyOptions): Resolved {
  const r: Resolved = {
    windowSessions: o.windowSessions ?? ANOMALY_DEFAULTS.windowSessions,
    minSessions: o.minSessions ?? ANOMALY_DEFAULTS.minSessions,
    priceThreshold: o.priceThreshold ?? ANOMALY_DEFAULTS.priceThreshold,
    volumeThreshold: o.volumeThreshold ?? ANOMALY_DEFAULTS.volumeThreshold,
    scale: o.scale ?? ANOMALY_DEFAULTS.scale,
  };
  const bad = (param: string, rule: string, value: unknown) =>
    usageError('BAD_ANOMALY_OPTION', `${param} must be ${rule}, was ${String(value)}`, { param, value });
  if (!Number.isInteger(r.windowSessions) || r.windowSessions < 2 || r.windowSessions > 100_000) {
    throw bad('windowSessions', 'an integer in [2, 100000]', r.windowSessions);
  }
  if (!Number.isInteger(r.minSessions) || r.minSessions < 2 || r.minSessions > r.windowSessions) {
    throw bad('minSessions', `an integer in [2, windowSessions = ${r.windowSessions}]`, r.minSessions);
  }
  for (const p of ['priceThreshold', 'volumeThreshold'] as const) {
    if (!(r[p] > 0 && Number.isFinite(r[p]))) throw bad(p, 'a positive number', r[p]);
  }
  if (r.scale !== 'robust' && r.scale !== 'classic') throw bad('scale', "'robust' or 'classic'", r.scale);
  return r;
}

/** Log value of `kind` at row i (NaN when it cannot be formed). */
function logValue(bars: BarSeries, i: number, kind: AnomalyKind): number {
  if (kind === 'volume') {
    const v = bars.volume[i];
    return v > 0 && Number.isFinite(v) ? Math.log(v) : Number.NaN;
  }
  if (i < 1) return Number.NaN;
  const prev = bars.close[i - 1];
  const now = kind === 'return' ? bars.close[i] : bars.open[i];
  return prev > 0 && now > 0 && Number.isFinite(prev) && Number.isFinite(now) ? Math.log(now / prev) : Number.NaN;
}

type FigureBody = Omit<AnomalyFigure, 'symbol' | 'day' | 'date' | 'kind'>;

function figureAt(bars: BarSeries, t: number, kind: AnomalyKind, opts: Resolved, values: Float64Array, scratch: Float64Array): FigureBody | string {
  const value = logValue(bars, t, kind);
  if (Number.isNaN(value)) {
    if (kind === 'volume') return `today's volume is ${bars.volume[t]}; a log volume needs a positive number`;
    return t === 0 ? 'no previous close' : `today's ${kind} cannot be formed (a price is missing or not positive)`;
  }
  let count = 0;
  for (let i = Math.max(0, t - opts.windowSessions); i < t; i++) {
    const x = logValue(bars, i, kind);
    if (!Number.isNaN(x)) values[count++] = x;
  }
  if (count < opts.minSessions) {
    return `only ${count} usable ${kind} values in the ${opts.windowSessions} sessions before today; need ${opts.minSessions}`;
  }
  const ls = locationScale(values, count, opts.scale, scratch);
  if (Number.isNaN(ls.scale)) return `the trailing ${kind} values do not vary, so there is no scale to measure today's against`;
  const z = (value - ls.center) / ls.scale;
  const threshold = kind === 'volume' ? opts.volumeThreshold : opts.priceThreshold;
  return {
    value,
    plainValue: kind === 'volume' ? bars.volume[t] : Math.expm1(value),
    center: ls.center,
    scale: ls.scale,
    z,
    threshold,
    flagged: Math.abs(z) >= threshold,
    sessions: count,
    note: ls.meanAdFallback ? 'MAD was 0; scale from the mean absolute deviation' : null,
  };
}

function byAbsZ(a: AnomalyFigure, b: AnomalyFigure): number {
  return Math.abs(b.z) - Math.abs(a.z) || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind);
}
