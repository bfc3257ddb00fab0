import { metric, noMetric, type MetricValue } from '../../backtest/metrics.js';
import { inputError } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import { percentileInPlace, percentilesInPlace, sampleIndices } from './percentile.js';

/**
 * Monte Carlo of a strategy's trade sequence, behind `kobe simulate --monte-carlo N`.
 *
 * Each simulation compounds a resampled sequence of the T trade returns into an equity path
 * e(0) = initialEquity, e(t) = e(t-1) * (1 + r(t)), t = 1..T:
 *   - bootstrap: T draws with replacement (the path's final return varies between simulations);
 *   - shuffle: a uniform random permutation (Fisher-Yates), so every path ends at the same final
 *     equity (a product does not depend on order; in floating point, to ~1e-15 relative) and only
 *     the path to it, hence its drawdowns, varies.
 * The trades are treated as independent and identically sized (each return is a fraction of the
 * equity it was opened with): serial correlation, overlapping positions and regime changes are
 * not modelled.
 *
 * Definitions (all returns and drawdowns are fractions; percentiles are type 7, see percentile.ts):
 *   final return          e(T) / initialEquity - 1, per path
 *   drawdown at t         1 - e(t) / max(e(0..t)); max drawdown = its maximum over t = 0..T
 *   VaR95                 -(5th percentile of final return): a positive number is a loss
 *   CVaR95                -(mean of the final returns <= that 5th percentile)
 *   probability of profit share of paths with e(T) > initialEquity
 *   breach                a path breaches at the first t with e(t) <= (1 - tolerance) * max(e(0..t)),
 *                         i.e. drawdown(t) >= maxDrawdownTolerance
 *   probability of breach share of paths that breach at some t <= T
 *   survival S(k)         share of paths with no breach at t <= k (S(0) = 1, non-increasing)
 *   median trades to breach  smallest k with S(k) <= 0.5
 *   equity bands          per sampled trade index t, percentiles of e(t) over the paths
 * A metric that has no meaning is null with a reason (MonteCarloReason), never NaN or Infinity.
 *
 * Cost: O(simulations * T) with one RNG draw per trade; no allocation inside the simulation loop.
 * Memory: 8 bytes * simulations * (2 + band points); band points shrink so that the band store
 * stays under BAND_VALUES_BUDGET values.
 */

export type ResampleMethod = 'bootstrap' | 'shuffle';

export interface MonteCarloInput {
  /** Each trade's pnl as a fraction of the equity it was opened with, in trade order; each >= -1. */
  readonly tradeReturns: Float64Array;
  readonly initialEquity: number;
  /** Number of simulated paths, 1..MAX_SIMULATIONS. */
  readonly simulations: number;
  /** Integer in [0, 2^32): same seed, same result. */
  readonly seed: number;
  readonly method: ResampleMethod;
  /** Drawdown fraction in (0, 1] that counts as ruin for the survival analysis, e.g. 0.2. */
  readonly maxDrawdownTolerance?: number;
  /** Percentiles in [0, 100], strictly increasing; default [5, 25, 50, 75, 95]. */
  readonly bands?: readonly number[];
  /** Most trade indices the equity bands are reported at (>= 2); default 100. */
  readonly maxBandPoints?: number;
  /** Most trade indices the survival curve is reported at (>= 2); default 21. */
  readonly survivalPoints?: number;
  /** Keep every path's final return and max drawdown (a report draws their distributions). */
  readonly keepSamples?: boolean;
}

/** A value or null with the reason it has no meaning (`reason` set iff `value === null`). */
export interface Reported<T> {
  readonly value: T | null;
  readonly reason?: string;
}

export interface PercentileValue {
  readonly percentile: number;
  readonly value: number;
}

export interface Distribution {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** One entry per requested band percentile, ascending. */
  readonly percentiles: PercentileValue[];
}

export interface SurvivalCurve {
  /** Trade counts k, ascending, 0 and T included. */
  readonly tradeIndex: number[];
  /** S(k): share of paths that have not breached the tolerance after k trades. */
  readonly aliveFrac: number[];
}

export interface EquityBands {
  /** Trade indices t, ascending, 0 and T included (every index when T + 1 <= maxBandPoints). */
  readonly tradeIndex: number[];
  /** Per band percentile, the percentile of e(t) over the paths at each tradeIndex. */
  readonly bands: { readonly percentile: number; readonly equity: number[] }[];
}

