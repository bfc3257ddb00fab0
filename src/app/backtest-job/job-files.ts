import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KobeError } from '../../core/errors.js';
import { writeFileAtomic } from '../artifacts.js';
import { isoWeekLabel, type ErrorDoc, type LatestDoc } from './latest-doc.js';

export const LATEST_FILE = 'latest.json';
export const PARTIAL_FILE = 'latest.partial.json';
export const ERROR_FILE = 'latest.error.json';
const ARCHIVE_NAME = /^(\d{4}-W\d{2})\.json$/;

/** The partial document: the latest document so far, marked as still running. */
export type PartialDoc = Omit<LatestDoc, 'generated_at'> & { readonly state: 'running'; readonly updated_at: string };

export interface ArchiveListing {
  readonly week: string;
  readonly generated_at: string;
  readonly strategies: number;
  readonly qualified: number;
}

/**
 * The job's folder: latest.json (the last complete run, replaced only by a rename, so a reader
 * never sees it empty or half-written), latest.partial.json while a run goes, latest.error.json
 * after a failure, and one archive per ISO week (`YYYY-Www.json`, the week's last complete run).
 */
export class JobFiles {
  constructor(readonly dir: string) {}

  get latestPath(): string {
    return join(this.dir, LATEST_FILE);
  }

  get partialPath(): string {
    return join(this.dir, PARTIAL_FILE);
  }

  get errorPath(): string {
    return join(this.dir, ERROR_FILE);
  }

  readLatest(): LatestDoc | null {
    return readJson<LatestDoc>(this.latestPath);
  }

  readError(): ErrorDoc | null {
    return readJson<ErrorDoc>(this.errorPath);
  }

  readPartial(): PartialDoc | null {
    return readJson<PartialDoc>(this.partialPath);
  }

  writePartial(doc: PartialDoc): void {
    writeFileAtomic(this.partialPath, `${JSON.stringify(doc, null, 2)}\n`);
  }

  /**
   * The finished document goes to the partial file first (itself written whole, then renamed)
   * and the partial file is renamed over latest.json: latest.json changes in one step. The
   * week's archive follows; a stale error document is removed, the run having succeeded since.
   */
  publish(doc: LatestDoc): void {
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    writeFileAtomic(this.partialPath, text);
    renameSync(this.partialPath, this.latestPath);
    writeFileAtomic(join(this.dir, `${isoWeekLabel(new Date(doc.generated_at))}.json`), text);
    rmSync(this.errorPath, { force: true });
  }

  /** A failed run: its error document; the partial file is dropped (what finished is in the error document). */
  writeError(doc: ErrorDoc): void {
    writeFileAtomic(this.errorPath, `${JSON.stringify(doc, null, 2)}\n`);
    rmSync(this.partialPath, { force: true });
  }

  /** The weekly archives, newest week first. */
  archives(): ArchiveListing[] {
    if (!existsSync(this.dir)) return [];
    const weeks = readdirSync(this.dir)
      .map((name) => ARCHIVE_NAME.exec(name)?.[1])
      .filter((w): w is string => w !== undefined)
      .sort()
      .reverse();
    return weeks.map((week) => {
      const doc = this.archive(week)!;
      const rows = Object.values(doc.strategies);
      return { week, generated_at: doc.generated_at, strategies: rows.length, qualified: rows.filter((r) => r.qualified).length };
    });
  }

  /** One week's archive; null when there is none. `week` must already be checked against ISO_WEEK_PATTERN. */
  archive(week: string): LatestDoc | null {
    return readJson<LatestDoc>(join(this.dir, `${week}.json`));
  }
}

function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KobeError('JOB_FILE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new KobeError('JOB_FILE_CORRUPT', `${path} is not valid JSON: ${(e as Error).message}`, { file: path, hint: 'remove it; the next run writes it again' });
  }
}
