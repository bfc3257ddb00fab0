import { inputError } from '../../core/errors.js';
import { linearFit } from '../../core/stats.js';
import { NEGLIGIBLE_SPREAD_REL, metric, type MetricValue } from '../../backtest/metrics.js';
import { cscvCombinations, defaultPboBlocks, PBO_DEFAULT_MAX_COMBINATIONS, PBO_MAX_BLOCKS, pboBlockStarts } from './cscv.js';

export {
  binomial,
  cscvCombinations,
  type CscvCombinations,
  defaultPboBlocks,
  PBO_BLOCK_SIZE_TOLERANCE,
  PBO_DEFAULT_BLOCKS,
  PBO_DEFAULT_MAX_COMBINATIONS,
  PBO_MAX_BLOCKS,
  PBO_MIN_DEFAULT_BLOCKS,
  pboBlockStarts,
} from './cscv.js';

/**
 * Probability of Backtest Overfitting by combinatorially symmetric cross-validation (CSCV):
 * D. H. Bailey, J. M. Borwein, M. Lopez de Prado and Q. J. Zhu (2015/2017), "The Probability of
 * Backtest Overfitting", Journal of Computational Finance 20(4), SSRN 2326253.
 *
 * Procedure (the paper's, with every convention the paper leaves open written down):
 * 1. M is a T x N matrix: T rows in time order (per-period returns, or per-split results), one
 *    column per candidate strategy. The rows are cut into S contiguous blocks, S even, and EVERY
 *    row is used: block b holds rows floor(b T / S) .. floor((b + 1) T / S) - 1, so the blocks
 *    hold floor(T / S) or ceil(T / S) rows (reported as `blockSizes`). The paper (section 2.2:
 *    "S even", each block "of order T/S") has equal blocks; when S does not divide T the unequal
 *    sizes are a documented deviation. Dropping the T mod S oldest rows instead, as an earlier
 *    version did, threw away up to 43% of a short record (T = 28 walk-forward splits, S = 16)
 *    and let the newest rows alone decide PBO.
 *    Default S (`defaultPboBlocks`): the even S in [8, 16] (every even S <= T when T < 8) whose
 *    blocks are closest to equal, where blocks within 10% of each other in size count as equal,
 *    ties going to the larger S. So S = 16 for T >= 160 and whenever 16 divides T (the paper's
 *    choice), S = 14 blocks of 2 for T = 28, S = 10 blocks of 3 for T = 30; only a T with no
 *    near-even split (e.g. 29: S = 8, blocks of 3 and 4) gets visibly unequal blocks.
 * 2. For each of the C(S, S/2) ways to choose S/2 blocks: the chosen blocks (concatenated) are
 *    in-sample (IS), the other S/2 out-of-sample (OOS). Every combination's complement is also a
 *    combination, so each block is IS exactly as often as OOS.
 * 3. Performance of a strategy on a block set = Sharpe of the set's rows: mean / sample std
 *    (ddof = 1) of the concatenated rows (the block order does not matter; with unequal blocks an
 *    IS set and its OOS complement may differ by a few rows). When the std is at
 *    most NEGLIGIBLE_SPREAD_REL (1e-9) times |mean| the rows are riskless: the performance is
 *    +Infinity for a positive mean, -Infinity for a negative one and 0 for a zero mean (a flat,
 *    untraded strategy). Infinities only rank; they never reach the output.
 * 4. n* = the strategy with the best IS performance; ties go to the lowest column index.
 * 5. Its OOS rank r among all N OOS performances: 1 = worst .. N = best; tied strategies share the
 *    average of their ranks (mid-rank, as scipy's rankdata in the pypbo implementation). omega =
 *    r / (N + 1), lambda = ln(omega / (1 - omega)) = ln(r / (N + 1 - r)).
 * 6. PBO = share of combinations with lambda <= 0: the IS winner ranked at or below the OOS
 *    median.
 * Two performances count as tied when they differ by at most PERFORMANCE_TIE_TOLERANCE x
 * max(1, |a|, |b|), so that floating-point noise (e.g. a strategy and its 3x-levered copy) never
 * decides a rank.
 *
 * Also reported: probability of OOS loss (share of combinations where n*'s OOS performance is
 * below 0) and the performance degradation, the OLS fit OOS = intercept + slope * IS of n*'s
 * performance over the combinations (the paper's performance-degradation regression; a negative
 * slope means IS winners tend to be OOS losers).
 *
 * Cost: per-block row counts, means and centred sums of squares (M2) are computed once, two-pass;
 * a block set's mean and M2 combine them exactly (Chan, Golub & LeVeque: mean = sum n_b mean_b /
 * sum n_b, M2 = sum M2_b + sum n_b (mean_b - mean)^2), so each combination costs O(S N), not O(T N). T = 1000, N = 50,
 * S = 16 (12,870 combinations) takes about 0.1-0.2 s on Node 20.
 *
 * Combination guard: C(S, S/2) grows fast (S = 16: 12,870; 20: 184,756; 32: 6.0e8). When it exceeds
 * `maxCombinations` (default 20,000) a deterministic sample is evaluated instead: floor(max / 2)
 * distinct combinations that contain block 0 are drawn without replacement (Floyd's algorithm,
 * sfc32 seeded with `seed`, default 0) and each is evaluated together with its complement, which
 * keeps the IS/OOS symmetry. S above 32 is refused.
 *
 * The blocks and the combinations are built in cscv.ts; the ranking and the summaries here.
 */

