/** The engine loop's working state: open positions and working orders, one object each, updated in place. */

export interface Position {
  readonly sym: number;
  readonly leg: number;
  readonly side: 1 | -1;
  readonly shares: number;
  readonly entryPrice: number;
  readonly entryFees: number;
  /** What the position cost: shares x entry price + entry fees, USD (a Kelly sleeve commits it). */
  readonly costUsd: number;
  readonly entryDay: number;
  readonly entryBar: number;
  readonly entrySignalDay: number;
  readonly stop: number;
  readonly target: number;
  /** Stops are live from this bar on (the fill bar for open fills, the next one for midpoint fills). */
  readonly stopFromBar: number;
  readonly initialRiskUsd: number | null;
  lastClose: number;
  lastBar: number;
  /** An exit order is queued (time exit or exit signal). */
  exitPending: boolean;
  closed: boolean;
}

export interface Order {
  readonly kind: 'entry' | 'exit';
  readonly sym: number;
  readonly leg: number;
  readonly side: 1 | -1;
  readonly shares: number;
  readonly fillBar: number;
  readonly signalDay: number;
  readonly stopDist: number;
  readonly targetDist: number;
  readonly reservedUsd: number;
  readonly exitReason: string;
  readonly position: Position | null;
  /** Filled, expired or dropped: removed when the order list is next compacted. */
  done: boolean;
}

/** Drops the finished entries of a list in place (no new array in the day loop). */
export function compact<T>(list: T[], finished: (x: T) => boolean): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) if (!finished(list[r])) list[w++] = list[r];
  list.length = w;
}
export const isDone = (o: { done: boolean }) => o.done;
export const isClosed = (p: { closed: boolean }) => p.closed;
