/**
 * Bar CSV formats kobe reads, recognised from the header line alone.
 *
 * - `stooq`: `Date,Open,High,Low,Close,Volume[,OpenInt]` (the Stooq daily export and the
 *   "Huge Stock Market Dataset" layout). Taken as given: those files are already adjusted.
 * - `stooq-bulk`: `<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>`
 *   (Stooq bulk downloads, dates as YYYYMMDD). Taken as given.
 * - `yahoo`: `Date,Open,High,Low,Close,Adj Close,Volume`. Yahoo's Close is split-adjusted but
 *   not dividend-adjusted; Adj Close is both. Open/High/Low/Close are multiplied by
 *   Adj Close / Close so the series is split- and dividend-adjusted. Volume is left as is
 *   (Yahoo already split-adjusts it; scaling it by a dividend factor would only distort it).
 * - `alphavantage`: `timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,
 *   split_coefficient` (TIME_SERIES_DAILY_ADJUSTED). Prices are raw there, so a 2:1 split
 *   would look like a -50% crash: Open/High/Low/Close are multiplied by adjusted_close / close
 *   and volume divided by the same factor. These files are newest-first; see parse-bars.ts.
 * - `generic`: any header naming at least date (or timestamp), open, high, low, close and
 *   volume (or vol), in any order; other columns are ignored and nothing is adjusted.
 *
 * Header names are compared trimmed, case-insensitively, without quotes, `<>` or a BOM.
 */

export type CsvFormatName = 'stooq' | 'stooq-bulk' | 'yahoo' | 'alphavantage' | 'generic';

/** How parse-bars turns the file's prices into the adjusted series. */
export type PriceAdjustment =
  /** Values taken as they are. */
  | 'none'
  /** OHLC multiplied by adjClose / close; volume untouched. */
  | 'adj-close'
  /** OHLC multiplied by adjClose / close; volume divided by it. */
  | 'adj-close-and-volume';

/**
 * Whether the loader applies the format's adjustment (`all`, the default) or reads every file's
 * prices as written (`none`: Yahoo's and AlphaVantage's raw Open/High/Low/Close and volume, e.g.
 * to compare with another engine that trades raw prices).
 */
export type AdjustMode = 'all' | 'none';
export const ADJUST_MODES: readonly AdjustMode[] = ['all', 'none'];

/** Role of a column in the parse loop (`IGNORE` columns are skipped, not parsed). */
export const ROLE_IGNORE = 0;
export const ROLE_DATE = 1;
export const ROLE_OPEN = 2;
export const ROLE_HIGH = 3;
export const ROLE_LOW = 4;
export const ROLE_CLOSE = 5;
export const ROLE_VOLUME = 6;
export const ROLE_ADJ_CLOSE = 7;

export interface CsvFormat {
  readonly name: CsvFormatName;
  /** Header names as written in the file (trimmed), for error messages. */
  readonly columns: readonly string[];
  /** One role per column (ROLE_* constants). */
  readonly roles: Uint8Array;
  readonly adjustment: PriceAdjustment;
}

/** One line per accepted format, for error hints and `--help` texts. */
export const ACCEPTED_FORMATS: readonly string[] = [
  'stooq: Date,Open,High,Low,Close,Volume[,OpenInt]',
  'stooq-bulk: <TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>',
  'yahoo: Date,Open,High,Low,Close,Adj Close,Volume',
  'alphavantage: timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient',
  'generic: columns named date,open,high,low,close,volume in any order (others ignored)',
];

/** Stable numeric codes for the binary cache. */
export const FORMAT_CODES: readonly CsvFormatName[] = ['stooq', 'stooq-bulk', 'yahoo', 'alphavantage', 'generic'];

const EXACT: ReadonlyArray<{ name: CsvFormatName; header: string; adjustment: PriceAdjustment }> = [
  { name: 'stooq', header: 'date,open,high,low,close,volume,openint', adjustment: 'none' },
  { name: 'stooq', header: 'date,open,high,low,close,volume', adjustment: 'none' },
  { name: 'stooq-bulk', header: 'ticker,per,date,time,open,high,low,close,vol,openint', adjustment: 'none' },
  { name: 'yahoo', header: 'date,open,high,low,close,adj close,volume', adjustment: 'adj-close' },
  {
    name: 'alphavantage',
    header: 'timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient',
    adjustment: 'adj-close-and-volume',
  },
];

const ROLE_OF_NAME: Readonly<Record<string, number>> = {
  date: ROLE_DATE,
  timestamp: ROLE_DATE,
  open: ROLE_OPEN,
  high: ROLE_HIGH,
  low: ROLE_LOW,
  close: ROLE_CLOSE,
  volume: ROLE_VOLUME,
  vol: ROLE_VOLUME,
  'adj close': ROLE_ADJ_CLOSE,
  adjusted_close: ROLE_ADJ_CLOSE,
};

const REQUIRED_ROLES = [ROLE_DATE, ROLE_OPEN, ROLE_HIGH, ROLE_LOW, ROLE_CLOSE, ROLE_VOLUME];

/** Trimmed, unquoted, lower-case header name without `<>` and a leading BOM. */
export function normalizeHeaderName(raw: string): string {
  let s = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  s = s.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  if (s.length >= 2 && s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  return s.toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Splits one CSV line into fields, honouring double quotes (`"a,b"`, `""` inside quotes).
 * For headers and small files (universe lists); the bar parser has its own hot loop.
 */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    let field = '';
    if (line.charCodeAt(i) === 34) {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          field += line.slice(i);
          i = n;
          break;
        }
        field += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      // Text between the closing quote and the comma is kept (lenient, like most readers).
      field += comma < 0 ? line.slice(i) : line.slice(i, comma);
      i = comma < 0 ? n + 1 : comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      i = comma < 0 ? n + 1 : comma + 1;
    }
    out.push(field);
    if (i > n) return out;
  }
}

/** The format of a bar file from its header line, or null when kobe does not know it. */
export function detectCsvFormat(headerLine: string): CsvFormat | null {
  const columns = splitCsvLine(headerLine.replace(/\r$/, '')).map((c) => c.trim());
  const names = columns.map(normalizeHeaderName);
  const joined = names.join(',');
  const exact = EXACT.find((f) => f.header === joined);
  const roles = new Uint8Array(names.length);
  const seen = new Set<number>();
  for (let k = 0; k < names.length; k++) {
    const role = ROLE_OF_NAME[names[k]] ?? ROLE_IGNORE;
    // A second column with the same role is ignored rather than silently overriding the first.
    if (role !== ROLE_IGNORE && !seen.has(role)) {
      roles[k] = role;
      seen.add(role);
    }
  }
  if (exact) return { name: exact.name, columns, roles, adjustment: exact.adjustment };
  if (!REQUIRED_ROLES.every((r) => seen.has(r))) return null;
  // Generic files ignore adjusted-close columns: only the named formats say what they mean.
  for (let k = 0; k < roles.length; k++) if (roles[k] === ROLE_ADJ_CLOSE) roles[k] = ROLE_IGNORE;
  return { name: 'generic', columns, roles, adjustment: 'none' };
}