/** Relative tolerance under which two performances are tied (see the module comment). */
export const PERFORMANCE_TIE_TOLERANCE = 1e-10;

export interface PboInput {
  /**
   * The N columns of M: one per-period series per candidate strategy, all of length T, in time
   * order. Every value must be finite.
   */
  readonly columns: readonly ArrayLike<number>[];
  /** Even number of blocks S, 2 <= S <= 32. Default `defaultPboBlocks(T)` (see the module comment). */
  readonly blocks?: number;
  /** Largest number of combinations evaluated exhaustively (>= 2); above it a seeded sample. */
  readonly maxCombinations?: number;
  /** Seed of the sample drawn when C(S, S/2) > maxCombinations. Default 0. */
  readonly seed?: number;
}

export interface PerformanceDegradation {
  /** OLS slope of n*'s OOS performance on its IS performance across combinations. */
  readonly slope: MetricValue;
  readonly intercept: MetricValue;
  /** Mean IS performance (Sharpe per row) of the IS winner. */
  readonly meanIs: MetricValue;
  /** Mean OOS performance of the same strategy: how much of the IS Sharpe survives. */
  readonly meanOos: MetricValue;
  /** Combinations in the fit: those where both performances are finite (not riskless). */
  readonly points: number;
}

export interface LambdaSummary {
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
}

export interface PboResult {
  /** Share of evaluated combinations with lambda <= 0. */
  readonly pbo: number;
  /** Combinations evaluated. */
  readonly combinations: number;
  /** C(S, S/2). */
  readonly totalCombinations: number;
  /** True when combinations < totalCombinations (seeded sample, see maxCombinations). */
  readonly subsampled: boolean;
  /** Seed of the sample; null when every combination was evaluated. */
  readonly seed: number | null;
  /** S. */
  readonly blocks: number;
  /** T as given; every row is used. */
  readonly rows: number;
  /** Rows in each block, oldest block first: floor(T / S) or ceil(T / S), summing to T. */
  readonly blockSizes: readonly number[];
  /** True when S divides T (the paper's equal blocks); false is the documented deviation. */
  readonly equalBlocks: boolean;
  /** N. */
  readonly strategies: number;
  /**
   * lambda of each evaluated combination, in evaluation order: lexicographic order of the IS block
   * sets when exhaustive; sampled pairs (set, complement) otherwise. Always finite.
   */
  readonly lambdas: Float64Array;
  readonly lambdaSummary: LambdaSummary;
  /** Share of combinations where the IS winner's OOS performance is below 0. */
  readonly probabilityOfOosLoss: number;
  readonly performanceDegradation: PerformanceDegradation;
}

