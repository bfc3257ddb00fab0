/**
 * One very long series (issue 13): 300,000 daily bars of one symbol, traded by sma-cross as a
 * user runs it (`kobe simulate`, whole process, warm cache). With one symbol and few signals,
 * what is left is the engine's fixed cost per session; the plain typed-array loop of the same
 * trading work is the reference for how small that can be.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dayToIso, isWeekend, parseIsoDay } from '../core/calendar.js';
import { createRng } from '../core/rng.js';
import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { plainSma } from './baselines.js';
import { measuredRuns } from './measured-runs.js';

type Report = (what: string, figure: string, target?: string) => void;

export const LONG_SERIES_BARS = 300_000;
const SYMBOL = 'LONG';
// 300,000 weekday sessions are ~1,150 years; ending on the real data's last day puts the first in
// the 9th century. parseIsoDay takes four-digit years from 0100 on (Date.UTC maps 0-99 to 19xx).
const LAST_DAY = '2017-11-10';

/** The series' bars as columns, oldest first. */
export interface LongSeries {
  readonly day: Int32Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/**
 * A seeded random walk of `n` weekday bars ending on 2017-11-10. The log price reverts slowly to
 * log(50) (an Ornstein-Uhlenbeck walk), so 300,000 steps of 1% moves neither vanish nor explode
 * and the data check sees an ordinary stock. Prices are rounded to 4 decimals, as written.
 */
export function longSeries(n: number, seed = 13): LongSeries {
  const day = new Int32Array(n);
  let d = parseIsoDay(LAST_DAY);
  for (let k = n - 1; k >= 0; d--) if (!isWeekend(d)) day[k--] = d;
  const rng = createRng(seed);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const mu = Math.log(50);
  let x = mu;
  for (let i = 0; i < n; i++) {
    const o = Math.exp(x + 0.003 * rng.normal());
    x += 0.002 * (mu - x) + 0.012 * rng.normal();
    const c = Math.exp(x);
    open[i] = round(o);
    close[i] = round(c);
    high[i] = round(Math.max(o, c) * (1 + 0.005 * rng.next()));
    low[i] = round(Math.min(o, c) * (1 - 0.005 * rng.next()));
  }
  return { day, open, high, low, close };
}

/** Writes the series as a Stooq file (`long.us.txt`) into `dir`. */
export function writeLongSeries(dir: string, s: LongSeries): void {
  const lines = ['Date,Open,High,Low,Close,Volume,OpenInt'];
  for (let i = 0; i < s.day.length; i++) lines.push(`${dayToIso(s.day[i])},${s.open[i]},${s.high[i]},${s.low[i]},${s.close[i]},1000000,0`);
  writeFileSync(join(dir, `${SYMBOL.toLowerCase()}.us.txt`), `${lines.join('\n')}\n`);
}

/**
 * The same trading work as `kobe simulate --strategy sma-cross` on one symbol, as the plainest
 * typed-array loop: SMA(20)/SMA(50) crosses at the close, fills at the next open with the default
 * slippage and commission, equal-weight sizing (equity / 10), the account marked every close.
 */
export function plainSmaCross(s: LongSeries, fast = 20, slow = 50): { trades: number; finalEquity: number; equity: Float64Array } {
  const { open, close } = s;
  const n = close.length;
  const f = plainSma(close, fast);
  const w = plainSma(close, slow);
  const equity = new Float64Array(n);
  const { costs, maxPositions, initialCapital } = DEFAULT_ENGINE_CONFIG;
  const slip = costs.slippageBps / 10_000;
  const fee = (shares: number) => costs.commissionPerOrderUsd + costs.commissionPerShareUsd * shares;
  const sharesFor = (usd: number, pricePaid: number) => Math.floor(Math.max(0, usd - costs.commissionPerOrderUsd) / (pricePaid + costs.commissionPerShareUsd));
  let cash = initialCapital;
  let shares = 0;
  let ordered = 0; // shares of a buy due at the next open, fixed at the signal's close
  let sell = false;
  let trades = 0;
  for (let i = 0; i < n; i++) {
    if (ordered > 0) {
      const price = open[i] * (1 + slip);
      shares = Math.min(ordered, sharesFor(cash, price));
      cash -= shares * price + fee(shares);
      ordered = 0;
    } else if (sell) {
      cash += shares * open[i] * (1 - slip) - fee(shares);
      shares = 0;
      sell = false;
      trades++;
    }
    const marked = cash + shares * close[i];
    equity[i] = marked;
    if (i < 1 || w[i - 1] !== w[i - 1]) continue;
    if (f[i] > w[i] && !(f[i - 1] > w[i - 1]) && shares === 0) {
      ordered = sharesFor(Math.min(marked / maxPositions, cash), close[i] * (1 + slip));
    } else if (f[i] < w[i] && !(f[i - 1] < w[i - 1]) && shares > 0) {
      sell = true;
    }
  }
  if (shares > 0) {
    cash += shares * close[n - 1] * (1 - slip) - fee(shares);
    trades++;
  }
  return { trades, finalEquity: cash, equity };
}

/** The long-series row: kobe simulate sma-cross, whole process, beside the plain loop. */
export function benchLongSeries(root: string, report: Report, bars = LONG_SERIES_BARS): void {
  const work = mkdtempSync(join(tmpdir(), 'kobe-bench-long-'));
  try {
    const dataDir = join(work, 'data');
    const cacheDir = join(work, 'cache');
    const series = longSeries(bars);
    mkdirSync(dataDir);
    writeLongSeries(dataDir, series);
    const first = dayToIso(series.day[0]);
    const last = dayToIso(series.day[bars - 1]);
    const workload = `${bars} daily bars of one symbol, ${first}..${last}, sma-cross 20/50, no regime filter`;
    const args = ['simulate', '--strategy', 'sma-cross', '--data-dir', dataDir, '--symbols', SYMBOL, '--no-regime-filter', '--cache', cacheDir, '--db', join(work, 'kobe.db'), '--show-trades', '0'];
    const cold = measuredRuns(root, args, work, 'simulate long series', 1);
    report(`kobe simulate, one long series, cold (${workload})`, `${(cold.wallMs / 1000).toFixed(3)} s wall`, '(fills the cache)');
    const warm = measuredRuns(root, args, work, 'simulate long series');
    report(
      'kobe simulate, one long series, own process, warm cache',
      `${(warm.wallMs / 1000).toFixed(3)} s wall, ${(warm.cpuMs / 1000).toFixed(3)} s CPU (best of 3, incl. start-up), ${warm.maxRssMb.toFixed(0)} MB peak`,
      'target <= 0.15 s',
    );
    let best = Infinity;
    let r = plainSmaCross(series);
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      r = plainSmaCross(series);
      best = Math.min(best, performance.now() - t0);
    }
    report(
      `plain typed-array sma-cross loop, same series (${r.trades} trades)`,
      `${best.toFixed(1)} ms (best of 5); kobe wall / plain = ${(warm.wallMs / best).toFixed(0)}x`,
      '(reference)',
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
