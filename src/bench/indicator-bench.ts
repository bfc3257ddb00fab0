import { ATR, EMA, RSI, SD, SMA } from 'technicalindicators';
import type { BarSeries } from '../core/bar-series.js';
import { atr, donchianLow, ema, ibs, rollingStd, rsi, sma } from '../indicators/index.js';
import { plainAtr, plainDonchianLow, plainEma, plainExactSma, plainIbs, plainRollingStd, plainRsi, plainSma } from './baselines.js';

type Report = (what: string, figure: string, target?: string) => void;

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

function timeOnce(f: () => void): Timing {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Every indicator over every symbol's full series, against the plainest typed-array loop of the
 * same formula in the same process. Repetitions are interleaved (plain, library, alternating
 * which goes first), so a slow moment of a shared machine hits both; the ratio is the median of
 * the per-repetition ratios, with their spread. Where technicalindicators has the indicator, its
 * time on the same series (plain arrays, converted outside the timing) is the outside reference.
 */
export function benchIndicators(series: readonly BarSeries[], workload: string, report: Report, reps = 9): void {
  const closes = series.map((s) => s.close);
  const values = closes.reduce((a, c) => a + c.length, 0);
  const arrays = series.map((s) => ({ close: Array.from(s.close), high: Array.from(s.high), low: Array.from(s.low) }));
  let sink = 0;
  // Several passes over the universe per timing: one pass is ~20 ms, short enough for one GC
  // pause to swing a single ratio tenfold.
  const passes = 5;
  const over = (f: (i: number) => ArrayLike<number>, times = passes) => () => {
    for (let p = 0; p < times; p++) {
      for (let i = 0; i < series.length; i++) {
        const out = f(i);
        sink += out[out.length - 1] || 0;
      }
    }
  };
  const S = series;
  const kernels: { name: string; lib: (i: number) => ArrayLike<number>; plain: (i: number) => ArrayLike<number>; ti: ((i: number) => ArrayLike<number>) | null }[] = [
    { name: 'sma(200) vs exact-sum loop', lib: (i) => sma(closes[i], 200), plain: (i) => plainExactSma(closes[i], 200), ti: (i) => SMA.calculate({ period: 200, values: arrays[i].close }) },
    { name: 'sma(200) vs naive running sum (not the same work)', lib: (i) => sma(closes[i], 200), plain: (i) => plainSma(closes[i], 200), ti: null },
    { name: 'ema(20)', lib: (i) => ema(closes[i], 20), plain: (i) => plainEma(closes[i], 20), ti: (i) => EMA.calculate({ period: 20, values: arrays[i].close }) },
    { name: 'rsi(2) Wilder', lib: (i) => rsi(closes[i], 2), plain: (i) => plainRsi(closes[i], 2), ti: (i) => RSI.calculate({ period: 2, values: arrays[i].close }) },
    { name: 'atr(14) Wilder', lib: (i) => atr(S[i].high, S[i].low, closes[i], 14), plain: (i) => plainAtr(S[i].high, S[i].low, closes[i], 14), ti: (i) => ATR.calculate({ period: 14, high: arrays[i].high, low: arrays[i].low, close: arrays[i].close }) },
    { name: 'ibs', lib: (i) => ibs(S[i].high, S[i].low, closes[i]), plain: (i) => plainIbs(S[i].high, S[i].low, closes[i]), ti: null },
    { name: 'donchian low(20)', lib: (i) => donchianLow(S[i].low, 20), plain: (i) => plainDonchianLow(S[i].low, 20), ti: null },
    { name: 'rolling std(20)', lib: (i) => rollingStd(closes[i], 20), plain: (i) => plainRollingStd(closes[i], 20), ti: (i) => SD.calculate({ period: 20, values: arrays[i].close }) },
  ];
  const rate = (msPerRun: number) => `${(((values * passes) / msPerRun) * 1000 / 1e6).toFixed(1)} M values/s`;
  for (const k of kernels) {
    const lib = over(k.lib);
    const plain = over(k.plain);
    lib(); // first call compiles; not timed
    plain();
    const ratios: number[] = [];
    const libWall: number[] = [];
    const libCpu: number[] = [];
    for (let r = 0; r < reps; r++) {
      let a: Timing;
      let b: Timing;
      if (r % 2 === 0) {
        b = timeOnce(plain);
        a = timeOnce(lib);
      } else {
        a = timeOnce(lib);
        b = timeOnce(plain);
      }
      ratios.push(a.cpu > 0 && b.cpu > 0 ? a.cpu / b.cpu : a.wall / b.wall);
      libWall.push(a.wall);
      libCpu.push(a.cpu);
    }
    let tiText = '';
    if (k.ti !== null) {
      // One pass each: technicalindicators is up to two orders of magnitude slower.
      const ti = over(k.ti, 1);
      const libOnce = over(k.lib, 1);
      ti();
      const tiRatios: number[] = [];
      for (let r = 0; r < 3; r++) {
        const a = timeOnce(libOnce);
        const t = timeOnce(ti);
        tiRatios.push(t.wall / a.wall);
      }
      tiText = `; technicalindicators ${median(tiRatios).toFixed(1)}x slower`;
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    report(
      `indicator ${k.name}, ${workload}`,
      `${rate(median(libWall))} (${(median(libCpu) / passes).toFixed(0)} ms CPU a pass); ${median(ratios).toFixed(2)}x its plain loop (spread ${sorted[0].toFixed(2)}-${sorted[sorted.length - 1].toFixed(2)}, ${reps} interleaved)${tiText}`,
      'target <= 1.5x, stable',
    );
  }
  if (sink === 42) console.log('');
}
