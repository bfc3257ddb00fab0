/**
 * The prohibited list: symbols the account must not trade (a restricted list, an employer's
 * stock, a symbol under review), each with a reason and an optional expiry. Pure; the file is
 * read by `src/data/prohibited-list.ts`.
 */
export interface ProhibitedEntry {
  /** Upper-case symbol. */
  readonly symbol: string;
  readonly reason: string;
  /** The last day (a day number, New York date) the entry applies; null = no expiry. */
  readonly expiresDay: number | null;
  /** Where the entry came from (`file:line`), for the denial's detail; null when built in code. */
  readonly source: string | null;
}

/** Whether an entry still applies on `day` (a day number): through its expiry date inclusive, never after. */
export const prohibitionApplies = (entry: ProhibitedEntry, day: number): boolean => entry.expiresDay === null || day <= entry.expiresDay;

/** The first entry for `symbol` (compared upper-case) that applies on `day`, or null. */
export function activeProhibition(entries: readonly ProhibitedEntry[], symbol: string, day: number): ProhibitedEntry | null {
  const wanted = symbol.toUpperCase();
  for (const e of entries) if (e.symbol === wanted && prohibitionApplies(e, day)) return e;
  return null;
}
