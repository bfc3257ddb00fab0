import { inputError } from '../../core/errors.js';
import type { Reported } from './monte-carlo.js';
import { PathIndex } from './stress-path-index.js';
import {
  DEFAULT_VOLATILITY_MULTIPLIER,
  factor,
  MAX_VOLATILITY_MULTIPLIER,
  MODELS,
  type ScenarioSettings,
  type Shape,
  shapeOf,
  STRESS_SCENARIOS,
  type StressScenarioName,
} from './stress-scenarios.js';

export {
  BLACK_MONDAY_DROP_FRAC,
  COVID_DROP_FRAC,
  COVID_SESSIONS,
  DEFAULT_VOLATILITY_MULTIPLIER,
  FLASH_CRASH_DROP_FRAC,
  MAX_VOLATILITY_MULTIPLIER,
  STRESS_SCENARIOS,
  type StressScenarioName,
} from './stress-scenarios.js';

/**
 * Deterministic stress scenarios on a strategy's daily equity path (EngineResult.equity and
 * exposureFrac, one value per session close), behind `kobe simulate`'s stress report.
 *
 * Common model. The path's own daily growth is g(k) = equity[k] / equity[k-1] (session 0 grows
 * from initialEquity). A scenario multiplies the growth of each session k of a window
 * [s, s + L) by a factor f(k) in [0, 1] (volatility: any factor >= 0) and leaves every other
 * session's growth as it was, so the shocked path is equity[k] for k < s, equity[k] * (the
 * product of the factors so far) inside the window and equity[k] * F after it, F being the
 * product over the whole window. Exposure and beta are read at the previous close,
 * exposureFrac[k-1], so the first shockable session is 1. A factor never goes below 0: a shock
 * larger than the equity ruins the path (equity 0, drawdown 1) rather than making it negative.
 * Each scenario is reported twice: at the start session where it hurts most (largest max
 * drawdown of the shocked path; ties, within 1e-12: lower final return, then the earlier start),
 * searched over every start whose window fits in the path (a path shorter than the window gets
 * the part that fits, from session 1), and at the window centred on the path.
 *
 * Black Monday (19 October 1987). The index falls 22% in one session: the portfolio's growth that
 * session is multiplied by max(0, 1 - exposureFrac[k-1] * beta * 0.22). A fully invested
 * beta-1 book loses 22% on top of the session's own return.
 *
 * COVID crash (February-March 2020). The index falls 34% over 23 sessions at a constant daily
 * rate, d = 1 - 0.66^(1/23) ~ 1.79% a session: each session of the window is multiplied by
 * max(0, 1 - exposureFrac[k-1] * beta * d), so a fully invested beta-1 book compounds to -34%.
 *
 * Volatility doubled. Over the window (default: the whole path) the daily returns of exposed
 * sessions (exposureFrac[k-1] > 0) are replaced by m + 2 * (r - m), m the mean of the exposed
 * sessions' daily returns over the whole path: the drift is kept, the deviations doubled (the
 * multiplier is a parameter). Sessions in cash are untouched, since cash has no volatility to
 * double. A return that would fall below -100% is floored there (ruin).
 *
 * Flash crash (6 May 2010). The index falls 9% inside a session and recovers by the close. A
 * position whose stop lies inside that range is sold near the low and misses the recovery; the
 * rest recover. The session's growth is multiplied by
 * max(0, 1 - exposureFrac[k-1] * beta * 0.09 * stoppedOutFrac), stoppedOutFrac in [0, 1]
 * (default 1: every position had a stop within 9%). With stoppedOutFrac 0 the crash is invisible
 * at the close.
 *
 * Known limits. This is stress on a path, not on positions re-simulated: after the shock the
 * strategy is assumed to make the same relative daily returns with the same exposure fraction
 * as it did, so stops, sizing from the smaller equity, cash constraints, margin calls and the
 * strategy's own reaction to the crash are not modelled (a stopped-out book that would sit in
 * cash is assumed to re-enter at once). exposureFrac is gross, so every position is treated as a
 * long with the given beta: a hedged or short book is stressed as if it were long. One beta for
 * the whole book; beta here is per unit of exposure (the held names' beta to the index), so a
 * portfolio beta estimated from the strategy's daily returns should be divided by its mean
 * exposure first. The scenarios are single historical shapes, not a distribution.
 *
 * Definitions: max drawdown = max over sessions of 1 - e(k) / max(initialEquity, e(0..k));
 * final return = e(n-1) / initialEquity - 1; worst session = the session with the lowest daily
 * return e(k) / e(k-1) - 1 (the earliest on ties; on a ruined path the sessions after ruin keep
 * their unshocked returns); survived = max drawdown < maxDrawdownTolerance.
 *
 * Cost: O(n log n) to index the path once, then O(L + log n) per start session, so the
 * worst-case search over all starts is O(n (L + log n)), not O(n^2).
 */

