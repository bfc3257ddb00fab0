import { allocateBars, type BarSeries } from '../core/bar-series.js';
import { parseIsoDay } from '../core/calendar.js';
import { usageError } from '../core/errors.js';
import { createRng, type Rng } from '../core/rng.js';
import { demoSessionDays } from './demo-calendar.js';
import { DEMO_DEFAULT_SYMBOLS, DEMO_SECTORS, type DemoSector, type DemoStock, demoUniverse } from './demo-universe.js';

export { demoHolidays, demoSessionDays } from './demo-calendar.js';
export { DEMO_SECTORS, type DemoSector, type DemoStock, demoUniverse } from './demo-universe.js';

/**
 * A synthetic but realistic daily market: what every fresh clone runs before any real data is
 * downloaded. Pure (no I/O, no clock, no Math.random): the same options give bit-identical bars.
 *
 * Model, per session t (all returns are log returns):
 *   regime      two-state Markov chain: a trending bull phase (positive drift, calm) and a
 *               bear / choppy phase (negative drift, ~1.8x volatility, stronger mean reversion).
 *   market      m_t = mu(regime) + GARCH(1,1) shock with fat-tailed (t-like) innovations
 *               + the change of an AR(1) level component (index-level short-term reversal).
 *   sector      s_t = GARCH(1,1) shock with t-like innovations, one per sector.
 *   stock       r_t = alpha + beta * m_t + gamma * s_t + idio_t, where idio_t is a GARCH(1,1)
 *               t-like shock, plus the change of an AR(1) level component (the slight negative
 *               lag-1 autocorrelation mean-reversion strategies feed on), plus rare jumps
 *               (earnings-like gaps) that also feed the GARCH variance.
 *   index       DEMX: equal-weighted, daily rebalanced average of the stocks' simple returns,
 *               minus a small fee, plus tracking noise.
 *   bars        open = previous close with an overnight gap (part of the day's move plus noise);
 *               high/low extend max/min(open, close) by half-normal excursions scaled by the
 *               conditional volatility; volume is log-normal per stock, persistent, and higher
 *               on large moves and in volatile spells.
 *
 * Each stock draws from its own forked generator, and the market / sector paths from theirs, so
 * asking for fewer symbols gives exactly the same first stocks.
 */

export interface DemoMarketOptions {
  /** Seed of the one generator everything derives from; default 42. */
  readonly seed?: number;
  /** Number of stocks (the index comes on top); default 60, at most 600. */
  readonly symbols?: number;
  /** Calendar years of sessions; default 10, at most 50. */
  readonly years?: number;
  /** First calendar date (sessions start on the first trading day on/after it); default 2014-01-02. */
  readonly startIso?: string;
}

export interface DemoMarket {
  /** The stocks in universe order, then the index ETF last. */
  readonly series: readonly BarSeries[];
  readonly indexSymbol: 'DEMX';
  /** The stocks only (the index is not in the universe). */
  readonly universe: readonly DemoStock[];
  readonly synthetic: true;
  readonly seed: number;
  readonly description: string;
}

export const DEMO_INDEX_SYMBOL = 'DEMX' as const;
export const DEMO_DEFAULTS = { seed: 42, symbols: DEMO_DEFAULT_SYMBOLS, years: 10, startIso: '2014-01-02' } as const;
const MAX_SYMBOLS = 600;
const MAX_YEARS = 50;

// ---------------------------------------------------------------------------------------------
// Model parameters (daily units).

