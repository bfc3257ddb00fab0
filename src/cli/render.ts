import { redactSecrets } from '../core/redact.js';
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { CliIo } from './io.js';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function makeChalk(io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): ChalkInstance {
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return new Chalk({ level: noColor || io[stream].isTTY !== true ? 0 : 1 });
}

export const pct = (frac: number | null, digits = 2): string => (frac === null ? 'n/a' : `${(frac * 100).toFixed(digits)}%`);
export const num = (v: number | null, digits = 2): string => (v === null ? 'n/a' : v.toFixed(digits));
export const usd = (v: number | null): string =>
  v === null ? 'n/a' : `${v < 0 ? '-' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** For per-share amounts, where a half cent matters: $0.005 stays $0.005, not $0.01. */
export const usdFine = (v: number): string =>
  `${v < 0 ? '-' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;

/** `compact`: borders at the top, under the header and at the bottom only, not between rows (long tables stay one line a row). */
export function table(head: string[], rows: (string | number)[][], io: CliIo, options: { compact?: boolean } = {}): string {
  const t = new Table({
    head,
    style: { head: io.env.NO_COLOR || io.stdout.isTTY !== true ? [] : ['cyan'], border: [], compact: options.compact === true },
  });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}

/**
 * Progress on stderr, and only on a terminal: cron logs and CI output stay clean.
 */
export class Progress {
  private last = -1;
  constructor(private readonly io: CliIo, private readonly label: string, private readonly total: number) {}

  tick(done: number): void {
    if (this.io.stderr.isTTY !== true || this.total <= 0) return;
    const frac = Math.min(1, done / this.total);
    const step = Math.floor(frac * 40);
    if (step === this.last) return;
    this.last = step;
    this.io.stderr.write(`\r${this.label} [${'#'.repeat(step)}${'.'.repeat(40 - step)}] ${done}/${this.total}`);
  }

  end(): void {
    if (this.io.stderr.isTTY === true && this.last >= 0) this.io.stderr.write('\n');
  }
}

/** Log lines go to stderr when stdout carries JSON, so `--json | jq` always parses. */
export function logger(io: CliIo, json: boolean): (line: string) => void {
  const stream = json ? io.stderr : io.stdout;
  // Every log line passes the one redaction: a provider or queue error quoting a URL or a
  // header never prints a key, whichever command logged it.
  return (line: string) => {
    stream.write(`${redactSecrets(line)}\n`);
  };
}
