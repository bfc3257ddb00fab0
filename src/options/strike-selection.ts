import { usageError } from '../core/errors.js';
import { bsDeltaRaw, bsPriceRaw, CALENDAR_DAYS_PER_YEAR, checkOptionSpec } from '../pricing/black-scholes.js';
import type { OptionKind } from '../pricing/black-scholes.js';

/**
 * Strike increment of US equity options at a strike level: $1 below $25, $2.50 from $25 to $200,
 * $5 from $200 on. A simplification of the exchanges' listing rules (which also list $0.50 and
 * $1 strikes on some names and $10 far from the money), the rule the issue names.
 */
export function strikeIncrement(strike: number): number {
  if (!(strike > 0) || !Number.isFinite(strike)) {
    throw usageError('BAD_PARAM', `strike must be a positive finite number, was ${String(strike)}`, { param: 'strike', value: strike });
  }
  return strike < 25 ? 1 : strike < 200 ? 2.5 : 5;
}

/** Tier boundaries of strikeIncrement, each a multiple of both neighbouring increments. */
const TIERS: readonly (readonly [from: number, to: number, step: number])[] = [
  [0, 25, 1],
  [25, 200, 2.5],
  [200, Number.POSITIVE_INFINITY, 5],
];

/**
 * The listed strikes from lowFrac * spot to highFrac * spot (inclusive), ascending, each a multiple
 * of its level's increment (strikeIncrement). Strikes are formed as integer * increment, never by
 * repeated addition, so 27.5 is 27.5 and not 27.499999999999996.
 */
export function listedStrikes(spot: number, lowFrac = 0.5, highFrac = 1.5): Float64Array {
  if (!(spot > 0) || !Number.isFinite(spot)) {
    throw usageError('BAD_PARAM', `spot must be a positive finite number, was ${String(spot)}`, { param: 'spot', value: spot });
  }
  if (!(lowFrac >= 0 && lowFrac <= 1 && highFrac >= 1 && Number.isFinite(highFrac))) {
    throw usageError('BAD_PARAM', `lowFrac must be in [0, 1] and highFrac a finite number >= 1, were ${lowFrac} and ${highFrac}`, {
      param: 'lowFrac',
      value: { lowFrac, highFrac },
    });
  }
  const low = spot * lowFrac;
  const high = spot * highFrac;
  const out: number[] = [];
  for (const [from, to, step] of TIERS) {
    for (let m = Math.max(1, Math.ceil(Math.max(low, from) / step)); m * step < to && m * step <= high; m++) out.push(m * step);
  }
  return Float64Array.from(out);
}

export type Moneyness = 'ITM' | 'ATM' | 'OTM';

export interface StrikeByDeltaInput {
  readonly kind: OptionKind;
  readonly spot: number;
  /** Listed strikes, strictly ascending and positive (listedStrikes gives such a grid). */
  readonly strikes: ArrayLike<number>;
  /** Calendar days to expiry, >= 0. */
  readonly daysToExpiry: number;
  readonly volFrac: number;
  readonly rateFrac: number;
  readonly dividendYieldFrac?: number;
  /** The delta sought, signed as the kind's delta is: in (0, 1) for a call, in (-1, 0) for a put. */
  readonly targetDelta: number;
}

export interface StrikeChoice {
  readonly strike: number;
  /** Index of the strike in the input grid. */
  readonly index: number;
  /** The option's delta at that strike. */
  readonly delta: number;
  /** Black-Scholes-Merton price per share at that strike. */
  readonly premium: number;
  /** Whether exercising now would pay: a call below spot, a put above spot; ATM at spot exactly. */
  readonly moneyness: Moneyness;
}

/**
 * The listed strike whose delta is nearest `targetDelta`. Delta falls as the strike rises, for
 * calls (from e^{-qT} to 0) and puts (from 0 to -e^{-qT}), so a binary search finds the first
 * strike whose delta is at or below the target and the answer is it or the strike before it (a tie
 * between the two goes to the lower). On a plateau of equal deltas (deep in or out of the money
 * near expiry, where delta is e^{-qT} or 0 in doubles) the search stops at the plateau's edge, so
 * the strike nearest the money is taken. O(log n) deltas.
 */