export interface MonteCarloResult {
  readonly method: ResampleMethod;
  readonly simulations: number;
  readonly trades: number;
  readonly seed: number;
  readonly initialEquity: number;
  readonly maxDrawdownTolerance: number | null;
  readonly finalReturn: Reported<Distribution>;
  readonly maxDrawdown: Reported<Distribution>;
  readonly var95: MetricValue;
  readonly cvar95: MetricValue;
  readonly probabilityOfProfit: MetricValue;
  readonly probabilityOfBreach: MetricValue;
  readonly medianTradesToBreach: MetricValue;
  readonly survival: Reported<SurvivalCurve>;
  readonly equityBands: Reported<EquityBands>;
  /** Per path, in simulation order; only when `keepSamples` was asked for. */
  readonly samples?: { readonly finalReturn: Float64Array; readonly maxDrawdown: Float64Array };
}

export const DEFAULT_BANDS: readonly number[] = Object.freeze([5, 25, 50, 75, 95]);
export const DEFAULT_MAX_BAND_POINTS = 100;
export const DEFAULT_SURVIVAL_POINTS = 21;
export const MAX_SIMULATIONS = 1_000_000;
/** Most values the band store holds (80 MB); above it the bands are sampled at fewer indices. */
export const BAND_VALUES_BUDGET = 10_000_000;
/** VaR95 and CVaR95 need at least one whole path in the worst 5%. */
export const MIN_SIMULATIONS_FOR_VAR = 20;
/** Largest log growth a path may reach, so that every sum and product stays finite. */
const MAX_LOG_GROWTH = 650;

export const MonteCarloReason = {
  NO_TRADES: 'no trades to resample',
  NO_TOLERANCE: 'no drawdown tolerance given',
  FEW_SIMULATIONS_FOR_VAR: `fewer than ${MIN_SIMULATIONS_FOR_VAR} simulations: the worst 5% holds no whole path`,
  MEDIAN_BREACH_NOT_REACHED: 'fewer than half of the paths breach the drawdown tolerance',
} as const;

function bad(message: string, value: unknown, hint: string): never {
  throw inputError('BAD_MONTE_CARLO_INPUT', message, { value, hint });
}

const isInt = (x: number) => Number.isInteger(x);

function validate(input: MonteCarloInput): { bands: readonly number[]; tolerance: number | null } {
  const { tradeReturns, initialEquity, simulations, seed, method } = input;
  if (!(tradeReturns instanceof Float64Array)) bad('tradeReturns must be a Float64Array', tradeReturns, 'pass the trade returns as a Float64Array');
  let maxReturn = 0;
  for (let i = 0; i < tradeReturns.length; i++) {
    const r = tradeReturns[i];
    if (!(Number.isFinite(r) && r >= -1)) {
      bad(`tradeReturns[${i}] must be a finite number >= -1, was ${r}`, r, 'a trade cannot lose more than the equity it was opened with in this model');
    }
    if (r > maxReturn) maxReturn = r;
  }
  if (!(Number.isFinite(initialEquity) && initialEquity > 0)) {
    bad(`initialEquity must be a positive number, was ${initialEquity}`, initialEquity, 'the account size the paths start from, e.g. 100000');
  }
  if (!(isInt(simulations) && simulations >= 1 && simulations <= MAX_SIMULATIONS)) {
    bad(`simulations must be an integer in 1..${MAX_SIMULATIONS}, was ${simulations}`, simulations, 'e.g. 10000 simulations');
  }
  if (!(isInt(seed) && seed >= 0 && seed <= 0xffffffff)) {
    bad(`seed must be an integer in [0, 2^32), was ${seed}`, seed, 'any fixed integer; the same seed gives the same result');
  }
  if (method !== 'bootstrap' && method !== 'shuffle') bad(`method must be 'bootstrap' or 'shuffle', was ${String(method)}`, method, 'bootstrap draws with replacement; shuffle permutes');
  const growth = tradeReturns.length * Math.log1p(maxReturn) + Math.max(0, Math.log(initialEquity));
  if (!(growth <= MAX_LOG_GROWTH)) {
    bad(`trade returns compound beyond floating-point range (log growth ${growth.toFixed(0)} > ${MAX_LOG_GROWTH})`, growth, 'check that tradeReturns are fractions (0.05 for 5%), not percents');
  }
  let tolerance: number | null = null;
  if (input.maxDrawdownTolerance !== undefined) {
    const t = input.maxDrawdownTolerance;
    if (!(Number.isFinite(t) && t > 0 && t <= 1)) bad(`maxDrawdownTolerance must be in (0, 1], was ${t}`, t, 'a fraction: 0.2 for a 20% drawdown');
    tolerance = t;
  }
  const bands = input.bands ?? DEFAULT_BANDS;
  if (bands.length === 0) bad('bands must list at least one percentile', bands, `e.g. [${DEFAULT_BANDS.join(', ')}]`);
  for (let i = 0; i < bands.length; i++) {
    const p = bands[i];
    if (!(Number.isFinite(p) && p >= 0 && p <= 100)) bad(`bands[${i}] must be a percentile in [0, 100], was ${p}`, p, 'percentiles, not fractions: 5 for the 5th');
    if (i > 0 && !(p > bands[i - 1])) bad(`bands must be strictly increasing, bands[${i}] = ${p} after ${bands[i - 1]}`, p, `e.g. [${DEFAULT_BANDS.join(', ')}]`);
  }
  for (const [name, v] of [['maxBandPoints', input.maxBandPoints], ['survivalPoints', input.survivalPoints]] as const) {
    if (v !== undefined && !(isInt(v) && v >= 2)) bad(`${name} must be an integer >= 2, was ${v}`, v, 'at least both ends of the path');
  }
  return { bands, tolerance };
}

