import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { clipForError, inputError, usageError } from '../core/errors.js';
import { detectCsvFormat, normalizeHeaderName, splitCsvLine } from './csv-format.js';
import { isPlausibleSymbol, symbolFromFileName } from './locate.js';

export interface UniverseEntry {
  /** Upper-case symbol. */
  readonly symbol: string;
  readonly name: string | null;
  readonly sector: string | null;
  /** Lower-case asset type from an optional `type` column (`stock`, `etf`, ...); null when absent or blank. */
  readonly type: string | null;
  /** 1-based line in the universe file. */
  readonly line: number;
}

export interface Universe {
  readonly file: string;
  readonly entries: UniverseEntry[];
  /** Whether the header has a `type` column (so entries can be selected by type). */
  readonly hasTypeColumn: boolean;
}

/** The entries of a universe file (see readUniverse). */
export function readUniverseFile(path: string): UniverseEntry[] {
  return readUniverse(path).entries;
}

/**
 * Reads a universe list: a CSV with a `symbol` (or `ticker`) column, optional `name`, `sector`
 * and `type` columns, other columns ignored. Blank lines and lines starting with `#` are skipped.
 * Entries come back in file order with upper-case symbols. A symbol listed twice is an input
 * error naming both lines: a universe is a set, and a silent duplicate would double-weight it.
 */
export function readUniverse(path: string): Universe {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError('UNIVERSE_NOT_READABLE', `cannot read the universe file: ${(e as Error).message}`, { file: path, cause: e });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  let symbolCol = -1;
  let nameCol = -1;
  let sectorCol = -1;
  let typeCol = -1;
  let headerSeen = false;
  let headerLine = 0;
  const out: UniverseEntry[] = [];
  const firstLine = new Map<string, number>();
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k].replace(/\r$/, '');
    const lineNo = k + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const fields = splitCsvLine(raw);
    if (!headerSeen) {
      headerSeen = true;
      headerLine = lineNo;
      const names = fields.map(normalizeHeaderName);
      symbolCol = names.indexOf('symbol');
      if (symbolCol < 0) symbolCol = names.indexOf('ticker');
      nameCol = names.indexOf('name');
      sectorCol = names.indexOf('sector');
      typeCol = names.indexOf('type');
      if (symbolCol < 0) {
        throw inputError('UNIVERSE_NO_SYMBOL_COLUMN', `the header '${clipForError(raw.trim())}' has no symbol column`, {
          file: path,
          line: lineNo,
          hint: 'the first line must name the columns, one of them `symbol` (e.g. `symbol,name,sector`)',
        });
      }
      continue;
    }
    const symbol = (fields[symbolCol] ?? '').trim().toUpperCase();
    if (!isPlausibleSymbol(symbol) || /[\s,"]/.test(symbol)) {
      const quoted = clipForError(symbol);
      throw inputError('UNIVERSE_BAD_SYMBOL', `'${quoted}' is not a symbol`, { file: path, line: lineNo, value: quoted });
    }
    const prev = firstLine.get(symbol);
    if (prev !== undefined) {
      throw inputError('UNIVERSE_DUPLICATE', `${symbol} is listed twice (first on line ${prev})`, {
        file: path,
        line: lineNo,
        value: symbol,
        hint: 'remove one of the two lines',
      });
    }
    firstLine.set(symbol, lineNo);
    const opt = (col: number): string | null => {
      const v = col < 0 ? undefined : fields[col]?.trim();
      return v === undefined || v === '' ? null : v;
    };
    out.push({ symbol, name: opt(nameCol), sector: opt(sectorCol), type: opt(typeCol)?.toLowerCase() ?? null, line: lineNo });
  }
  if (!headerSeen) {
    throw inputError('UNIVERSE_EMPTY', 'the universe file is empty', { file: path, line: 1 });
  }
  if (out.length === 0) {
    throw inputError('UNIVERSE_EMPTY', 'the universe file has a header but no symbols', {
      file: path,
      line: headerLine,
      hint: 'list one symbol per line under the header',
    });
  }
  return { file: path, entries: out, hasTypeColumn: typeCol >= 0 };
}

/**
 * Splits a universe by its `type` column: entries whose type is one of `types` (compared
 * lower-case) are kept, the others (including a blank type) left out, both in file order.
 * A universe without a type column cannot be selected by type: an input error naming the file.
 */
export function selectTypes(universe: Universe, types: readonly string[]): { kept: UniverseEntry[]; leftOut: UniverseEntry[] } {
  const wanted = new Set(types.map((t) => t.trim().toLowerCase()));
  if (!universe.hasTypeColumn) {
    throw inputError('UNIVERSE_NO_TYPE_COLUMN', `the universe file has no \`type\` column to select the types ${[...wanted].join(', ')} from`, {
      file: universe.file,
      value: types,
      hint: 'add a `type` column (stock, etf, ...) to the universe, or select no types',
    });
  }
  const kept: UniverseEntry[] = [];
  const leftOut: UniverseEntry[] = [];
  for (const e of universe.entries) (e.type !== null && wanted.has(e.type) ? kept : leftOut).push(e);
  return { kept, leftOut };
}

/** The first `n` entries (`n` is the parameter `cap`). */
export function capUniverse<T>(entries: readonly T[], n: number): T[] {
  if (!Number.isInteger(n) || n < 1) {
    throw usageError('BAD_CAP', `cap must be a positive integer, was ${n}`, { param: 'cap', value: n });
  }
  return entries.slice(0, n);
}

/**
 * Symbols of the bar files present in `dir`, sorted. `*.us.txt` files count as bar files;
 * other `*.csv` / `*.txt` files only when their header is a known bar format (so a
 * `universe.csv` or notes file lying next to the data is not taken for a symbol).
 */
export function universeFromDataDir(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name);
  } catch (e) {
    throw inputError('DATA_DIR_NOT_READABLE', `cannot list the data directory: ${(e as Error).message}`, { file: dir, cause: e });
  }
  const symbols = new Set<string>();
  for (const name of names) {
    const symbol = symbolFromFileName(name);
    if (symbol === null) continue;
    if (!/\.us\.txt$/i.test(name) && !hasBarHeader(join(dir, name))) continue;
    symbols.add(symbol);
  }
  return [...symbols].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function hasBarHeader(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(1024);
    const got = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.toString('utf8', 0, got);
    const first = head.split('\n').find((l) => l.trim() !== '');
    return first !== undefined && detectCsvFormat(first) !== null;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
