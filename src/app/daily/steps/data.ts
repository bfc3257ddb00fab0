import { KobeError } from '../../../core/errors.js';
import { sessionCloseUtcMs } from '../../../core/exchange-calendar.js';
import { refreshData } from '../../data-refresh.js';
import { verifyData } from '../../data-verify.js';
import type { DailyRun } from '../daily-run.js';
import { done, waiting, type StepResult } from './step.js';

const skippedInReplay = (run: DailyRun): StepResult => done({ skipped: 'replay' }, [`replay of ${run.tradingDate}: local data, nothing fetched`]);

async function refreshThrough(run: DailyRun, label: string, toIso: string): Promise<StepResult> {
  if (run.spec.market.dataDir === null) return done({ skipped: 'demo market' }, ['the demo market is built in: nothing to fetch']);
  const source = (await run.market()).source;
  const symbols = [...source.symbols, ...(source.index !== null && !source.symbols.includes(source.index) ? [source.index] : [])];
  // The steps after this one read the bars it fetched.
  run.forgetMarket();
  const report = await refreshData({ dataDir: run.spec.market.dataDir, symbols, providers: run.spec.providers, since: 'last', toIso, concurrency: 4 }, run.ctx);
  const failed = report.results.filter((r) => !r.ok);
  if (report.fatal !== null || (failed.length === report.results.length && failed.length > 0)) {
    const first = report.fatal ?? failed[0];
    throw new KobeError('REFRESH_FAILED', `${label}: no symbol could be refreshed (${first.ok ? '' : `${first.code}: ${first.error}`})`, { kind: 'runtime', hint: 'check the providers (kobe data fetch --since last) and the network' });
  }
  const byProvider: Record<string, number> = {};
  for (const r of report.results) if (r.ok && r.provider !== null) byProvider[r.provider] = (byProvider[r.provider] ?? 0) + 1;
  return done(
    { symbols: report.results.length, counts: report.counts, failed: failed.map((r) => r.symbol), byProvider, skippedProviders: report.skippedProviders },
    [`${label} through ${toIso}: ${report.counts.upToDate} up to date, ${report.counts.appended} appended, ${report.counts.refetched + report.counts.replaced} refetched, ${report.counts.new} new, ${failed.length} failed${failed.length > 0 ? ` (${failed.map((r) => r.symbol).join(', ')})` : ''}`],
  );
}

/** Morning: the bars through the previous session, fetched incrementally with the providers' fallback. */
export async function refreshStep(run: DailyRun): Promise<StepResult> {
  run.at('morning');
  return run.replay ? skippedInReplay(run) : refreshThrough(run, 'refresh', run.signalDate);
}

/** After the close: the trading day's own bar. */
export async function closeRefreshStep(run: DailyRun): Promise<StepResult> {
  run.at('eod');
  if (run.replay) return skippedInReplay(run);
  if (run.nowMs() < sessionCloseUtcMs(run.tradingDay)) return waiting(`the ${run.tradingDate} bar comes after the close`);
  return refreshThrough(run, 'close refresh', run.tradingDate);
}

/** The data check of every run over the universe, through the signal day; unhandled errors stop the pipeline. */
export async function verifyStep(run: DailyRun): Promise<StepResult> {
  run.at('morning');
  const report = await verifyData({ ...run.spec.market, start: null, end: run.signalDate, historyBars: null }, run.ctx);
  const summary = { errors: report.errors.length, warnings: report.run.issues.length - report.errors.length, unreadable: report.unreadable.map((u) => u.symbol), policy: report.policy };
  if (report.unhandled) {
    throw new KobeError('DATA_CHECK_FAILED', `the data check found ${report.errors.length} error(s) and ${report.unreadable.length} unreadable file(s) its policy (${report.policy}) leaves in place`, {
      kind: 'runtime',
      hint: 'kobe data verify shows them; fix the files or choose --on-bad-data mask',
    });
  }
  return done(summary, [`data check: ${summary.errors} error(s) handled by ${report.policy}, ${summary.warnings} warning(s)`]);
}
