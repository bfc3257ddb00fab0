import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../../core/rng.js';
import { isKobeError } from '../../core/errors.js';
import { linearFit } from '../../core/stats.js';
import { fcOptions } from '../../test-support/synthetic-bars.js';
import {
  PERFORMANCE_TIE_TOLERANCE,
  binomial,
  cscvCombinations,
  defaultPboBlocks,
  pboBlockStarts,
  probabilityOfBacktestOverfitting,
} from './pbo.js';

const col = (...xs: number[]): Float64Array => Float64Array.from(xs);

/** Seeded N(edge_j, 1) columns. */
function noiseColumns(seed: number, rows: number, strategies: number, edge: (j: number) => number = () => 0): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: strategies }, (_, j) => {
    const c = new Float64Array(rows);
    for (let i = 0; i < rows; i++) c[i] = edge(j) + rng.normal();
    return c;
  });
}

describe('PBO on hand-computed cases', () => {
  it('S = 2: the IS winner is the OOS loser both ways, PBO = 1', () => {
    // blocks: rows 0-1 and rows 2-3. Sharpe = mean / sample std:
    //   A = [1, 3 | -1, 1]: block 0 mean 2, std sqrt 2 -> 1.414; block 1 mean 0 -> 0
    //   B = [0, 2 |  1, 3]: block 0 mean 1, std sqrt 2 -> 0.707; block 1 mean 2, std sqrt 2 -> 1.414
    // IS {0}: A wins (1.414 > 0.707); OOS {1}: A 0 < B 1.414, rank 1 of 2 -> lambda = ln(1/2)
    // IS {1}: B wins (1.414 > 0);     OOS {0}: B 0.707 < A 1.414, rank 1 -> lambda = ln(1/2)
    const r = probabilityOfBacktestOverfitting({ columns: [col(1, 3, -1, 1), col(0, 2, 1, 3)], blocks: 2 });
    expect(r).toMatchObject({ pbo: 1, combinations: 2, totalCombinations: 2, blocks: 2, rows: 4, blockSizes: [2, 2], strategies: 2 });
    expect(Array.from(r.lambdas)).toEqual([Math.log(1 / 2), Math.log(1 / 2)]);
    expect(r.probabilityOfOosLoss).toBe(0);
    // the IS winner's IS Sharpe is sqrt 2 in both combinations: no spread, no regression line
    expect(r.performanceDegradation.slope.value).toBeNull();
    expect(r.performanceDegradation.slope.reason).toMatch(/same IS performance/);
    expect(r.performanceDegradation.meanIs.value).toBeCloseTo(Math.SQRT2, 14);
    expect(r.performanceDegradation.meanOos.value).toBeCloseTo(Math.SQRT1_2 / 2, 14);
  });

  it('S = 4, one row per block: all six combinations by hand', () => {
    // Each half is 2 rows {a, b}: mean (a + b)/2, sample std |a - b| / sqrt 2, so the Sharpe is
    // k / sqrt 2 with k = (a + b) / |a - b|; ranks follow k.
    //        rows: 0  1  2  3
    const A = col(1, 4, 6, 5);
    const B = col(4, 5, 1, 6);
    const C = col(0, 2, 4, 3);
    // k per row pair (A, B, C):
    //   {0,1}: 5/3, 9, 1      {2,3}: 11, 7/5, 7
    //   {0,2}: 7/5, 5/3, 1    {1,3}: 9, 11, 5
    //   {0,3}: 3/2, 5, 1      {1,2}: 5, 3/2, 3
    // combination (IS | OOS) -> IS winner -> its OOS rank r of 3 -> lambda = ln(r / (4 - r)):
    //   {0,1}|{2,3}: B (9)  -> OOS 7/5 is the lowest        r = 1 -> ln(1/3)
    //   {0,2}|{1,3}: B (5/3)-> OOS 11 is the highest        r = 3 -> ln 3
    //   {0,3}|{1,2}: B (5)  -> OOS 3/2 is the lowest        r = 1 -> ln(1/3)
    //   {1,2}|{0,3}: A (5)  -> OOS 3/2 is the middle        r = 2 -> ln 1 = 0 (counts as overfit)
    //   {1,3}|{0,2}: B (11) -> OOS 5/3 is the highest       r = 3 -> ln 3
    //   {2,3}|{0,1}: A (11) -> OOS 5/3 is the middle        r = 2 -> 0
    // PBO = #{lambda <= 0} / 6 = 4/6
    const r = probabilityOfBacktestOverfitting({ columns: [A, B, C], blocks: 4 });
    expect(r.totalCombinations).toBe(6);
    expect(r.pbo).toBeCloseTo(4 / 6, 15);
    const expected = [Math.log(1 / 3), Math.log(3), Math.log(1 / 3), 0, Math.log(3), 0];
    r.lambdas.forEach((l, i) => expect(l).toBeCloseTo(expected[i], 14));
    expect(r.lambdaSummary).toEqual({ min: Math.log(1 / 3), median: 0, mean: expect.any(Number), max: Math.log(3) });
    expect(r.lambdaSummary.mean).toBeCloseTo(0, 14);
    // degradation: (IS k, OOS k) of the winners, each divided by sqrt 2
    const isK = [9, 5 / 3, 5, 5, 11, 11];
    const oosK = [7 / 5, 11, 3 / 2, 3 / 2, 5 / 3, 5 / 3];
    const fit = linearFit(oosK.map((k) => k / Math.SQRT2), isK.map((k) => k / Math.SQRT2));
    expect(r.performanceDegradation.slope.value).toBeCloseTo(fit.slope, 12);
    expect(r.performanceDegradation.intercept.value).toBeCloseTo(fit.intercept, 12);
    expect(r.performanceDegradation.points).toBe(6);
    expect(r.probabilityOfOosLoss).toBe(0);
  });

  it('ties: the lowest index wins IS, tied strategies share the mid-rank OOS', () => {
    // X is the IS winner in both halves; 3X has mathematically the same Sharpe (floating point
    // may differ by an ulp, inside the tie tolerance). OOS, X and 3X tie for ranks 2 and 3 of 3:
    // mid-rank 2.5, lambda = ln(2.5 / 1.5) > 0, and the winner is column 0 (X), not 3X.
    const X = col(1, 2, 3, 1.5, 2, 3.5);
    const X3 = X.map((x) => 3 * x);
    const Y = col(0.1, -0.2, 0.1, 0.3, -0.4, 0.2);
    const r = probabilityOfBacktestOverfitting({ columns: [X, X3, Y], blocks: 2 });
    expect(r.pbo).toBe(0);
    r.lambdas.forEach((l) => expect(l).toBeCloseTo(Math.log(2.5 / 1.5), 14));
    // the same with X3 first: the winner is column 0 either way, the lambdas do not change
    expect(Array.from(probabilityOfBacktestOverfitting({ columns: [X3, X, Y], blocks: 2 }).lambdas)).toEqual(Array.from(r.lambdas));
  });

  it('riskless rows rank as +/- infinite Sharpe, a flat strategy as 0, and never reach the output', () => {
    // R earns 1% every row: riskless, +Infinity, the IS winner and the OOS best every time.
    // Z never trades: Sharpe 0. L loses 1% every row: -Infinity.
    const R = new Float64Array(8).fill(0.01);
    const Z = new Float64Array(8);
    const L = new Float64Array(8).fill(-0.01);
    const N = col(0.02, -0.01, 0.03, -0.02, 0.01, 0.0, -0.03, 0.02);
    const r = probabilityOfBacktestOverfitting({ columns: [Z, N, L, R], blocks: 4 });
    expect(r.pbo).toBe(0);
    r.lambdas.forEach((l) => expect(l).toBeCloseTo(Math.log(4 / 1), 14)); // rank 4 of 4
    expect(r.performanceDegradation.points).toBe(0);
    expect(r.performanceDegradation.slope.value).toBeNull();
    expect(r.performanceDegradation.meanOos.reason).toMatch(/riskless/);
    expect(JSON.parse(JSON.stringify({ ...r, lambdas: Array.from(r.lambdas) }))).toEqual({ ...r, lambdas: Array.from(r.lambdas) });
  });

  it('uses every row: blocks of floor(T/S) or ceil(T/S) rows, oldest block first', () => {
    const cols = noiseColumns(5, 37, 3);
    const r = probabilityOfBacktestOverfitting({ columns: cols, blocks: 4 });
    // block b = rows floor(37 b / 4) ..: 0-8, 9-17, 18-26, 27-36
    expect(r).toMatchObject({ rows: 37, blockSizes: [9, 9, 9, 10], equalBlocks: false });
    expect(Array.from(pboBlockStarts(37, 4))).toEqual([0, 9, 18, 27, 37]);
    // the oldest row counts: dropping it changes the result
    const without = probabilityOfBacktestOverfitting({ columns: cols.map((c) => c.subarray(1)), blocks: 4 });
    expect(without).toMatchObject({ rows: 36, blockSizes: [9, 9, 9, 9], equalBlocks: true });
    expect(Array.from(without.lambdas)).not.toEqual(Array.from(r.lambdas));
    expect(probabilityOfBacktestOverfitting({ columns: noiseColumns(5, 11, 3) })).toMatchObject({ blocks: 10, blockSizes: [1, 1, 1, 1, 1, 1, 1, 1, 1, 2] });
  });

  it('default S: equal (within 10%) blocks in [8, 16], the larger S on ties', () => {
    expect(defaultPboBlocks(1000)).toBe(16); // blocks of 62 and 63: within 10%
    expect(defaultPboBlocks(160)).toBe(16);
    expect(defaultPboBlocks(16)).toBe(16);
    expect(defaultPboBlocks(28)).toBe(14); // 14 blocks of 2, not 16 blocks of 1 and 2
    expect(defaultPboBlocks(30)).toBe(10); // 10 blocks of 3
    expect(defaultPboBlocks(29)).toBe(8); // no near-equal split: blocks of 3 and 4
    expect(defaultPboBlocks(11)).toBe(10);
    expect(defaultPboBlocks(6)).toBe(6);
    expect(defaultPboBlocks(5)).toBe(4);
    expect(defaultPboBlocks(4)).toBe(4);
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 5000 }), (t) => {
        const s = defaultPboBlocks(t);
        expect(s % 2).toBe(0);
        expect(s).toBeLessThanOrEqual(Math.min(16, t));
        expect(s).toBeGreaterThanOrEqual(Math.min(8, t - (t % 2)));
        const starts = pboBlockStarts(t, s);
        expect(starts[0]).toBe(0);
        expect(starts[s]).toBe(t); // every row used
        for (let b = 0; b < s; b++) expect([Math.floor(t / s), Math.ceil(t / s)]).toContain(starts[b + 1] - starts[b]);
      }),
      fcOptions(200),
    );
  });

  it('28 walk-forward splits: all 28 count, so the 12 oldest can decide PBO', () => {
    // A and B mirror each other (B = -A), so on any row set they have the same std and the one
    // with the higher mean has the higher Sharpe. In the 16 newest splits A alternates +1%/-1%:
    // whichever wins a half in sample loses the other half, PBO = 1 on those rows alone (what
    // the old layout, S = 16 over the newest 16 splits, computed). In the 12 oldest splits A
    // earns 5% every time: over all 28 splits A is the real winner, and PBO is nearly 0.
    const t = 28;
    const a = Float64Array.from({ length: t }, (_, i) => (i < 12 ? 0.05 : i % 2 === 0 ? 0.01 : -0.01));
    const b = a.map((x) => -x);
    const r = probabilityOfBacktestOverfitting({ columns: [a, b] });
    expect(r).toMatchObject({ rows: 28, blocks: 14, blockSizes: Array(14).fill(2), equalBlocks: true, totalCombinations: 3432 });
    // Overfit only when every old block is in sample: OOS is then 7 zero-sum new blocks, A and B
    // tie there (mid-rank, lambda 0). C(8, 1) of C(14, 7) combinations.
    expect(r.pbo).toBeCloseTo(8 / 3432, 15);
    const newestOnly = probabilityOfBacktestOverfitting({ columns: [a.subarray(12), b.subarray(12)], blocks: 16 });
    expect(newestOnly.pbo).toBe(1);
  });

  it('refuses bad input with a typed error', () => {
    const ok = noiseColumns(1, 40, 3);
    const bad: unknown[] = [];
    const attempt = (f: () => unknown): void => {
      try {
        f();
      } catch (e) {
        bad.push(e);
      }
    };
    attempt(() => probabilityOfBacktestOverfitting({ columns: [ok[0]] }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: [ok[0], ok[1].subarray(1)] }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: [ok[0], col(...Array.from(ok[1]).map((x, i) => (i === 7 ? Number.NaN : x)))] }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: ok, blocks: 5 }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: ok, blocks: 34 }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: noiseColumns(1, 3, 2) }));
    attempt(() => probabilityOfBacktestOverfitting({ columns: ok, maxCombinations: 1 }));
    expect(bad).toHaveLength(7);
    expect(bad.every(isKobeError)).toBe(true);
  });
});

