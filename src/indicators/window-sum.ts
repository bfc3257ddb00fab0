/**
 * The sum of the last `period` values, computed without ever subtracting: the building block of the
 * rolling VWAP and of stochastic %D. Callers validate `period`.
 *
 * Why not a running sum (add the new value, subtract the leaving one, as SmaKernel does)? Its error
 * is not bounded by the window: rounding residue from values long gone stays in the sum. A window
 * of zero volume after a heavy day then has a volume sum of about 1e-9 instead of 0 and a VWAP of
 * residue / residue; a mean of %K values of 100 can come out at 100.00000000000001. Rolling-std's
 * answer is a periodic exact recompute. This one goes further and has no running state to drift:
 *
 * Bars are cut into blocks of `period` from bar 0. The window [t - period + 1, t] is the suffix of
 * the previous block from offset o + 1 (o = offset of t) plus the prefix of the current block up to
 * o; when t ends a block the window is that block, i.e. the prefix alone. The prefix is a running
 * sum restarted at each block; the previous block's suffix sums are built once, when it ends
 * (p - 1 additions every p bars: amortised O(1)). So each output is a sum of at most `period`
 * values that are all in the window, by plain recursive summation: relative error below
 * period * 2^-53 for non-negative terms, whatever happened before the window. Three consequences:
 * a window of zeros sums to exactly 0; a window of values <= 100 sums to at most 100 * period (the
 * rounded sum of bounded terms is bounded); and NaN propagates exactly as the library's NaN rule
 * wants (the suffix and the prefix together cover exactly the window, so the sum is NaN exactly
 * while a NaN is in it), with no counters.
 *
 * The bits depend on where the blocks start (addition is not associative), so the batch face uses
 * the same blocks and the same order of operations as the streaming face, and the indicators built
 * on it are not start-invariant (no `from` argument).
 */
export class WindowSum {
  private readonly period: number;
  /** The current block's values so far; when a block ends, rewritten in place to its suffix sums. */
  private readonly block: Float64Array;
  private offset = 0;
  private full = false;
  private prefix = 0;

  constructor(period: number) {
    this.period = period;
    this.block = new Float64Array(period);
  }

  /** Feeds one value; returns the sum of the last `period` values, NaN before `period` were seen. */
  update(x: number): number {
    const p = this.period;
    const o = this.offset;
    const block = this.block;
    const prefix = o === 0 ? x : this.prefix + x;
    this.prefix = prefix;
    if (o === p - 1) {
      block[o] = x;
      for (let k = p - 2; k >= 0; k--) block[k] = block[k] + block[k + 1];
      this.offset = 0;
      this.full = true;
      return prefix;
    }
    // block[o + 1] still holds the previous block's suffix sum from o + 1; block[o] is free.
    const out = this.full ? block[o + 1] + prefix : Number.NaN;
    block[o] = x;
    this.offset = o + 1;
    return out;
  }

  reset(): void {
    this.block.fill(0);
    this.offset = 0;
    this.full = false;
    this.prefix = 0;
  }
}

// Suffix sums of the previous block, grown on demand. Synchronous use only.
let scratchSuffix = new Float64Array(0);

/**
 * Batch face of WindowSum: the same blocks, the same additions in the same order, so the results
 * are identical. `out` (length values.length) must not be `values`.
 */
export function windowSumInto(values: ArrayLike<number>, period: number, out: Float64Array): void {
  const n = values.length;
  const p = period;
  if (scratchSuffix.length < p) scratchSuffix = new Float64Array(p);
  const suffix = scratchSuffix;
  let prefix = 0;
  for (let blockStart = 0; blockStart < n; blockStart += p) {
    const end = Math.min(blockStart + p, n);
    const first = blockStart === 0;
    for (let i = blockStart; i < end; i++) {
      const x = values[i];
      const o = i - blockStart;
      prefix = o === 0 ? x : prefix + x;
      if (o === p - 1) out[i] = prefix;
      else out[i] = first ? Number.NaN : suffix[o + 1] + prefix;
    }
    if (end - blockStart === p && end < n) {
      let acc = values[end - 1];
      suffix[p - 1] = acc;
      for (let k = p - 2; k >= 0; k--) {
        acc = values[blockStart + k] + acc;
        suffix[k] = acc;
      }
    }
  }
}