export interface StressInput {
  /** Marked equity at each session close (EngineResult.equity); every value finite and > 0. */
  readonly equity: Float64Array;
  /** Gross position value / equity at each close (EngineResult.exposureFrac), same length, >= 0. */
  readonly exposureFrac: Float64Array;
  /** Session day numbers, same length (EngineResult.days): only to label sessions in the report. */
  readonly days?: Int32Array;
  /** Equity before the first session (EngineResult.initialCapital); default equity[0]. */
  readonly initialEquity?: number;
  /** The held positions' beta to the index, >= 0; default 1. */
  readonly beta?: number;
  /** Drawdown fraction in (0, 1] the strategy must stay below to survive. */
  readonly maxDrawdownTolerance?: number;
  /** Flash crash: share of exposure stopped out at the low, in [0, 1]; default 1. */
  readonly stoppedOutFrac?: number;
  /** Volatility scenario: deviations from the mean are multiplied by this, in [0, 10]; default 2. */
  readonly volatilityMultiplier?: number;
  /** Volatility scenario: window length in sessions (integer >= 1); default the whole path. */
  readonly volatilityWindowSessions?: number;
  /** Scenarios to run, in this order; default all of STRESS_SCENARIOS. */
  readonly scenarios?: readonly StressScenarioName[];
}

export interface SessionReturn {
  /** Session index into the equity path. */
  readonly index: number;
  readonly day: number | null;
  readonly returnFrac: number;
}

export interface PathOutcome {
  readonly maxDrawdownFrac: number;
  readonly finalReturnFrac: number;
  readonly worstSession: SessionReturn;
  /** max drawdown < tolerance; null with a reason when no tolerance was given. */
  readonly survived: Reported<boolean>;
}

export interface StressOutcome extends PathOutcome {
  /** First shocked session. */
  readonly startIndex: number;
  readonly startDay: number | null;
  /** Shocked sessions: the scenario's length, or fewer when the path is shorter. */
  readonly sessions: number;
}

export interface StressScenarioResult {
  readonly name: StressScenarioName;
  /** The model in one line, for reports. */
  readonly model: string;
  /** Inserted where it hurts most. */
  readonly worst: Reported<StressOutcome>;
  /** Inserted at the window centred on the path. */
  readonly middle: Reported<StressOutcome>;
}

export interface StressReport {
  readonly sessions: number;
  readonly beta: number;
  readonly maxDrawdownTolerance: number | null;
  /** The unshocked path, for comparison. */
  readonly baseline: Reported<PathOutcome>;
  readonly scenarios: StressScenarioResult[];
}

export const StressReason = {
  EMPTY_PATH: 'empty equity path',
  NO_SESSION_TO_SHOCK: 'fewer than 2 sessions: no session has a previous close to shock',
  NO_TOLERANCE: 'no drawdown tolerance given',
} as const;

// ---------------------------------------------------------------------------------------------
// Validation

function bad(message: string, value: unknown, hint: string): never {
  throw inputError('BAD_STRESS_INPUT', message, { value, hint });
}

interface Resolved extends ScenarioSettings {
  readonly n: number;
  readonly init: number;
  readonly tolerance: number | null;
  readonly scenarios: readonly StressScenarioName[];
}