// An independent, deliberately naive CSCV: enumerate block sets recursively, concatenate the
// rows, compute mean and sample std directly, rank by counting. Shares only the specification
// (block layout, riskless rule, tie rule, mid-ranks) with pbo.ts.
function naivePbo(columns: Float64Array[], s: number): { pbo: number; lambdas: number[] } {
  const t = columns[0].length;
  const n = columns.length;
  // every row, block b = rows [floor(b t / s), floor((b + 1) t / s))
  const blockOf = Array.from({ length: t }, (_, i) => [...Array(s).keys()].find((b) => i >= Math.floor((b * t) / s) && i < Math.floor(((b + 1) * t) / s))!);
  const sharpe = (c: Float64Array, blocks: number[]): number => {
    const rows: number[] = [];
    for (let i = 0; i < t; i++) if (blocks.includes(blockOf[i])) rows.push(c[i]);
    const m = rows.reduce((a, x) => a + x, 0) / rows.length;
    const sd = Math.sqrt(rows.reduce((a, x) => a + (x - m) ** 2, 0) / (rows.length - 1));
    if (sd <= 1e-9 * Math.abs(m)) return m > 0 ? Infinity : m < 0 ? -Infinity : 0;
    return m / sd;
  };
  const tie = (a: number, b: number): boolean =>
    a === b || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= PERFORMANCE_TIE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b)));
  const sets: number[][] = [];
  const pick = (from: number, chosen: number[]): void => {
    if (chosen.length === s / 2) {
      sets.push([...chosen]);
      return;
    }
    for (let b = from; b < s; b++) pick(b + 1, [...chosen, b]);
  };
  pick(0, []);
  const lambdas = sets.map((is) => {
    const oos = [...Array(s).keys()].filter((b) => !is.includes(b));
    const isPerf = columns.map((c) => sharpe(c, is));
    const top = Math.max(...isPerf);
    const star = isPerf.findIndex((p) => tie(p, top));
    const oosPerf = columns.map((c) => sharpe(c, oos));
    const v = oosPerf[star];
    const below = oosPerf.filter((p) => p < v && !tie(p, v)).length;
    const equal = oosPerf.filter((p) => tie(p, v)).length;
    const rank = below + (equal + 1) / 2;
    return Math.log(rank / (n + 1 - rank));
  });
  return { pbo: lambdas.filter((l) => l <= 0).length / lambdas.length, lambdas };
}