/** Market phases: each has a drift, a volatility multiplier and an index-level reversal share. */
const PHASES = [
  { name: 'bull', mu: 0.00045, volMult: 1.0, arShare: 0.25, minBars: 100, spanBars: 350 },
  { name: 'choppy', mu: 0.0, volMult: 1.25, arShare: 0.55, minBars: 40, spanBars: 120 },
  { name: 'bear', mu: -0.0016, volMult: 1.9, arShare: 0.5, minBars: 25, spanBars: 75 },
] as const;
const P_CHOPPY_AFTER_BULL = 0.6;
const MARKET_VOL = 0.0085;
const MARKET_GARCH_A = 0.09;
const MARKET_GARCH_B = 0.89;
const MARKET_AR = 0.55; // AR(1) level component: index-level short-term reversal
const SECTOR_VOL = 0.007;
const SECTOR_GARCH_A = 0.07;
const SECTOR_GARCH_B = 0.9;
const STOCK_GARCH_A = 0.07;
const STOCK_GARCH_B = 0.9;
const JUMP_PROB = 1 / 90;
const JUMP_SIZE = 3.5; // in units of the stock's idiosyncratic volatility
const FAT_PROB = 0.15;
const FAT_SCALE = 1.9;
const CALM_SCALE = Math.sqrt((1 - FAT_PROB * FAT_SCALE * FAT_SCALE) / (1 - FAT_PROB));
const INDEX_START_PRICE = 150;
const INDEX_FEE_PER_DAY = 0.000004;
const INDEX_TRACKING_VOL = 0.00015;
const VOLUME_MIN = 1e5;
const VOLUME_MAX = 5e7;

const SECTOR_VOL_MULT: Record<DemoSector, number> = {
  Technology: 1.25,
  Healthcare: 1.15,
  Financials: 1.0,
  Energy: 1.3,
  Consumer: 0.85,
  Industrials: 0.95,
};

/**
 * Uniforms and standard normals in blocks, for the generator's hot loops (~8 draws per bar,
 * 150k bars by default). Seeded from a core `Rng` (4 words drawn from it), then the same sfc32
 * recurrence as core/rng.ts, but with its state in an Int32Array and output in typed-array
 * blocks, so the loops neither call through closures nor allocate boxed numbers: about 4x
 * faster than `rng.next()` / `rng.normal()` per draw, which is what keeps the default market
 * under its time budget. Still fully determined by the seed.
 */
class Draws {
  private readonly state = new Int32Array(4);
  private readonly uniforms = new Float64Array(1024);
  private readonly normals = new Float64Array(1024);
  private uPos = 1024;
  private nPos = 1024;