function resolve(input: StressInput): Resolved {
  const { equity, exposureFrac, days } = input;
  const n = equity.length;
  if (exposureFrac.length !== n) bad(`exposureFrac has ${exposureFrac.length} values, equity has ${n}`, exposureFrac.length, 'pass EngineResult.equity and exposureFrac together');
  if (days !== undefined && days.length !== n) bad(`days has ${days.length} values, equity has ${n}`, days.length, 'pass EngineResult.days');
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(equity[i]) && equity[i] > 0)) bad(`equity[${i}] must be a positive finite number, was ${equity[i]}`, equity[i], 'a stress test needs a path that never reached zero');
    const x = exposureFrac[i];
    if (!(Number.isFinite(x) && x >= 0)) bad(`exposureFrac[${i}] must be a finite number >= 0, was ${x}`, x, 'gross position value / equity');
  }
  const init = input.initialEquity ?? (n > 0 ? equity[0] : 1);
  if (!(Number.isFinite(init) && init > 0)) bad(`initialEquity must be a positive number, was ${init}`, init, 'EngineResult.initialCapital');
  const beta = input.beta ?? 1;
  if (!(Number.isFinite(beta) && beta >= 0)) bad(`beta must be a finite number >= 0, was ${beta}`, beta, 'the positions\' beta to the index; the stress assumes long exposure');
  let tolerance: number | null = null;
  if (input.maxDrawdownTolerance !== undefined) {
    const t = input.maxDrawdownTolerance;
    if (!(Number.isFinite(t) && t > 0 && t <= 1)) bad(`maxDrawdownTolerance must be in (0, 1], was ${t}`, t, 'a fraction: 0.2 for a 20% drawdown');
    tolerance = t;
  }
  const stoppedOutFrac = input.stoppedOutFrac ?? 1;
  if (!(Number.isFinite(stoppedOutFrac) && stoppedOutFrac >= 0 && stoppedOutFrac <= 1)) {
    bad(`stoppedOutFrac must be in [0, 1], was ${stoppedOutFrac}`, stoppedOutFrac, 'the share of exposure stopped out at the flash-crash low');
  }
  const volatilityMultiplier = input.volatilityMultiplier ?? DEFAULT_VOLATILITY_MULTIPLIER;
  if (!(Number.isFinite(volatilityMultiplier) && volatilityMultiplier >= 0 && volatilityMultiplier <= MAX_VOLATILITY_MULTIPLIER)) {
    bad(`volatilityMultiplier must be in [0, ${MAX_VOLATILITY_MULTIPLIER}], was ${volatilityMultiplier}`, volatilityMultiplier, '2 doubles the deviations');
  }
  const w = input.volatilityWindowSessions;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1)) bad(`volatilityWindowSessions must be an integer >= 1, was ${w}`, w, 'e.g. 63 for a quarter; omit for the whole path');
  const scenarios = input.scenarios ?? STRESS_SCENARIOS;
  for (const s of scenarios) {
    if (!STRESS_SCENARIOS.includes(s)) bad(`unknown stress scenario ${String(s)}`, s, `one of ${STRESS_SCENARIOS.join(', ')}`);
  }
  return { n, init, beta, tolerance, stoppedOutFrac, volatilityMultiplier, volatilityWindow: w ?? Math.max(1, n - 1), scenarios };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface RawOutcome {
  start: number;
  sessions: number;
  maxDrawdown: number;
  finalReturn: number;
  worstReturn: number;
  worstAt: number;
}

/** The shocked path's summary for the window starting at s (1 <= s < n), in O(L + log n). */
function evaluate(ix: PathIndex, shape: Shape, exposure: Float64Array, beta: number, s: number, out: RawOutcome): void {
  const { n, equity, growth } = ix;
  const end = Math.min(s + shape.length, n);
  let peak = ix.prefPeak[s - 1];
  let dd = ix.prefDrawdown[s - 1];
  let worst = ix.prefMinReturn[s - 1];
  let worstAt = ix.prefMinAt[s - 1];
  let c = 1;
  for (let k = s; k < end; k++) {
    const f = factor(shape, exposure, beta, k, k - s);
    c *= f;
    const ret = growth[k] * f - 1;
    if (ret < worst) {
      worst = ret;
      worstAt = k;
    }
    const v = equity[k] * c;
    if (v > peak) peak = v;
    else if (1 - v / peak > dd) dd = 1 - v / peak;
  }
  if (end < n) {
    if (c > 0) {
      const tail = ix.tailDrawdown(end, peak / c);
      if (tail > dd) dd = tail;
    } else dd = 1;
    if (ix.sufMinReturn[end] < worst) {
      worst = ix.sufMinReturn[end];
      worstAt = ix.sufMinAt[end];
    }
  }
  out.start = s;
  out.sessions = end - s;
  out.maxDrawdown = dd > 1 ? 1 : dd;
  out.finalReturn = (equity[n - 1] * c) / ix.init - 1;
  out.worstReturn = worst;
  out.worstAt = worstAt;
}

const zero = (x: number) => (x === 0 ? 0 : x);
const dayAt = (days: Int32Array | undefined, i: number) => (days === undefined ? null : days[i]);

function survival(maxDrawdown: number, tolerance: number | null): Reported<boolean> {
  return tolerance === null ? { value: null, reason: StressReason.NO_TOLERANCE } : { value: maxDrawdown < tolerance };
}

