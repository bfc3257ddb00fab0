import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KobeError } from '../../core/errors.js';
import {
  COVID_SESSIONS,
  shockedPath,
  STRESS_SCENARIOS,
  StressReason,
  stressTest,
  type StressInput,
  type StressOutcome,
  type StressReport,
  type StressScenarioName,
} from './stress.js';

const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

const flat = (n: number, level = 100_000) => new Float64Array(n).fill(level);
const full = (n: number) => new Float64Array(n).fill(1);
const scenario = (report: StressReport, name: StressScenarioName) => report.scenarios.find((s) => s.name === name)!;
const worstOf = (report: StressReport, name: StressScenarioName): StressOutcome => scenario(report, name).worst.value!;
const middleOf = (report: StressReport, name: StressScenarioName): StressOutcome => scenario(report, name).middle.value!;

/** An equity path from daily returns. */
function pathFrom(init: number, rets: number[]): Float64Array {
  const e = new Float64Array(rets.length);
  let v = init;
  rets.forEach((r, i) => {
    v *= 1 + r;
    e[i] = v;
  });
  return e;
}

// --- an independent, plain implementation of the scenario models, for cross-checking ----------

interface Opts { beta: number; stoppedOutFrac: number; volatilityMultiplier: number; volatilityWindowSessions?: number }

function naiveShocked(equity: Float64Array, exposure: Float64Array, init: number, name: StressScenarioName, s: number, o: Opts): number[] {
  const n = equity.length;
  const r = (k: number) => equity[k] / (k === 0 ? init : equity[k - 1]) - 1;
  const exposed: number[] = [];
  for (let k = 1; k < n; k++) if (exposure[k - 1] > 0) exposed.push(r(k));
  const m = exposed.length > 0 ? exposed.reduce((a, b) => a + b, 0) / exposed.length : 0;
  const length = name === 'covid-crash' ? 23 : name === 'volatility-doubled' ? (o.volatilityWindowSessions ?? n - 1) : 1;
  const out: number[] = [];
  let e = init;
  for (let k = 0; k < n; k++) {
    let ret = r(k);
    if (k >= s && k < s + length) {
      const x = exposure[k - 1] * o.beta;
      if (name === 'black-monday') ret = (1 + ret) * Math.max(0, 1 - x * 0.22) - 1;
      if (name === 'covid-crash') ret = (1 + ret) * Math.max(0, 1 - x * (1 - Math.pow(0.66, 1 / 23))) - 1;
      if (name === 'flash-crash') ret = (1 + ret) * Math.max(0, 1 - x * 0.09 * o.stoppedOutFrac) - 1;
      if (name === 'volatility-doubled' && exposure[k - 1] > 0) ret = Math.max(-1, m + o.volatilityMultiplier * (ret - m));
    }
    e = k < s ? equity[k] : e * (1 + ret);
    out.push(e);
  }
  return out;
}

function summarise(init: number, path: number[]) {
  let peak = init;
  let mdd = 0;
  let worst = Infinity;
  let worstAt = 0;
  path.forEach((e, k) => {
    peak = Math.max(peak, e);
    mdd = Math.max(mdd, 1 - e / peak);
    const ret = e / (k === 0 ? init : path[k - 1]) - 1;
    if (ret < worst) {
      worst = ret;
      worstAt = k;
    }
  });
  return { maxDrawdown: mdd, finalReturn: path[path.length - 1] / init - 1, worst, worstAt };
}