/** a and b tied: equal, or both finite and within the relative tolerance. */
function tied(a: number, b: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= PERFORMANCE_TIE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Sharpe of a block set from its mean and M2, with the riskless convention of step 3. */
export function blockSetSharpe(meanValue: number, m2: number, n: number): number {
  const sd = Math.sqrt(Math.max(m2, 0) / (n - 1));
  if (sd <= NEGLIGIBLE_SPREAD_REL * Math.abs(meanValue)) {
    return meanValue > 0 ? Number.POSITIVE_INFINITY : meanValue < 0 ? Number.NEGATIVE_INFINITY : 0;
  }
  return meanValue / sd;
}

function validate(input: PboInput): { t: number; n: number; s: number; maxCombinations: number; seed: number } {
  const { columns } = input;
  const n = columns.length;
  if (n < 2) {
    throw inputError('PBO_TOO_FEW_STRATEGIES', `PBO needs at least 2 strategies (columns), was ${n}`, {
      value: n,
      hint: 'PBO measures the selection among candidates; with one candidate there is no selection',
    });
  }
  const t = columns[0].length;
  for (let j = 0; j < n; j++) {
    const col = columns[j];
    if (col.length !== t) {
      throw inputError('PBO_RAGGED_MATRIX', `every column must have ${t} rows like column 0; column ${j} has ${col.length}`, {
        value: col.length,
        hint: 'align the candidates on the same periods before computing PBO',
      });
    }
    for (let i = 0; i < t; i++) {
      if (!Number.isFinite(col[i])) {
        throw inputError('PBO_NOT_FINITE', `column ${j} row ${i} is not a finite number: ${col[i]}`, {
          value: col[i],
          hint: 'fill periods without a position with 0 and drop periods where the data is missing',
        });
      }
    }
  }
  const s = input.blocks ?? defaultPboBlocks(t);
  if (!(Number.isInteger(s) && s >= 2 && s % 2 === 0 && s <= PBO_MAX_BLOCKS)) {
    throw inputError('PBO_BAD_BLOCKS', `blocks must be an even integer in [2, ${PBO_MAX_BLOCKS}], was ${s}`, {
      value: s,
      hint: `the paper uses 16; C(S, S/2) combinations are evaluated`,
    });
  }
  const rowsPerBlock = Math.floor(t / s);
  if (rowsPerBlock * (s / 2) < 2) {
    throw inputError('PBO_TOO_FEW_ROWS', `${t} rows in ${s} blocks leave fewer than 2 rows in each half`, {
      value: t,
      hint: 'a Sharpe needs at least 2 rows on each side: give at least 4 rows, or fewer blocks',
    });
  }
  const maxCombinations = input.maxCombinations ?? PBO_DEFAULT_MAX_COMBINATIONS;
  if (!(Number.isInteger(maxCombinations) && maxCombinations >= 2)) {
    throw inputError('PBO_BAD_MAX_COMBINATIONS', `maxCombinations must be an integer >= 2, was ${maxCombinations}`, {
      value: maxCombinations,
    });
  }
  const seed = input.seed ?? 0;
  if (!Number.isInteger(seed)) throw inputError('PBO_BAD_SEED', `seed must be an integer, was ${seed}`, { value: seed });
  return { t, n, s, maxCombinations, seed };
}

/** PBO of the candidates in `input.columns` by CSCV (see the module comment for every convention). */
export function probabilityOfBacktestOverfitting(input: PboInput): PboResult {
  const { t, n, s, maxCombinations, seed } = validate(input);
  const { columns } = input;
  const half = s / 2;
  const starts = pboBlockStarts(t, s);
  const blockRows = new Float64Array(s);
  for (let b = 0; b < s; b++) blockRows[b] = starts[b + 1] - starts[b];

  // Per strategy and block: mean and centred sum of squares (two-pass). Index j * s + b, so one
  // strategy's blocks are contiguous.
  const blockMean = new Float64Array(s * n);
  const blockM2 = new Float64Array(s * n);
  for (let j = 0; j < n; j++) {
    const col = columns[j];
    for (let b = 0; b < s; b++) {
      const start = starts[b];
      const end = starts[b + 1];
      let sum = 0;
      for (let i = start; i < end; i++) sum += col[i];
      const m = sum / blockRows[b];
      let m2 = 0;
      for (let i = start; i < end; i++) {
        const d = col[i] - m;
        m2 += d * d;
      }
      blockMean[j * s + b] = m;
      blockM2[j * s + b] = m2;
    }
  }

  const { sets, count, total, subsampled } = cscvCombinations(s, maxCombinations, seed);
  const lambdas = new Float64Array(count);
  const isStar = new Float64Array(count);
  const oosStar = new Float64Array(count);
  const isBlocks = new Int32Array(half);
  const oosBlocks = new Int32Array(half);
  const member = new Uint8Array(s);
  const isPerf = new Float64Array(n);
  const oosPerf = new Float64Array(n);
  let overfit = 0;
  let oosLoss = 0;

  // Sharpe of the rows of strategy j's blocks `set`: the set mean is the row-weighted mean of the
  // block means, and M2 = sum M2_b + sum n_b (mean_b - mean)^2.
  const setSharpe = (set: Int32Array, base: number): number => {
    let mSum = 0;
    let rows = 0;
    for (let k = 0; k < half; k++) {
      mSum += blockRows[set[k]] * blockMean[base + set[k]];
      rows += blockRows[set[k]];
    }
    const m = mSum / rows;
    let between = 0;
    let within = 0;
    for (let k = 0; k < half; k++) {
      const d = blockMean[base + set[k]] - m;
      between += blockRows[set[k]] * d * d;
      within += blockM2[base + set[k]];
    }
    return blockSetSharpe(m, within + between, rows);
  };

  for (let c = 0; c < count; c++) {
    const off = c * half;
    member.fill(0);
    for (let k = 0; k < half; k++) {
      isBlocks[k] = sets[off + k];
      member[isBlocks[k]] = 1;
    }
    let w = 0;
    for (let b = 0; b < s; b++) if (member[b] === 0) oosBlocks[w++] = b;

    let top = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      const p = setSharpe(isBlocks, j * s);
      isPerf[j] = p;
      if (p > top) top = p;
      oosPerf[j] = setSharpe(oosBlocks, j * s);
    }
    // IS winner: the lowest index tied with the best performance.
    let best = 0;
    while (!tied(isPerf[best], top)) best++;
    const bestPerf = isPerf[best];
    const v = oosPerf[best];
    let below = 0;
    let equal = 0;
    for (let j = 0; j < n; j++) {
      const p = oosPerf[j];
      if (tied(p, v)) equal++;
      else if (p < v) below++;
    }
    const rank = below + (equal + 1) / 2;
    lambdas[c] = Math.log(rank / (n + 1 - rank));
    if (2 * rank <= n + 1) overfit++;
    if (v < 0) oosLoss++;
    isStar[c] = bestPerf;
    oosStar[c] = v;
  }

  return {
    pbo: overfit / count,
    combinations: count,
    totalCombinations: total,
    subsampled,
    seed: subsampled ? seed : null,
    blocks: s,
    rows: t,
    blockSizes: Array.from(blockRows),
    equalBlocks: t % s === 0,
    strategies: n,
    lambdas,
    lambdaSummary: summarise(lambdas),
    probabilityOfOosLoss: oosLoss / count,
    performanceDegradation: degradation(isStar, oosStar),
  };
}

