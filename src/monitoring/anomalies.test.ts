import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocateBars, sliceBars, type BarSeries } from '../core/bar-series.js';
import { parseIsoDay } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { parseBarsCsv } from '../data/parse-bars.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { alterFuture, fcOptions, flatBars, randomWalkBars } from '../test-support/synthetic-bars.js';
import { panelAnomalies, symbolAnomalies, type AnomalyFigure, type AnomalyKind, type AnomalyScan } from './anomalies.js';

const copyBars = (s: BarSeries, symbol = s.symbol): BarSeries => {
  const out = allocateBars(symbol, s.day.length);
  for (const k of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) out[k].set(s[k]);
  return out;
};

const figure = (scan: AnomalyScan, kind: AnomalyKind, symbol?: string): AnomalyFigure => {
  const f = scan.figures.find((x) => x.kind === kind && (symbol === undefined || x.symbol === symbol));
  if (f === undefined) throw new Error(`no ${kind} figure: ${JSON.stringify(scan.noVerdict)}`);
  return f;
};

describe('symbolAnomalies on synthetic bars', () => {
  const base = randomWalkBars('AAA', 300, 17);
  const t = 200;
  const today = base.day[t];

  it('scores an injected 10-sigma close-to-close move at z = 10 and flags it first', () => {
    const before = figure(symbolAnomalies(base, today), 'return');
    const bars = copyBars(base);
    bars.close[t] = bars.close[t - 1] * Math.exp(before.center + 10 * before.scale);
    const scan = symbolAnomalies(bars, today);
    const after = figure(scan, 'return');
    expect(after.z).toBeCloseTo(10, 9);
    expect(after.center).toBe(before.center);
    expect(after.scale).toBe(before.scale);
    expect(after.flagged).toBe(true);
    expect(after.threshold).toBe(4);
    expect(scan.flagged).toEqual([after]);
    expect(scan.figures[0]).toBe(after);
    expect(after.plainValue).toBeCloseTo(bars.close[t] / bars.close[t - 1] - 1, 12);
  });

  it('flags a 25% drop (about 11 daily sds of this walk), and the opening gap into it', () => {
    const bars = copyBars(base);
    bars.open[t] = bars.close[t - 1] * 0.78;
    bars.close[t] = bars.close[t - 1] * 0.75;
    const scan = symbolAnomalies(bars, today);
    expect(figure(scan, 'return').z).toBeLessThan(-8);
    expect(figure(scan, 'gap').z).toBeLessThan(-8);
    expect(scan.flagged.map((f) => f.kind).sort()).toEqual(['gap', 'return']);
  });

  it('flags a 10x volume spike', () => {
    const bars = copyBars(base);
    bars.volume[t] *= 10;
    const scan = symbolAnomalies(bars, today);
    const v = figure(scan, 'volume');
    expect(v.flagged).toBe(true);
    expect(v.z).toBeGreaterThan(4);
    expect(v.plainValue).toBe(bars.volume[t]);
    expect(v.value).toBeCloseTo(Math.log(bars.volume[t]), 12);
    expect(scan.flagged.map((f) => f.kind)).toEqual(['volume']);
  });

  it('flags nothing on ordinary days', () => {
    const bars = randomWalkBars('CALM', 700, 23);
    let flagged = 0;
    let maxAbsZ = 0;
    for (let i = 61; i < 700; i++) {
      const scan = symbolAnomalies(bars, bars.day[i]);
      expect(scan.noVerdict).toEqual([]);
      flagged += scan.flagged.length;
      maxAbsZ = Math.max(maxAbsZ, Math.abs(scan.figures[0].z));
    }
    expect(flagged).toBe(0);
    expect(maxAbsZ).toBeGreaterThan(2); // the figures are real z-scores, not all zero
  });

  it('sees through an earlier shock in the window (robust) where mean and sd are masked by it', () => {
    const bars = copyBars(base);
    bars.close[t - 20] = bars.close[t - 21] * 0.7; // a -30% day three weeks ago
    for (let i = t - 19; i < t; i++) {
      // Keep the rest of the walk's moves, from the new level.
      bars.open[i] = base.open[i] * 0.7;
      bars.close[i] = base.close[i] * 0.7;
    }
    bars.open[t] = bars.close[t - 1];
    bars.close[t] = bars.close[t - 1] * 1.11;
    const robust = figure(symbolAnomalies(bars, today), 'return');
    const classic = figure(symbolAnomalies(bars, today, { scale: 'classic' }), 'return');
    expect(robust.flagged).toBe(true);
    expect(classic.flagged).toBe(false);
    expect(classic.z).toBeLessThan(robust.z / 2);
  });

  it('uses its own thresholds and window', () => {
    const bars = copyBars(base);
    bars.volume[t] *= 10;
    const scan = symbolAnomalies(bars, today, { volumeThreshold: 50, priceThreshold: 0.5, windowSessions: 40, minSessions: 40 });
    expect(figure(scan, 'volume').flagged).toBe(false);
    expect(figure(scan, 'volume').threshold).toBe(50);
    expect(figure(scan, 'volume').sessions).toBe(40);
    expect(figure(scan, 'return').threshold).toBe(0.5);
  });
});

