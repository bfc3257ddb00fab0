import { usageError } from '../core/errors.js';
import { DEFAULT_KELLY_FRACTION } from '../portfolio/allocation.js';

export type Sizing =
  | { readonly mode: 'equal-weight' }
  | { readonly mode: 'all-in' }
  | { readonly mode: 'fixed-shares'; readonly shares: number }
  | { readonly mode: 'fixed-notional'; readonly usd: number }
  | { readonly mode: 'risk-pct'; readonly pct: number }
  /** Strategy sleeves weighted by `fraction` x Kelly on each strategy's trade record (src/portfolio/allocation.ts). */
  | { readonly mode: 'kelly'; readonly fraction: number };

export type FillModel = { readonly kind: 'next-open' } | { readonly kind: 'delay-midpoint'; readonly delayBars: number };

export interface CostModel {
  readonly commissionPerOrderUsd: number;
  readonly commissionPerShareUsd: number;
  /** Adverse price move on every fill, in basis points of the fill price. */
  readonly slippageBps: number;
}

export interface EngineConfig {
  readonly initialCapital: number;
  readonly maxPositions: number;
  readonly sizing: Sizing;
  readonly fill: FillModel;
  readonly costs: CostModel;
  /** Longs only while the index closes above its SMA (shorts only below). */
  readonly regimeFilter: { readonly enabled: boolean; readonly smaPeriod: number };
  /** Position limits, each off when null (see PositionLimits). */
  readonly limits: PositionLimits;
  /** Keep every signal decision (admitted or denied) in the result, not only the counts. */
  readonly recordDecisions: boolean;
}

/**
 * Limits on each new position, applied in every sizing mode. Off by default so a run agrees with
 * other engines trade for trade; `--max-symbol-weight 0.15 --max-correlation 0.7` is the policy
 * the README recommends.
 */
export interface PositionLimits {
  /** Largest position in one symbol as a fraction of equity at the signal: the order is clamped to it. */
  readonly maxSymbolWeight: number | null;
  /** A new position whose daily-return correlation with an open or ordered one exceeds this is denied (CORRELATION_LIMIT). */
  readonly maxCorrelation: number | null;
}

/** Sessions of daily returns the position correlation limit reads. */
export const CORRELATION_SESSIONS = 60;

export const NO_POSITION_LIMITS: PositionLimits = { maxSymbolWeight: null, maxCorrelation: null };

/**
 * Defaults are deliberately not free: a backtest without costs flatters every strategy. $1 per
 * order, half a cent a share and 5 bps of slippage are in line with a retail broker on liquid
 * US stocks.
 */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  initialCapital: 100_000,
  maxPositions: 10,
  sizing: { mode: 'equal-weight' },
  fill: { kind: 'next-open' },
  costs: { commissionPerOrderUsd: 1, commissionPerShareUsd: 0.005, slippageBps: 5 },
  regimeFilter: { enabled: true, smaPeriod: 200 },
  limits: NO_POSITION_LIMITS,
  recordDecisions: true,
};

const positiveNumber = (raw: string, param: string, what: string): number => {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0) {
    throw usageError('BAD_SIZING', `${what} must be a positive number, was '${raw}'`, { param, value: raw });
  }
  return v;
};

/**
 * `equal-weight | all-in | fixed-shares:N | fixed-notional:USD | risk-pct:P | kelly[:F]`: the text form of a
 * Sizing that formatSizing writes (run records keep it, the command line takes it), so it lives
 * beside the type, not in the CLI; errors name the parameter `param`.
 */
export function parseSizing(text: string, param = 'sizing'): Sizing {
  const [mode, arg, extra] = text.split(':');
  const needArg = (what: string) => {
    if (arg === undefined || extra !== undefined) {
      throw usageError('BAD_SIZING', `sizing '${mode}' takes one argument (${what}), got '${text}'`, { param, value: text });
    }
    return arg;
  };
  switch (mode) {
    case 'equal-weight':
    case 'all-in':
      if (arg !== undefined) throw usageError('BAD_SIZING', `sizing '${mode}' takes no argument, got '${text}'`, { param, value: text });
      return { mode };
    case 'fixed-shares': {
      const n = positiveNumber(needArg('shares'), param, 'fixed-shares count');
      if (!Number.isInteger(n)) throw usageError('BAD_SIZING', `fixed-shares count must be a whole number, was ${n}`, { param, value: text });
      return { mode, shares: n };
    }
    case 'fixed-notional':
      return { mode, usd: positiveNumber(needArg('USD'), param, 'fixed-notional amount') };
    case 'risk-pct': {
      const pct = positiveNumber(needArg('percent of equity'), param, 'risk-pct');
      if (pct > 100) throw usageError('BAD_SIZING', `risk-pct is a percent of equity in (0, 100], was ${pct}`, { param, value: text });
      return { mode, pct };
    }
    case 'kelly': {
      if (extra !== undefined) throw usageError('BAD_SIZING', `sizing 'kelly' takes at most one argument (the Kelly fraction), got '${text}'`, { param, value: text });
      const fraction = arg === undefined ? DEFAULT_KELLY_FRACTION : positiveNumber(arg, param, 'kelly fraction');
      if (fraction > 1) throw usageError('BAD_SIZING', `the kelly fraction is a safety factor in (0, 1] (0.5 = half Kelly), was ${fraction}`, { param, value: text });
      return { mode, fraction };
    }
    default:
      throw usageError('BAD_SIZING', `unknown sizing mode '${mode}'`, {
        param,
        value: text,
        hint: 'one of equal-weight, all-in, fixed-shares:N, fixed-notional:USD, risk-pct:P, kelly[:F]',
      });
  }
}

export function formatSizing(s: Sizing): string {
  switch (s.mode) {
    case 'fixed-shares':
      return `fixed-shares:${s.shares}`;
    case 'fixed-notional':
      return `fixed-notional:${s.usd}`;
    case 'risk-pct':
      return `risk-pct:${s.pct}`;
    case 'kelly':
      return `kelly:${s.fraction}`;
    default:
      return s.mode;
  }
}

/** `next-open | delay-midpoint:N`: the text form of a FillModel (formatFillModel writes it). */
export function parseFillModel(text: string, param = 'fill'): FillModel {
  if (text === 'next-open') return { kind: 'next-open' };
  const m = /^delay-midpoint:(\d+)$/.exec(text);
  if (m !== null) {
    const n = Number(m[1]);
    if (n < 1) throw usageError('BAD_FILL', 'delay-midpoint needs at least 1 bar of delay (0 would fill on the signal bar)', { param, value: text });
    return { kind: 'delay-midpoint', delayBars: n };
  }
  throw usageError('BAD_FILL', `unknown fill model '${text}'`, { param, value: text, hint: 'next-open or delay-midpoint:N (e.g. delay-midpoint:4)' });
}

export const formatFillModel = (f: FillModel): string => (f.kind === 'next-open' ? 'next-open' : `delay-midpoint:${f.delayBars}`);

export function describeFillModel(f: FillModel): string {
  return f.kind === 'next-open'
    ? 'signal on the close of bar t, market order filled at the open of bar t+1'
    : `signal on the close of bar t, filled at the midpoint (open+close)/2 of bar t+${f.delayBars}`;
}
