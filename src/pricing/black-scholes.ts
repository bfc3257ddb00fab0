import { usageError } from '../core/errors.js';
import { normalCdf, normalPdf } from '../validation/stats/normal.js';

/**
 * European option prices and Greeks under Black-Scholes-Merton with a continuous dividend yield q
 * (Merton 1973; Hull, Options, Futures and Other Derivatives, ch. 15 and 19):
 *
 *   d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T),   d2 = d1 - sigma sqrt T
 *   call = S e^{-qT} N(d1) - K e^{-rT} N(d2),   put = K e^{-rT} N(-d2) - S e^{-qT} N(-d1)
 *
 * Time is in years (the caller decides the day count; CALENDAR_DAYS_PER_YEAR is what theta per day
 * uses), rates and vol are fractions per year, continuously compounded. The put uses N(-d) directly
 * rather than 1 - N(d), so out-of-the-money puts keep their relative precision.
 *
 * With no time value left (T = 0 or sigma = 0) the price is the discounted forward intrinsic value
 * max(S e^{-qT} - K e^{-rT}, 0) for a call, the limit of the formula; delta is a step (half height
 * exactly at the forward), gamma and vega are 0.
 */

export type OptionKind = 'call' | 'put';

/** Calendar days per year: theta is quoted per calendar day, as the textbooks and brokers do. */
export const CALENDAR_DAYS_PER_YEAR = 365;

export interface OptionSpec {
  readonly kind: OptionKind;
  /** Underlying price, > 0. */
  readonly spot: number;
  /** Strike, > 0. */
  readonly strike: number;
  /** Time to expiry in years, >= 0. */
  readonly yearsToExpiry: number;
  /** Volatility per year as a fraction (0.2 = 20 %), >= 0. */
  readonly volFrac: number;
  /** Continuously compounded risk-free rate per year, a fraction. */
  readonly rateFrac: number;
  /** Continuous dividend yield per year, a fraction; 0 when absent. */
  readonly dividendYieldFrac?: number;
}

export interface Greeks {
  readonly price: number;
  /** dPrice/dSpot. */
  readonly delta: number;
  /** d2Price/dSpot2. */
  readonly gamma: number;
  /** Price change for one calendar day less to expiry (-dPrice/dT / 365): negative for most options. */
  readonly thetaPerDay: number;
  /** Price change for one volatility point (0.01 of volFrac). */
  readonly vegaPerPoint: number;
  /** Price change for one percentage point (0.01) of rateFrac. */
  readonly rhoPerPoint: number;
}

/** Throws BAD_PARAM naming the first parameter of `spec` outside its domain. */
export function checkOptionSpec(spec: OptionSpec): void {
  if (spec.kind !== 'call' && spec.kind !== 'put') {
    throw usageError('BAD_PARAM', `kind must be 'call' or 'put', was ${String(spec.kind)}`, { param: 'kind', value: spec.kind });
  }
  positive('spot', spec.spot);
  positive('strike', spec.strike);
  nonNegative('yearsToExpiry', spec.yearsToExpiry);
  nonNegative('volFrac', spec.volFrac);
  finite('rateFrac', spec.rateFrac);
  finite('dividendYieldFrac', spec.dividendYieldFrac ?? 0);
}

function positive(param: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw usageError('BAD_PARAM', `${param} must be a positive finite number, was ${String(v)}`, { param, value: v });
}

function nonNegative(param: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw usageError('BAD_PARAM', `${param} must be a finite number >= 0, was ${String(v)}`, { param, value: v });
}

function finite(param: string, v: number): void {
  if (!Number.isFinite(v)) throw usageError('BAD_PARAM', `${param} must be a finite number, was ${String(v)}`, { param, value: v });
}

/** Price of a European option. Validates its input (BAD_PARAM). */
export function bsPrice(spec: OptionSpec): number {
  checkOptionSpec(spec);
  return bsPriceRaw(spec.kind === 'call', spec.spot, spec.strike, spec.yearsToExpiry, spec.volFrac, spec.rateFrac, spec.dividendYieldFrac ?? 0);
}

