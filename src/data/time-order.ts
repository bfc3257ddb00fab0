import type { RawBars } from './parse-bars.js';

/** Time order of a RawBars: row indices sorted by date (stable), duplicates removed. Read-only. */
export interface TimeOrder {
  /** Row indices, strictly increasing by day; of rows sharing a date the first in the file. */
  readonly order: Int32Array;
  /** True when `order` is 0..n-1 (the file was sorted without duplicates). */
  readonly identity: boolean;
  /** Pairs [duplicateRow, keptRow]. */
  readonly duplicates: ReadonlyArray<readonly [number, number]>;
  /** Rows whose date is earlier than the row above (file order). */
  readonly descents: number;
  readonly firstDescent: number;
}

const timeOrders = new WeakMap<Int32Array, TimeOrder>();

/**
 * The time order of a day column (memoised per array: verify, the policy and the loader all
 * need it, and RawBars columns are never modified after parsing).
 */
export function timeOrder(day: Int32Array): TimeOrder {
  let t = timeOrders.get(day);
  if (t === undefined) {
    t = computeTimeOrder(day);
    timeOrders.set(day, t);
  }
  return t;
}

let identity = new Int32Array(0);

/** 0..n-1, as a view of one shared array (read-only by contract, like all RawBars columns). */
function identityOrder(n: number): Int32Array {
  if (identity.length < n) {
    identity = new Int32Array(Math.max(n, 2 * identity.length, 4096));
    for (let i = 0; i < identity.length; i++) identity[i] = i;
  }
  return identity.subarray(0, n);
}

function computeTimeOrder(day: Int32Array): TimeOrder {
  const n = day.length;
  let descents = 0;
  let firstDescent = -1;
  let equal = 0;
  for (let i = 1; i < n; i++) {
    if (day[i] < day[i - 1]) {
      if (descents === 0) firstDescent = i;
      descents++;
    } else if (day[i] === day[i - 1]) equal++;
  }
  const duplicates: Array<[number, number]> = [];
  if (descents === 0 && equal === 0) return { order: identityOrder(n), identity: true, duplicates, descents, firstDescent };
  const sorted: ArrayLike<number> =
    descents === 0 ? identityOrder(n) : Array.from({ length: n }, (_, i) => i).sort((a, b) => day[a] - day[b] || a - b);
  const order = new Int32Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = sorted[k];
    if (m > 0 && day[order[m - 1]] === day[i]) duplicates.push([i, order[m - 1]]);
    else order[m++] = i;
  }
  return { order: order.subarray(0, m), identity: false, duplicates, descents, firstDescent };
}

/** Rows a and b have the same prices and volume (a duplicate `mask` can keep one of). */
export function sameRow(raw: RawBars, a: number, b: number): boolean {
  return (
    raw.open[a] === raw.open[b] &&
    raw.high[a] === raw.high[b] &&
    raw.low[a] === raw.low[b] &&
    raw.close[a] === raw.close[b] &&
    raw.volume[a] === raw.volume[b]
  );
}
