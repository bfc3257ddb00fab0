/**
 * The one contract every indicator in the registry passes: length, warm-up, causality, batch equals
 * streaming, range, the NaN rule, parameter validation. Adding an indicator to INDICATORS enrols it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { donchianHigh, donchianLow, INDICATORS, MAX_PERIOD, sma } from './index.js';
import type { IndicatorDescriptor, SeriesName, StreamingKernel } from './index.js';
import { fcOptions } from '../test-support/synthetic-bars.js';

// Seeds print on failure; FC_SEED=<seed> replays one.
const fcRuns = fcOptions(150);

interface Bars {
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/**
 * Valid daily bars from a log random walk. `clean` bars always have a range and volume; otherwise
 * zero moves, zero ranges and zero volume are common, to reach the flat-market branches (RSI 50,
 * std 0, IBS NaN) and ties in the Donchian deque.
 */
function barsArb(clean: boolean, maxLength = 80): fc.Arbitrary<Bars> {
  const size = clean
    ? fc.double({ min: 1e-4, max: 0.05, noNaN: true })
    : fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true }));
  const move = clean
    ? fc.double({ min: -0.1, max: 0.1, noNaN: true })
    : fc.oneof(fc.constant(0), fc.double({ min: -0.1, max: 0.1, noNaN: true }));
  const volume = clean
    ? fc.double({ min: 1, max: 1e7, noNaN: true })
    : fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true }));
  const bar = fc.record({ move, up: size, down: size, volume });
  return fc
    .record({ start: fc.double({ min: 1, max: 1000, noNaN: true }), bars: fc.array(bar, { maxLength }) })
    .map(({ start, bars }) => {
      const n = bars.length;
      const out: Bars = {
        high: new Float64Array(n),
        low: new Float64Array(n),
        close: new Float64Array(n),
        volume: new Float64Array(n),
      };
      let c = start;
      for (let i = 0; i < n; i++) {
        const b = bars[i];
        c *= Math.exp(b.move);
        out.close[i] = c;
        out.high[i] = c * (1 + b.up);
        out.low[i] = c * (1 - b.down);
        out.volume[i] = b.volume;
      }
      return out;
    });
}

const column = (bars: Bars, name: SeriesName): Float64Array => bars[name === 'values' ? 'close' : name];
const columnsOf = (d: IndicatorDescriptor, bars: Bars): Float64Array[] => d.inputs.map((name) => column(bars, name));
const sliceBars = (b: Bars, k: number): Bars => ({
  high: b.high.slice(0, k),
  low: b.low.slice(0, k),
  close: b.close.slice(0, k),
  volume: b.volume.slice(0, k),
});

/**
 * One value per declared parameter, in order, each from its minimum up to 25 (indicators without
 * parameters get an empty list).
 */
const paramsArb = (d: IndicatorDescriptor): fc.Arbitrary<number[]> =>
  fc.tuple(...d.params.map((spec) => fc.integer({ min: spec.min, max: Math.max(spec.min, 25) })));
const defaults = (d: IndicatorDescriptor): number[] => d.params.map((spec) => spec.default);

function run(kernel: StreamingKernel<number[]>, cols: readonly ArrayLike<number>[]): Float64Array {
  const n = cols[0].length;
  const out = new Float64Array(n);
  const args: number[] = new Array<number>(cols.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols.length; j++) args[j] = cols[j][i];
    out[i] = kernel.update(...args);
  }
  return out;
}

/** Bit-for-bit equality, NaN equal to NaN; names the first differing index. */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

