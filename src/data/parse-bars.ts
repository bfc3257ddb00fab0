import { clipForError, inputError } from '../core/errors.js';
import { columnCountError, FORMAT_HINT, quoteBytes, utf8, valueError } from './bar-file-text.js';
import {
  type AdjustMode,
  type CsvFormatName,
  detectCsvFormat,
  ROLE_ADJ_CLOSE,
  ROLE_CLOSE,
  ROLE_DATE,
  ROLE_HIGH,
  ROLE_IGNORE,
  ROLE_LOW,
  ROLE_OPEN,
  ROLE_VOLUME,
} from './csv-format.js';

/**
 * The parsed content of one bar file before any checking: columns in FILE order (so
 * verify.ts can report unsorted dates and duplicates), adjusted as the format says
 * (see csv-format.ts), plus the 1-based source line of every row.
 *
 * One exception to file order: a file whose dates are strictly decreasing from top to bottom
 * (AlphaVantage writes newest first, some exports do too) is reversed and `reversed` is true.
 * `line` still points at the source lines.
 */
export interface RawBars {
  readonly symbol: string;
  readonly file: string;
  readonly format: CsvFormatName;
  readonly reversed: boolean;
  readonly day: Int32Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly line: Int32Array;
}

export interface ParseBarsOptions {
  /** The file as the user named it; used in errors. */
  readonly file: string;
  readonly symbol: string;
  /** `none` reads prices as written, skipping the format's adjustment; default `all`. */
  readonly adjust?: AdjustMode;
}

/** 10^k for k <= 22: exactly representable, so `mantissa / POW10[k]` is correctly rounded. */
const POW10 = new Float64Array(23);
POW10[0] = 1;
for (let k = 1; k < 23; k++) POW10[k] = POW10[k - 1] * 10;

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const CR = 13;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const SLASH = 47;
const NL = 10;

/** Where the last scanNumber/scanDate stopped (module state keeps the hot loop allocation-free). */
let scanEnd = 0;

/**
 * Reads a decimal number starting at `i` (stops at the first character that cannot belong to
 * it, never past `end`). Returns NaN when there is no number there. Plain decimals with up to
 * 15 significant digits and 22 decimals take the exact fast path (an integer mantissa divided
 * by an exact power of ten gives the same double as `Number()`); anything else (exponents,
 * long mantissas) falls back to `Number()` on the token.
 */
function scanNumber(s: Uint8Array, i: number, end: number): number {
  const start = i;
  let c = s[i];
  const neg = c === MINUS;
  if (neg || c === PLUS) i++;
  let mant = 0;
  const intStart = i;
  // Integer part, then fraction: two tight loops (no per-digit bookkeeping).
  for (; i < end; i++) {
    const d = s[i] - 48;
    if (d < 0 || d > 9) break;
    mant = mant * 10 + d;
  }
  let digits = i - intStart;
  let frac = 0;
  if (i < end && s[i] === DOT) {
    const fracStart = ++i;
    for (; i < end; i++) {
      const d = s[i] - 48;
      if (d < 0 || d > 9) break;
      mant = mant * 10 + d;
    }
    frac = i - fracStart;
    digits += frac;
  }
  scanEnd = i;
  if (digits === 0) return Number.NaN;
  c = i < end ? s[i] : 0;
  if (c === 101 || c === 69) {
    // Exponent: hand the whole token to Number().
    i++;
    if (i < end && (s[i] === MINUS || s[i] === PLUS)) i++;
    const expStart = i;
    while (i < end && s[i] >= 48 && s[i] <= 57) i++;
    scanEnd = i;
    if (i === expStart) return Number.NaN;
    return Number(utf8(s, start, i));
  }
  // More than 15 digits may not be exact in `mant` (leading zeros aside): let Number() do it.
  if ((digits > 15 && significantDigits(s, intStart, i) > 15) || frac > 22) return Number(utf8(s, start, i));
  const v = frac === 0 ? mant : mant / POW10[frac];
  return neg ? -v : v;
}