function summarise(xs: Float64Array): LambdaSummary {
  const sorted = Float64Array.from(xs).sort();
  const k = sorted.length;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += sorted[i];
  const median = k % 2 === 1 ? sorted[(k - 1) / 2] : 0.5 * (sorted[k / 2 - 1] + sorted[k / 2]);
  const z = (x: number): number => (x === 0 ? 0 : x);
  return { min: z(sorted[0]), median: z(median), mean: z(sum / k), max: z(sorted[k - 1]) };
}

function degradation(isStar: Float64Array, oosStar: Float64Array): PerformanceDegradation {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < isStar.length; c++) {
    if (Number.isFinite(isStar[c]) && Number.isFinite(oosStar[c])) {
      xs.push(isStar[c]);
      ys.push(oosStar[c]);
    }
  }
  const points = xs.length;
  if (points === 0) {
    const none: MetricValue = { value: null, reason: 'every combination had a riskless (infinite-Sharpe) IS winner or OOS result' };
    return { slope: none, intercept: none, meanIs: none, meanOos: none, points };
  }
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < points; i++) {
    sx += xs[i];
    sy += ys[i];
  }
  const fit = linearFit(ys, xs);
  const undefinedFit: MetricValue =
    points < 2
      ? { value: null, reason: 'fewer than 2 combinations with finite performances' }
      : { value: null, reason: 'the IS winner had the same IS performance in every combination' };
  return {
    slope: Number.isNaN(fit.slope) ? undefinedFit : metric(fit.slope),
    intercept: Number.isNaN(fit.intercept) ? undefinedFit : metric(fit.intercept),
    meanIs: metric(sx / points),
    meanOos: metric(sy / points),
    points,
  };
}

/** One distinct logit of the CSCV combinations and how many combinations gave it. */
export interface LogitCount {
  readonly logit: number;
  readonly combinations: number;
}

/**
 * The lambdas (logits) as a distribution: each distinct value with its number of combinations,
 * ascending. Lossless but for the order of the combinations: a lambda is ln(r / (N + 1 - r)) for a
 * mid-rank r, so there are at most 2N - 1 distinct values however many combinations there are,
 * and a result can keep them all where 12,870 raw lambdas would be noise.
 */
export function logitCounts(lambdas: ArrayLike<number>): LogitCount[] {
  const sorted = Float64Array.from(lambdas).sort();
  const out: LogitCount[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] === 0 ? 0 : sorted[i];
    const last = out[out.length - 1];
    if (last !== undefined && last.logit === v) out[out.length - 1] = { logit: v, combinations: last.combinations + 1 };
    else out.push({ logit: v, combinations: 1 });
  }
  return out;
}
