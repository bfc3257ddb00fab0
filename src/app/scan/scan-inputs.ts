import { readFileSync } from 'node:fs';
import { isoDayFlag } from '../../core/calendar.js';
import { clipForError, inputError, isKobeError } from '../../core/errors.js';
import { normalizeHeaderName, splitCsvLine } from '../../data/csv-format.js';

/**
 * The scan's side inputs, read and fully checked before anything is computed or written: a
 * quotes file (symbol,bid,ask) and an earnings file (symbol,date). A bad line is an input error
 * naming the file, the line and the problem.
 */
function readRows(file: string, columns: readonly string[], param: string): { line: number; fields: Record<string, string> }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError('NO_FILE', `cannot read ${file}: ${(e as Error).message}`, { file, param, cause: e });
  }
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => normalizeHeaderName(h));
  const at = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, k) => at[k] < 0);
  if (missing.length > 0) {
    throw inputError('BAD_CSV_HEADER', `${file}:1: the header needs the columns ${columns.join(',')}, missing ${missing.join(', ')}`, {
      file,
      line: 1,
      param,
      value: clipForError(lines[0] ?? ''),
      hint: `first line: ${columns.join(',')}`,
    });
  }
  const out: { line: number; fields: Record<string, string> }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = splitCsvLine(lines[i]).map((x) => x.trim());
    const fields: Record<string, string> = {};
    columns.forEach((c, k) => (fields[c] = f[at[k]] ?? ''));
    out.push({ line: i + 1, fields });
  }
  return out;
}

const bad = (file: string, line: number, problem: string, value: string, param: string) =>
  inputError('BAD_CSV_ROW', `${file}:${line}: ${problem}`, { file, line, param, value: clipForError(value) });

export interface Quote {
  readonly bid: number;
  readonly ask: number;
}

export function readQuotes(file: string, param = 'quotes'): Map<string, Quote> {
  const out = new Map<string, Quote>();
  for (const { line, fields } of readRows(file, ['symbol', 'bid', 'ask'], param)) {
    const symbol = fields.symbol.toUpperCase();
    if (symbol === '') throw bad(file, line, 'empty symbol', '', param);
    const bid = Number(fields.bid);
    const ask = Number(fields.ask);
    if (fields.bid === '' || !Number.isFinite(bid) || bid <= 0) throw bad(file, line, `bid must be a positive number, was '${fields.bid}'`, fields.bid, param);
    if (fields.ask === '' || !Number.isFinite(ask) || ask < bid) throw bad(file, line, `ask must be a number at or above the bid ${bid}, was '${fields.ask}'`, fields.ask, param);
    out.set(symbol, { bid, ask });
  }
  return out;
}

/** Earnings report days per symbol (day numbers, ascending). */
export function readEarnings(file: string, param = 'earnings'): Map<string, { day: number; date: string }[]> {
  const out = new Map<string, { day: number; date: string }[]>();
  for (const { line, fields } of readRows(file, ['symbol', 'date'], param)) {
    const symbol = fields.symbol.toUpperCase();
    if (symbol === '') throw bad(file, line, 'empty symbol', '', param);
    let day: number;
    try {
      day = isoDayFlag(fields.date, param);
    } catch (e) {
      if (isKobeError(e)) throw bad(file, line, `date must be YYYY-MM-DD, was '${fields.date}'`, fields.date, param);
      throw e;
    }
    const list = out.get(symbol) ?? [];
    list.push({ day, date: fields.date });
    out.set(symbol, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.day - b.day);
  return out;
}
