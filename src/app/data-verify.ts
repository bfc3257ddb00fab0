import { dayToIso } from '../core/calendar.js';
import { isUnreadableRow, type SymbolReport } from '../data/load.js';
import type { DataIssue } from '../data/data-issue.js';
import type { AppContext } from './context.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import type { MarketSpec } from './market-spec.js';

export interface DataVerifyReport {
  /** The policy asked for (the check itself runs under `warn` when `fail` is asked, to report everything first). */
  readonly policy: MarketSpec['onBadData'];
  readonly run: LoadedRun;
  readonly errors: readonly DataIssue[];
  readonly unreadable: readonly SymbolReport[];
  /**
   * Whether problems are left that the policy did not handle: an unreadable file, or errors
   * that `warn` keeps and `fail` stops on (mask drops them, skip-symbol leaves their symbol out).
   */
  readonly unhandled: boolean;
}

/**
 * Checks every bar of a market. Verification reports everything: under `fail` the report comes
 * first and the verdict after; a file that cannot be read or parsed is that symbol's error and
 * the other files are still checked.
 */
export async function verifyData(market: MarketSpec, ctx: AppContext): Promise<DataVerifyReport> {
  const policy = market.onBadData;
  const run = await loadRunMarket({ ...market, onBadData: policy === 'fail' ? 'warn' : policy }, ctx, { onUnreadable: 'report' });
  const errors = run.issues.filter((i) => i.severity === 'error');
  const unreadable = run.report.filter(isUnreadableRow);
  const unhandled = unreadable.length > 0 || (errors.length > 0 && (policy === 'warn' || policy === 'fail'));
  return { policy, run, errors, unreadable, unhandled };
}

/** The `data verify --json` shape. */
export function dataVerifyJson(r: DataVerifyReport) {
  return {
    policy: r.policy,
    symbols: r.run.report,
    unreadable: r.unreadable.map((x) => x.symbol),
    issues: r.run.issues.map((i) => ({ ...i, date: dayToIso(i.day) })),
    errors: r.errors.length,
    warnings: r.run.issues.length - r.errors.length,
  };
}