describe('registry', () => {
  it('has unique names and warm-ups that match the kernels', () => {
    const names = INDICATORS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'sma',
        'ema',
        'rsi',
        'atr',
        'ibs',
        'donchianHigh',
        'donchianLow',
        'rollingStd',
        'realisedVol',
        'avgDollarVolume',
        'stochK',
        'stochD',
        'ichimokuTenkan',
        'ichimokuKijun',
        'ichimokuSenkouA',
        'ichimokuSenkouB',
        'rollingVwap',
      ]),
    );
    for (const d of INDICATORS) {
      expect(d.window(...defaults(d))).toHaveLength(d.inputs.length);
      for (const spec of d.params) expect(spec.default).toBeGreaterThanOrEqual(spec.min);
      const vectors = [defaults(d), ...[2, 3, 14, 50].map((p) => d.params.map(() => p))];
      // Each parameter moved alone, so a warm-up that swaps two parameters is caught.
      d.params.forEach((_, i) => vectors.push(d.params.map((spec, j) => (j === i ? spec.default + 7 : spec.min))));
      for (const ps of vectors) expect(d.kernel(...ps).warmup, `params ${ps.join(', ')}`).toBe(d.warmup(...ps));
    }
  });
});

describe.each(INDICATORS.map((d) => [d.name, d] as const))('%s contract', (_name, d) => {
  it('returns one output per input bar', () => {
    fc.assert(
      fc.property(barsArb(false), paramsArb(d), (bars, ps) => {
        expect(d.batch(columnsOf(d, bars), ...ps)).toHaveLength(bars.close.length);
      }),
      fcRuns,
    );
  });

  it('has exactly `warmup` leading NaNs on clean data, then finite values', () => {
    fc.assert(
      fc.property(barsArb(true), paramsArb(d), (bars, ps) => {
        const out = d.batch(columnsOf(d, bars), ...ps);
        const w = d.warmup(...ps);
        for (let i = 0; i < out.length; i++) {
          if (i < w) expect(out[i]).toBeNaN();
          else expect(Number.isFinite(out[i]), `bar ${i} after warm-up ${w}`).toBe(true);
        }
      }),
      fcRuns,
    );
  });

  it('is causal: a prefix of the input gives a prefix of the output', () => {
    fc.assert(
      fc.property(barsArb(false), paramsArb(d), fc.nat(), (bars, ps, cut) => {
        const k = bars.close.length === 0 ? 0 : cut % (bars.close.length + 1);
        const full = d.batch(columnsOf(d, bars), ...ps);
        const prefix = d.batch(columnsOf(d, sliceBars(bars, k)), ...ps);
        expectSame(prefix, full.subarray(0, k));
      }),
      fcRuns,
    );
  });

  it('is causal: rewriting future bars never changes past outputs', () => {
    fc.assert(
      fc.property(barsArb(false), barsArb(false), paramsArb(d), fc.nat(), (bars, other, ps, cut) => {
        const n = bars.close.length;
        const k = n === 0 ? 0 : cut % (n + 1);
        const altered: Bars = {
          high: bars.high.slice(),
          low: bars.low.slice(),
          close: bars.close.slice(),
          volume: bars.volume.slice(),
        };
        const m = other.close.length;
        for (let i = k; i < n && m > 0; i++) {
          const j = (i - k) % m;
          altered.high[i] = other.high[j];
          altered.low[i] = other.low[j];
          altered.close[i] = other.close[j];
          altered.volume[i] = other.volume[j];
        }
        const before = d.batch(columnsOf(d, bars), ...ps);
        const after = d.batch(columnsOf(d, altered), ...ps);
        expectSame(after.subarray(0, k), before.subarray(0, k));
      }),
      fcRuns,
    );
  });

  it('batch equals streaming bit for bit, and reset() gives a fresh kernel', () => {
    fc.assert(
      fc.property(barsArb(false), paramsArb(d), (bars, ps) => {
        const cols = columnsOf(d, bars);
        const kernel = d.kernel(...ps);
        const streamed = run(kernel, cols);
        expectSame(d.batch(cols, ...ps), streamed);
        kernel.reset();
        expectSame(run(kernel, cols), streamed);
      }),
      fcRuns,
    );
  });

  it(`stays inside [${d.range[0]}, ${d.range[1]}] on valid bars`, () => {
    fc.assert(
      fc.property(barsArb(false), paramsArb(d), (bars, ps) => {
        const out = d.batch(columnsOf(d, bars), ...ps);
        for (let i = 0; i < out.length; i++) {
          if (Number.isNaN(out[i])) continue;
          expect(out[i]).toBeGreaterThanOrEqual(d.range[0]);
          expect(out[i]).toBeLessThanOrEqual(d.range[1]);
        }
      }),
      fcRuns,
    );
  });

  it('is NaN exactly during warm-up and where a NaN input lies in its declared window', () => {
    const injection = fc.array(fc.record({ input: fc.nat(), bar: fc.nat() }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(barsArb(true), paramsArb(d), injection, (bars, ps, holes) => {
        const n = bars.close.length;
        const cols = columnsOf(d, bars).map((c) => c.slice());
        const placed = n === 0 ? [] : holes.map((h) => ({ input: h.input % cols.length, bar: h.bar % n }));
        for (const h of placed) cols[h.input][h.bar] = Number.NaN;
        const windows = d.window(...ps);
        const w = d.warmup(...ps);
        const out = d.batch(cols, ...ps);
        for (let t = 0; t < n; t++) {
          const hit = placed.some((h) => h.bar >= t + windows[h.input][0] && h.bar <= t + windows[h.input][1]);
          expect(Number.isNaN(out[t]), `bar ${t}, NaNs at ${JSON.stringify(placed)}`).toBe(t < w || hit);
        }
      }),
      fcRuns,
    );
  });

  it('rejects lengths that differ and periods that are not allowed', () => {
    const cols = d.inputs.map(() => [1, 2, 3, 4]);
    const expectCode = (f: () => unknown, code: string): void => {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(isKobeError(caught) && caught.code, String(caught)).toBe(code);
    };
    const mins = d.params.map((spec) => Math.max(spec.min, 2));
    if (cols.length > 1) expectCode(() => d.batch([...cols.slice(0, -1), [1, 2, 3]], ...mins), 'BAD_COLUMNS');
    // Each parameter in turn takes every disallowed value while the others stay valid.
    d.params.forEach((spec, i) => {
      const allowed = (v: number): boolean => Number.isInteger(v) && v >= spec.min && v <= spec.max;
      for (const bad of [spec.min - 1, 0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_PERIOD + 1].filter((v) => !allowed(v))) {
        const ps = mins.map((v, j) => (j === i ? bad : v));
        expectCode(() => d.batch(cols, ...ps), 'BAD_PARAM');
        expectCode(() => d.kernel(...ps), 'BAD_PARAM');
      }
    });
    expect(() => d.batch(cols, ...d.params.map((spec) => spec.min))).not.toThrow();
  });
});

describe('cross-indicator ranges', () => {
  it('SMA lies between the min and max of its window', () => {
    fc.assert(
      fc.property(barsArb(false), fc.integer({ min: 1, max: 25 }), (bars, p) => {
        const out = sma(bars.close, p);
        for (let t = p - 1; t < out.length; t++) {
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (let i = t - p + 1; i <= t; i++) {
            lo = Math.min(lo, bars.close[i]);
            hi = Math.max(hi, bars.close[i]);
          }
          // The sum is exact (rolling-sum.ts) and the mean rounded once, so no slack is needed:
          // a value between two doubles never rounds outside them.
          expect(out[t]).toBeGreaterThanOrEqual(lo);
          expect(out[t]).toBeLessThanOrEqual(hi);
        }
      }),
      fcRuns,
    );
  });

  it('donchianLow(low) <= donchianHigh(high)', () => {
    fc.assert(
      fc.property(barsArb(false), fc.integer({ min: 1, max: 25 }), (bars, p) => {
        const hi = donchianHigh(bars.high, p);
        const lo = donchianLow(bars.low, p);
        for (let t = p; t < hi.length; t++) expect(lo[t]).toBeLessThanOrEqual(hi[t]);
      }),
      fcRuns,
    );
  });
});