describe('PBO against an independent brute force', () => {
  const shape = fc
    .record({
      s: fc.constantFrom(2, 4, 6, 8),
      perBlock: fc.integer({ min: 1, max: 5 }),
      extra: fc.integer({ min: 0, max: 7 }),
      n: fc.integer({ min: 2, max: 6 }),
    })
    .filter(({ s, perBlock }) => perBlock * (s / 2) >= 2);

  it('matches on random real-valued matrices', () => {
    fc.assert(
      fc.property(shape, fc.integer(), ({ s, perBlock, extra, n }, seed) => {
        const t = s * perBlock + (extra % s);
        const rng = createRng(seed);
        const columns = Array.from({ length: n }, () => Float64Array.from({ length: t }, () => 0.01 * rng.normal() + 0.002 * (rng.next() - 0.5)));
        const got = probabilityOfBacktestOverfitting({ columns, blocks: s });
        const want = naivePbo(columns, s);
        expect(got.pbo).toBe(want.pbo);
        expect(got.lambdas.length).toBe(want.lambdas.length);
        got.lambdas.forEach((l, i) => expect(l).toBeCloseTo(want.lambdas[i], 12));
      }),
      fcOptions(150),
    );
  });

  it('matches on small-integer matrices, full of ties, flat and riskless block sets', () => {
    fc.assert(
      fc.property(shape, fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 400, maxLength: 400 }), ({ s, perBlock, extra, n }, pool) => {
        const t = s * perBlock + (extra % s);
        const columns = Array.from({ length: n }, (_, j) => Float64Array.from({ length: t }, (_, i) => pool[(j * t + i) % pool.length]));
        const got = probabilityOfBacktestOverfitting({ columns, blocks: s });
        const want = naivePbo(columns, s);
        expect(got.pbo).toBe(want.pbo);
        got.lambdas.forEach((l, i) => expect(l).toBeCloseTo(want.lambdas[i], 12));
      }),
      fcOptions(150),
    );
  });
});

