import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * src/confidence is a pure library: no I/O, no clock, no Math.random (the seeded core/rng only),
 * and it imports nothing from the I/O edge. Checked on the source text of every non-test file.
 */
const DIR = new URL('./', import.meta.url);
const sources = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const FORBIDDEN: readonly [RegExp, string][] = [
  [/from '(node:|fs|path|child_process|os)/, 'a Node built-in'],
  [/from '\.\.\/(cli|server|app|data|store|audit|distributed|brokers)\//, 'an I/O-edge module'],
  [/Math\.random/, 'Math.random'],
  [/Date\.now|new Date\(|performance\.now|process\./, 'the clock or the process'],
];

describe('src/confidence is pure', () => {
  it('has sources to check', () => expect(sources.length).toBeGreaterThanOrEqual(6));
  it.each(sources)('%s', (file) => {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    for (const [pattern, what] of FORBIDDEN) expect(pattern.test(text), `${file} uses ${what}`).toBe(false);
  });
});
