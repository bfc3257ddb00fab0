import { readFileSync } from 'node:fs';
import { parseIsoDay } from '../core/calendar.js';
import { clipForError, inputError } from '../core/errors.js';
import type { ProhibitedEntry } from '../risk/prohibited.js';
import { normalizeHeaderName, splitCsvLine } from './csv-format.js';
import { isPlausibleSymbol } from './locate.js';

/**
 * Reads a prohibited list: a CSV with the columns `symbol`, `reason` and `expires` (or `expiry`),
 * e.g.
 *
 *     symbol,reason,expires
 *     XYZ,employer's stock,
 *     ABC,earnings blackout,2024-03-15
 *
 * `expires` is the last New York date the entry applies (inclusive); blank means no expiry.
 * Blank lines and lines starting with `#` are skipped. A symbol may be listed more than once
 * (an entry for each restriction); an entry that has expired is kept (the gate ignores it), so
 * the list's history stays readable. Every problem is an input error at `file:line`.
 */
export function readProhibitedList(path: string): ProhibitedEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError('PROHIBITED_LIST_NOT_READABLE', `cannot read the prohibited list: ${(e as Error).message}`, { file: path, cause: e });
  }
  return parseProhibitedList(text, path);
}

/** The entries of a prohibited list's text; `file` names it in errors and in each entry's source. */
export function parseProhibitedList(text: string, file: string): ProhibitedEntry[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  let cols: { symbol: number; reason: number; expires: number } | null = null;
  const out: ProhibitedEntry[] = [];
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k].replace(/\r$/, '');
    const line = k + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(raw);
    if (cols === null) {
      const names = fields.map(normalizeHeaderName);
      const expires = names.indexOf('expires') >= 0 ? names.indexOf('expires') : names.indexOf('expiry');
      cols = { symbol: names.indexOf('symbol'), reason: names.indexOf('reason'), expires };
      const missing = (['symbol', 'reason', 'expires'] as const).filter((c) => cols![c] < 0);
      if (missing.length > 0) {
        throw inputError('PROHIBITED_LIST_BAD_HEADER', `the header '${clipForError(raw.trim())}' lacks the column(s) ${missing.join(', ')}`, {
          file,
          line,
          hint: 'the first line must be `symbol,reason,expires`',
        });
      }
      continue;
    }
    const field = (col: number): string => (fields[col] ?? '').trim();
    const symbol = field(cols.symbol).toUpperCase();
    if (!isPlausibleSymbol(symbol) || /[\s,"]/.test(symbol)) {
      throw inputError('PROHIBITED_LIST_BAD_SYMBOL', `'${clipForError(symbol)}' is not a symbol`, { file, line, value: clipForError(symbol) });
    }
    const reason = field(cols.reason);
    if (reason === '') {
      throw inputError('PROHIBITED_LIST_NO_REASON', `${symbol} has no reason`, { file, line, value: symbol, hint: 'say why the symbol is prohibited' });
    }
    const expiresText = field(cols.expires);
    const expiresDay = expiresText === '' ? null : parseIsoDay(expiresText);
    if (expiresDay !== null && Number.isNaN(expiresDay)) {
      throw inputError('PROHIBITED_LIST_BAD_EXPIRY', `expiry of ${symbol} must be a date as YYYY-MM-DD or blank, was '${clipForError(expiresText)}'`, {
        file,
        line,
        value: clipForError(expiresText),
      });
    }
    out.push({ symbol, reason, expiresDay, source: `${file}:${line}` });
  }
  if (cols === null) throw inputError('PROHIBITED_LIST_EMPTY', 'the prohibited list is empty (it needs at least the header `symbol,reason,expires`)', { file, line: 1 });
  return out;
}
