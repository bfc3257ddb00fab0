import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { contributions, fitLogistic, logOdds, predictLogistic, sigmoid, softplus, type FeatureMatrix } from './logistic.js';

// Fixture and expected coefficients written by scripts/reference/logistic-reference.py (scipy).
const FIXTURES = new URL('./fixtures/', import.meta.url);

interface ReferenceCase {
  readonly l2: number;
  readonly weighted: boolean;
  readonly intercept: number;
  readonly coefficients: number[];
  readonly means: number[];
  readonly stds: number[];
  readonly objective: number;
}

function loadCase(): { x: FeatureMatrix; labels: Uint8Array; weights: Float64Array; names: string[] } {
  const lines = readFileSync(new URL('logistic-case.csv', FIXTURES), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const names = header.slice(0, -2);
  const rows = lines.length - 1;
  const cols = names.length;
  const data = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  const weights = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const f = lines[i + 1].split(',').map(Number);
    for (let j = 0; j < cols; j++) data[i * cols + j] = f[j];
    labels[i] = f[cols];
    weights[i] = f[cols + 1];
  }
  return { x: { data, rows, cols }, labels, weights, names };
}

const expected = JSON.parse(readFileSync(new URL('logistic-expected.json', FIXTURES), 'utf8')) as { cases: Record<string, ReferenceCase> };

function expectErrorOn(fn: () => unknown, parameter: string): void {
  try {
    fn();
  } catch (e) {
    expect(isKobeError(e)).toBe(true);
    if (isKobeError(e)) {
      expect(e.code).toBe('BAD_CONFIDENCE_INPUT');
      expect(e.message).toContain(parameter);
      expect(e.hint).toBeTruthy();
    }
    return;
  }
  throw new Error(`expected an error naming ${parameter}`);
}

describe('logistic regression against scipy on a fixed dataset', () => {
  const data = loadCase();
  for (const [name, ref] of Object.entries(expected.cases)) {
    it(`matches the reference coefficients to 1e-6 (${name})`, () => {
      const fit = fitLogistic(
        { x: data.x, labels: data.labels, weights: ref.weighted ? data.weights : undefined, featureNames: data.names },
        { l2: ref.l2 },
      );
      expect(fit.status).toBe('converged');
      expect(fit.iterations).toBeLessThan(20);
      expect(Math.abs(fit.model.intercept - ref.intercept)).toBeLessThan(1e-6);
      for (let j = 0; j < ref.coefficients.length; j++) {
        expect(Math.abs(fit.model.coefficients[j] - ref.coefficients[j])).toBeLessThan(1e-6);
        expect(fit.model.means[j]).toBeCloseTo(ref.means[j], 10);
        expect(fit.model.stds[j]).toBeCloseTo(ref.stds[j], 10);
      }
      expect(fit.objective).toBeCloseTo(ref.objective, 8);
      expect(fit.gradientMax).toBeLessThan(1e-8);
    });
  }

  it('scales with the training rows only: an affine change of a feature leaves the probabilities unchanged', () => {
    const ref = fitLogistic({ x: data.x, labels: data.labels, featureNames: data.names });
    const moved = Float64Array.from(data.x.data);
    for (let i = 0; i < data.x.rows; i++) moved[i * data.x.cols + 1] = 1000 + 7 * moved[i * data.x.cols + 1];
    const other = fitLogistic({ x: { ...data.x, data: moved }, labels: data.labels, featureNames: data.names });
    const p = predictLogistic(ref.model, data.x);
    const q = predictLogistic(other.model, { ...data.x, data: moved });
    for (let i = 0; i < p.length; i++) expect(q[i]).toBeCloseTo(p[i], 10);
    expect(other.model.coefficients[1]).toBeCloseTo(ref.model.coefficients[1], 8);
  });
});

describe('contributions', () => {
  it('are coefficient x standardised value and add up, with the intercept, to the log-odds', () => {
    const data = loadCase();
    const fit = fitLogistic({ x: data.x, labels: data.labels, featureNames: data.names });
    const eta = logOdds(fit.model, data.x);
    for (const i of [0, 17, 299]) {
      const row = data.x.data.subarray(i * data.x.cols, (i + 1) * data.x.cols);
      const c = contributions(fit.model, row);
      expect(c.features.map((f) => f.feature)).toEqual(data.names);
      let sum = c.intercept;
      for (let j = 0; j < c.features.length; j++) {
        const f = c.features[j];
        expect(f.standardised).toBeCloseTo((row[j] - fit.model.means[j]) / fit.model.stds[j], 12);
        expect(f.contribution).toBeCloseTo(f.coefficient * f.standardised, 12);
        sum += f.contribution;
      }
      expect(c.logOdds).toBeCloseTo(sum, 12);
      expect(c.logOdds).toBeCloseTo(eta[i], 12);
      expect(c.probability).toBeCloseTo(sigmoid(eta[i]), 12);
    }
  });
});

