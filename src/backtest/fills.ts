/**
 * Where a protective stop or a take-profit fills inside one daily bar, conservatively: a gap
 * through a level fills at the open (not at the level); when both the stop and the target lie
 * inside the bar's range we cannot know which came first, so the stop wins.
 * `side` is +1 for a long position, -1 for a short. NaN levels are absent.
 * Returns the fill price, and writes which level hit into `hit` ('stop' | 'target').
 */
export interface IntrabarExit {
  price: number;
  reason: 'stop' | 'target' | null;
}

export function intrabarExit(
  side: 1 | -1,
  stop: number,
  target: number,
  open: number,
  high: number,
  low: number,
  checkOpenGap: boolean,
  out: IntrabarExit,
): IntrabarExit {
  out.reason = null;
  out.price = Number.NaN;
  const hasStop = !Number.isNaN(stop);
  const hasTarget = !Number.isNaN(target);
  if (side === 1) {
    if (checkOpenGap && hasStop && open <= stop) return set(out, open, 'stop');
    if (checkOpenGap && hasTarget && open >= target) return set(out, open, 'target');
    if (hasStop && low <= stop) return set(out, stop, 'stop');
    if (hasTarget && high >= target) return set(out, target, 'target');
  } else {
    if (checkOpenGap && hasStop && open >= stop) return set(out, open, 'stop');
    if (checkOpenGap && hasTarget && open <= target) return set(out, open, 'target');
    if (hasStop && high >= stop) return set(out, stop, 'stop');
    if (hasTarget && low <= target) return set(out, target, 'target');
  }
  return out;
}

function set(out: IntrabarExit, price: number, reason: 'stop' | 'target'): IntrabarExit {
  out.price = price;
  out.reason = reason;
  return out;
}
