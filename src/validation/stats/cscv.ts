import { inputError } from '../../core/errors.js';
import { createRng, type Rng } from '../../core/rng.js';

/**
 * The partition behind PBO's CSCV (pbo.ts, steps 1 and 2 and the combination guard of its
 * module comment): S contiguous blocks of the T rows, and the IS block sets evaluated, all
 * C(S, S/2) or a seeded sample that keeps each set's complement.
 */

export const PBO_DEFAULT_BLOCKS = 16;
export const PBO_MAX_BLOCKS = 32;
export const PBO_DEFAULT_MAX_COMBINATIONS = 20_000;

/** C(n, k) in doubles; exact for every value used here (< 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 0; i < kk; i++) c = (c * (n - i)) / (i + 1);
  return Math.round(c);
}

/** Blocks within this relative size difference count as equal when choosing the default S. */
export const PBO_BLOCK_SIZE_TOLERANCE = 0.1;
/** The smallest default S when T allows it: C(8, 4) = 70 combinations. */
export const PBO_MIN_DEFAULT_BLOCKS = 8;

/**
 * Default S for T rows: the even S in [8, 16] (every even S <= T when T < 8) whose blocks are
 * closest to equal in size, (ceil(T/S) - floor(T/S)) / floor(T/S), any difference within 10%
 * counting as equal; ties go to the larger S. 1000 -> 16, 28 -> 14, 30 -> 10, 29 -> 8, 11 -> 10.
 */
export function defaultPboBlocks(rows: number): number {
  const hi = Math.min(PBO_DEFAULT_BLOCKS, rows - (rows % 2));
  const lo = Math.min(PBO_MIN_DEFAULT_BLOCKS, hi);
  let best = hi;
  let bestImbalance = Number.POSITIVE_INFINITY;
  for (let s = hi; s >= lo && s >= 2; s -= 2) {
    const small = Math.floor(rows / s);
    const raw = rows % s === 0 ? 0 : 1 / small;
    const imbalance = raw <= PBO_BLOCK_SIZE_TOLERANCE ? 0 : raw;
    if (imbalance < bestImbalance) {
      best = s;
      bestImbalance = imbalance;
    }
  }
  return best;
}

/**
 * Where each of S contiguous blocks of T rows starts: block b is rows starts[b] .. starts[b+1]-1,
 * starts[b] = floor(b T / S), so every row is used and the sizes are floor(T/S) or ceil(T/S).
 */
export function pboBlockStarts(rows: number, blocks: number): Int32Array {
  const starts = new Int32Array(blocks + 1);
  for (let b = 0; b <= blocks; b++) starts[b] = Math.floor((b * rows) / blocks);
  return starts;
}

/** Uniform integer in [0, n) from 53 random bits (two sfc32 draws), for n up to 2^53. */
function uniformInt(rng: Rng, n: number): number {
  const hi = Math.floor(rng.next() * 4294967296);
  const lo = Math.floor(rng.next() * 2097152);
  return Math.min(n - 1, Math.floor(((hi * 2097152 + lo) / 9007199254740992) * n));
}

/** The k-subset of [0, n) with lexicographic rank r (combinatorial number system), into out. */
function unrankCombination(n: number, k: number, rank: number, out: Int32Array, offset: number): void {
  let r = rank;
  let c = 0;
  for (let i = 0; i < k; i++) {
    for (;;) {
      const count = binomial(n - c - 1, k - i - 1);
      if (r < count) break;
      r -= count;
      c++;
    }
    out[offset + i] = c;
    c++;
  }
}

export interface CscvCombinations {
  /** The IS block sets, flattened: set c is sets[c * S/2 .. (c + 1) * S/2 - 1], ascending. */
  readonly sets: Int32Array;
  /** Number of sets. */
  readonly count: number;
  /** C(S, S/2). */
  readonly total: number;
  readonly subsampled: boolean;
}

/**
 * The IS block sets PBO evaluates for S = `blocks`: all C(S, S/2) in lexicographic order when
 * that is at most `maxCombinations`, otherwise floor(maxCombinations / 2) seeded-sampled sets
 * holding block 0, each followed by its complement (see the module comment).
 */
export function cscvCombinations(blocks: number, maxCombinations = PBO_DEFAULT_MAX_COMBINATIONS, seed = 0): CscvCombinations {
  if (!(Number.isInteger(blocks) && blocks >= 2 && blocks % 2 === 0 && blocks <= PBO_MAX_BLOCKS)) {
    throw inputError('PBO_BAD_BLOCKS', `blocks must be an even integer in [2, ${PBO_MAX_BLOCKS}], was ${blocks}`, { value: blocks });
  }
  if (!(Number.isInteger(maxCombinations) && maxCombinations >= 2)) {
    throw inputError('PBO_BAD_MAX_COMBINATIONS', `maxCombinations must be an integer >= 2, was ${maxCombinations}`, {
      value: maxCombinations,
    });
  }
  const half = blocks / 2;
  const total = binomial(blocks, half);
  if (total <= maxCombinations) {
    const sets = new Int32Array(total * half);
    const idx = Int32Array.from({ length: half }, (_, i) => i);
    for (let c = 0; c < total; c++) {
      sets.set(idx, c * half);
      // next combination in lexicographic order
      let i = half - 1;
      while (i >= 0 && idx[i] === blocks - half + i) i--;
      if (i < 0) break;
      idx[i]++;
      for (let j = i + 1; j < half; j++) idx[j] = idx[j - 1] + 1;
    }
    return { sets, count: total, total, subsampled: false };
  }
  // Pairs {set, complement}: exactly one member holds block 0, so sample among those, i.e. the
  // (half - 1)-subsets of blocks 1..S-1, of which there are total / 2.
  const pairs = Math.floor(maxCombinations / 2);
  const population = total / 2;
  const rng = createRng(seed);
  const chosen = new Set<number>();
  for (let j = population - pairs; j < population; j++) {
    const t = uniformInt(rng, j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const ranks = Array.from(chosen).sort((a, b) => a - b);
  const sets = new Int32Array(2 * pairs * half);
  const rest = new Int32Array(half - 1);
  const member = new Uint8Array(blocks);
  for (let p = 0; p < pairs; p++) {
    unrankCombination(blocks - 1, half - 1, ranks[p], rest, 0);
    member.fill(0);
    const a = 2 * p * half;
    sets[a] = 0;
    member[0] = 1;
    for (let i = 0; i < half - 1; i++) {
      sets[a + 1 + i] = rest[i] + 1;
      member[rest[i] + 1] = 1;
    }
    let w = a + half;
    for (let b = 0; b < blocks; b++) if (member[b] === 0) sets[w++] = b;
  }
  return { sets, count: 2 * pairs, total, subsampled: true };
}
