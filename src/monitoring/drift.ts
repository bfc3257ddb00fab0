import type { TradeRecord } from '../backtest/metrics.js';
import { dayToIso, parseIsoDay } from '../core/calendar.js';
import { inputError, usageError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { normalQuantile } from '../validation/stats/normal.js';
import { binomialCountBand } from './binomial.js';
import { identityRows, quantileSorted, windowFigures, type WindowFigures } from './trade-window.js';

/**
 * Drift: is a strategy's recent live (or paper) record still what its backtest said to expect?
 *
 * The window is the last N closed round trips by exit (default 20). With fewer there is no
 * verdict ("insufficient: n of N") and never a stand-down. Over the window we compute win rate,
 * profit factor and per-trade Sharpe (definitions in trade-window.ts) and compare each with the
 * band a window of N trades drawn from the backtest would fall in with probability `confidence`
 * (default 95%). The bands treat the backtest's trades as independent draws from the strategy's
 * true trade distribution, which is the question asked: "could the backtested strategy plausibly
 * have produced this window?"
 *
 * - Win rate: the exact binomial band of the win count, Binomial(N, p0) with p0 the backtest's
 *   win rate (binomial.ts; the equal-tailed test of Clopper & Pearson 1934 read with p fixed).
 * - Profit factor and per-trade Sharpe, given the backtest's trade list: the nonparametric
 *   bootstrap (Efron & Tibshirani, "An Introduction to the Bootstrap", Chapman & Hall 1993,
 *   ch. 6 and 13): B resamples (default 2,000) of N trades drawn with replacement from the
 *   backtest's trades, each window's figure computed as the live one is, and the band is the
 *   alpha/2 and 1 - alpha/2 percentiles (type 7) of those B figures. A seeded generator
 *   (core/rng.ts) makes the band the same on every run and machine. Profit factor is +Infinity
 *   in a resample without losses, so an upper band edge can be unbounded (null).
 * - Per-trade Sharpe, given only a summary (mean and sd of returnFrac): the asymptotic sampling
 *   distribution of the Sharpe ratio for i.i.d. normal returns, SR_hat ~ N(SR, (1 + SR^2 / 2) / N)
 *   (A. W. Lo, "The Statistics of Sharpe Ratios", Financial Analysts Journal 58(4), 2002, eq. 9).
 *   A profit-factor band needs the trade list; from a summary it is null and cannot stand down.
 *
 * A figure below its band sets `standDown` and says which and why; above the band is reported
 * but is not a reason to stop. Each of the three checks has a lower tail of alpha/2 = 2.5%, so a
 * strategy trading exactly like its backtest stands down on some day with a probability of up to
 * about 7% per fresh window (less in practice: the three figures move together). What the bands
 * cannot see: the backtest's own sampling error (they take its distribution as the truth; hence
 * `minBaselineTrades`, default 30, below which there is no verdict) and serial dependence between
 * trades (the bootstrap draws trades independently).
 *
 * Win rate and profit factor read pnlUsd; the Sharpe reads returnFrac, which is free of position
 * size, so a live account sized differently from the backtest compares like with like.
 */

/** A closed live or paper round trip. Exactly one of exitDay and exitIso is given. */
export interface LiveTrade {
  /** Exit session as a day number (core/calendar.ts). */
  readonly exitDay?: number;
  /** Exit as ISO 8601: a date `YYYY-MM-DD` or a timestamp with a zone (`Z` or `+hh:mm`). */
  readonly exitIso?: string;
  /** Net pnl of the round trip, USD. */
  readonly pnlUsd: number;
  /** pnl / entry notional. */
  readonly returnFrac: number;
}

export interface BaselineTrade {
  readonly pnlUsd: number;
  readonly returnFrac: number;
}

/** What the backtest expects: its trade list (preferred: every band available) or its summary. */
export type DriftBaseline =
  | { readonly kind: 'trades'; readonly trades: readonly BaselineTrade[] }
  | {
      readonly kind: 'summary';
      /** Number of backtest trades behind the summary. */
      readonly trades: number;
      readonly winRate: number;
      /** null when the backtest had none (no losing trades). */
      readonly profitFactor: number | null;
      readonly meanReturnFrac: number;
      readonly sdReturnFrac: number;
    };

export interface DriftOptions {
  /** N, the window's length in trades; default 20. */
  readonly windowTrades?: number;
  /** Two-sided coverage of each band, in (0, 1); default 0.95. */
  readonly confidence?: number;
  /** Bootstrap resamples; default 2,000. */
  readonly bootstrapSamples?: number;
  /** Seed of the bootstrap generator; default 1. */
  readonly seed?: number;
  /** Fewest backtest trades the bands are built from; default 30. */
  readonly minBaselineTrades?: number;
}

export const DRIFT_DEFAULTS = {
  windowTrades: 20,
  confidence: 0.95,
  bootstrapSamples: 2000,
  seed: 1,
  minBaselineTrades: 30,
} as const;

export type DriftMetricName = 'winRate' | 'profitFactor' | 'sharpePerTrade';
export type DriftStatus = 'ok' | 'below' | 'above';
export type DriftBandMethod = 'binomial-exact' | 'bootstrap-percentile' | 'normal-lo-2002';

export interface DriftMetric {
  readonly metric: DriftMetricName;
  /** The window's figure; null when it has none (see note). */
  readonly value: number | null;
  /** The backtest's figure over all its trades. */
  readonly expected: number | null;
  /** [lo, hi] for a window of N trades; a null edge is unbounded; null when there is no band. */
  readonly band: readonly [number | null, number | null] | null;
  readonly method: DriftBandMethod | null;
  /** null when there is no verdict (no band, or no value to compare). */
  readonly status: DriftStatus | null;
  /** Why something above is null, or what to know about the band; null when nothing. */
  readonly note: string | null;
}

export interface DriftReport {
  /** 'checked': every band was computed that the baseline allows. */
  readonly verdict: 'checked' | 'insufficient' | 'no-baseline';
  /** Why there is no verdict, e.g. 'insufficient: 7 of 20 live trades'. */
  readonly reason: string | null;
  /** N. */
  readonly windowTrades: number;
  /** Live trades in the window (N, or all there are when fewer). */
  readonly tradesInWindow: number;
  /** Exit of the window's first and last trade as given (ISO); null for an empty window. */
  readonly windowFirstExit: string | null;
  readonly windowLastExit: string | null;
  readonly baselineTrades: number;
  readonly confidence: number;
  readonly bootstrapSamples: number;
  readonly seed: number;
  readonly metrics: Readonly<Record<DriftMetricName, DriftMetric>>;
  readonly standDown: boolean;
  /** Which figures fell below their bands, with values, bands and the backtest's figures. */
  readonly standDownReason: string | null;
}

/** The drift of `live` against `baseline` (see the module comment). */
export function checkDrift(live: readonly LiveTrade[], baseline: DriftBaseline, options: DriftOptions = {}): DriftReport {
  const opts = resolveOptions(options);
  const base = validateBaseline(baseline);
  const window = lastTrades(live, opts.windowTrades);
  const n = window.length;
  const figures = windowFigures(
    window.map((t) => t.pnlUsd),
    window.map((t) => t.returnFrac),
    identityRows(n),
    n,
  );

  const reasons: string[] = [];
  if (n < opts.windowTrades) reasons.push(`insufficient: ${n} of ${opts.windowTrades} live trades`);
  if (base.count < opts.minBaselineTrades) {
    reasons.push(`the backtest has ${base.count} trades; the bands need at least ${opts.minBaselineTrades}`);
  }
  const verdict = n < opts.windowTrades ? 'insufficient' : reasons.length > 0 ? 'no-baseline' : 'checked';
  const bands = verdict === 'checked' ? computeBands(base, opts) : null;

  const metrics = {} as Record<DriftMetricName, DriftMetric>;
  for (const name of METRIC_NAMES) {
    metrics[name] = describeMetric(name, figures[name], base.expected[name], bands === null ? null : bands[name], reasons[0] ?? null);
  }
  const below = METRIC_NAMES.filter((m) => metrics[m].status === 'below');
  const tail = `last ${n} trades, ${formatPercent(opts.confidence)} band`;
  return {
    verdict,
    reason: reasons.length > 0 ? reasons.join('; ') : null,
    windowTrades: opts.windowTrades,
    tradesInWindow: n,
    windowFirstExit: n > 0 ? window[0].exitText : null,
    windowLastExit: n > 0 ? window[n - 1].exitText : null,
    baselineTrades: base.count,
    confidence: opts.confidence,
    bootstrapSamples: opts.bootstrapSamples,
    seed: opts.seed,
    metrics,
    standDown: below.length > 0,
    standDownReason: below.length > 0 ? `${below.map((m) => describeBelow(metrics[m])).join('; ')} (${tail})` : null,
  };
}

/**
 * A backtest's trade list as a drift baseline: returnFrac = pnl / |entryPrice x shares| (pnl is
 * net of fees, as TradeRecord keeps it).
 */
export function baselineFromBacktestTrades(trades: readonly TradeRecord[]): DriftBaseline {
  return {
    kind: 'trades',
    trades: trades.map((t, i) => {
      const notional = Math.abs(t.entryPrice * t.shares);
      if (!(notional > 0) || !Number.isFinite(notional)) {
        throw inputError('BAD_DRIFT_BASELINE', `trades[${i}] has entry notional ${notional} (entryPrice x shares); it must be positive`, {
          param: 'trades',
          value: { entryPrice: t.entryPrice, shares: t.shares },
        });
      }
      return { pnlUsd: t.pnl, returnFrac: t.pnl / notional };
    }),
  };
}

const METRIC_NAMES: readonly DriftMetricName[] = ['winRate', 'profitFactor', 'sharpePerTrade'];

const METRIC_LABELS: Readonly<Record<DriftMetricName, string>> = {
  winRate: 'win rate',
  profitFactor: 'profit factor',
  sharpePerTrade: 'per-trade Sharpe',
};

type ResolvedOptions = { readonly [K in keyof typeof DRIFT_DEFAULTS]: number };

function resolveOptions(o: DriftOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    windowTrades: o.windowTrades ?? DRIFT_DEFAULTS.windowTrades,
    confidence: o.confidence ?? DRIFT_DEFAULTS.confidence,
    bootstrapSamples: o.bootstrapSamples ?? DRIFT_DEFAULTS.bootstrapSamples,
    seed: o.seed ?? DRIFT_DEFAULTS.seed,
    minBaselineTrades: o.minBaselineTrades ?? DRIFT_DEFAULTS.minBaselineTrades,
  };
  const integer = (param: keyof ResolvedOptions, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = r[param];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw usageError('BAD_DRIFT_OPTION', `${param} must be an integer in [${min}, ${max}], was ${v}`, { param, value: v });
    }
  };
  integer('windowTrades', 2, 100_000);
  integer('bootstrapSamples', 100, 1_000_000);
  integer('seed', 0, 0xffffffff);
  integer('minBaselineTrades', 2);
  if (!(r.confidence > 0 && r.confidence < 1)) {
    throw usageError('BAD_DRIFT_OPTION', `confidence must be a number strictly between 0 and 1, was ${r.confidence}`, {
      param: 'confidence',
      value: r.confidence,
    });
  }
  return r;
}