describe('failures as values', () => {
  const line = (n: number): FeatureMatrix => ({ data: Float64Array.from({ length: n }, (_, i) => i), rows: n, cols: 1 });
  const threshold = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i >= n / 2 ? 1 : 0));

  it('reports perfect separation without a penalty (no maximum-likelihood coefficients)', () => {
    const fit = fitLogistic({ x: line(20), labels: threshold(20), featureNames: ['x'] }, { l2: 0 });
    expect(fit.status).toBe('separated');
    expect(Number.isFinite(fit.model.coefficients[0])).toBe(true);
    expect(fit.model.coefficients[0]).toBeGreaterThan(0);
  });

  it('fits separable data to a finite optimum with a penalty', () => {
    const fit = fitLogistic({ x: line(20), labels: threshold(20), featureNames: ['x'] }, { l2: 1 });
    expect(fit.status).toBe('converged');
    expect(fit.gradientMax).toBeLessThan(1e-8);
  });

  it('reports a single class', () => {
    const fit = fitLogistic({ x: line(10), labels: new Uint8Array(10).fill(1), featureNames: ['x'] });
    expect(fit.status).toBe('one-class');
  });

  it('reports hitting the iteration cap', () => {
    const data = loadCase();
    const fit = fitLogistic({ x: data.x, labels: data.labels, featureNames: data.names }, { maxIterations: 1 });
    expect(fit.status).toBe('max-iterations');
    expect(fit.iterations).toBe(1);
  });

  it('reports a singular Hessian for duplicated columns without a penalty', () => {
    const n = 30;
    const data = new Float64Array(n * 2);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = data[2 * i + 1] = Math.sin(i);
      labels[i] = (i * 7) % 3 === 0 ? 1 : 0;
    }
    const fit = fitLogistic({ x: { data, rows: n, cols: 2 }, labels, featureNames: ['a', 'b'] }, { l2: 0 });
    expect(fit.status).toBe('singular');
  });

  it('gives a constant column coefficient 0 and std 1', () => {
    const n = 40;
    const data = new Float64Array(n * 2);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = Math.sin(i);
      data[2 * i + 1] = 3.5;
      labels[i] = (i * 5) % 3 === 0 ? 1 : 0;
    }
    const fit = fitLogistic({ x: { data, rows: n, cols: 2 }, labels, featureNames: ['a', 'flat'] }, { l2: 0 });
    expect(fit.status).toBe('converged');
    expect(fit.constantFeatures).toEqual([1]);
    expect(fit.model.coefficients[1]).toBe(0);
    expect(fit.model.stds[1]).toBe(1);
  });

  it('gives a zero-weight row no say', () => {
    const data = loadCase();
    const weights = new Float64Array(data.x.rows).fill(1);
    const flipped = Uint8Array.from(data.labels);
    for (let i = 0; i < 50; i++) {
      weights[i] = 0;
      flipped[i] = 1 - flipped[i];
    }
    const a = fitLogistic({ x: data.x, labels: data.labels, weights, featureNames: data.names });
    const b = fitLogistic({ x: data.x, labels: flipped, weights, featureNames: data.names });
    expect(Array.from(b.model.coefficients)).toEqual(Array.from(a.model.coefficients));
    expect(b.model.intercept).toBe(a.model.intercept);
  });
});

describe('input validation names the parameter', () => {
  const x: FeatureMatrix = { data: Float64Array.of(1, 2, 3, 4), rows: 2, cols: 2 };
  const labels = Uint8Array.of(0, 1);
  it.each([
    ['x', () => fitLogistic({ x: { ...x, rows: 3 }, labels, featureNames: ['a', 'b'] })],
    ['x[1][0]', () => fitLogistic({ x: { ...x, data: Float64Array.of(1, 2, Number.NaN, 4) }, labels, featureNames: ['a', 'b'] })],
    ['featureNames', () => fitLogistic({ x, labels, featureNames: ['a'] })],
    ['labels', () => fitLogistic({ x, labels: Uint8Array.of(0), featureNames: ['a', 'b'] })],
    ['labels[1]', () => fitLogistic({ x, labels: Uint8Array.of(0, 2), featureNames: ['a', 'b'] })],
    ['weights[0]', () => fitLogistic({ x, labels, weights: Float64Array.of(-1, 1), featureNames: ['a', 'b'] })],
    ['l2', () => fitLogistic({ x, labels, featureNames: ['a', 'b'] }, { l2: -1 })],
    ['maxIterations', () => fitLogistic({ x, labels, featureNames: ['a', 'b'] }, { maxIterations: 0 })],
    ['x', () => predictLogistic(fitLogistic({ x, labels, featureNames: ['a', 'b'] }).model, { data: Float64Array.of(1), rows: 1, cols: 1 })],
  ])('%s', (parameter, fn) => expectErrorOn(fn, parameter));
});

describe('numerics', () => {
  it('softplus and sigmoid do not overflow', () => {
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
  });
});
