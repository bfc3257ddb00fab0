import { dayToIso } from '../core/calendar.js';
import type { DataIssue, IssueCode } from './data-issue.js';

/**
 * Which trades were held across a price discontinuity the data check found (pure: no I/O).
 *
 * A LARGE_GAP (a merger or share exchange, a spin-off, a real crash) or a SUSPECT_SPLIT left in
 * the data (policy `warn`) turns into a trade's profit or loss without any signal being right or
 * wrong, so trade lists mark those trades instead of letting them pass as ordinary results.
 */

/** Issue codes a held position should not silently cross. */
export const GAP_FLAG_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>(['LARGE_GAP', 'SUSPECT_SPLIT']);

/** The part of a trade the check needs (Trade and TradeRecord from the backtest fit it). */
export interface HeldSpan {
  readonly symbol: string;
  /** Session day of the entry fill. */
  readonly entryDay: number;
  /** Session day of the exit fill. */
  readonly exitDay: number;
}

/** One discontinuity a trade was held across. */
export interface GapFlag {
  readonly code: IssueCode;
  /** Day of the bar the move happened on, and the same as YYYY-MM-DD. */
  readonly day: number;
  readonly date: string;
  readonly detail: string;
}

/**
 * For each trade (same order), the LARGE_GAP / SUSPECT_SPLIT issues of its symbol it was held
 * across, oldest first; an empty array for most trades. A trade holds across an issue on day g
 * when entryDay < g <= exitDay: the position was open at the close before the gap and still
 * open on its day (an exit at the gap bar's open takes the gap). A gap on the entry bar itself
 * does not count: the fill was at or after that open, so the price the trade started from was
 * already the new one. Issues of other codes in `issues` are ignored, so the whole issue list
 * of a load can be passed. Callers add e.g. `acrossGap: flags[k].length > 0` and
 * `gapFlags: flags[k].map((f) => f.date)` to their trade rows.
 */
export function tradesAcrossGaps(trades: readonly HeldSpan[], issues: readonly DataIssue[]): GapFlag[][] {
  const bySymbol = new Map<string, GapFlag[]>();
  for (const i of issues) {
    if (!GAP_FLAG_CODES.has(i.code)) continue;
    const symbol = i.symbol.toUpperCase();
    let list = bySymbol.get(symbol);
    if (list === undefined) bySymbol.set(symbol, (list = []));
    list.push({ code: i.code, day: i.day, date: dayToIso(i.day), detail: i.detail });
  }
  for (const list of bySymbol.values()) list.sort((a, b) => a.day - b.day);
  return trades.map((t) => {
    const list = bySymbol.get(t.symbol.toUpperCase());
    if (list === undefined) return [];
    const out: GapFlag[] = [];
    // Gap lists are a handful per symbol: a scan is as fast as a binary search here.
    for (const g of list) {
      if (g.day > t.exitDay) break;
      if (g.day > t.entryDay) out.push(g);
    }
    return out;
  });
}
