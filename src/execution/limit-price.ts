import { inputError } from '../core/errors.js';

/**
 * The limit price of a marketable IOC order placed against a live quote: an entry (buy) at
 * ask x (1 + bufferFrac), an exit (sell) at bid x (1 - bufferFrac), rounded to the cent. The
 * buffer lets the order meet a quote that moves by a few ticks while it travels, and the limit
 * caps what a fast market can cost: an IOC order that cannot fill within it is cancelled, never
 * filled worse. Default buffer 0.1% (ask x 1.001, bid x 0.999).
 *
 * A quote that cannot be traded against (a bid or ask that is not a positive finite number, or a
 * crossed quote with bid above ask) is refused with BAD_QUOTE: a bad quote must never become an
 * order.
 */
export interface TwoSidedQuote {
  readonly bidUsd: number;
  readonly askUsd: number;
}

export type OrderSide = 'buy' | 'sell';

export const DEFAULT_LIMIT_BUFFER_FRAC = 0.001;

/**
 * `usd` to the nearest cent. `x * 100` of a cent-valued product carries binary noise
 * (100.1 * 1.001 * 100 = 10020.009999999998); rounding that at 12 significant digits first
 * makes a price that is exactly half a cent in decimal round up, as a person would.
 */
export function roundToCent(usd: number): number {
  return Math.round(Number((usd * 100).toPrecision(12))) / 100;
}

export function marketableLimitPrice(side: OrderSide, quote: TwoSidedQuote, bufferFrac: number = DEFAULT_LIMIT_BUFFER_FRAC): number {
  const { bidUsd, askUsd } = quote;
  if (!(bufferFrac >= 0 && bufferFrac < 1)) {
    throw inputError('BAD_LIMIT_BUFFER', `bufferFrac must be in [0, 1), was ${bufferFrac}`, { param: 'bufferFrac', value: bufferFrac });
  }
  const bad = (what: string, value: unknown) =>
    inputError('BAD_QUOTE', `${what}`, { param: 'quote', value, hint: 'get a fresh quote; no order is priced from a quote without a positive bid and ask' });
  if (!(Number.isFinite(bidUsd) && bidUsd > 0)) throw bad(`quote bid must be a positive price, was ${bidUsd}`, quote);
  if (!(Number.isFinite(askUsd) && askUsd > 0)) throw bad(`quote ask must be a positive price, was ${askUsd}`, quote);
  if (bidUsd > askUsd) throw bad(`quote is crossed: bid ${bidUsd} above ask ${askUsd}`, quote);
  const price = side === 'buy' ? roundToCent(askUsd * (1 + bufferFrac)) : roundToCent(bidUsd * (1 - bufferFrac));
  // A sell limit that rounds to zero (a bid under half a cent) is no price.
  if (!(price > 0)) throw bad(`quote ${side === 'buy' ? 'ask' : 'bid'} too small to price, was ${side === 'buy' ? askUsd : bidUsd}`, quote);
  return price;
}