interface ValidBaseline {
  readonly count: number;
  /** The backtest's own figures (internal: may be Infinity or NaN). */
  readonly expected: Readonly<Record<DriftMetricName, number>>;
  readonly winRate: number;
  /** Columns for the bootstrap; null for a summary. */
  readonly pnlUsd: Float64Array | null;
  readonly returnFrac: Float64Array | null;
  readonly summarySharpe: number;
}

function validateBaseline(b: DriftBaseline): ValidBaseline {
  const bad = (message: string, value: unknown) => inputError('BAD_DRIFT_BASELINE', message, { param: 'baseline', value });
  if (b.kind === 'trades') {
    const k = b.trades.length;
    const pnlUsd = new Float64Array(k);
    const returnFrac = new Float64Array(k);
    b.trades.forEach((t, i) => {
      if (!Number.isFinite(t.pnlUsd)) throw bad(`trades[${i}].pnlUsd must be a finite number, was ${t.pnlUsd}`, t.pnlUsd);
      if (!Number.isFinite(t.returnFrac)) throw bad(`trades[${i}].returnFrac must be a finite number, was ${t.returnFrac}`, t.returnFrac);
      pnlUsd[i] = t.pnlUsd;
      returnFrac[i] = t.returnFrac;
    });
    const all = windowFigures(pnlUsd, returnFrac, identityRows(k), k);
    return {
      count: k,
      expected: { winRate: all.winRate, profitFactor: all.profitFactor, sharpePerTrade: all.sharpePerTrade },
      winRate: all.winRate,
      pnlUsd,
      returnFrac,
      summarySharpe: Number.NaN,
    };
  }
  if (b.kind !== 'summary') throw bad(`kind must be 'trades' or 'summary', was ${String((b as { kind: unknown }).kind)}`, b);
  if (!Number.isInteger(b.trades) || b.trades < 0) throw bad(`trades must be a non-negative integer, was ${b.trades}`, b.trades);
  if (!(b.winRate >= 0 && b.winRate <= 1)) throw bad(`winRate must be a fraction in [0, 1], was ${b.winRate}`, b.winRate);
  if (b.profitFactor !== null && !(b.profitFactor >= 0 && Number.isFinite(b.profitFactor))) {
    throw bad(`profitFactor must be a non-negative number or null, was ${b.profitFactor}`, b.profitFactor);
  }
  if (!Number.isFinite(b.meanReturnFrac)) throw bad(`meanReturnFrac must be a finite number, was ${b.meanReturnFrac}`, b.meanReturnFrac);
  if (!(b.sdReturnFrac >= 0 && Number.isFinite(b.sdReturnFrac))) {
    throw bad(`sdReturnFrac must be a non-negative number, was ${b.sdReturnFrac}`, b.sdReturnFrac);
  }
  const sharpe = b.sdReturnFrac > 0 ? b.meanReturnFrac / b.sdReturnFrac : Number.NaN;
  return {
    count: b.trades,
    expected: { winRate: b.winRate, profitFactor: b.profitFactor ?? Number.POSITIVE_INFINITY, sharpePerTrade: sharpe },
    winRate: b.winRate,
    pnlUsd: null,
    returnFrac: null,
    summarySharpe: sharpe,
  };
}