/** Mean, extremes and percentiles of values[0..n-1]; rearranges values. */
function distribution(values: Float64Array, n: number, bands: readonly number[], scratch: Float64Array): Distribution {
  let sum = 0;
  let min = values[0];
  let max = values[0];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  percentilesInPlace(values, 0, n, bands, scratch, 0);
  const percentiles: PercentileValue[] = [];
  for (let m = 0; m < bands.length; m++) percentiles.push({ percentile: bands[m], value: noNegZero(scratch[m]) });
  return { mean: noNegZero(sum / n), min: noNegZero(min), max: noNegZero(max), percentiles };
}

/** -0 becomes 0 (JSON round trip); values are finite by the growth bound checked in validate. */
const noNegZero = (x: number) => (x === 0 ? 0 : x);

function nullResult(input: MonteCarloInput, tolerance: number | null, reason: string): MonteCarloResult {
  const none = { value: null, reason };
  return {
    method: input.method,
    simulations: input.simulations,
    trades: input.tradeReturns.length,
    seed: input.seed,
    initialEquity: input.initialEquity,
    maxDrawdownTolerance: tolerance,
    finalReturn: none,
    maxDrawdown: none,
    var95: noMetric(reason),
    cvar95: noMetric(reason),
    probabilityOfProfit: noMetric(reason),
    probabilityOfBreach: noMetric(tolerance === null ? MonteCarloReason.NO_TOLERANCE : reason),
    medianTradesToBreach: noMetric(tolerance === null ? MonteCarloReason.NO_TOLERANCE : reason),
    survival: { value: null, reason: tolerance === null ? MonteCarloReason.NO_TOLERANCE : reason },
    equityBands: none,
  };
}

