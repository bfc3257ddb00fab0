import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('seeded rng', () => {
  it('keeps its sequence: every seeded result in kobe depends on it', () => {
    const r = createRng(42);
    expect([r.next(), r.int(1000), r.normal(), r.normal(), r.next()]).toEqual([0.23955312534235418, 585, 0.6904464376867262, 2.0660507880443504, 0.44710162095725536]);
    expect(createRng(7).fork('x').next()).toBe(0.6931933590676636);
  });

  it('gives independent, reproducible streams per seed and fork label', () => {
    const a = createRng(1);
    const b = createRng(1);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b.next());
    expect(createRng(1).next()).not.toBe(createRng(2).next());
    const root = createRng(5);
    const before = createRng(5).next();
    root.fork('a');
    expect(root.next()).toBe(before);
    expect(createRng(5).fork('a').next()).not.toBe(createRng(5).fork('b').next());
  });

  it('draws uniform values in [0, 1) and integers in [0, n)', () => {
    const r = createRng(3);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      const k = r.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });
});
