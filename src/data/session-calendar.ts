
export interface SessionCalendarOptions {
  /**
   * A day is a session when at least this share of the symbols trading around it (first bar
   * <= day <= last bar) has a bar on it. 0 (default) gives the plain union of all days.
   */
  readonly minShare?: number;
}

/**
 * The market's session days from the symbols' days (each strictly increasing, as in a
 * BarSeries): by default the union. With `minShare` 0.5 a stray date in one file (a bar on a
 * holiday) does not become a session everyone else then "misses".
 */
export function buildSessionCalendar(series: ReadonlyArray<{ readonly day: Int32Array }>, opts: SessionCalendarOptions = {}): Int32Array {
  const minShare = opts.minShare ?? 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.day.length === 0) continue;
    lo = Math.min(lo, s.day[0]);
    hi = Math.max(hi, s.day[s.day.length - 1]);
  }
  if (lo > hi) return new Int32Array(0);
  const span = hi - lo + 1;
  const present = new Int32Array(span);
  const cover = new Int32Array(span + 1);
  for (const s of series) {
    const d = s.day;
    if (d.length === 0) continue;
    for (let k = 0; k < d.length; k++) present[d[k] - lo]++;
    cover[d[0] - lo]++;
    cover[d[d.length - 1] - lo + 1]--;
  }
  let count = 0;
  let live = 0;
  const isSession = new Uint8Array(span);
  for (let x = 0; x < span; x++) {
    live += cover[x];
    if (present[x] > 0 && present[x] >= minShare * live) {
      isSession[x] = 1;
      count++;
    }
  }
  const out = new Int32Array(count);
  let j = 0;
  for (let x = 0; x < span; x++) if (isSession[x]) out[j++] = lo + x;
  return out;
}