function numbers(value: unknown, path = '$', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbers(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}

// ------------------------------------------------------------------------------------------------

describe('stressTest: the scenarios on a flat, fully invested path', () => {
  const n = 100;
  const input: StressInput = { equity: flat(n), exposureFrac: full(n), maxDrawdownTolerance: 0.3 };
  const report = stressTest(input);

  it('Black Monday loses 22% in one session', () => {
    const bm = worstOf(report, 'black-monday');
    expect(bm.worstSession.returnFrac).toBeCloseTo(-0.22, 12);
    expect(bm.worstSession.index).toBe(bm.startIndex);
    expect(bm.maxDrawdownFrac).toBeCloseTo(0.22, 12);
    expect(bm.finalReturnFrac).toBeCloseTo(-0.22, 12);
    expect(bm.sessions).toBe(1);
    expect(bm.survived).toEqual({ value: true });
    expect(middleOf(report, 'black-monday').startIndex).toBe(49);
  });

  it('beta scales the loss', () => {
    const bm = worstOf(stressTest({ ...input, beta: 1.5 }), 'black-monday');
    expect(bm.worstSession.returnFrac).toBeCloseTo(-0.33, 12);
    expect(bm.survived).toEqual({ value: false });
  });

  it('the COVID crash compounds to -34% over 23 sessions', () => {
    const covid = worstOf(report, 'covid-crash');
    expect(covid.sessions).toBe(COVID_SESSIONS);
    expect(covid.finalReturnFrac).toBeCloseTo(-0.34, 12);
    expect(covid.maxDrawdownFrac).toBeCloseTo(0.34, 12);
    expect(covid.worstSession.returnFrac).toBeCloseTo(Math.pow(0.66, 1 / 23) - 1, 12);
    expect(covid.survived).toEqual({ value: false });
    expect(middleOf(report, 'covid-crash').startIndex).toBe(Math.floor((n - 23) / 2));
  });

  it('the flash crash costs only the stopped-out share', () => {
    expect(worstOf(report, 'flash-crash').finalReturnFrac).toBeCloseTo(-0.09, 12);
    const half = stressTest({ ...input, stoppedOutFrac: 0.5 });
    expect(worstOf(half, 'flash-crash').finalReturnFrac).toBeCloseTo(-0.045, 12);
    const none = stressTest({ ...input, stoppedOutFrac: 0 });
    expect(worstOf(none, 'flash-crash').maxDrawdownFrac).toBe(0);
  });

  it('volatility doubled leaves a path with no volatility alone', () => {
    const vol = worstOf(report, 'volatility-doubled');
    expect(vol.maxDrawdownFrac).toBe(0);
    expect(vol.finalReturnFrac).toBe(0);
    expect(vol.sessions).toBe(n - 1);
  });

  it('the unshocked baseline is reported beside them', () => {
    expect(report.baseline.value).toMatchObject({ maxDrawdownFrac: 0, finalReturnFrac: 0, survived: { value: true } });
  });
});

describe('stressTest: volatility doubled', () => {
  it('doubles the deviations of exposed sessions from their mean and keeps sessions in cash', () => {
    // +1%, -1% alternating while invested, then 10 sessions in cash.
    const rets = [...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01)), ...new Array(10).fill(0)];
    const equity = pathFrom(100, rets);
    const exposure = Float64Array.from(rets.map((_, i) => (i < 39 ? 1 : 0)));
    const report = stressTest({ equity, exposureFrac: exposure, initialEquity: 100, scenarios: ['volatility-doubled'] });
    const path = shockedPath({ equity, exposureFrac: exposure, initialEquity: 100 }, 'volatility-doubled', 1);
    const mean = rets.slice(1, 40).reduce((a, b) => a + b, 0) / 39;
    for (let k = 1; k < 40; k++) expect(path[k] / path[k - 1] - 1).toBeCloseTo(mean + 2 * (rets[k] - mean), 12);
    for (let k = 40; k < 50; k++) expect(path[k]).toBeCloseTo(path[39], 9);
    expect(worstOf(report, 'volatility-doubled').worstSession.returnFrac).toBeCloseTo(mean + 2 * (-0.01 - mean), 12);
  });

  it('a window is inserted where it hurts most', () => {
    const rets = Array.from({ length: 120 }, (_, i) => (i >= 60 && i < 70 ? -0.03 : i % 2 === 0 ? 0.004 : -0.002));
    const equity = pathFrom(100, rets);
    const report = stressTest({ equity, exposureFrac: full(120), initialEquity: 100, volatilityWindowSessions: 20, scenarios: ['volatility-doubled'] });
    const worst = worstOf(report, 'volatility-doubled');
    expect(worst.sessions).toBe(20);
    expect(worst.startIndex).toBeGreaterThan(40);
    expect(worst.startIndex).toBeLessThanOrEqual(60);
    expect(worst.maxDrawdownFrac).toBeGreaterThan(report.baseline.value!.maxDrawdownFrac);
  });
});

