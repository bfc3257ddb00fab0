import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../artifacts.js';

/**
 * Replaces one date's block of rows in a CSV log whose first column is the ISO date: the other
 * dates' rows stay as they are, this date's rows are the new ones (a rerun never duplicates),
 * blocks in date order. Written through a temp file and a rename.
 */
export function replaceDateBlock(file: string, header: string, date: string, rows: readonly string[]): void {
  const kept: string[] = [];
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const line of lines.slice(1)) if (line !== '' && !line.startsWith(`${date},`)) kept.push(line);
  }
  const all = [...kept, ...rows];
  // Stable sort on the date column keeps each block's rank order.
  all.sort((a, b) => (a.slice(0, 10) < b.slice(0, 10) ? -1 : a.slice(0, 10) > b.slice(0, 10) ? 1 : 0));
  writeFileAtomic(file, `${[header, ...all].join('\n')}\n`);
}
