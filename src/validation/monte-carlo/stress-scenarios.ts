/**
 * The stress scenarios of stress.ts: their names, sizes, the per-session factor each applies to
 * the equity path inside its window, and the one-line model each report states.
 */

export type StressScenarioName = 'black-monday' | 'covid-crash' | 'volatility-doubled' | 'flash-crash';

export const STRESS_SCENARIOS: readonly StressScenarioName[] = Object.freeze([
  'black-monday',
  'covid-crash',
  'volatility-doubled',
  'flash-crash',
]);

export const BLACK_MONDAY_DROP_FRAC = 0.22;
export const COVID_DROP_FRAC = 0.34;
export const COVID_SESSIONS = 23;
export const FLASH_CRASH_DROP_FRAC = 0.09;
export const DEFAULT_VOLATILITY_MULTIPLIER = 2;
export const MAX_VOLATILITY_MULTIPLIER = 10;

/** What the scenarios need from a checked StressInput (stress.ts resolves it). */
export interface ScenarioSettings {
  readonly beta: number;
  readonly stoppedOutFrac: number;
  readonly volatilityMultiplier: number;
  readonly volatilityWindow: number;
}

/**
 * A window's per-session factor: either a shock depth per window offset j (an index drop,
 * scaled by exposureFrac[k-1] * beta) or a precomputed factor per session k.
 */
export interface Shape {
  readonly length: number;
  readonly depth: Float64Array | null;
  readonly factorAt: Float64Array | null;
}

export function shapeOf(name: StressScenarioName, r: ScenarioSettings, equity: Float64Array, exposure: Float64Array): Shape {
  switch (name) {
    case 'black-monday':
      return { length: 1, depth: Float64Array.of(BLACK_MONDAY_DROP_FRAC), factorAt: null };
    case 'covid-crash': {
      const d = 1 - Math.pow(1 - COVID_DROP_FRAC, 1 / COVID_SESSIONS);
      return { length: COVID_SESSIONS, depth: new Float64Array(COVID_SESSIONS).fill(d), factorAt: null };
    }
    case 'flash-crash':
      return { length: 1, depth: Float64Array.of(FLASH_CRASH_DROP_FRAC * r.stoppedOutFrac), factorAt: null };
    case 'volatility-doubled':
      return { length: r.volatilityWindow, depth: null, factorAt: volatilityFactors(equity, exposure, r.volatilityMultiplier) };
  }
}

/** factor[k] = shocked growth / own growth for session k >= 1 (1 where not exposed). */
function volatilityFactors(equity: Float64Array, exposure: Float64Array, multiplier: number): Float64Array {
  const n = equity.length;
  const factor = new Float64Array(n).fill(1);
  let sum = 0;
  let count = 0;
  for (let k = 1; k < n; k++) {
    if (exposure[k - 1] > 0) {
      sum += equity[k] / equity[k - 1] - 1;
      count++;
    }
  }
  if (count === 0) return factor;
  const m = sum / count;
  for (let k = 1; k < n; k++) {
    if (!(exposure[k - 1] > 0)) continue;
    const growth = equity[k] / equity[k - 1];
    const shocked = Math.max(0, 1 + m + multiplier * (growth - 1 - m));
    factor[k] = shocked / growth;
  }
  return factor;
}

export function factor(shape: Shape, exposure: Float64Array, beta: number, k: number, j: number): number {
  if (shape.factorAt !== null) return shape.factorAt[k];
  const f = 1 - exposure[k - 1] * beta * (shape.depth as Float64Array)[j];
  return f > 0 ? f : 0;
}

/** The model each scenario states in its report. */
export const MODELS: Record<StressScenarioName, (r: ScenarioSettings) => string> = {
  'black-monday': (r) => `index -22% in one session; the book loses exposure x beta (${r.beta}) x 22% that session`,
  'covid-crash': (r) => `index -34% over ${COVID_SESSIONS} sessions at a constant daily rate; the book loses exposure x beta (${r.beta}) x that rate each session`,
  'volatility-doubled': (r) => `exposed sessions' daily return deviations from their mean x ${r.volatilityMultiplier} over ${r.volatilityWindow} sessions`,
  'flash-crash': (r) => `index -9% intraday, recovered by the close; ${r.stoppedOutFrac * 100}% of exposure is stopped out at the low and loses exposure x beta (${r.beta}) x 9%`,
};