describe('stressTest: zero exposure', () => {
  it('leaves a path with no exposure unaffected by every scenario', () => {
    const rets = Array.from({ length: 60 }, (_, i) => Math.sin(i) * 0.01);
    const equity = pathFrom(1000, rets);
    const report = stressTest({ equity, exposureFrac: new Float64Array(60), initialEquity: 1000, maxDrawdownTolerance: 0.1 });
    const base = report.baseline.value!;
    for (const name of STRESS_SCENARIOS) {
      for (const outcome of [worstOf(report, name), middleOf(report, name)]) {
        expect(outcome.maxDrawdownFrac).toBeCloseTo(base.maxDrawdownFrac, 12);
        expect(outcome.finalReturnFrac).toBeCloseTo(base.finalReturnFrac, 12);
        expect(outcome.worstSession).toEqual(base.worstSession);
        expect(outcome.survived).toEqual(base.survived);
      }
    }
  });
});

describe('stressTest: placement', () => {
  it('hurts most right after the peak, before a decline', () => {
    // Up 1% a session for 50 sessions, then down 0.5% a session: shocking any session from the
    // peak on deepens the final trough equally, so the earliest such session wins the tie.
    const rets = Array.from({ length: 100 }, (_, i) => (i < 50 ? 0.01 : -0.005));
    const equity = pathFrom(100, rets);
    const report = stressTest({ equity, exposureFrac: full(100), initialEquity: 100, scenarios: ['black-monday'] });
    const bm = worstOf(report, 'black-monday');
    expect(bm.startIndex).toBe(50);
    const trough = equity[99] / equity[49];
    expect(bm.maxDrawdownFrac).toBeCloseTo(1 - trough * 0.78, 12);
  });

  it('labels sessions with days when given', () => {
    const days = Int32Array.from({ length: 10 }, (_, i) => 19_000 + i);
    const report = stressTest({ equity: flat(10), exposureFrac: full(10), days, scenarios: ['black-monday'] });
    const bm = worstOf(report, 'black-monday');
    expect(bm.startDay).toBe(days[bm.startIndex]);
    expect(bm.worstSession.day).toBe(days[bm.worstSession.index]);
  });

  it('truncates a scenario longer than the path and ruins an over-leveraged book without NaN', () => {
    const report = stressTest({ equity: flat(5), exposureFrac: new Float64Array(5).fill(5), maxDrawdownTolerance: 0.5 });
    const covid = worstOf(report, 'covid-crash');
    expect(covid.sessions).toBe(4);
    expect(covid.startIndex).toBe(1);
    const bm = worstOf(report, 'black-monday');
    expect(bm.maxDrawdownFrac).toBe(1);
    expect(bm.finalReturnFrac).toBe(-1);
    expect(bm.worstSession.returnFrac).toBe(-1);
    expect(bm.survived).toEqual({ value: false });
  });
});

describe('stressTest: degenerate paths', () => {
  it('an empty path and a single session give nulls with reasons', () => {
    const empty = stressTest({ equity: new Float64Array(0), exposureFrac: new Float64Array(0) });
    expect(empty.baseline).toEqual({ value: null, reason: StressReason.EMPTY_PATH });
    for (const s of empty.scenarios) expect(s.worst).toEqual({ value: null, reason: StressReason.EMPTY_PATH });
    const one = stressTest({ equity: flat(1), exposureFrac: full(1), initialEquity: 90_000 });
    expect(one.baseline.value!.finalReturnFrac).toBeCloseTo(1 / 9, 12);
    for (const s of one.scenarios) expect(s.middle).toEqual({ value: null, reason: StressReason.NO_SESSION_TO_SHOCK });
  });

  it('without a tolerance survival is null with a reason', () => {
    const report = stressTest({ equity: flat(10), exposureFrac: full(10) });
    expect(worstOf(report, 'black-monday').survived).toEqual({ value: null, reason: StressReason.NO_TOLERANCE });
  });

  it('rejects bad input', () => {
    const bad: Partial<StressInput>[] = [
      { equity: Float64Array.of(1, 0, 2) },
      { equity: Float64Array.of(1, Number.NaN, 2) },
      { exposureFrac: Float64Array.of(1, 1) },
      { exposureFrac: Float64Array.of(1, -0.1, 1) },
      { beta: -1 },
      { maxDrawdownTolerance: 0 },
      { stoppedOutFrac: 1.5 },
      { volatilityMultiplier: 11 },
      { volatilityWindowSessions: 0 },
      { scenarios: ['meteor' as StressScenarioName] },
      { days: Int32Array.of(1) },
    ];
    for (const over of bad) {
      const input = { equity: Float64Array.of(1, 1, 2), exposureFrac: Float64Array.of(1, 1, 1), ...over };
      expect(() => stressTest(input), JSON.stringify(over)).toThrow(KobeError);
    }
    expect(() => shockedPath({ equity: flat(3), exposureFrac: full(3) }, 'black-monday', 0)).toThrow(KobeError);
  });
});