describe('symbolAnomalies: no verdict', () => {
  it('needs minSessions usable values before today', () => {
    const bars = randomWalkBars('NEW', 20, 3);
    const scan = symbolAnomalies(bars, bars.day[19]);
    expect(scan.figures).toEqual([]);
    expect(scan.noVerdict.map((n) => [n.kind, n.reason])).toEqual([
      ['return', 'only 18 usable return values in the 60 sessions before today; need 30'],
      ['gap', 'only 18 usable gap values in the 60 sessions before today; need 30'],
      ['volume', 'only 19 usable volume values in the 60 sessions before today; need 30'],
    ]);
    expect(symbolAnomalies(bars, bars.day[0]).noVerdict[0].reason).toBe('no previous close');
  });

  it('says when the symbol has no bar today', () => {
    const bars = randomWalkBars('AAA', 100, 3);
    const scan = symbolAnomalies(bars, bars.day[99] + 1);
    expect(scan.noVerdict).toEqual([{ symbol: 'AAA', date: scan.date, kind: null, reason: `no bar on ${scan.date}` }]);
  });

  it('leaves masked (NaN) bars out of the window and gives no verdict on a masked today', () => {
    const bars = randomWalkBars('AAA', 100, 3);
    bars.close[90] = Number.NaN;
    const scan = symbolAnomalies(bars, bars.day[95]);
    expect(figure(scan, 'return').sessions).toBe(58); // returns 90 and 91 need close[90]
    expect(figure(scan, 'gap').sessions).toBe(59); // gap 91 needs close[90]
    expect(figure(scan, 'volume').sessions).toBe(60);
    bars.volume[95] = 0;
    bars.close[95] = Number.NaN;
    const masked = symbolAnomalies(bars, bars.day[95]);
    expect(masked.noVerdict.map((n) => n.kind)).toEqual(['return', 'volume']);
    expect(masked.noVerdict[1].reason).toContain("today's volume is 0");
  });

  it('gives no verdict when the trailing values do not vary, and falls back to the mean deviation when most do not', () => {
    const flat = flatBars('FLAT', 100, 20);
    const scan = symbolAnomalies(flat, flat.day[80]);
    expect(scan.figures).toEqual([]);
    expect(scan.noVerdict.map((n) => n.reason)).toEqual([
      'the trailing return values do not vary, so there is no scale to measure today\'s against',
      'the trailing gap values do not vary, so there is no scale to measure today\'s against',
      'the trailing volume values do not vary, so there is no scale to measure today\'s against',
    ]);
    // A few moves among flat days: MAD 0, so the scale comes from the mean absolute deviation.
    for (const i of [30, 45, 60]) flat.close[i] = 20.4;
    const ticked = symbolAnomalies(flat, flat.day[80]);
    const r = figure(ticked, 'return');
    expect(r.note).toBe('MAD was 0; scale from the mean absolute deviation');
    expect(r.z).toBe(0);
  });
});

describe('symbolAnomalies: no look-ahead (property)', () => {
  it("gives the same figures for today whatever comes after it", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 159 }), fc.nat(), fc.constantFrom<'robust' | 'classic'>('robust', 'classic'), (seed, t, futureSeed, scale) => {
        const bars = randomWalkBars('P', 160, seed);
        const today = bars.day[t];
        const alone = symbolAnomalies(sliceBars(bars, 0, t + 1), today, { scale });
        expect(symbolAnomalies(bars, today, { scale })).toEqual(alone);
        if (t + 1 < 160) expect(symbolAnomalies(alterFuture(bars, t + 1, futureSeed), today, { scale })).toEqual(alone);
      }),
      fcOptions(100),
    );
  });
});