/** Price and every Greek of a European option. Validates its input (BAD_PARAM). */
export function bsGreeks(spec: OptionSpec): Greeks {
  checkOptionSpec(spec);
  const isCall = spec.kind === 'call';
  const s = spec.spot;
  const k = spec.strike;
  const t = spec.yearsToExpiry;
  const vol = spec.volFrac;
  const r = spec.rateFrac;
  const q = spec.dividendYieldFrac ?? 0;
  const dq = Math.exp(-q * t);
  const dr = Math.exp(-r * t);
  const sd = vol * Math.sqrt(t);
  // Signed so one set of formulas serves both kinds: a put is the call formula with N(-d).
  const sign = isCall ? 1 : -1;
  let nd1: number;
  let nd2: number;
  let gamma = 0;
  let vega = 0;
  let decay = 0;
  if (sd > 0) {
    const d1 = d1Of(s, k, t, vol, r, q, sd);
    const d2 = d1 - sd;
    nd1 = normCdf(sign * d1);
    nd2 = normCdf(sign * d2);
    const pdf = normPdf(d1);
    gamma = (dq * pdf) / (s * sd);
    vega = s * dq * pdf * Math.sqrt(t);
    decay = (-s * dq * pdf * vol) / (2 * Math.sqrt(t));
  } else {
    nd1 = nd2 = intrinsicStep(sign, s * dq, k * dr);
  }
  const price = Math.max(0, sign * (s * dq * nd1 - k * dr * nd2));
  const thetaPerYear = decay - sign * r * k * dr * nd2 + sign * q * s * dq * nd1;
  return {
    price,
    delta: sign * dq * nd1,
    gamma,
    thetaPerDay: thetaPerYear / CALENDAR_DAYS_PER_YEAR,
    vegaPerPoint: vega / 100,
    rhoPerPoint: (sign * k * t * dr * nd2) / 100,
  };
}

/**
 * The normal CDF and density with their tails pinned: beyond |d| = 40 both are 0 (or 1) in doubles
 * anyway, and normalCdf / normalPdf return NaN for |d| above about 1e307 (their exact split of d^2
 * overflows), which a volatility of 1e-300 reaches.
 */
function normCdf(d: number): number {
  return d < -40 ? 0 : d > 40 ? 1 : normalCdf(d);
}

function normPdf(d: number): number {
  return d < -40 || d > 40 ? 0 : normalPdf(d);
}

/** d1, given sd = volFrac sqrt(years) > 0. */
function d1Of(spot: number, strike: number, years: number, volFrac: number, rateFrac: number, dividendYieldFrac: number, sd: number): number {
  return (Math.log(spot / strike) + (rateFrac - dividendYieldFrac + 0.5 * volFrac * volFrac) * years) / sd;
}

/** N(±d) in the limit sigma sqrt T -> 0: 1 in the money, 0 out, 1/2 at the forward. */
function intrinsicStep(sign: number, discountedSpot: number, discountedStrike: number): number {
  const m = sign * (discountedSpot - discountedStrike);
  return m > 0 ? 1 : m < 0 ? 0 : 0.5;
}

/**
 * bsPrice without validation or an options object, for solvers and loops that validated once
 * (implied volatility, strike search). Same arithmetic as bsGreeks' price.
 */
export function bsPriceRaw(isCall: boolean, spot: number, strike: number, years: number, volFrac: number, rateFrac: number, dividendYieldFrac: number): number {
  const dq = Math.exp(-dividendYieldFrac * years);
  const dr = Math.exp(-rateFrac * years);
  const sd = volFrac * Math.sqrt(years);
  const sign = isCall ? 1 : -1;
  if (!(sd > 0)) return Math.max(0, sign * (spot * dq - strike * dr));
  const d1 = d1Of(spot, strike, years, volFrac, rateFrac, dividendYieldFrac, sd);
  return Math.max(0, sign * (spot * dq * normCdf(sign * d1) - strike * dr * normCdf(sign * (d1 - sd))));
}

/** dPrice/dvolFrac (per unit of vol, not per point), same for calls and puts. */
export function bsVegaRaw(spot: number, strike: number, years: number, volFrac: number, rateFrac: number, dividendYieldFrac: number): number {
  const sd = volFrac * Math.sqrt(years);
  if (!(sd > 0)) return 0;
  const d1 = d1Of(spot, strike, years, volFrac, rateFrac, dividendYieldFrac, sd);
  return spot * Math.exp(-dividendYieldFrac * years) * normPdf(d1) * Math.sqrt(years);
}

/** dPrice/dSpot without validation: e^{-qT} N(d1) for a call, -e^{-qT} N(-d1) for a put. */
export function bsDeltaRaw(isCall: boolean, spot: number, strike: number, years: number, volFrac: number, rateFrac: number, dividendYieldFrac: number): number {
  const dq = Math.exp(-dividendYieldFrac * years);
  const sign = isCall ? 1 : -1;
  const sd = volFrac * Math.sqrt(years);
  if (!(sd > 0)) return sign * dq * intrinsicStep(sign, spot * dq, strike * Math.exp(-rateFrac * years));
  const d1 = d1Of(spot, strike, years, volFrac, rateFrac, dividendYieldFrac, sd);
  return sign * dq * normCdf(sign * d1);
}