  constructor(rng: Rng) {
    for (let i = 0; i < 4; i++) this.state[i] = Math.floor(rng.next() * 4294967296) | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  private u32(): number {
    const st = this.state;
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    const t = (((a + b) | 0) + d) | 0;
    st[3] = (d + 1) | 0;
    st[0] = b ^ (b >>> 9);
    st[1] = (c + (c << 3)) | 0;
    const cr = (c << 21) | (c >>> 11);
    st[2] = (cr + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    if (this.uPos === this.uniforms.length) {
      const buf = this.uniforms;
      for (let i = 0; i < buf.length; i++) buf[i] = this.u32() / 4294967296;
      this.uPos = 0;
    }
    return this.uniforms[this.uPos++];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.nPos === this.normals.length) {
      const buf = this.normals;
      for (let i = 0; i < buf.length; i += 2) {
        const u = (this.u32() + 1) / 4294967296; // (0, 1]
        const v = this.u32() / 4294967296;
        const r = Math.sqrt(-2 * Math.log(u));
        buf[i] = r * Math.cos(2 * Math.PI * v);
        buf[i + 1] = r * Math.sin(2 * Math.PI * v);
      }
      this.nPos = 0;
    }
    return this.normals[this.nPos++];
  }
}

/**
 * Fat-tailed unit-variance shock: a normal scale mixture (15% of draws 1.9x wider), excess
 * kurtosis ~3.6 like a Student-t(6), at the cost of one uniform and one normal.
 */
function fatTail(rng: Draws): number {
  return (rng.next() < FAT_PROB ? FAT_SCALE : CALM_SCALE) * rng.normal();
}

function uniform(rng: Draws, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

function roundPrice(p: number): number {
  const tick = p >= 1 ? 100 : 10_000;
  return Math.max(Math.round(p * tick) / tick, 1 / tick);
}

/**
 * Writes bar t from the previous close, the day's log return and its conditional volatility;
 * returns the unrounded close. The open gaps from the previous close by part of the day's move
 * plus noise; high/low extend max/min(open, close) by half-normal excursions. Prices are
 * rounded to cents (1/100 of a cent below $1) and high >= max(open, close), low <= min(open,
 * close), low > 0 hold after rounding.
 */
function writeBar(s: BarSeries, t: number, prevClose: number, logRet: number, sigma: number, rng: Draws): number {
  const gap = 0.3 * logRet + 0.25 * sigma * rng.normal();
  const close = prevClose * Math.exp(logRet);
  const open = prevClose * Math.exp(gap);
  const o = roundPrice(open);
  const c = roundPrice(close);
  const hi = (open > close ? open : close) * Math.exp(0.5 * sigma * Math.abs(rng.normal()));
  const lo = (open < close ? open : close) * Math.exp(-0.5 * sigma * Math.abs(rng.normal()));
  s.open[t] = o;
  s.close[t] = c;
  s.high[t] = Math.max(roundPrice(hi), o, c);
  s.low[t] = Math.min(roundPrice(lo), o, c);
  return close;
}

function clampVolume(v: number): number {
  return Math.round(v < VOLUME_MIN ? VOLUME_MIN : v > VOLUME_MAX ? VOLUME_MAX : v);
}

/** Market phase per session: bull, then choppy or bear, then bull again, with random lengths. */
function simulatePhases(n: number, rng: Draws): Uint8Array {
  const phase = new Uint8Array(n);
  let current = rng.next() < 0.7 ? 0 : 1;
  let t = 0;
  // Start part-way into the first phase so that session 0 is not always a phase boundary.
  let left = Math.floor(rng.next() * (PHASES[current].minBars + PHASES[current].spanBars)) + 1;
  while (t < n) {
    phase.fill(current, t, Math.min(n, t + left));
    t += left;
    current = current !== 0 ? 0 : rng.next() < P_CHOPPY_AFTER_BULL ? 1 : 2;
    left = PHASES[current].minBars + Math.floor(rng.next() * PHASES[current].spanBars);
  }
  return phase;
}

interface Factor {
  readonly ret: Float64Array;
  readonly sigma: Float64Array;
}

function simulateMarket(phase: Uint8Array, rng: Draws): Factor {
  const n = phase.length;
  const ret = new Float64Array(n);
  const sigmaOut = new Float64Array(n);
  let h = MARKET_VOL * MARKET_VOL;
  let prevShock = 0;
  let level = 0;
  for (let t = 0; t < n; t++) {
    const p = PHASES[phase[t]];
    const longRun = MARKET_VOL * MARKET_VOL * p.volMult * p.volMult;
    h = (1 - MARKET_GARCH_A - MARKET_GARCH_B) * longRun + MARKET_GARCH_A * prevShock * prevShock + MARKET_GARCH_B * h;
    const sigma = Math.sqrt(h);
    const shock = sigma * fatTail(rng);
    const nextLevel = MARKET_AR * level + p.arShare * sigma * rng.normal();
    ret[t] = p.mu + shock + (nextLevel - level);
    sigmaOut[t] = sigma;
    level = nextLevel;
    prevShock = shock;
  }
  return { ret, sigma: sigmaOut };
}

function simulateSector(sector: DemoSector, market: Factor, rng: Draws): Factor {
  const n = market.ret.length;
  const ret = new Float64Array(n);
  const sigmaOut = new Float64Array(n);
  const vol = SECTOR_VOL * SECTOR_VOL_MULT[sector];
  let h = vol * vol;
  let prevShock = 0;
  for (let t = 0; t < n; t++) {
    // Sector volatility rises with the market's (correlations go up in sell-offs).
    const longRun = vol * vol * (market.sigma[t] / MARKET_VOL);
    h = (1 - SECTOR_GARCH_A - SECTOR_GARCH_B) * longRun + SECTOR_GARCH_A * prevShock * prevShock + SECTOR_GARCH_B * h;
    const sigma = Math.sqrt(h);
    prevShock = sigma * fatTail(rng);
    ret[t] = prevShock;
    sigmaOut[t] = sigma;
  }
  return { ret, sigma: sigmaOut };
}

/** One stock's bars; adds its simple returns into `indexSum` for the equal-weighted index. */
function simulateStock(stock: DemoStock, days: Int32Array, market: Factor, sector: Factor, rng: Draws, indexSum: Float64Array): BarSeries {
  const n = days.length;
  const beta = uniform(rng, 0.65, 1.4);
  const gamma = uniform(rng, 0.6, 1.4);
  const idioVol = uniform(rng, 0.007, 0.015) * SECTOR_VOL_MULT[stock.sector];
  const arCoef = uniform(rng, 0.45, 0.75);
  const arShare = uniform(rng, 0.4, 0.75); // AR innovation sd relative to the idio shock sd
  // A small per-stock alpha. (The equal-weighted index earns the stocks' mean simple return,
  // about half their variance above their mean log return; this trims that back.)
  const alpha = -0.25 * idioVol * idioVol + 0.00012 * rng.normal();
  const startPrice = Math.exp(uniform(rng, Math.log(5), Math.log(500)));
  const baseVolume = Math.exp(uniform(rng, Math.log(4e5), Math.log(1.5e7)));
  const volumeSens = uniform(rng, 0.25, 0.45);
  const longRunSigma = Math.sqrt(beta * beta * MARKET_VOL * MARKET_VOL + gamma * gamma * SECTOR_VOL * SECTOR_VOL + idioVol * idioVol);
  const arVarFactor = 1 + arShare * arShare;

  const s = allocateBars(stock.symbol, n);
  s.day.set(days);
  const mRet = market.ret;
  const mSigma = market.sigma;
  const sRet = sector.ret;
  const sSigma = sector.sigma;
  let close = startPrice;
  let h = idioVol * idioVol;
  let prevShock = 0;
  let level = 0;
  let volumeState = 0;
  for (let t = 0; t < n; t++) {
    h = (1 - STOCK_GARCH_A - STOCK_GARCH_B) * idioVol * idioVol + STOCK_GARCH_A * prevShock * prevShock + STOCK_GARCH_B * h;
    const sigmaIdio = Math.sqrt(h);
    let shock = sigmaIdio * fatTail(rng);
    if (rng.next() < JUMP_PROB) shock += JUMP_SIZE * idioVol * rng.normal();
    const nextLevel = arCoef * level + arShare * sigmaIdio * rng.normal();
    const logRet = alpha + beta * mRet[t] + gamma * sRet[t] + shock + (nextLevel - level);
    level = nextLevel;
    prevShock = shock;
    const ms = beta * mSigma[t];
    const ss = gamma * sSigma[t];
    const sigma = Math.sqrt(ms * ms + ss * ss + h * arVarFactor);
    const prevClose = close;
    close = writeBar(s, t, prevClose, logRet, sigma, rng);
    indexSum[t] += close / prevClose - 1;
    volumeState = 0.85 * volumeState + 0.2 * rng.normal();
    const surprise = Math.abs(logRet) / longRunSigma;
    s.volume[t] = clampVolume(baseVolume * Math.exp(volumeState + volumeSens * (surprise - 0.8) + 0.6 * Math.log(sigma / longRunSigma)));
  }
  return s;
}

/** The index ETF: equal-weighted daily-rebalanced basket, a small fee and tracking noise. */
function simulateIndex(days: Int32Array, market: Factor, indexSum: Float64Array, stocks: number, rng: Draws): BarSeries {
  const n = days.length;
  const s = allocateBars(DEMO_INDEX_SYMBOL, n);
  s.day.set(days);
  let close = INDEX_START_PRICE;
  let volumeState = 0;
  for (let t = 0; t < n; t++) {
    const simple = indexSum[t] / stocks - INDEX_FEE_PER_DAY + INDEX_TRACKING_VOL * rng.normal();
    const logRet = Math.log1p(Math.max(simple, -0.95));
    const sigma = market.sigma[t] * 1.05;
    close = writeBar(s, t, close, logRet, sigma, rng);
    volumeState = 0.9 * volumeState + 0.15 * rng.normal();
    s.volume[t] = clampVolume(2e7 * Math.exp(volumeState + 0.3 * (Math.abs(logRet) / MARKET_VOL - 0.8) + 0.8 * Math.log(sigma / MARKET_VOL)));
  }
  return s;
}

function checkOptions(opts: DemoMarketOptions): { seed: number; symbols: number; years: number; startDay: number; startIso: string } {
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  if (!Number.isInteger(seed)) {
    throw usageError('BAD_DEMO_OPTION', `seed must be an integer, was ${seed}`, { value: seed, param: 'seed' });
  }
  const symbols = opts.symbols ?? DEMO_DEFAULTS.symbols;
  if (!Number.isInteger(symbols) || symbols < 1 || symbols > MAX_SYMBOLS) {
    throw usageError('BAD_DEMO_OPTION', `symbols must be an integer in 1..${MAX_SYMBOLS}, was ${symbols}`, { value: symbols, param: 'symbols' });
  }
  const years = opts.years ?? DEMO_DEFAULTS.years;
  if (!Number.isInteger(years) || years < 1 || years > MAX_YEARS) {
    throw usageError('BAD_DEMO_OPTION', `years must be an integer in 1..${MAX_YEARS}, was ${years}`, { value: years, param: 'years' });
  }
  const startIso = opts.startIso ?? DEMO_DEFAULTS.startIso;
  const startDay = parseIsoDay(startIso);
  if (Number.isNaN(startDay)) {
    throw usageError('BAD_DATE', `startIso must be a date as YYYY-MM-DD, was '${startIso}'`, { value: startIso, param: 'startIso' });
  }
  return { seed: seed >>> 0, symbols, years, startDay, startIso };
}

export function generateDemoMarket(opts: DemoMarketOptions = {}): DemoMarket {
  const { seed, symbols, years, startDay, startIso } = checkOptions(opts);
  const start = new Date(startDay * 86_400_000);
  const endDay = Date.UTC(start.getUTCFullYear() + years, start.getUTCMonth(), start.getUTCDate()) / 86_400_000;
  const days = demoSessionDays(startDay, endDay);
  const root = createRng(seed);

  const phase = simulatePhases(days.length, new Draws(root.fork('regime')));
  const market = simulateMarket(phase, new Draws(root.fork('market')));
  const sectors = DEMO_SECTORS.map((name) => simulateSector(name, market, new Draws(root.fork(`sector:${name}`))));
  const universe = demoUniverse(symbols);
  const indexSum = new Float64Array(days.length);
  const series: BarSeries[] = universe.map((stock) =>
    simulateStock(stock, days, market, sectors[DEMO_SECTORS.indexOf(stock.sector)], new Draws(root.fork(`stock:${stock.symbol}`)), indexSum),
  );
  series.push(simulateIndex(days, market, indexSum, universe.length, new Draws(root.fork(`index:${DEMO_INDEX_SYMBOL}`))));

  const description =
    `Synthetic demo market (seed ${seed}): ${symbols} fictional stocks in ${DEMO_SECTORS.length} sectors plus the ` +
    `equal-weighted index ETF ${DEMO_INDEX_SYMBOL}, ${days.length} sessions from ${startIso} over ${years} years. ` +
    'Market + sector + idiosyncratic returns with GARCH(1,1) volatility, fat tails, rare jumps, ' +
    'bull / choppy / bear market phases and short-term mean reversion. Not real prices.';

  return { series, indexSymbol: DEMO_INDEX_SYMBOL, universe, synthetic: true, seed, description };
}