describe('panelAnomalies', () => {
  it('merges symbols and sorts by |z| descending', () => {
    const a = randomWalkBars('AAA', 120, 1);
    const b = copyBars(randomWalkBars('BBB', 120, 2, a.day[0] - 1));
    const c = randomWalkBars('CCC', 50, 4, a.day[90]); // 20 sessions before today: too little history
    const t = 110;
    b.volume[t] *= 20;
    b.close[t] = b.close[t - 1] * 0.8;
    const scan = panelAnomalies([{ symbol: 'AAA', bars: a }, { symbol: 'BBB', bars: b }, { symbol: 'CCC', bars: c }], a.day[t]);
    expect(b.day[t]).toBe(a.day[t]);
    const absZ = scan.figures.map((f) => Math.abs(f.z));
    expect(absZ).toEqual([...absZ].sort((x, y) => y - x));
    expect(scan.flagged.map((f) => `${f.symbol}:${f.kind}`).sort()).toEqual(['BBB:return', 'BBB:volume']);
    expect(scan.figures.filter((f) => f.symbol === 'AAA')).toHaveLength(3);
    expect(new Set(scan.noVerdict.map((n) => n.symbol))).toEqual(new Set(['CCC']));
  });

  it('takes the symbol from the panel entry', () => {
    const bars = randomWalkBars('inner', 100, 1);
    const scan = panelAnomalies([{ symbol: 'OUTER', bars }], bars.day[90]);
    expect(scan.figures.every((f) => f.symbol === 'OUTER')).toBe(true);
  });

  it('names the parameter of a bad option', () => {
    const bars = randomWalkBars('AAA', 100, 1);
    const paramOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(KobeError);
        expect((e as KobeError).code).toBe('BAD_ANOMALY_OPTION');
        return (e as KobeError).param;
      }
      return 'no error';
    };
    expect(paramOf(() => symbolAnomalies(bars, bars.day[90], { windowSessions: 1 }))).toBe('windowSessions');
    expect(paramOf(() => symbolAnomalies(bars, bars.day[90], { windowSessions: 20 }))).toBe('minSessions');
    expect(paramOf(() => symbolAnomalies(bars, bars.day[90], { priceThreshold: 0 }))).toBe('priceThreshold');
    expect(paramOf(() => symbolAnomalies(bars, bars.day[90], { volumeThreshold: Number.NaN }))).toBe('volumeThreshold');
    expect(paramOf(() => symbolAnomalies(bars, bars.day[90], { scale: 'sd' as 'classic' }))).toBe('scale');
    expect(paramOf(() => symbolAnomalies(bars, 1.5))).toBe('today');
  });
});

describe.runIf(sharedDataAvailable())('anomalies on real data (us-equities-stooq)', () => {
  const load = (symbol: string) => ({
    symbol: symbol.toUpperCase(),
    bars: parseBarsCsv(readFileSync(join(SHARED_STOOQ_DIR, `${symbol}.us.txt`), 'utf8'), { file: `${symbol}.us.txt`, symbol }),
  });
  // Loaded on first use: vitest collects a skipped describe's body too, and the files may be absent.
  let loaded: ReturnType<typeof load>[] | null = null;
  const panelOf = () => (loaded ??= ['nflx', 'aapl', 'msft', 'jpm', 'spy'].map(load));

  it('flags Netflix on 2011-10-25 (-35% after its subscriber loss) and nothing else that day', () => {
    const scan = panelAnomalies(panelOf(), parseIsoDay('2011-10-25'));
    expect(scan.noVerdict).toEqual([]);
    expect(scan.flagged.map((f) => `${f.symbol}:${f.kind}`)).toEqual(['NFLX:gap', 'NFLX:return']);
    const ret = figure(scan, 'return', 'NFLX');
    expect(ret.plainValue).toBeCloseTo(11.053 / 16.977 - 1, 10);
    expect(ret.z).toBeLessThan(-8);
  });

  it('flags Apple on 2013-01-24 (-12% after earnings) and Netflix up 42% the same day', () => {
    const scan = panelAnomalies(panelOf(), parseIsoDay('2013-01-24'));
    const flagged = new Set(scan.flagged.map((f) => `${f.symbol}:${f.kind}`));
    for (const key of ['AAPL:return', 'AAPL:gap', 'NFLX:return', 'NFLX:gap']) expect(flagged.has(key), key).toBe(true);
    expect(figure(scan, 'return', 'AAPL').z).toBeLessThan(-4);
    expect([...flagged].filter((k) => k.startsWith('SPY') || k.startsWith('JPM'))).toEqual([]);
  });

  it('flags nothing on the next, ordinary day', () => {
    expect(panelAnomalies(panelOf(), parseIsoDay('2011-10-26')).flagged).toEqual([]);
  });
});
