import { DECIMAL_SHIFT_RATIO, RANGE_TOLERANCE_FRAC, SPIKE_RATIO } from './data-issue.js';

/**
 * The hot part of verifyBars (verify.ts): one pass over every bar of every symbol on every
 * load that only sets bit flags; the cold checks in verify.ts then look at the flagged bars.
 */

// Per-bar flags (time positions), set by the hot scan below and read by the checks.
export const F_NON_POSITIVE = 1;
export const F_NEGATIVE_VOLUME = 2;
export const F_HIGH_BELOW_LOW = 4;
export const F_OPEN_OUTSIDE = 8;
export const F_CLOSE_OUTSIDE = 16;
export const F_FLAT = 32;
/** Close-to-close move beyond SPIKE_RATIO from the previous valid bar (bad tick or split?). */
export const F_BIG_MOVE = 64;
/** High more than DECIMAL_SHIFT_RATIO times the low: a decimal shift is possible. */
export const F_WIDE = 128;
export const F_RANGE = F_HIGH_BELOW_LOW | F_OPEN_OUTSIDE | F_CLOSE_OUTSIDE;

let scanFlagged = 0;

/** How many bars the last scanBars flagged (0 lets the cold passes be skipped). */
export const flaggedByLastScan = (): number => scanFlagged;

interface Scratch {
  flags: Uint8Array;
  valid: Int32Array;
  flaggedK: Int32Array;
  flaggedJ: Int32Array;
}

let scratchSpace: Scratch = { flags: new Uint8Array(0), valid: new Int32Array(0), flaggedK: new Int32Array(0), flaggedJ: new Int32Array(0) };

/**
 * Work arrays for verifyBars, reused across calls (verifyBars is synchronous and does not keep
 * them): allocating four typed arrays per symbol showed up in warm loads of 900 symbols.
 */
export function scratch(m: number): Scratch {
  if (scratchSpace.flags.length < m + 1) {
    const size = Math.max(m + 1, 4096);
    scratchSpace = { flags: new Uint8Array(size), valid: new Int32Array(size), flaggedK: new Int32Array(size), flaggedJ: new Int32Array(size) };
  }
  return scratchSpace;
}

/**
 * The hot scan, over every bar in time order: sets the F_* flags and collects
 * - the positions of bars with real prices (all positive, not a flat zero-volume placeholder)
 *   into `valid` (returns how many);
 * - the positions of flagged bars into `flaggedK`, with their index in `valid` (or -1) in
 *   `flaggedJ`, how many in `scanFlagged`.
 * F_BIG_MOVE compares with the previous valid bar's close.
 *
 * Flags come from conditional expressions that run on every bar, and the lists are written
 * without branches (always write, advance only when flagged): V8 deoptimises a loop the first
 * time a rarely-taken `if (...) { ... }` runs, and these loops run over every bar of every
 * symbol on every load.
 */
export function scanBars(
  order: Int32Array,
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  flags: Uint8Array,
  valid: Int32Array,
  flaggedK: Int32Array,
  flaggedJ: Int32Array,
): number {
  const up = 1 + RANGE_TOLERANCE_FRAC;
  const down = 1 - RANGE_TOLERANCE_FRAC;
  const spike = SPIKE_RATIO;
  const shift = DECIMAL_SHIFT_RATIO;
  let nv = 0;
  let flagged = 0;
  let prevClose = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const o = open[i];
    const h = high[i];
    const l = low[i];
    const c = close[i];
    const v = volume[i];
    const nonPositive = o > 0 && h > 0 && l > 0 && c > 0 ? 0 : F_NON_POSITIVE;
    const flat = h === l && o === h && c === h && v === 0 ? F_FLAT : 0;
    const negativeVolume = v < 0 ? F_NEGATIVE_VOLUME : 0;
    const inverted = h < l ? F_HIGH_BELOW_LOW : 0;
    const hi = h * up;
    const lo = l * down;
    const openOutside = o > hi || o < lo ? F_OPEN_OUTSIDE : 0;
    const closeOutside = c > hi || c < lo ? F_CLOSE_OUTSIDE : 0;
    // With o and c inside [lo, hi] and hi <= shift * lo, no price is `shift` times another.
    const wide = hi > shift * lo ? F_WIDE : 0;
    const isValid = (nonPositive | flat) === 0;
    const big = isValid && nv > 0 && (c > spike * prevClose || c * spike < prevClose) ? F_BIG_MOVE : 0;
    const range = inverted === 0 ? openOutside | closeOutside : inverted;
    const f = nonPositive | flat | negativeVolume | range | wide | big;
    flags[k] = f;
    flaggedK[flagged] = k;
    flaggedJ[flagged] = isValid ? nv : -1;
    flagged += f === 0 ? 0 : 1;
    valid[nv] = k;
    nv += isValid ? 1 : 0;
    prevClose = isValid ? c : prevClose;
  }
  scanFlagged = flagged;
  return nv;
}
