import { clipForError, inputError, QUOTE_MAX_CHARS } from '../core/errors.js';
import { ACCEPTED_FORMATS, type CsvFormat, ROLE_DATE } from './csv-format.js';

/**
 * The cold side of parse-bars.ts: the text of a bar file as errors quote it (clipped, decoded
 * only as far as shown) and the errors about a row. The hot scanners stay in parse-bars.ts.
 */

// Byte codes (parse-bars.ts has the same for its scanners; kept there so its hot loop reads
// module-local constants).
const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const NL = 10;

/** End of the field at `i` within a line ending at `end` (for error messages), honouring quotes. */
function fieldEnd(s: Uint8Array, i: number, end: number): number {
  if (s[i] === QUOTE) {
    i++;
    for (;;) {
      const q = s.indexOf(QUOTE, i);
      if (q < 0 || q >= end) return end;
      if (s[q + 1] === QUOTE) i = q + 2;
      else {
        i = q + 1;
        break;
      }
    }
  }
  while (i < end && s[i] !== COMMA) i++;
  return i;
}

const decoder = new TextDecoder();

export function utf8(s: Uint8Array, from: number, to: number): string {
  return decoder.decode(s.subarray(from, to));
}

/**
 * s[from..to) for an error message, clipped (clipForError): only a few bytes more than shown
 * are decoded, so a huge line is never turned into a string whole.
 */
export function quoteBytes(s: Uint8Array, from: number, to: number): string {
  const room = 4 * QUOTE_MAX_CHARS + 4;
  if (to - from <= room) return clipForError(utf8(s, from, to));
  return `${utf8(s, from, from + room).slice(0, QUOTE_MAX_CHARS)}...(${to - from} bytes)`;
}

/** End of the line starting at `from`, without its CR (for error messages). */
function lineEnd(s: Uint8Array, from: number): number {
  let e = s.indexOf(NL, from);
  if (e < 0) e = s.length;
  return e > from && s[e - 1] === CR ? e - 1 : e;
}

function countFields(s: Uint8Array, from: number, end: number): number {
  let n = 1;
  let i = from;
  for (;;) {
    const f = fieldEnd(s, i, end);
    if (f >= end) return n;
    n++;
    i = f + 1;
  }
}

/** The text of a field (for error messages, clipped), without surrounding quotes and blanks. */
function fieldText(s: Uint8Array, i: number, end: number): string {
  return quoteBytes(s, i, fieldEnd(s, i, end)).trim().replace(/^"(.*)"$/, '$1');
}

export const FORMAT_HINT = `kobe reads these layouts (header line required):\n    ${ACCEPTED_FORMATS.join('\n    ')}`;

export function columnCountError(format: CsvFormat, s: Uint8Array, from: number, file: string, line: number) {
  const end = lineEnd(s, from);
  const found = countFields(s, from, end);
  const expected = format.roles.length;
  return inputError('BAD_COLUMN_COUNT', `expected ${expected} columns (${format.columns.join(',')}), found ${found}`, {
    file,
    line,
    value: quoteBytes(s, from, end),
    hint: `every row of a ${format.name} file has the header's ${expected} columns`,
  });
}

export function valueError(format: CsvFormat, k: number, role: number, s: Uint8Array, from: number, file: string, line: number) {
  const end = lineEnd(s, from);
  const value = fieldText(s, from, end);
  const column = format.columns[k];
  if (role === ROLE_DATE) {
    return inputError('BAD_DATE', `column ${column}: '${value}' is not a date`, {
      file,
      line,
      value,
      hint: 'dates are written YYYY-MM-DD or YYYYMMDD',
    });
  }
  return inputError('BAD_NUMBER', `column ${column}: '${value}' is not a number`, {
    file,
    line,
    value,
    hint: value === 'null' ? "Yahoo writes 'null' for days without data: delete those rows" : undefined,
  });
}