function significantDigits(s: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = s[i];
    if (b === DOT || (n === 0 && b === 48)) continue;
    n++;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Reads YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD at `i`; NaN when it is not a real date. */
function scanDate(s: Uint8Array, i: number, end: number): number {
  if (end - i < 8) {
    scanEnd = i;
    return Number.NaN;
  }
  const y = digit(s[i]) * 1000 + digit(s[i + 1]) * 100 + digit(s[i + 2]) * 10 + digit(s[i + 3]);
  let m: number;
  let d: number;
  const sep = s[i + 4];
  if ((sep === MINUS || sep === SLASH) && end - i >= 10 && s[i + 7] === sep) {
    m = digit(s[i + 5]) * 10 + digit(s[i + 6]);
    d = digit(s[i + 8]) * 10 + digit(s[i + 9]);
    scanEnd = i + 10;
  } else {
    m = digit(s[i + 4]) * 10 + digit(s[i + 5]);
    d = digit(s[i + 6]) * 10 + digit(s[i + 7]);
    scanEnd = i + 8;
  }
  // digit() gives -100000 for a non-digit, so any bad character makes its part negative.
  if (y < 0 || m < 1 || m > 12 || d < 1) return Number.NaN;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[m - 1] + (leap ? 1 : 0)) return Number.NaN;
  return daysFromCivil(y, m, d);
}

function digit(b: number): number {
  const d = b - 48;
  return d >= 0 && d <= 9 ? d : -100_000;
}

/** End of the field at `i` (a comma, CR, LF or `end`), honouring double quotes. */
function skipField(s: Uint8Array, i: number, end: number): number {
  if (s[i] === QUOTE) {
    i++;
    while (i < end) {
      const b = s[i];
      if (b === QUOTE) {
        if (s[i + 1] === QUOTE) i += 2;
        else {
          i++;
          break;
        }
      } else if (b === NL) return i;
      else i++;
    }
  }
  while (i < end) {
    const b = s[i];
    if (b === COMMA || b === CR || b === NL) return i;
    i++;
  }
  return end;
}

/**
 * Parses a bar CSV given as text (see csv-format.ts for the formats). The loader reads files
 * as bytes and calls parseBarsBytes directly; this encodes the text and does the same.
 */
export function parseBarsCsv(text: string, opts: ParseBarsOptions): RawBars {
  return parseBarsBytes(Buffer.from(text, 'utf8'), opts);
}

/**
 * Parses a bar CSV from its UTF-8 bytes. Throws an `inputError` with `file` and `line` for an
 * unknown header, a row with the wrong number of columns, a value that is not a number or
 * date, or a file without data rows. Blank lines are skipped; a UTF-8 BOM and CRLF line ends
 * are fine.
 *
 * Whatever changes what this returns must bump CACHE_VERSION (cache.ts), or warm loads keep
 * serving the old result.
 *
 * Hand-rolled scanning over bytes (no regex per field, no string or object per row): bytes
 * index about twice as fast as `charCodeAt` on a string, and the parse is the cold-load cost.
 */
