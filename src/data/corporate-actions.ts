import { readFileSync } from 'node:fs';
import { parseIsoDay } from '../core/calendar.js';
import { clipForError, inputError } from '../core/errors.js';
import { normalizeHeaderName, splitCsvLine } from './csv-format.js';
import type { RawBars } from './parse-bars.js';

/**
 * A corporate-actions file: known splits and other price discontinuities the loader adjusts
 * for, so a user can fix a case the data vendor did not (an unadjusted split the check reports
 * as SUSPECT_SPLIT, a merger's exchange ratio).
 *
 * ```
 * symbol,date,kind,ratio
 * AAPL,2014-06-09,split,7          # 7-for-1: prices before 2014-06-09 / 7, volume x 7
 * XYZ,2019-03-01,reverse-split,10  # 1-for-10: prices before x 10, volume / 10
 * VRX,2010-09-28,price-factor,0.4  # any factor: prices before x 0.4, volume / 0.4
 * ```
 * - `date` (YYYY-MM-DD) is the first session on the new basis (the ex-date); bars dated
 *   before it are adjusted, bars on or after it are left as they are.
 * - `kind`: `split` (ratio = new shares per old share: 2 for 2:1, 1.5 for 3:2), `reverse-split`
 *   (ratio = old shares per new share: 10 for 1:10), `price-factor` (ratio = the factor prices
 *   before the date are multiplied by).
 * - `ratio`: a positive number; prices before the date are multiplied by the price factor
 *   (1/ratio, ratio, ratio for the three kinds) and volume divided by it, so dollar volume is
 *   unchanged.
 * Header names are matched case-insensitively, extra columns are ignored; blank lines and
 * lines starting with `#` are skipped, and so is text after a `#` at the end of a row. Several
 * actions for one symbol compose. A bad row is an input error naming the file and line.
 */

export type CorporateActionKind = 'split' | 'reverse-split' | 'price-factor';
export const CORPORATE_ACTION_KINDS: readonly CorporateActionKind[] = ['split', 'reverse-split', 'price-factor'];

export interface CorporateAction {
  /** Upper case, as the loader's symbols. */
  readonly symbol: string;
  /** The first session on the new basis, YYYY-MM-DD. */
  readonly date: string;
  readonly kind: CorporateActionKind;
  readonly ratio: number;
}

/** What prices before the action's date are multiplied by (volume is divided by it). */
export function priceFactor(a: CorporateAction): number {
  return a.kind === 'split' ? 1 / a.ratio : a.ratio;
}

const HINT = 'rows are symbol,date,kind,ratio with kind split | reverse-split | price-factor and a positive ratio, e.g. AAPL,2014-06-09,split,7';

/** Parses a corporate-actions CSV (see the module comment); `file` names it in errors. */
export function parseCorporateActions(text: string, file: string): CorporateAction[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  let cols: { symbol: number; date: number; kind: number; ratio: number } | null = null;
  const out: CorporateAction[] = [];
  const seen = new Map<string, number>();
  for (let k = 0; k < lines.length; k++) {
    const line = k + 1;
    const raw = lines[k].replace(/\r$/, '').replace(/\s+#.*$/, '');
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(raw).map((f) => f.trim());
    if (cols === null) {
      const names = fields.map(normalizeHeaderName);
      const at = (n: string) => names.indexOf(n);
      cols = { symbol: at('symbol'), date: at('date'), kind: at('kind'), ratio: at('ratio') };
      if (Object.values(cols).some((c) => c < 0)) {
        throw inputError('BAD_CORPORATE_ACTIONS', `the header '${clipForError(raw.trim())}' lacks symbol, date, kind or ratio`, { file, line, hint: HINT });
      }
      continue;
    }
    const get = (c: number) => fields[c] ?? '';
    const bad = (what: string, value: string) =>
      inputError('BAD_CORPORATE_ACTIONS', `${what}: '${clipForError(value)}'`, { file, line, value: clipForError(value), hint: HINT });
    const symbol = get(cols.symbol).toUpperCase();
    if (!/^\^?[A-Z0-9][A-Z0-9.-]{0,31}$/.test(symbol)) throw bad('not a symbol', get(cols.symbol));
    const date = get(cols.date);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parseIsoDay(date))) throw bad('not a date (YYYY-MM-DD)', date);
    const kind = get(cols.kind).toLowerCase() as CorporateActionKind;
    if (!CORPORATE_ACTION_KINDS.includes(kind)) throw bad('unknown kind', get(cols.kind));
    const ratioText = get(cols.ratio);
    const ratio = Number(ratioText);
    if (ratioText === '' || !Number.isFinite(ratio) || ratio <= 0) throw bad('the ratio must be a positive number', ratioText);
    const key = `${symbol}\t${date}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw inputError('BAD_CORPORATE_ACTIONS', `${symbol} has two actions on ${date} (first on line ${prev})`, { file, line, value: symbol, hint: 'one row per symbol and date' });
    }
    seen.set(key, line);
    out.push({ symbol, date, kind, ratio });
  }
  return out;
}

/** Reads and parses a corporate-actions file; an unreadable file is a coded error naming it. */
export function readCorporateActionsFile(path: string): CorporateAction[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError('CORPORATE_ACTIONS_NOT_READABLE', `cannot read the corporate-actions file: ${(e as Error).message}`, { file: path, cause: e });
  }
  return parseCorporateActions(text, path);
}

/** `BRK.B` and `BRK-B` name the same symbol (as in file names). */
export const actionSymbolKey = (symbol: string): string => symbol.trim().toUpperCase().replace(/\./g, '-');

/**
 * `raw` with `actions` (those of its symbol) applied: every row dated before an action's date
 * has its prices multiplied by priceFactor and its volume divided by it. Pure: new columns, the
 * input (often views into cache bytes) is not modified. Returns `raw` itself when nothing applies.
 */
export function applyCorporateActions(raw: RawBars, actions: readonly CorporateAction[]): RawBars {
  const key = actionSymbolKey(raw.symbol);
  const mine = actions.filter((a) => actionSymbolKey(a.symbol) === key);
  if (mine.length === 0) return raw;
  const n = raw.day.length;
  const open = Float64Array.from(raw.open);
  const high = Float64Array.from(raw.high);
  const low = Float64Array.from(raw.low);
  const close = Float64Array.from(raw.close);
  const volume = Float64Array.from(raw.volume);
  for (const a of mine) {
    const day = parseIsoDay(a.date);
    const f = priceFactor(a);
    for (let r = 0; r < n; r++) {
      if (raw.day[r] >= day) continue;
      open[r] *= f;
      high[r] *= f;
      low[r] *= f;
      close[r] *= f;
      volume[r] /= f;
    }
  }
  return { ...raw, open, high, low, close, volume };
}

/** A canonical text of the actions, for the data hash (order-independent). */
export function corporateActionsFingerprint(actions: readonly CorporateAction[]): string {
  return actions
    .map((a) => `${actionSymbolKey(a.symbol)},${a.date},${a.kind},${a.ratio}`)
    .sort()
    .join('\n');
}
