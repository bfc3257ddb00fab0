import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentileInPlace, percentilesInPlace, sampleIndices, selectInPlace } from './percentile.js';

const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);


/** Type-7 percentile of an ascending array, written the plain way. */
function naivePercentile(sorted: number[], p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

// Values with many ties (small integers) or spread (doubles).
const values = fc.oneof(
  fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 60 }),
  // -0 and 0 compare equal, so their order after a partition is arbitrary; Object.is-based
  // assertions would see it. Adding 0 turns -0 into 0.
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x + 0), { minLength: 1, maxLength: 60 }),
);

describe('selectInPlace', () => {
  it('puts the k-th order statistic at k with smaller values left and larger right', () => {
    fc.assert(
      fc.property(values, fc.nat(), (xs, kSeed) => {
        const a = Float64Array.from(xs);
        const k = kSeed % a.length;
        selectInPlace(a, 0, a.length - 1, k);
        const sorted = [...xs].sort((x, y) => x - y);
        expect(a[k]).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
        expect([...a].sort((x, y) => x - y)).toEqual(sorted); // a permutation
      }),
      { seed: fcSeed },
    );
  });

  it('stays linear on a constant array', () => {
    const a = new Float64Array(200_000).fill(7);
    selectInPlace(a, 0, a.length - 1, 100_000);
    expect(a[100_000]).toBe(7);
  });
});

describe('percentilesInPlace', () => {
  it('equals the type-7 percentile of the sorted values, and is non-decreasing in p', () => {
    const ps = [0, 1, 5, 25, 33.3, 50, 75, 95, 99.9, 100];
    fc.assert(
      fc.property(values, (xs) => {
        const a = Float64Array.from(xs);
        const out = new Float64Array(ps.length);
        percentilesInPlace(a, 0, a.length, ps, out);
        const sorted = [...xs].sort((x, y) => x - y);
        for (let m = 0; m < ps.length; m++) {
          const want = naivePercentile(sorted, ps[m]);
          expect(Math.abs(out[m] - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
          if (m > 0) expect(out[m]).toBeGreaterThanOrEqual(out[m - 1]);
        }
      }),
      { seed: fcSeed },
    );
  });

  it('works on a slice of a larger array and leaves the rest alone', () => {
    const a = Float64Array.of(100, 100, 3, 1, 2, 5, 4, -100);
    expect(percentileInPlace(a, 2, 5, 50)).toBe(3);
    expect(a[0]).toBe(100);
    expect(a[1]).toBe(100);
    expect(a[7]).toBe(-100);
    expect(percentileInPlace(Float64Array.of(1, 2), 0, 2, 25)).toBeCloseTo(1.25, 12);
  });
});

describe('sampleIndices', () => {
  it('gives every index for short ranges and at most maxPoints strictly increasing ones with both ends otherwise', () => {
    expect(Array.from(sampleIndices(3, 100))).toEqual([0, 1, 2, 3]);
    expect(Array.from(sampleIndices(0, 100))).toEqual([0]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 2, max: 200 }), (last, maxPoints) => {
        const idx = sampleIndices(last, maxPoints);
        expect(idx.length).toBe(Math.min(last + 1, maxPoints));
        expect(idx[0]).toBe(0);
        expect(idx[idx.length - 1]).toBe(last);
        for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
      }),
      { seed: fcSeed },
    );
  });
});