export function parseBarsBytes(text: Uint8Array, opts: ParseBarsOptions): RawBars {
  const { file } = opts;
  const len = text.length;
  let pos = len >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? 3 : 0;
  let lineNo = 0;

  // Header: the first non-blank line.
  let header = '';
  let headerLine = 0;
  while (pos < len) {
    let nl = text.indexOf(NL, pos);
    if (nl < 0) nl = len;
    lineNo++;
    // A header is short: a first line of megabytes is not one (and is only quoted, clipped).
    const candidate = nl - pos > 64 * 1024 ? quoteBytes(text, pos, nl) : utf8(text, pos, nl);
    pos = nl + 1;
    if (candidate.trim() !== '') {
      header = candidate;
      headerLine = lineNo;
      break;
    }
  }
  if (headerLine === 0) {
    throw inputError('EMPTY_FILE', 'the file is empty', { file, line: 1, hint: FORMAT_HINT });
  }
  const format = detectCsvFormat(header);
  if (format === null) {
    const quoted = clipForError(header.trim());
    throw inputError('UNKNOWN_CSV_FORMAT', `unrecognised header '${quoted}'`, {
      file,
      line: headerLine,
      value: quoted,
      hint: FORMAT_HINT,
    });
  }

  // Upper bound on rows: the remaining line count.
  let capacity = len > 0 && text[len - 1] !== NL ? 1 : 0;
  for (let i = text.indexOf(NL, pos); i >= 0; i = text.indexOf(NL, i + 1)) capacity++;

  const day = new Int32Array(capacity);
  const open = new Float64Array(capacity);
  const high = new Float64Array(capacity);
  const low = new Float64Array(capacity);
  const close = new Float64Array(capacity);
  const volume = new Float64Array(capacity);
  const line = new Int32Array(capacity);
  const adj = format.adjustment === 'none' || opts.adjust === 'none' ? null : new Float64Array(capacity);
  const roles = format.roles;
  const ncol = roles.length;
  let n = 0;

  // Rows are scanned field by field; a field ends at a comma, CR, LF or the end of the text
  // (no search for the line end first: one pass over the bytes).
  while (pos < len) {
    lineNo++;
    const rowStart = pos;
    let b = text[pos];
    if (b === NL || b === CR || b === SPACE || b === TAB) {
      // Blank (or whitespace-only) line: skip.
      let q = pos;
      while (q < len && (text[q] === SPACE || text[q] === TAB || text[q] === CR)) q++;
      if (q >= len || text[q] === NL) {
        pos = q + 1;
        continue;
      }
    }
    let i = pos;
    for (let k = 0; k < ncol; k++) {
      if (k > 0) {
        // i sits on the delimiter after the previous field.
        if (text[i] !== COMMA) throw columnCountError(format, text, rowStart, file, lineNo);
        i++;
      }
      const role = roles[k];
      if (role === ROLE_IGNORE) {
        i = skipField(text, i, len);
        continue;
      }
      const fieldStart = i;
      b = text[i];
      while (b === SPACE || b === TAB) b = text[++i];
      const quoted = b === QUOTE;
      if (quoted) i++;
      const v = role === ROLE_DATE ? scanDate(text, i, len) : scanNumber(text, i, len);
      i = scanEnd;
      b = text[i];
      if (quoted && b === QUOTE) b = text[++i];
      while (b === SPACE || b === TAB) b = text[++i];
      if (!(b === COMMA || b === CR || b === NL || i >= len) || !Number.isFinite(v)) {
        throw valueError(format, k, role, text, fieldStart, file, lineNo);
      }
      switch (role) {
        case ROLE_DATE:
          day[n] = v;
          break;
        case ROLE_OPEN:
          open[n] = v;
          break;
        case ROLE_HIGH:
          high[n] = v;
          break;
        case ROLE_LOW:
          low[n] = v;
          break;
        case ROLE_CLOSE:
          close[n] = v;
          break;
        case ROLE_VOLUME:
          volume[n] = v;
          break;
        case ROLE_ADJ_CLOSE:
          if (adj !== null) adj[n] = v;
          break;
      }
    }
    if (text[i] === CR) i++;
    if (i < len && text[i] !== NL) throw columnCountError(format, text, rowStart, file, lineNo);
    pos = i + 1;
    line[n] = lineNo;
    n++;
  }

  if (n === 0) {
    throw inputError('NO_ROWS', 'the file has a header but no data rows', { file, line: headerLine });
  }

  if (adj !== null) {
    const scaleVolume = format.adjustment === 'adj-close-and-volume';
    for (let r = 0; r < n; r++) {
      const c = close[r];
      const a = adj[r];
      // A non-positive close or adjusted close cannot give a factor; verify.ts reports the bar.
      if (!(c > 0 && a > 0) || c === a) continue;
      const f = a / c;
      open[r] *= f;
      high[r] *= f;
      low[r] *= f;
      close[r] = a;
      if (scaleVolume) volume[r] /= f;
    }
  }

  // Views, not copies, when blank lines left spare capacity (the cache copies the bytes anyway).
  const cut = <T extends Int32Array | Float64Array>(a: T): T => (n === capacity ? a : (a.subarray(0, n) as T));
  const out = {
    symbol: opts.symbol,
    file,
    format: format.name,
    reversed: false,
    day: cut(day),
    open: cut(open),
    high: cut(high),
    low: cut(low),
    close: cut(close),
    volume: cut(volume),
    line: cut(line),
  };
  let descending = n >= 2;
  for (let r = 1; r < n && descending; r++) descending = out.day[r] < out.day[r - 1];
  if (descending) {
    out.day.reverse();
    out.open.reverse();
    out.high.reverse();
    out.low.reverse();
    out.close.reverse();
    out.volume.reverse();
    out.line.reverse();
    out.reversed = true;
  }
  return out;
}