interface WindowTrade extends LiveTrade {
  readonly exitMs: number;
  readonly exitText: string;
  readonly index: number;
}

const MS_PER_DAY = 86_400_000;
/** A date, or a timestamp that names its zone (a zone-less one would read the host's zone). */
const ISO_EXIT = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The last `count` trades by exit (input order breaks ties), validated. */
function lastTrades(live: readonly LiveTrade[], count: number): WindowTrade[] {
  const bad = (i: number, message: string, value: unknown) =>
    inputError('BAD_LIVE_TRADE', `liveTrades[${i}]: ${message}`, { param: 'liveTrades', value });
  const trades = live.map((t, i): WindowTrade => {
    if (!Number.isFinite(t.pnlUsd)) throw bad(i, `pnlUsd must be a finite number, was ${t.pnlUsd}`, t.pnlUsd);
    if (!Number.isFinite(t.returnFrac)) throw bad(i, `returnFrac must be a finite number, was ${t.returnFrac}`, t.returnFrac);
    if ((t.exitDay === undefined) === (t.exitIso === undefined)) throw bad(i, 'give exactly one of exitDay and exitIso', t);
    if (t.exitDay !== undefined) {
      if (!Number.isInteger(t.exitDay)) throw bad(i, `exitDay must be an integer day number, was ${t.exitDay}`, t.exitDay);
      return { ...t, exitMs: t.exitDay * MS_PER_DAY, exitText: dayToIso(t.exitDay), index: i };
    }
    const text = String(t.exitIso);
    const m = ISO_EXIT.exec(text);
    const ms = m === null || Number.isNaN(parseIsoDay(m[1])) ? Number.NaN : Date.parse(m[2] === undefined ? `${m[1]}T00:00:00Z` : text);
    if (Number.isNaN(ms)) throw bad(i, `exitIso must be YYYY-MM-DD or a timestamp with a zone (Z or +hh:mm), was '${text}'`, text);
    return { ...t, exitMs: ms, exitText: text, index: i };
  });
  trades.sort((a, b) => a.exitMs - b.exitMs || a.index - b.index);
  return trades.slice(Math.max(0, trades.length - count));
}