describe('PBO behaviour', () => {
  it('is near 1/2 when every candidate is noise (seeded)', () => {
    // Under the null the IS winner lands anywhere OOS. One matrix's PBO is noisy (the 12,870
    // combinations are strongly dependent: across 100 seeds of this shape its sd was 0.16), so
    // the mean of 6 matrices is checked: sd about 0.065.
    const pbos = [1, 2, 3, 4, 5, 6].map((seed) => probabilityOfBacktestOverfitting({ columns: noiseColumns(seed, 1000, 50) }).pbo);
    const mean = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  });

  it('is 0 with one genuinely dominant strategy', () => {
    // Column 7 earns 0.2 sd a row; 49 noise columns have IS Sharpes of sd 1/sqrt(500) = 0.045, so
    // their best is about 0.1 and only rarely beats column 7 in sample (21 of 12,870 here).
    const r = probabilityOfBacktestOverfitting({ columns: noiseColumns(9, 1000, 50, (j) => (j === 7 ? 0.2 : 0)) });
    expect(r.pbo).toBeLessThan(0.01);
    expect(r.lambdaSummary.median).toBeCloseTo(Math.log(50), 12); // OOS rank 50 of 50
    expect(r.probabilityOfOosLoss).toBeLessThan(0.01);
    // a bigger edge never loses the IS race: PBO exactly 0
    expect(probabilityOfBacktestOverfitting({ columns: noiseColumns(9, 1000, 50, (j) => (j === 7 ? 0.4 : 0)) }).pbo).toBe(0);
    expect(r.performanceDegradation.meanOos.value as number).toBeGreaterThan(0.15);
  });

  // Its speed is a benchmark figure (npm run bench), not a timed test.
  it('T = 1000, N = 50, S = 16 evaluates all 12,870 combinations', () => {
    const r = probabilityOfBacktestOverfitting({ columns: noiseColumns(10, 1000, 50) });
    expect(r.combinations).toBe(12_870);
    expect(r.subsampled).toBe(false);
    expect(r.lambdas.length).toBe(12_870);
  });
});

