/**
 * `npm run bench`: speed and memory figures on the real 900-stock data set. A benchmark, not a
 * test: it prints figures beside their targets and never fails a build on a slow machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest } from '../backtest/backtest.js';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { MarketContext } from '../backtest/market-context.js';
import { buildPanel, calendarRange } from '../backtest/panel.js';
import { createRng } from '../core/rng.js';
import { benchFloor } from './floor-bench.js';
import { benchMonteCarlo } from './monte-carlo-bench.js';
import { measuredRuns } from './measured-runs.js';
import { benchLongSeries } from './long-series-bench.js';
import { benchReportRender } from './report-render-bench.js';
import { benchIndicators } from './indicator-bench.js';
import { benchWarmLoad } from './load-bench.js';
import { benchEvolve, benchEvolveProcess } from './evolve-bench.js';
import { probabilityOfBacktestOverfitting } from '../validation/stats/pbo.js';
import { runWalkForward } from '../backtest/walk-forward.js';
import { parseIsoDay } from '../core/calendar.js';
import { loadMarket } from '../data/load.js';
import { readUniverseFile } from '../data/universe.js';
import { defaultParams } from '../strategies/params.js';
import { STRATEGIES } from '../strategies/registry.js';

const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
// The goal workloads cover the whole shared data set, which ends on 2017-11-10: a range past
// that end would silently measure less than the goal names.
const GOAL_START = '2005-01-03';
const GOAL_END = '2017-11-10';
const dataDir = resolve(process.env.KOBE_BENCH_DATA ?? join(root, '..', 'shared', 'data', 'us-equities-stooq'));

const rows: [string, string, string][] = [];
const report = (what: string, figure: string, target = '') => {
  rows.push([what, figure, target]);
  console.log(`${what.padEnd(52)} ${figure.padEnd(28)} ${target}`);
};
const ms = (t0: number) => performance.now() - t0;

/** Bytes of the files under `dir` (the cache a warm load reads). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function run(): Promise<void> {
  if (!existsSync(join(dataDir, 'universe.csv'))) {
    console.log(`bench skipped: no data set at ${dataDir} (set KOBE_BENCH_DATA to the us-equities-stooq folder)`);
    return;
  }
  console.log(`kobe bench on ${dataDir} (node ${process.version}, ${process.platform}/${process.arch})\n`);
  const symbols = readUniverseFile(join(dataDir, 'universe.csv')).map((u) => u.symbol);
  const cacheDir = mkdtempSync(join(tmpdir(), 'kobe-bench-cache-'));
  try {
    let t0 = performance.now();
    const cold = await loadMarket({ dataDir, symbols, cacheDir, policy: 'mask', calendarSymbol: 'SPY' });
    const coldMs = ms(t0);
    const bars = cold.series.reduce((a, s) => a + s.day.length, 0);
    report(`cold load + check (${cold.series.length} symbols, ${bars} bars)`, `${(coldMs / 1000).toFixed(3)} s`, '(fills the cache)');
    const warmTimes: number[] = [];
    let warm = cold;
    for (let i = 0; i < 3; i++) {
      t0 = performance.now();
      warm = await loadMarket({ dataDir, symbols, cacheDir, policy: 'mask', calendarSymbol: 'SPY' });
      warmTimes.push(ms(t0));
    }
    const warmBest = Math.min(...warmTimes);
    report('warm cache load + check (best of 3)', `${(warmBest / 1000).toFixed(3)} s`, 'target <= 0.3 s');
    if (warm.dataHash !== cold.dataHash) throw new Error('data hash differs between cold and warm load');
    benchFloor(folderBytes(cacheDir), report);
    benchWarmLoad(root, dataDir, cacheDir, report);

    // End to end, as a user runs it, in its own process: start-up, warm cache load and check, wf of
    // both strategies, artifacts and SQLite. Run first, while this process is still quiet; its
    // peak RSS is the memory figure that matters.
    // A warm run happens long after the cache was written: flush the 140 MB the cold load just
    // wrote, so its writeback does not compete with the timed runs.
    spawnSync('sync');
    const work = mkdtempSync(join(tmpdir(), 'kobe-bench-wf-'));
    try {
      const args = ['wf', '--strategy', 'ibs-rsi,turtle-soup', '--data-dir', dataDir, '--start', GOAL_START, '--end', GOAL_END, '--train-days', '252', '--test-days', '63', '--cache', cacheDir, '--outdir', join(work, 'wf_outputs'), '--db', join(work, 'kobe.db')];
      const wfRuns = measuredRuns(root, args, work, 'wf');
      report(
        `kobe wf ibs-rsi+turtle-soup tuned, ${symbols.length - 1} symbols, ${GOAL_START}..${GOAL_END}, train 252/test 63, own process, warm cache`,
        `${(wfRuns.wallMs / 1000).toFixed(3)} s wall, ${(wfRuns.cpuMs / 1000).toFixed(3)} s CPU (best of 3, incl. start-up)`,
        'target <= 2 s',
      );
      report('kobe wf peak RSS', `${wfRuns.maxRssMb.toFixed(0)} MB`, 'target <= 1024 MB');

      // The morning scan as cron runs it: every symbol of the folder, warm cache, the data's last
      // session (2017-11-10), gates, ranking, logs, SQLite and the audit entry; whole process.
      const scanArgs = ['scan', '--data-dir', dataDir, '--date', '2017-11-10', '--cache', cacheDir, '--db', join(work, 'kobe.db'), '--state-dir', join(work, 'state'), '--audit', join(work, 'audit', 'audit.jsonl')];
      const scan = measuredRuns(root, scanArgs, work, 'scan');
      report(`kobe scan ${symbols.length - 1} symbols, 2017-11-10, own process, warm cache`, `${(scan.wallMs / 1000).toFixed(3)} s wall, ${(scan.cpuMs / 1000).toFixed(3)} s CPU (best of 3, incl. start-up)`, 'target <= 1.5 s');

      // One full-period simulation as a user runs it, whole process, warm cache.
      const simArgs = ['simulate', '--strategy', 'ibs-rsi', '--data-dir', dataDir, '--start', GOAL_START, '--end', GOAL_END, '--cache', cacheDir, '--db', join(work, 'kobe.db'), '--show-trades', '0'];
      const sim = measuredRuns(root, simArgs, work, 'simulate');
      report(
        `kobe simulate ibs-rsi, ${symbols.length - 1} symbols, ${GOAL_START}..${GOAL_END}, own process, warm cache`,
        `${(sim.wallMs / 1000).toFixed(3)} s wall, ${(sim.cpuMs / 1000).toFixed(3)} s CPU (best of 3, incl. start-up)`,
        'target <= 1 s',
      );
      benchLongSeries(root, report);
      benchEvolveProcess({ dataDir, cacheDir, work, symbols: symbols.length - 1, start: GOAL_START, end: GOAL_END }, (args, cwd, label, n) => measuredRuns(root, args, cwd, label, n), report);
      await benchReportRender(root, work, `ibs-rsi+turtle-soup, ${symbols.length - 1} symbols, ${GOAL_START}..${GOAL_END}`, report);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const values = warm.series.reduce((a, c) => a + c.close.length, 0);
    benchIndicators(warm.series, `${warm.series.length} symbols' full series, ${values} values`, report);

    const spy = warm.series.find((s) => s.symbol === 'SPY') ?? null;
    const traded = warm.series;
    const panel = buildPanel(traded, spy);
    const symbolBars = traded.reduce((a, s) => a + s.day.length, 0);
    for (const name of ['ibs-rsi', 'turtle-soup', 'sma-cross'] as const) {
      const strategy = STRATEGIES[name];
      const ctx = new MarketContext(panel);
      t0 = performance.now();
      const r = backtest(ctx, [{ strategy, params: defaultParams(strategy.params) }], DEFAULT_ENGINE_CONFIG, 0, panel.calendar.length - 1);
      const simMs = ms(t0);
      report(`simulate ${name}, full period (${r.engine.trades.length} trades)`, `${(simMs / 1000).toFixed(3)} s, ${((symbolBars / simMs) * 1000 / 1e6).toFixed(1)} M symbol-bars/s`);
    }

    const range = calendarRange(panel, parseIsoDay(GOAL_START), parseIsoDay(GOAL_END))!;
    const ctx = new MarketContext(panel, range);
    t0 = performance.now();
    let evaluations = 0;
    for (const name of ['ibs-rsi', 'turtle-soup'] as const) {
      const strategy = STRATEGIES[name];
      const wf = runWalkForward(ctx, { strategy, baseParams: defaultParams(strategy.params), tune: true, trainDays: 252, testDays: 63, from: range.from, to: range.to, config: DEFAULT_ENGINE_CONFIG, minTrainTrades: 10 });
      evaluations += wf.evaluations;
    }
    report(`wf both strategies tuned, compute only, ${GOAL_START}..${GOAL_END} (${evaluations} backtests)`, `${(ms(t0) / 1000).toFixed(3)} s`);

    await benchEvolve(panel, range, report);
    benchRisk();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;
  report('bench process peak RSS (two loaded copies + memos)', `${peakMb.toFixed(0)} MB`);
}

/** The promotion statistics and Monte Carlo at the sizes the issue names. */
function benchRisk(): void {
  for (const row of benchMonteCarlo(() => performance.now(), { simulations: 10_000, trades: 500, repeats: 5 })) {
    report(`Monte Carlo ${row.method}, ${row.simulations} x ${row.trades} trades (best of 5)`, `${(row.bestMs / 1000).toFixed(3)} s`, 'target well under 1 s');
  }
  const rng = createRng(11);
  const columns = Array.from({ length: 50 }, () => Float64Array.from({ length: 1000 }, () => 0.01 * rng.normal()));
  const t0 = performance.now();
  const r = probabilityOfBacktestOverfitting({ columns });
  report(`PBO by CSCV, 1000 periods x 50 candidates, ${r.combinations} combinations`, `${((performance.now() - t0) / 1000).toFixed(3)} s`);
}

run().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
