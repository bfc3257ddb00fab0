import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a symbol's bar file lives in a data directory. Names tried, in order:
 * `<lower>.us.txt` (Stooq), `<UPPER>.csv`, `<lower>.csv`, `<lower>.txt`.
 * Class shares are written with a dash in file names: `BRK-B` and `BRK.B` both map to
 * `brk-b.us.txt` (for the CSV names the symbol as given is tried after the dashed form).
 */

/** True when `symbol` can safely name a file (no path separators, no `..`, not empty). */
export function isPlausibleSymbol(symbol: string): boolean {
  const s = symbol.trim();
  return s !== '' && s.length <= 32 && !/[/\\\0]/.test(s) && !s.includes('..') && s !== '.';
}

/** The file names tried for a symbol, most specific first. */
export function symbolFileCandidates(symbol: string): string[] {
  const s = symbol.trim();
  if (!isPlausibleSymbol(s)) return [];
  const dashed = s.replace(/\./g, '-');
  const names: string[] = [];
  for (const base of dashed === s ? [s] : [dashed, s]) {
    names.push(`${base.toLowerCase()}.us.txt`, `${base.toUpperCase()}.csv`, `${base.toLowerCase()}.csv`, `${base.toLowerCase()}.txt`);
  }
  return [...new Set(names)];
}

/** Path of the symbol's bar file in `dataDir`, or null when there is none. */
export function findSymbolFile(dataDir: string, symbol: string): string | null {
  for (const name of symbolFileCandidates(symbol)) {
    const path = join(dataDir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st !== undefined && st.isFile()) return path;
  }
  return null;
}

/**
 * Like findSymbolFile, but lists the directory once: for loading hundreds of symbols.
 * Names match exactly (case-sensitive), as on Linux. Throws the fs error when `dataDir`
 * cannot be listed.
 */
export function createSymbolLocator(dataDir: string): (symbol: string) => string | null {
  const files = new Set<string>();
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (entry.isFile() || entry.isSymbolicLink()) files.add(entry.name);
  }
  return (symbol) => {
    for (const name of symbolFileCandidates(symbol)) if (files.has(name)) return join(dataDir, name);
    return null;
  };
}

/** The symbol a bar file name stands for (`brk-b.us.txt` -> `BRK-B`), or null. */
export function symbolFromFileName(name: string): string | null {
  const m = /^(.+?)(\.us\.txt|\.csv|\.txt)$/i.exec(name);
  if (m === null || !isPlausibleSymbol(m[1])) return null;
  return m[1].toUpperCase();
}
