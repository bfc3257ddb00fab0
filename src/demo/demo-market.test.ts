import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../core/bar-series.js';
import { dayToIso, parseIsoDay, weekday } from '../core/calendar.js';
import { KobeError } from '../core/errors.js';
import { DEMO_SECTORS, demoHolidays, demoSessionDays, demoUniverse, generateDemoMarket } from './demo-market.js';

const fcSeed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

// --- small statistics helpers (test-only, deliberately naive) --------------------------------

function logReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length - 1);
  for (let i = 1; i < close.length; i++) r[i - 1] = Math.log(close[i] / close[i - 1]);
  return r;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function excessKurtosis(a: Float64Array): number {
  const mu = mean(a);
  let m2 = 0;
  let m4 = 0;
  for (const x of a) {
    const d = (x - mu) * (x - mu);
    m2 += d;
    m4 += d * d;
  }
  m2 /= a.length;
  m4 /= a.length;
  return m4 / (m2 * m2) - 3;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

const autocorrelation = (a: Float64Array, lag = 1): number => correlation(a.subarray(0, a.length - lag), a.subarray(lag));
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

function sma(c: Float64Array, period: number): Float64Array {
  const out = new Float64Array(c.length).fill(Number.NaN);
  let s = 0;
  for (let i = 0; i < c.length; i++) {
    s += c[i];
    if (i >= period) s -= c[i - period];
    if (i >= period - 1) out[i] = s / period;
  }
  return out;
}

/** Wilder RSI. */
function rsi(c: Float64Array, period: number): Float64Array {
  const out = new Float64Array(c.length).fill(Number.NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < c.length; i++) {
    const d = c[i] - c[i - 1];
    const g = d > 0 ? d : 0;
    const l = d < 0 ? -d : 0;
    if (i <= period) {
      gain += g / period;
      loss += l / period;
    } else {
      gain = (gain * (period - 1) + g) / period;
      loss = (loss * (period - 1) + l) / period;
    }
    if (i >= period) out[i] = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

function fractionAboveSma(c: Float64Array, period: number): number {
  const m = sma(c, period);
  let above = 0;
  for (let i = period - 1; i < c.length; i++) if (c[i] > m[i]) above++;
  return above / (c.length - period + 1);
}

function assertValidBars(s: BarSeries): void {
  for (let i = 0; i < s.day.length; i++) {
    const o = s.open[i];
    const h = s.high[i];
    const l = s.low[i];
    const c = s.close[i];
    const ok =
      Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c) &&
      l > 0 && o > 0 && c > 0 && h >= Math.max(o, c) && l <= Math.min(o, c) && h >= l &&
      Number.isInteger(s.volume[i]) && s.volume[i] > 0 &&
      (i === 0 || s.day[i] > s.day[i - 1]);
    if (!ok) {
      throw new Error(`${s.symbol} bar ${i} (${dayToIso(s.day[i])}) invalid: o=${o} h=${h} l=${l} c=${c} v=${s.volume[i]}`);
    }
  }
}

const market = generateDemoMarket();
const stocks = market.series.slice(0, -1);
const index = market.series[market.series.length - 1];
const stockReturns = stocks.map((s) => logReturns(s.close));

describe('generateDemoMarket: shape', () => {
  it('has 60 fictional stocks in 6 sectors plus the index ETF last', () => {
    expect(market.synthetic).toBe(true);
    expect(market.seed).toBe(42);
    expect(market.indexSymbol).toBe('DEMX');
    expect(market.series).toHaveLength(61);
    expect(index.symbol).toBe('DEMX');
    expect(market.universe).toHaveLength(60);
    expect(market.universe.map((u) => u.symbol)).toEqual(stocks.map((s) => s.symbol));
    const symbols = new Set(market.universe.map((u) => u.symbol));
    expect(symbols.size).toBe(60);
    expect(symbols.has('DEMX')).toBe(false);
    for (const u of market.universe) {
      expect(u.symbol).toMatch(/^[A-Z]{4}$/);
      expect(u.name.length).toBeGreaterThan(3);
      expect(DEMO_SECTORS).toContain(u.sector);
    }
    for (const sector of DEMO_SECTORS) {
      expect(market.universe.filter((u) => u.sector === sector)).toHaveLength(10);
    }
    expect(market.description).toMatch(/synthetic/i);
  });

  it('covers 10 years of sessions from 2014-01-02 on one shared calendar', () => {
    const days = index.day;
    expect(dayToIso(days[0])).toBe('2014-01-02');
    expect(days[days.length - 1]).toBeLessThan(parseIsoDay('2024-01-02'));
    expect(days.length).toBeGreaterThan(2500);
    expect(days.length).toBeLessThan(2530);
    for (const s of market.series) expect(Buffer.from(s.day.buffer).equals(Buffer.from(days.buffer))).toBe(true);
  });

  it('stocks start between ~$5 and ~$500 and trade 1e5..5e7 shares a day', () => {
    for (const s of stocks) {
      expect(s.open[0]).toBeGreaterThan(4.5);
      expect(s.open[0]).toBeLessThan(550);
      let lo = Number.POSITIVE_INFINITY;
      let hi = 0;
      for (let i = 0; i < s.volume.length; i++) {
        lo = Math.min(lo, s.volume[i]);
        hi = Math.max(hi, s.volume[i]);
      }
      expect(lo).toBeGreaterThanOrEqual(1e5);
      expect(hi).toBeLessThanOrEqual(5e7);
    }
    // Per-stock volume levels differ (liquid large caps and smaller names).
    const medians = stocks.map((s) => median(Array.from(s.volume)));
    expect(Math.max(...medians) / Math.min(...medians)).toBeGreaterThan(5);
  });

  it('asking for more than the named 60 gives generated unique tickers', () => {
    const u = demoUniverse(130);
    expect(new Set(u.map((x) => x.symbol)).size).toBe(130);
    expect(u.slice(0, 60)).toEqual(demoUniverse(60));
  });
});

describe('demo calendar', () => {
  it('has no weekends and skips the fixed-date holidays when they fall on weekdays', () => {
    const days = demoSessionDays(parseIsoDay('2014-01-01'), parseIsoDay('2024-01-01'));
    const set = new Set(days);
    expect(days.filter((d) => weekday(d) === 0 || weekday(d) === 6)).toHaveLength(0);
    for (let y = 2014; y < 2024; y++) {
      for (const md of ['01-01', '07-04', '12-25']) {
        expect(set.has(parseIsoDay(`${y}-${md}`))).toBe(false);
      }
    }
    expect(set.has(parseIsoDay('2014-11-27'))).toBe(false); // Thanksgiving
    expect(set.has(parseIsoDay('2014-04-18'))).toBe(false); // Good Friday
    expect(set.has(parseIsoDay('2015-07-03'))).toBe(false); // Jul 4 on a Saturday, observed Friday
    expect(set.has(parseIsoDay('2014-01-02'))).toBe(true);
  });

  it('has 249..253 sessions a year', () => {
    for (let y = 2014; y < 2030; y++) {
      const n = demoSessionDays(parseIsoDay(`${y}-01-01`), parseIsoDay(`${y + 1}-01-01`)).length;
      expect(n).toBeGreaterThanOrEqual(249);
      expect(n).toBeLessThanOrEqual(253);
      expect(demoHolidays(y).length).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('generateDemoMarket: validity and determinism', () => {
  it('produces only valid bars in the default market', () => {
    for (const s of market.series) assertValidBars(s);
  });

  it('produces only valid bars for any seed, size and start (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 20_000 }),
        (seed, symbols, years, startOffset) => {
          const startIso = dayToIso(parseIsoDay('1990-01-01') + startOffset);
          const m = generateDemoMarket({ seed, symbols, years, startIso });
          expect(m.series).toHaveLength(symbols + 1);
          for (const s of m.series) assertValidBars(s);
        },
      ),
      { numRuns: 60, seed: fcSeed },
    );
  });

  it('gives bit-identical output for the same seed', () => {
    const again = generateDemoMarket({ seed: 42 });
    expect(again.series.length).toBe(market.series.length);
    for (let k = 0; k < market.series.length; k++) {
      const a = market.series[k];
      const b = again.series[k];
      expect(b.symbol).toBe(a.symbol);
      for (const col of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) {
        expect(Buffer.from(b[col].buffer).equals(Buffer.from(a[col].buffer))).toBe(true);
      }
    }
  });

  it('gives different output for a different seed', () => {
    const other = generateDemoMarket({ seed: 43 });
    expect(other.series[0].close).not.toEqual(market.series[0].close);
    expect(other.series[60].close).not.toEqual(market.series[60].close);
  });

  it('gives the same first stocks when fewer are asked for', () => {
    const small = generateDemoMarket({ symbols: 5 });
    for (let k = 0; k < 5; k++) expect(small.series[k].close).toEqual(market.series[k].close);
    expect(small.series[5].symbol).toBe('DEMX');
  });

  it('rejects bad options with a usage error', () => {
    const bad = [{ symbols: 0 }, { symbols: 2.5 }, { years: 0 }, { seed: 1.5 }, { startIso: '2014-13-01' }];
    for (const opts of bad) {
      try {
        generateDemoMarket(opts);
        expect.unreachable(`accepted ${JSON.stringify(opts)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(KobeError);
        expect((e as KobeError).kind).toBe('usage');
      }
    }
  });
  // Generation speed is a benchmark figure (npm run bench), never a timed unit test.
});

describe('generateDemoMarket: stylized facts', () => {
  it('has fat-tailed daily returns (excess kurtosis > 1)', () => {
    const k = stockReturns.map(excessKurtosis);
    expect(median(k)).toBeGreaterThan(1);
    expect(k.filter((x) => x > 1).length).toBeGreaterThan(50);
    expect(excessKurtosis(logReturns(index.close))).toBeGreaterThan(1);
  });

  it('clusters volatility (positive lag-1 autocorrelation of absolute returns)', () => {
    const ac = stockReturns.map((r) => autocorrelation(r.map(Math.abs)));
    expect(median(ac)).toBeGreaterThan(0.05);
    expect(autocorrelation(logReturns(index.close).map(Math.abs))).toBeGreaterThan(0.05);
  });

  it('has slight short-term mean reversion in single names (negative lag-1 autocorrelation)', () => {
    const ac = stockReturns.map((r) => autocorrelation(r));
    expect(median(ac)).toBeLessThan(-0.01);
    expect(median(ac)).toBeGreaterThan(-0.15);
  });

  it('correlates stocks more within a sector than across sectors', () => {
    let within = 0;
    let withinN = 0;
    let across = 0;
    let acrossN = 0;
    for (let i = 0; i < stocks.length; i++) {
      for (let j = i + 1; j < stocks.length; j++) {
        const c = correlation(stockReturns[i], stockReturns[j]);
        if (market.universe[i].sector === market.universe[j].sector) {
          within += c;
          withinN++;
        } else {
          across += c;
          acrossN++;
        }
      }
    }
    within /= withinN;
    across /= acrossN;
    expect(across).toBeGreaterThan(0.1);
    expect(within).toBeGreaterThan(across + 0.05);
  });

  it('tracks the equal-weighted stock average with the index', () => {
    const idx = logReturns(index.close);
    const avg = new Float64Array(idx.length);
    for (const r of stockReturns) for (let i = 0; i < r.length; i++) avg[i] += Math.expm1(r[i]) / stockReturns.length;
    expect(correlation(idx, avg)).toBeGreaterThan(0.97);
  });

  it('keeps the index above its 200-day SMA for a substantial but not total share of days', () => {
    const f = fractionAboveSma(index.close, 200);
    expect(f).toBeGreaterThan(0.5);
    expect(f).toBeLessThan(0.88);
    // Across other seeds too, on average.
    const others = [1, 2, 3, 4, 5].map((seed) => {
      const m = generateDemoMarket({ seed, symbols: 60 });
      return fractionAboveSma(m.series[m.series.length - 1].close, 200);
    });
    expect(mean(others)).toBeGreaterThan(0.55);
    expect(mean(others)).toBeLessThan(0.85);
    expect(Math.min(...others)).toBeGreaterThan(0.4);
  });

  it('trades more volume on big moves', () => {
    const c = stocks.map((s, k) => correlation(stockReturns[k].map(Math.abs), Array.from(s.volume.subarray(1), Math.log)));
    expect(median(c)).toBeGreaterThan(0.1);
  });

  it('fires RSI(2) < 10 & IBS < 0.2 & close > SMA200 a reasonable number of times', () => {
    let fires = 0;
    let stockYears = 0;
    let turtle = 0;
    for (const s of stocks) {
      const r = rsi(s.close, 2);
      const m = sma(s.close, 200);
      for (let i = 200; i < s.close.length; i++) {
        const ibs = (s.close[i] - s.low[i]) / (s.high[i] - s.low[i]);
        if (r[i] < 10 && ibs < 0.2 && s.close[i] > m[i]) fires++;
        // Turtle soup: a new 20-day low, the prior low at least 4 bars old, closing back above it.
        let priorLow = Number.POSITIVE_INFINITY;
        let priorAt = -1;
        for (let k = i - 20; k < i; k++) {
          if (s.low[k] < priorLow) {
            priorLow = s.low[k];
            priorAt = k;
          }
        }
        if (s.low[i] < priorLow && i - priorAt >= 4 && s.close[i] > priorLow) turtle++;
      }
      stockYears += (s.close.length - 200) / 252;
    }
    expect(fires / stockYears).toBeGreaterThan(1);
    expect(fires / stockYears).toBeLessThan(20);
    expect(turtle / stockYears).toBeGreaterThan(1);
  });
});
