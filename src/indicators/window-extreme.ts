/**
 * The highest / lowest value of the last `period` bars INCLUDING bar t: the building block of the
 * stochastic oscillator and the Ichimoku lines. (Donchian, in donchian.ts, excludes bar t on
 * purpose; these indicators include it by definition, and they compare the close with the range it
 * belongs to rather than testing a breakout of it.)
 *
 * Callers validate `period`; these helpers do not, so every error names the caller's argument.
 * Maxima and minima are exact (no rounding), so any algorithm gives the same bits: the streaming
 * deque and the batch block scans below agree whatever their block boundaries, which is also why
 * the batch face can start at any bar (`from`) and still equal the whole-history values.
 *
 * NaN rule: NaN while a NaN is among the last `period` values (or fewer than `period` were seen);
 * recovers once it has left.
 */

/**
 * Streaming face: a monotonic deque of candidates, amortised O(1) per value, no allocation after
 * construction. `sign` -1 runs the same code on negated values (negation is exact) for the minimum.
 */
export class WindowExtreme {
  private readonly period: number;
  private readonly sign: number;
  private readonly dequeValue: Float64Array;
  private readonly dequeIndex: Float64Array;
  private head = 0;
  private size = 0;
  private t = 0;
  private lastNan = Number.NEGATIVE_INFINITY;

  constructor(period: number, sign: 1 | -1) {
    this.period = period;
    this.sign = sign;
    // Bar t is pushed before the output is read, so the deque never holds more than `period`.
    this.dequeValue = new Float64Array(period);
    this.dequeIndex = new Float64Array(period);
  }

  update(value: number): number {
    const t = this.t;
    const cap = this.period;
    const start = t - cap + 1;
    this.t = t + 1;
    const x = this.sign * value;
    if (x !== x) {
      this.lastNan = t;
    } else {
      let back = this.head + this.size - 1;
      if (back >= cap) back -= cap;
      while (this.size > 0 && this.dequeValue[back] <= x) {
        this.size--;
        back = back === 0 ? cap - 1 : back - 1;
      }
      // Evict what left the window before appending, so a full deque always has room.
      while (this.size > 0 && this.dequeIndex[this.head] < start) {
        this.head = this.head + 1 === cap ? 0 : this.head + 1;
        this.size--;
      }
      let slot = this.head + this.size;
      if (slot >= cap) slot -= cap;
      this.dequeValue[slot] = x;
      this.dequeIndex[slot] = t;
      this.size++;
    }
    if (start < 0 || this.lastNan >= start) return Number.NaN;
    // After a NaN bar nothing was evicted; bar t itself is in the deque, so this stops there.
    while (this.size > 1 && this.dequeIndex[this.head] < start) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    return this.sign * this.dequeValue[this.head];
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.t = 0;
    this.lastNan = Number.NEGATIVE_INFINITY;
  }
}

// Scratch for the prefix and suffix scans, grown on demand so a scan over many symbols does not
// allocate two throwaway arrays per call. Synchronous use only.
let scratchPre = new Float64Array(0);
let scratchSuf = new Float64Array(0);

/**
 * Batch face: van Herk / Gil-Werman. Within blocks of `period` bars, running maxima from the block
 * start (prefix) and to the block end (suffix); the window [t - period + 1, t] spans at most two
 * blocks, so its maximum is max(suffix[t - period + 1], prefix[t]). Writes every index of `out`
 * (length values.length): NaN before `from`, during warm-up and while a NaN is in the window.
 * Only the bars a window ending at or after `from` can see are read.
 */
export function windowExtremeInto(
  values: ArrayLike<number>,
  period: number,
  sign: 1 | -1,
  from: number,
  out: Float64Array,
): void {
  const n = values.length;
  const first = Math.min(n, Math.max(from, period - 1, 0));
  out.fill(Number.NaN, 0, first);
  if (first >= n) return;
  const base = first - period + 1;
  const m = n - base;
  if (scratchPre.length < m) {
    scratchPre = new Float64Array(m);
    scratchSuf = new Float64Array(m);
  }
  const pre = scratchPre;
  const suf = scratchSuf;
  for (let start = 0; start < m; start += period) {
    const end = Math.min(start + period, m);
    let acc = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) {
      const x = sign * values[base + i];
      if (x > acc) acc = x;
      pre[i] = acc;
    }
    acc = Number.NEGATIVE_INFINITY;
    for (let i = end - 1; i >= start; i--) {
      const x = sign * values[base + i];
      if (x > acc) acc = x;
      suf[i] = acc;
    }
  }
  // NaNs are skipped by the scans (a comparison with NaN is false) and applied here as the rule.
  let lastNan = -1;
  for (let r = 0; r < period - 1; r++) {
    const v = values[base + r];
    if (v !== v) lastNan = r;
  }
  for (let r = period - 1; r < m; r++) {
    const v = values[base + r];
    if (v !== v) lastNan = r;
    const lo = r - period + 1;
    if (lastNan >= lo) {
      out[base + r] = Number.NaN;
    } else {
      const a = suf[lo];
      const b = pre[r];
      out[base + r] = sign * (a > b ? a : b);
    }
  }
}