export function monteCarloTrades(input: MonteCarloInput): MonteCarloResult {
  const { bands, tolerance } = validate(input);
  const returns = input.tradeReturns;
  const T = returns.length;
  if (T === 0) return nullResult(input, tolerance, MonteCarloReason.NO_TRADES);

  const sims = input.simulations;
  const init = input.initialEquity;
  const bootstrap = input.method === 'bootstrap';
  // A tolerance of 2 is never reached (equity is never negative): "none" needs no branch in the loop.
  const tol = tolerance ?? 2;

  const maxPoints = Math.max(2, Math.min(input.maxBandPoints ?? DEFAULT_MAX_BAND_POINTS, Math.floor(BAND_VALUES_BUDGET / sims)));
  const marks = sampleIndices(T, maxPoints);
  const points = marks.length;
  // Band store, point-major: store[p * sims + s] = e(marks[p]) of path s; each column contiguous.
  const store = new Float64Array(points * sims);
  const finals = new Float64Array(sims);
  const drawdowns = new Float64Array(sims);
  const breachAt = new Int32Array(T + 1); // paths whose first breach is at trade t
  const deck = Float64Array.from(returns); // shuffle permutes this copy in place
  const markNext = new Int32Array(points + 1);
  markNext.set(marks);
  markNext[points] = -1;

  const rng = createRng(input.seed);
  const keep = 1 - tol; // breach when e <= peak * keep, i.e. drawdown >= tol
  let profitable = 0;
  for (let s = 0; s < sims; s++) {
    let e = init;
    let peak = init;
    let floor = peak * keep;
    let trough = init; // lowest e since the last peak: a drawdown is new only below it
    let mdd = 0;
    let alive = true;
    store[s] = init; // marks[0] = 0
    let p = 1;
    let nextMark = markNext[1];
    for (let t = 0; t < T; t++) {
      // Bootstrap draws any trade; shuffle runs a forward Fisher-Yates over the previous path's
      // order (still a uniform permutation), drawing from the trades not yet used.
      const j = bootstrap ? rng.int(T) : t + rng.int(T - t);
      const r = deck[j];
      if (!bootstrap) {
        deck[j] = deck[t];
        deck[t] = r;
      }
      e *= 1 + r;
      if (e > peak) {
        peak = e;
        trough = e;
        floor = peak * keep;
      } else if (e < trough) {
        trough = e;
        const dd = 1 - e / peak;
        if (dd > mdd) mdd = dd;
        if (alive && e <= floor) {
          alive = false;
          breachAt[t + 1]++;
        }
      }
      if (t + 1 === nextMark) {
        store[p * sims + s] = e;
        p++;
        nextMark = markNext[p];
      }
    }
    finals[s] = e / init - 1;
    drawdowns[s] = mdd;
    if (e > init) profitable++;
  }

  // Copied before the percentile selections below reorder them.
  const samples = input.keepSamples === true ? { finalReturn: finals.slice(), maxDrawdown: drawdowns.slice() } : undefined;
  const scratch = new Float64Array(bands.length);

  // Selection reorders `finals`; nothing below depends on its order.
  let var95: MetricValue;
  let cvar95: MetricValue;
  if (sims < MIN_SIMULATIONS_FOR_VAR) {
    var95 = noMetric(MonteCarloReason.FEW_SIMULATIONS_FOR_VAR);
    cvar95 = noMetric(MonteCarloReason.FEW_SIMULATIONS_FOR_VAR);
  } else {
    const q05 = percentileInPlace(finals, 0, sims, 5);
    let tailSum = 0;
    let tailCount = 0;
    for (let s = 0; s < sims; s++) {
      if (finals[s] <= q05) {
        tailSum += finals[s];
        tailCount++;
      }
    }
    var95 = metric(-q05);
    cvar95 = metric(-(tailSum / tailCount));
  }
  const finalReturn = distribution(finals, sims, bands, scratch);
  const maxDrawdown = distribution(drawdowns, sims, bands, scratch);

  // Survival.
  let probabilityOfBreach: MetricValue;
  let medianTradesToBreach: MetricValue;
  let survival: Reported<SurvivalCurve>;
  if (tolerance === null) {
    probabilityOfBreach = noMetric(MonteCarloReason.NO_TOLERANCE);
    medianTradesToBreach = noMetric(MonteCarloReason.NO_TOLERANCE);
    survival = { value: null, reason: MonteCarloReason.NO_TOLERANCE };
  } else {
    const aliveAfter = new Float64Array(T + 1);
    let aliveCount = sims;
    let median = -1;
    aliveAfter[0] = 1;
    for (let t = 1; t <= T; t++) {
      aliveCount -= breachAt[t];
      aliveAfter[t] = aliveCount / sims;
      if (median < 0 && aliveAfter[t] <= 0.5) median = t;
    }
    probabilityOfBreach = metric(1 - aliveCount / sims);
    medianTradesToBreach = median < 0 ? noMetric(MonteCarloReason.MEDIAN_BREACH_NOT_REACHED) : metric(median);
    const at = sampleIndices(T, input.survivalPoints ?? DEFAULT_SURVIVAL_POINTS);
    const tradeIndex: number[] = [];
    const aliveFrac: number[] = [];
    for (let m = 0; m < at.length; m++) {
      tradeIndex.push(at[m]);
      aliveFrac.push(aliveAfter[at[m]]);
    }
    survival = { value: { tradeIndex, aliveFrac } };
  }

  // Equity bands: percentiles of each column of the store.
  const bandEquity: number[][] = bands.map(() => []);
  for (let p = 0; p < points; p++) {
    percentilesInPlace(store, p * sims, sims, bands, scratch, 0);
    for (let m = 0; m < bands.length; m++) bandEquity[m].push(noNegZero(scratch[m]));
  }

  return {
    method: input.method,
    simulations: sims,
    trades: T,
    seed: input.seed,
    initialEquity: init,
    maxDrawdownTolerance: tolerance,
    finalReturn: { value: finalReturn },
    maxDrawdown: { value: maxDrawdown },
    var95,
    cvar95,
    probabilityOfProfit: metric(profitable / sims),
    probabilityOfBreach,
    medianTradesToBreach,
    survival,
    equityBands: {
      value: {
        tradeIndex: Array.from(marks),
        bands: bands.map((percentile, m) => ({ percentile, equity: bandEquity[m] })),
      },
    },
    ...(samples === undefined ? {} : { samples }),
  };
}
