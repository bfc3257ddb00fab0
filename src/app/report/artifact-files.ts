import { existsSync, readFileSync } from 'node:fs';
import { inputError } from '../../core/errors.js';

/**
 * Reading a run's artifacts back for a report. A missing or malformed file is an input error
 * that names the file (and the line): the run folder was edited, truncated or is not kobe's.
 */
export function readArtifact(file: string, hint: string): string {
  if (!existsSync(file)) throw inputError('ARTIFACT_MISSING', `${file} is missing`, { file, hint });
  return readFileSync(file, 'utf8');
}

export function readJsonArtifact<T>(file: string, hint: string): T {
  const text = readArtifact(file, hint);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw inputError('ARTIFACT_MALFORMED', `${file} is not valid JSON (${(e as Error).message})`, { file, hint });
  }
}

/** A CSV artifact as columns by header name; numeric columns are parsed by `number`. */
export class CsvColumns {
  private readonly header: string[];
  private readonly rows: string[][];

  constructor(readonly file: string, text: string, required: readonly string[]) {
    const lines = text.split('\n').filter((l, i, all) => l.length > 0 || i < all.length - 1);
    if (lines.length === 0) throw inputError('ARTIFACT_MALFORMED', `${file} is empty`, { file, line: 1 });
    this.header = lines[0].split(',');
    for (const name of required) {
      if (!this.header.includes(name)) throw inputError('ARTIFACT_MALFORMED', `${file} has no column ${name}`, { file, line: 1, hint: `expected the columns ${required.join(', ')}` });
    }
    this.rows = lines.slice(1).map((l, i) => {
      const cells = l.split(',');
      if (cells.length !== this.header.length) {
        throw inputError('ARTIFACT_MALFORMED', `${file}:${i + 2}: ${cells.length} fields, the header has ${this.header.length}`, { file, line: i + 2 });
      }
      return cells;
    });
  }

  get length(): number {
    return this.rows.length;
  }

  text(name: string): string[] {
    const k = this.header.indexOf(name);
    return this.rows.map((r) => r[k]);
  }

  /** An empty cell is NaN (no value); anything else must be a number. */
  number(name: string): Float64Array {
    const k = this.header.indexOf(name);
    const out = new Float64Array(this.rows.length);
    this.rows.forEach((r, i) => {
      const cell = r[k];
      const v = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && !Number.isFinite(v)) {
        throw inputError('ARTIFACT_MALFORMED', `${this.file}:${i + 2}: ${name} is not a number: ${JSON.stringify(cell)}`, { file: this.file, line: i + 2 });
      }
      out[i] = v;
    });
    return out;
  }

  has(name: string): boolean {
    return this.header.includes(name);
  }
}