/** Internal band: edges may be -Infinity / +Infinity (unbounded). */
interface Band {
  readonly lo: number;
  readonly hi: number;
  readonly method: DriftBandMethod;
  readonly note: string | null;
}

type Bands = Readonly<Record<DriftMetricName, Band | string>>;

/** Each metric's band for a window of N trades, or the reason it has none. */
function computeBands(base: ValidBaseline, opts: ResolvedOptions): Bands {
  const n = opts.windowTrades;
  const alpha = 1 - opts.confidence;
  const counts = binomialCountBand(n, base.winRate, opts.confidence);
  const winRate: Band = { lo: counts.lo / n, hi: counts.hi / n, method: 'binomial-exact', note: null };

  if (base.pnlUsd === null || base.returnFrac === null) {
    const sr = base.summarySharpe;
    const sharpePerTrade: Band | string = Number.isNaN(sr)
      ? 'the backtest summary has a zero sd of returns, so no Sharpe band'
      : (() => {
          const half = normalQuantile(1 - alpha / 2) * Math.sqrt((1 + (sr * sr) / 2) / n);
          return { lo: sr - half, hi: sr + half, method: 'normal-lo-2002', note: null };
        })();
    return { winRate, profitFactor: 'a profit-factor band needs the backtest trade list (a summary was given)', sharpePerTrade };
  }

  const samples = bootstrapFigures(base.pnlUsd, base.returnFrac, n, opts.bootstrapSamples, opts.seed);
  return {
    winRate,
    profitFactor: percentileBand(samples.profitFactor, alpha, 'no profit factor (no winning or losing trade)'),
    sharpePerTrade: percentileBand(samples.sharpePerTrade, alpha, 'no Sharpe (all returns equal)'),
  };
}