describe('stressTest: agrees with a plain re-implementation', () => {
  const caseArb = fc.integer({ min: 2, max: 80 }).chain((n) =>
    fc.record({
      rets: fc.array(fc.oneof(fc.constant(0), fc.double({ min: -0.2, max: 0.2, noNaN: true })), { minLength: n, maxLength: n }),
      exposure: fc.oneof(
        fc.constant(new Array<number>(n).fill(0)),
        fc.constant(new Array<number>(n).fill(1)),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: n, maxLength: n }),
      ),
      init: fc.double({ min: 1, max: 1e7, noNaN: true }),
      beta: fc.double({ min: 0, max: 2, noNaN: true }),
      stoppedOutFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      volatilityMultiplier: fc.double({ min: 0, max: 2, noNaN: true }),
      volatilityWindowSessions: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      tolerance: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
    }),
  );

  it('worst case = max over all starts, middle and shocked paths match the plain model, all finite', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const equity = pathFrom(c.init, c.rets);
        const exposureFrac = Float64Array.from(c.exposure);
        const input: StressInput = {
          equity, exposureFrac, initialEquity: c.init, beta: c.beta, stoppedOutFrac: c.stoppedOutFrac,
          volatilityMultiplier: c.volatilityMultiplier, volatilityWindowSessions: c.volatilityWindowSessions, maxDrawdownTolerance: c.tolerance,
        };
        const report = stressTest(input);
        for (const [path, x] of numbers(report)) if (!Number.isFinite(x)) throw new Error(`${path} = ${x}`);
        expect(JSON.parse(JSON.stringify(report))).toEqual(report);
        const n = equity.length;
        const base = summarise(c.init, Array.from(equity));
        expect(report.baseline.value!.maxDrawdownFrac).toBeCloseTo(base.maxDrawdown, 9);
        for (const name of STRESS_SCENARIOS) {
          const length = name === 'covid-crash' ? 23 : name === 'volatility-doubled' ? (c.volatilityWindowSessions ?? n - 1) : 1;
          let bestDd = -1;
          for (let s = 1; s <= Math.max(1, n - length); s++) {
            const path = naiveShocked(equity, exposureFrac, c.init, name, s, c);
            bestDd = Math.max(bestDd, summarise(c.init, path).maxDrawdown);
            const fast = shockedPath(input, name, s);
            let err = 0;
            for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(fast[k] - path[k]) / Math.max(1, Math.abs(path[k])));
            if (!(err <= 1e-9)) throw new Error(`${name} at ${s}: shockedPath differs by ${err}`);
          }
          for (const which of ['worst', 'middle'] as const) {
            const o = scenario(report, name)[which].value!;
            const want = summarise(c.init, naiveShocked(equity, exposureFrac, c.init, name, o.startIndex, c));
            expect(o.maxDrawdownFrac).toBeCloseTo(want.maxDrawdown, 9);
            expect(o.finalReturnFrac).toBeCloseTo(want.finalReturn, 9);
            expect(o.worstSession.returnFrac).toBeCloseTo(want.worst, 9);
            expect(o.sessions).toBe(Math.min(length, n - o.startIndex));
            if (c.tolerance !== undefined) expect(o.survived.value).toBe(o.maxDrawdownFrac < c.tolerance);
          }
          expect(scenario(report, name).worst.value!.maxDrawdownFrac).toBeCloseTo(bestDd, 9);
          expect(scenario(report, name).worst.value!.maxDrawdownFrac).toBeGreaterThanOrEqual(scenario(report, name).middle.value!.maxDrawdownFrac - 1e-12);
        }
      }),
      { seed: fcSeed, numRuns: 150 },
    );
  });
});