export function selectStrikeByDelta(input: StrikeByDeltaInput): StrikeChoice {
  const { kind, spot, strikes, daysToExpiry, volFrac, rateFrac, targetDelta } = input;
  const q = input.dividendYieldFrac ?? 0;
  const years = daysToExpiry / CALENDAR_DAYS_PER_YEAR;
  checkOptionSpec({ kind, spot, strike: 1, yearsToExpiry: years, volFrac, rateFrac, dividendYieldFrac: q });
  checkStrikes(strikes);
  const isCall = kind === 'call';
  if (!(isCall ? targetDelta > 0 && targetDelta < 1 : targetDelta > -1 && targetDelta < 0)) {
    throw usageError('BAD_PARAM', `targetDelta must be in ${isCall ? '(0, 1) for a call' : '(-1, 0) for a put'}, was ${String(targetDelta)}`, {
      param: 'targetDelta',
      value: targetDelta,
    });
  }
  const deltaAt = (i: number) => bsDeltaRaw(isCall, spot, strikes[i], years, volFrac, rateFrac, q);
  let lo = 0;
  let hi = strikes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (deltaAt(mid) <= targetDelta) hi = mid;
    else lo = mid + 1;
  }
  let index = Math.min(lo, strikes.length - 1);
  if (lo > 0 && (lo === strikes.length || Math.abs(deltaAt(lo - 1) - targetDelta) <= Math.abs(deltaAt(lo) - targetDelta))) index = lo - 1;
  const strike = strikes[index];
  return {
    strike,
    index,
    delta: deltaAt(index),
    premium: bsPriceRaw(isCall, spot, strike, years, volFrac, rateFrac, q),
    moneyness: moneyness(kind, spot, strike),
  };
}

/** In, at or out of the money: the sign of the option's intrinsic value at `spot`. */
export function moneyness(kind: OptionKind, spot: number, strike: number): Moneyness {
  const intrinsic = kind === 'call' ? spot - strike : strike - spot;
  return intrinsic > 0 ? 'ITM' : intrinsic < 0 ? 'OTM' : 'ATM';
}

function checkStrikes(strikes: ArrayLike<number>): void {
  if (strikes.length === 0) throw usageError('BAD_PARAM', 'strikes must not be empty', { param: 'strikes', value: [] });
  for (let i = 0; i < strikes.length; i++) {
    const k = strikes[i];
    if (!(k > 0) || !Number.isFinite(k) || (i > 0 && !(k > strikes[i - 1]))) {
      throw usageError('BAD_PARAM', `strikes must be positive, finite and strictly ascending; strikes[${i}] was ${String(k)}`, {
        param: 'strikes',
        value: k,
        hint: 'listedStrikes(spot) builds such a grid',
      });
    }
  }
}

/** Shares per US equity option contract. */
export const SHARES_PER_CONTRACT = 100;

export interface ContractSizing {
  /** Whole contracts whose total premium is at most the budget; 0 when one costs more. */
  readonly contracts: number;
  /** Premium of one contract: premium per share times SHARES_PER_CONTRACT. */
  readonly contractCostUsd: number;
  /** equityUsd * maxRiskFrac. */
  readonly budgetUsd: number;
  /** Why no contract is bought, or null. */
  readonly reason: null | 'ONE_CONTRACT_OVER_BUDGET' | 'NO_PREMIUM';
}

/**
 * How many contracts to buy so the premium at risk (all of it, for a long option) is at most
 * maxRiskFrac of equity (2 % by default). An option priced at 0 has nothing to put at risk and is
 * not bought ('NO_PREMIUM'): a zero price means the model sees no chance of it paying.
 */
export function contractsForPremium(premiumPerShare: number, equityUsd: number, maxRiskFrac = 0.02): ContractSizing {
  if (!(premiumPerShare >= 0) || !Number.isFinite(premiumPerShare)) {
    throw usageError('BAD_PARAM', `premiumPerShare must be a finite number >= 0, was ${String(premiumPerShare)}`, { param: 'premiumPerShare', value: premiumPerShare });
  }
  if (!(equityUsd >= 0) || !Number.isFinite(equityUsd)) {
    throw usageError('BAD_PARAM', `equityUsd must be a finite number >= 0, was ${String(equityUsd)}`, { param: 'equityUsd', value: equityUsd });
  }
  if (!(maxRiskFrac > 0 && maxRiskFrac <= 1)) {
    throw usageError('BAD_PARAM', `maxRiskFrac must be in (0, 1], was ${String(maxRiskFrac)}`, { param: 'maxRiskFrac', value: maxRiskFrac });
  }
  const contractCostUsd = premiumPerShare * SHARES_PER_CONTRACT;
  const budgetUsd = equityUsd * maxRiskFrac;
  if (contractCostUsd === 0) return { contracts: 0, contractCostUsd, budgetUsd, reason: 'NO_PREMIUM' };
  // The quotient can round across an integer (557.1428571428571 / 185.71428571428572 is
  // 2.9999999999999996 though 3 contracts cost exactly the budget); the products decide, as the
  // budget test itself is a product.
  let contracts = Math.floor(budgetUsd / contractCostUsd);
  while (contracts > 0 && contracts * contractCostUsd > budgetUsd) contracts--;
  while ((contracts + 1) * contractCostUsd <= budgetUsd) contracts++;
  return { contracts, contractCostUsd, budgetUsd, reason: contracts === 0 ? 'ONE_CONTRACT_OVER_BUDGET' : null };
}