/** B figures of windows of n trades drawn with replacement from the columns. */
function bootstrapFigures(pnlUsd: Float64Array, returnFrac: Float64Array, n: number, samples: number, seed: number) {
  const rng = createRng(seed);
  const k = pnlUsd.length;
  const rows = new Int32Array(n);
  const profitFactor = new Float64Array(samples);
  const sharpePerTrade = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    for (let j = 0; j < n; j++) rows[j] = rng.int(k);
    const f: WindowFigures = windowFigures(pnlUsd, returnFrac, rows, n);
    profitFactor[b] = f.profitFactor;
    sharpePerTrade[b] = f.sharpePerTrade;
  }
  return { profitFactor, sharpePerTrade };
}

/** Percentile band of the defined resamples (NaN ones are left out and counted in the note). */
function percentileBand(values: Float64Array, alpha: number, undefinedWhat: string): Band | string {
  const defined = values.filter((v) => !Number.isNaN(v)).sort();
  const dropped = values.length - defined.length;
  if (defined.length === 0) return `every bootstrap window had ${undefinedWhat}`;
  return {
    lo: quantileSorted(defined, alpha / 2),
    hi: quantileSorted(defined, 1 - alpha / 2),
    method: 'bootstrap-percentile',
    note: dropped > 0 ? `${dropped} of ${values.length} bootstrap windows had ${undefinedWhat} and were left out` : null,
  };
}

/** One metric's public record: nulls with a note instead of Infinity or NaN. */
function describeMetric(name: DriftMetricName, value: number, expected: number, band: Band | string | null, noBand: string | null): DriftMetric {
  const notes: string[] = [];
  const pub = (x: number, what: string): number | null => {
    if (Number.isFinite(x)) return x === 0 ? 0 : x;
    notes.push(nullReason(name, x, what));
    return null;
  };
  const v = pub(value, 'the window');
  const e = pub(expected, 'the backtest');
  let status: DriftStatus | null = null;
  let shownBand: DriftMetric['band'] = null;
  let method: DriftBandMethod | null = null;
  if (band === null) {
    if (noBand !== null) notes.push(`no band: ${noBand}`);
  } else if (typeof band === 'string') notes.push(`no band: ${band}`);
  else {
    shownBand = [Number.isFinite(band.lo) ? band.lo : null, Number.isFinite(band.hi) ? band.hi : null];
    method = band.method;
    if (band.note !== null) notes.push(band.note);
    if (!Number.isNaN(value)) status = value < band.lo ? 'below' : value > band.hi ? 'above' : 'ok';
  }
  return { metric: name, value: v, expected: e, band: shownBand, method, status, note: notes.length > 0 ? notes.join('; ') : null };
}

function nullReason(name: DriftMetricName, x: number, where: string): string {
  if (name === 'profitFactor') return x > 0 ? `${where} has no losing trades` : `${where} has no winning or losing trades`;
  if (name === 'sharpePerTrade') return `${where} has fewer than 2 trades or all returns equal, so no Sharpe`;
  return `${where} has no trades`;
}

function describeBelow(m: DriftMetric): string {
  const show = m.metric === 'winRate' ? formatPercent : formatNumber;
  const edge = (x: number | null) => (x === null ? 'unbounded' : show(x));
  const band = m.band === null ? '' : ` is below its band [${edge(m.band[0])}, ${edge(m.band[1])}]`;
  const expected = m.expected === null ? '' : `, backtest ${show(m.expected)}`;
  return `${METRIC_LABELS[m.metric]} ${m.value === null ? 'n/a' : show(m.value)}${band}${expected}`;
}

const formatPercent = (x: number): string => `${Number((x * 100).toFixed(1))}%`;
const formatNumber = (x: number): string => String(Number(x.toPrecision(3)));