function toOutcome(raw: RawOutcome, days: Int32Array | undefined, tolerance: number | null): StressOutcome {
  return {
    startIndex: raw.start,
    startDay: dayAt(days, raw.start),
    sessions: raw.sessions,
    maxDrawdownFrac: zero(raw.maxDrawdown),
    finalReturnFrac: zero(raw.finalReturn),
    worstSession: { index: raw.worstAt, day: dayAt(days, raw.worstAt), returnFrac: zero(raw.worstReturn) },
    survived: survival(raw.maxDrawdown, tolerance),
  };
}

/**
 * Drawdowns or final returns this close count as tied when searching for the worst start, so that
 * starts that are equally bad in exact arithmetic do not win by rounding noise (the earliest wins).
 */
const TIE_FRAC = 1e-12;

/** First start of the window centred on the path. */
function middleStart(n: number, length: number): number {
  const last = Math.max(1, n - length);
  return Math.min(last, Math.max(1, Math.floor((n - length) / 2)));
}

export function stressTest(input: StressInput): StressReport {
  const r = resolve(input);
  const { n, tolerance } = r;
  const { equity, exposureFrac, days } = input;
  const base = { sessions: n, beta: r.beta, maxDrawdownTolerance: tolerance };
  if (n === 0) {
    const none = { value: null, reason: StressReason.EMPTY_PATH };
    return {
      ...base,
      baseline: none,
      scenarios: r.scenarios.map((name) => ({ name, model: MODELS[name](r), worst: none, middle: none })),
    };
  }
  const ix = new PathIndex(equity, r.init);
  const baseline: PathOutcome = {
    maxDrawdownFrac: zero(ix.prefDrawdown[n - 1]),
    finalReturnFrac: zero(equity[n - 1] / r.init - 1),
    worstSession: { index: ix.prefMinAt[n - 1], day: dayAt(days, ix.prefMinAt[n - 1]), returnFrac: zero(ix.prefMinReturn[n - 1]) },
    survived: survival(ix.prefDrawdown[n - 1], tolerance),
  };
  const scenarios: StressScenarioResult[] = [];
  for (const name of r.scenarios) {
    const model = MODELS[name](r);
    if (n < 2) {
      const none = { value: null, reason: StressReason.NO_SESSION_TO_SHOCK };
      scenarios.push({ name, model, worst: none, middle: none });
      continue;
    }
    const shape = shapeOf(name, r, equity, exposureFrac);
    const lastStart = Math.max(1, n - shape.length);
    const cur: RawOutcome = { start: 0, sessions: 0, maxDrawdown: 0, finalReturn: 0, worstReturn: 0, worstAt: 0 };
    const best: RawOutcome = { ...cur, maxDrawdown: -1 };
    for (let s = 1; s <= lastStart; s++) {
      evaluate(ix, shape, exposureFrac, r.beta, s, cur);
      const deeper = cur.maxDrawdown - best.maxDrawdown;
      if (deeper > TIE_FRAC || (deeper >= -TIE_FRAC && cur.finalReturn < best.finalReturn - TIE_FRAC)) {
        Object.assign(best, cur);
      }
    }
    const mid: RawOutcome = { ...cur };
    evaluate(ix, shape, exposureFrac, r.beta, middleStart(n, shape.length), mid);
    scenarios.push({
      name,
      model,
      worst: { value: toOutcome(best, days, tolerance) },
      middle: { value: toOutcome(mid, days, tolerance) },
    });
  }
  return { ...base, baseline: { value: baseline }, scenarios };
}

/**
 * The whole shocked equity path for one scenario inserted at `startIndex` (for plotting and
 * checking), built session by session: e'(k) = e'(k-1) * growth(k) * factor(k).
 */
export function shockedPath(input: StressInput, name: StressScenarioName, startIndex: number): Float64Array {
  const r = resolve(input);
  const { n } = r;
  const { equity, exposureFrac } = input;
  if (!(Number.isInteger(startIndex) && startIndex >= 1 && startIndex < n)) {
    bad(`startIndex must be an integer in 1..${n - 1}, was ${startIndex}`, startIndex, 'session 0 has no previous close to shock');
  }
  const shape = shapeOf(name, r, equity, exposureFrac);
  const end = Math.min(startIndex + shape.length, n);
  const out = new Float64Array(n);
  let e = r.init;
  for (let k = 0; k < n; k++) {
    const growth = equity[k] / (k === 0 ? r.init : equity[k - 1]);
    const f = k >= startIndex && k < end ? factor(shape, exposureFrac, r.beta, k, k - startIndex) : 1;
    e = k < startIndex ? equity[k] : e * growth * f;
    out[k] = e;
  }
  return out;
}
