/**
 * An equity path indexed once for the stress test's window search (stress.ts): prefix and suffix
 * summaries and sparse tables, so each shocked window is summarised in O(L + log n).
 */

/** Sparse table: level[q][i] = op over values[i .. i + 2^q - 1]. */
function sparseTable(values: Float64Array, useMax: boolean): Float64Array[] {
  const n = values.length;
  const levels: Float64Array[] = [values];
  for (let q = 1; 1 << q <= n; q++) {
    const prev = levels[q - 1];
    const half = 1 << (q - 1);
    const len = n - (1 << q) + 1;
    const cur = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const a = prev[i];
      const b = prev[i + half];
      cur[i] = useMax ? (a > b ? a : b) : a < b ? a : b;
    }
    levels.push(cur);
  }
  return levels;
}

export class PathIndex {
  readonly n: number;
  readonly equity: Float64Array;
  readonly init: number;
  /** growth[k] = equity[k] / equity[k-1]; growth[0] = equity[0] / init. */
  readonly growth: Float64Array;
  readonly prefPeak: Float64Array;
  readonly prefDrawdown: Float64Array;
  readonly prefMinReturn: Float64Array;
  readonly prefMinAt: Int32Array;
  readonly sufMinReturn: Float64Array;
  readonly sufMinAt: Int32Array;
  /** Max drawdown of equity[j..n-1] with its running peak starting at equity[j]. */
  readonly sufDrawdown: Float64Array;
  private readonly maxTable: Float64Array[];
  private readonly minTable: Float64Array[];

  constructor(equity: Float64Array, init: number) {
    const n = equity.length;
    this.n = n;
    this.equity = equity;
    this.init = init;
    const growth = new Float64Array(n);
    const prefPeak = new Float64Array(n);
    const prefDrawdown = new Float64Array(n);
    const prefMinReturn = new Float64Array(n);
    const prefMinAt = new Int32Array(n);
    let peak = init;
    let dd = 0;
    let worst = Number.POSITIVE_INFINITY;
    let worstAt = 0;
    for (let k = 0; k < n; k++) {
      const e = equity[k];
      growth[k] = e / (k === 0 ? init : equity[k - 1]);
      if (e > peak) peak = e;
      else if (1 - e / peak > dd) dd = 1 - e / peak;
      if (growth[k] - 1 < worst) {
        worst = growth[k] - 1;
        worstAt = k;
      }
      prefPeak[k] = peak;
      prefDrawdown[k] = dd;
      prefMinReturn[k] = worst;
      prefMinAt[k] = worstAt;
    }
    const sufMinReturn = new Float64Array(n);
    const sufMinAt = new Int32Array(n);
    worst = Number.POSITIVE_INFINITY;
    for (let k = n - 1; k >= 0; k--) {
      if (growth[k] - 1 <= worst) {
        worst = growth[k] - 1;
        worstAt = k;
      }
      sufMinReturn[k] = worst;
      sufMinAt[k] = worstAt;
    }
    this.growth = growth;
    this.prefPeak = prefPeak;
    this.prefDrawdown = prefDrawdown;
    this.prefMinReturn = prefMinReturn;
    this.prefMinAt = prefMinAt;
    this.sufMinReturn = sufMinReturn;
    this.sufMinAt = sufMinAt;
    this.maxTable = sparseTable(equity, true);
    this.minTable = sparseTable(equity, false);

    // From j the peak is equity[j] until the next strictly higher close h; from h on the running
    // peak is exactly the one that starts at h. So sufDrawdown[j] = max(1 - min(equity[j..h-1]) /
    // equity[j], sufDrawdown[h]), with h from a monotonic stack.
    const sufDrawdown = new Float64Array(n);
    const stack = new Int32Array(n);
    let top = 0;
    for (let j = n - 1; j >= 0; j--) {
      while (top > 0 && equity[stack[top - 1]] <= equity[j]) top--;
      const h = top > 0 ? stack[top - 1] : n;
      const own = 1 - this.rangeMin(j, h - 1) / equity[j];
      const later = h < n ? sufDrawdown[h] : 0;
      sufDrawdown[j] = own > later ? own : later;
      stack[top++] = j;
    }
    this.sufDrawdown = sufDrawdown;
  }

  /** min(equity[lo..hi]), lo <= hi. */
  rangeMin(lo: number, hi: number): number {
    const q = 31 - Math.clz32(hi - lo + 1);
    const level = this.minTable[q];
    const a = level[lo];
    const b = level[hi - (1 << q) + 1];
    return a < b ? a : b;
  }

  /** The first index j >= t with equity[j] > q, or n: binary lifting on the max table. */
  firstAbove(t: number, q: number): number {
    let pos = t;
    for (let level = this.maxTable.length - 1; level >= 0; level--) {
      const span = 1 << level;
      if (pos + span <= this.n && this.maxTable[level][pos] <= q) pos += span;
    }
    return pos;
  }

  /**
   * Max drawdown over sessions t..n-1 of equity scaled by a constant, given the running peak on
   * entry expressed in unscaled units (q = peak / scale).
   */
  tailDrawdown(t: number, q: number): number {
    const j = this.firstAbove(t, q);
    let dd = j > t ? 1 - this.rangeMin(t, j - 1) / q : 0;
    if (j < this.n && this.sufDrawdown[j] > dd) dd = this.sufDrawdown[j];
    return dd;
  }
}
