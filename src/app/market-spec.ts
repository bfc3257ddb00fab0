import { isoDayFlag } from '../core/calendar.js';
import { usageError } from '../core/errors.js';
import { ADJUST_MODES, type AdjustMode } from '../data/csv-format.js';
import type { BadDataPolicy } from '../data/bad-data-policy.js';
import { checkNumber, checkOneOf } from './check.js';

/**
 * Which market a run trades, as typed values: what `kobe wf --data-dir ... --symbols ...` says
 * in flags, `kobe serve` in a request body and a manifest replay in its recorded data. Paths are
 * relative to the context's cwd; null means "the default" (documented per field).
 */
export interface MarketSpec {
  /** Folder of daily bar files; null: $KOBE_DATA_DIR, else the built-in demo market. */
  readonly dataDir: string | null;
  /** Universe CSV; null: `<dataDir>/universe.csv` when present, else every file in dataDir. */
  readonly universe: string | null;
  /** The traded symbols exactly (upper case); null: the universe's. */
  readonly symbols: readonly string[] | null;
  /** Trade only the first N symbols. */
  readonly cap: number | null;
  /** Regime and benchmark index; null: SPY (DEMX on the demo market), optional when missing. */
  readonly index: string | null;
  /** Also trade the index when the universe lists it. */
  readonly tradeIndex: boolean;
  /** Universe types traded (lower case); null: every type. */
  readonly types: readonly string[] | null;
  /** First and last session traded, YYYY-MM-DD; null: the data's. */
  readonly start: string | null;
  readonly end: string | null;
  /** Binary bar cache folder. */
  readonly cache: string | null;
  readonly onBadData: BadDataPolicy;
  readonly adjust: AdjustMode;
  /** CSV of known splits to back-adjust for. */
  readonly corporateActions: string | null;
  /** Seed of the demo market. */
  readonly seed: number;
  /** Bars of history before the start that indicators see; null: all. */
  readonly historyBars: number | null;
}

export const BAD_DATA_POLICIES: readonly BadDataPolicy[] = ['warn', 'mask', 'skip-symbol', 'fail'];

/** A market spec as JSON (every field present, nulls for defaults): the codec's encoding. */
export const encodeMarketSpec = (s: MarketSpec): Record<string, unknown> => ({ ...s, symbols: s.symbols === null ? null : [...s.symbols], types: s.types === null ? null : [...s.types] });

type Raw = Readonly<Record<string, unknown>>;

/**
 * The one validation of a market spec, from JSON or from flags (numbers may come as their text,
 * symbols and types as a comma list). Errors name the field through `param` (the CLI maps
 * `cap` to `--cap`). Missing fields take the defaults: mask, adjust all, seed 42.
 */
export function decodeMarketSpec(raw: Raw, param: (name: string) => string = (n) => n): MarketSpec {
  const str = (k: string): string | null => {
    const v = raw[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw usageError('BAD_SPEC', `expected a string, got ${JSON.stringify(v)}`, { flag: param(k), value: v });
    return v;
  };
  const int = (k: string, rule: { min?: number; positive?: boolean }): number | null => {
    const v = raw[k];
    return v === undefined || v === null ? null : checkNumber(v, param(k), { integer: true, ...rule });
  };
  const symbols = list(raw.symbols, param('symbols'), 'symbols', (s) => s.toUpperCase());
  const typesList = list(raw.types, param('types'), 'types', (s) => s.toLowerCase(), 'a comma list of universe types, e.g. stock or stock,etf');
  const types = typesList === null ? null : [...new Set(typesList)];
  if (types !== null && symbols !== null) {
    throw usageError('BAD_FLAG', `${param('types')} selects from a universe file; ${param('symbols')} names the traded symbols exactly`, { flag: param('types'), value: raw.types });
  }
  const start = str('start');
  const end = str('end');
  const startDay = start === null ? null : isoDayFlag(start, param('start'));
  const endDay = end === null ? null : isoDayFlag(end, param('end'));
  if (startDay !== null && endDay !== null && startDay > endDay) {
    throw usageError('START_AFTER_END', `${param('start')} ${start} is after ${param('end')} ${end}`, { flag: param('start'), value: start });
  }
  const onBadData = checkOneOf(raw.onBadData ?? 'mask', param('onBadData'), BAD_DATA_POLICIES, 'bad-data policy');
  const adjust = checkOneOf(raw.adjust ?? 'all', param('adjust'), ADJUST_MODES, 'adjust mode');
  const tradeIndex = raw.tradeIndex ?? false;
  if (typeof tradeIndex !== 'boolean') throw usageError('BAD_SPEC', `expected true or false, got ${JSON.stringify(tradeIndex)}`, { flag: param('tradeIndex'), value: tradeIndex });
  return {
    dataDir: str('dataDir'),
    universe: str('universe'),
    symbols,
    cap: int('cap', { positive: true }),
    index: str('index'),
    tradeIndex,
    types,
    start,
    end,
    cache: str('cache'),
    onBadData,
    adjust,
    corporateActions: str('corporateActions'),
    seed: int('seed', { min: 0 }) ?? 42,
    historyBars: int('historyBars', { min: 0 }),
  };
}

/** A list field: an array of strings, or one comma-separated string; empty is an error. */
function list(v: unknown, name: string, what: string, norm: (s: string) => string, hint?: string): string[] | null {
  if (v === undefined || v === null) return null;
  const parts = typeof v === 'string' ? v.split(',') : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  if (parts === null) throw usageError('BAD_SPEC', `expected a list of strings, got ${JSON.stringify(v)}`, { flag: name, value: v });
  const out = parts.map((s) => norm(s.trim())).filter((s) => s !== '');
  if (out.length === 0) throw usageError('BAD_FLAG', `no ${what} given`, { flag: name, value: v, hint });
  return out;
}