describe('combination guard', () => {
  it('enumerates C(S, S/2) in lexicographic order', () => {
    const c = cscvCombinations(4);
    expect(c).toMatchObject({ count: 6, total: 6, subsampled: false });
    expect(Array.from(c.sets)).toEqual([0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3]);
    expect(binomial(16, 8)).toBe(12_870);
    expect(binomial(32, 16)).toBe(601_080_390);
  });

  it('above the limit samples set/complement pairs deterministically from the seed', () => {
    const half = 4;
    const a = cscvCombinations(8, 20, 3);
    expect(a).toMatchObject({ count: 20, total: 70, subsampled: true });
    const keys = new Set<string>();
    for (let c = 0; c < a.count; c += 2) {
      const set = Array.from(a.sets.subarray(c * half, (c + 1) * half));
      const comp = Array.from(a.sets.subarray((c + 1) * half, (c + 2) * half));
      expect(set[0]).toBe(0);
      expect([...set, ...comp].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(set).toEqual([...set].sort((x, y) => x - y));
      keys.add(set.join());
    }
    expect(keys.size).toBe(10); // distinct, without replacement
    expect(Array.from(cscvCombinations(8, 20, 3).sets)).toEqual(Array.from(a.sets));
    expect(Array.from(cscvCombinations(8, 20, 4).sets)).not.toEqual(Array.from(a.sets));
    // asking for everything (70 = 35 pairs) yields every combination exactly once
    const all = cscvCombinations(8, 69, 0);
    const seen = new Set<string>();
    for (let c = 0; c < all.count; c++) seen.add(Array.from(all.sets.subarray(c * half, (c + 1) * half)).join());
    expect(all.count).toBe(68);
    expect(seen.size).toBe(68);
  });

  it('a subsampled PBO evaluates exactly the sampled combinations of the full one', () => {
    const columns = noiseColumns(11, 160, 6);
    const full = probabilityOfBacktestOverfitting({ columns, blocks: 8 });
    const part = probabilityOfBacktestOverfitting({ columns, blocks: 8, maxCombinations: 20, seed: 3 });
    expect(part).toMatchObject({ combinations: 20, totalCombinations: 70, subsampled: true, seed: 3 });
    expect(full.seed).toBeNull();
    const lambdaOf = new Map<string, number>();
    const fullSets = cscvCombinations(8);
    for (let c = 0; c < full.combinations; c++) lambdaOf.set(Array.from(fullSets.sets.subarray(c * 4, c * 4 + 4)).join(), full.lambdas[c]);
    const partSets = cscvCombinations(8, 20, 3);
    for (let c = 0; c < part.combinations; c++) {
      expect(part.lambdas[c]).toBe(lambdaOf.get(Array.from(partSets.sets.subarray(c * 4, c * 4 + 4)).join()));
    }
  });

  it('S = 32 (6.0e8 combinations) is sampled to the limit quickly', () => {
    const r = probabilityOfBacktestOverfitting({ columns: noiseColumns(12, 320, 10), blocks: 32 });
    expect(r).toMatchObject({ combinations: 20_000, totalCombinations: 601_080_390, subsampled: true, seed: 0 });
    expect(r.pbo).toBeGreaterThan(0);
    expect(r.pbo).toBeLessThan(1);
  });
});
