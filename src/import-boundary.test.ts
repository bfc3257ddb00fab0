import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImportBoundaries, formatViolation } from './test-support/import-boundary.js';

/**
 * Holds the layout's dependency direction (see test-support/import-boundary.ts for the rules):
 * pure libraries import no orchestration, no I/O module, and read no clock, randomness or
 * process state; I/O edge folders do not import orchestration; nothing imports scripts/.
 */
const SRC = dirname(fileURLToPath(import.meta.url));

describe('import boundaries of src/', () => {
  it('has no violations (each is listed as file:line: rule: detail)', () => {
    const found = checkImportBoundaries(SRC).map(formatViolation);
    expect(found, `\n${found.join('\n')}\n`).toEqual([]);
  });
});

describe('the checker on a planted fixture', () => {
  const root = mkdtempSync(join(tmpdir(), 'kobe-boundary-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write(
    'src/backtest/bad.ts',
    [
      "import { main } from '../cli/main.js';",
      "import type { Row } from '../store/run-store.js';",
      "import { readFileSync } from 'node:fs';",
      "import { Pool } from 'pg';",
      "import { createHash, randomUUID } from 'node:crypto';",
      "export { thing } from '../data/load.js';",
      'export const t = Date.now();',
      'export const d = new Date();',
      'export const r = Math.random();',
      'export const p = performance.now();',
      'export const h = process.hrtime();',
      "const lazy = () => import('node:child_process');",
      'export const later = () => new Promise((r) => setImmediate(r));',
      "export const e = { flag: '--train-days', hint: `shorten --test-days` };",
      'export const f = (flag: string) => ({ flag });',
    ].join('\n'),
  );
  write(
    'src/portfolio/fine.ts',
    [
      "import { createHash } from 'node:crypto';",
      "import { sma } from '../indicators/sma.js';",
      '// Date.now() in a comment and Math.random in a string are not reads:',
      "export const s = 'Math.random()';",
      'export const epoch = new Date(0);',
      "export const utc = Date.UTC(2020, 0, 1) + Date.parse('2020-01-01');",
      "export const e = { param: 'trainDays', hint: 'i--x is no flag', n: 3 };",
      'let k = 2; k--; --k;',
    ].join('\n'),
  );
  write('src/portfolio/fine.test.ts', "import { readFileSync } from 'node:fs';\nexport const t = Date.now();\n");
  write('src/data/edge.ts', "import { sma } from '../indicators/sma.js';\nimport { main } from '../cli/main.js';\nimport { readFileSync } from 'node:fs';\n");
  write('src/cli/cmd.ts', "import { run } from '../../scripts/nightly.js';\nimport { load } from '../data/load.js';\n");
  const found = checkImportBoundaries(join(root, 'src')).map(formatViolation);

  it('reports every planted violation with file and line, and nothing else', () => {
    expect(found).toEqual([
      "src/backtest/bad.ts:1: PURE_IMPORTS_EDGE: pure 'backtest/' imports '../cli/main.js' (cli/ is orchestration or I/O)",
      "src/backtest/bad.ts:2: PURE_IMPORTS_EDGE: pure 'backtest/' imports '../store/run-store.js' (store/ is orchestration or I/O)",
      "src/backtest/bad.ts:3: PURE_IMPORTS_IO: pure 'backtest/' imports 'node:fs' (not in PURE_PACKAGES)",
      "src/backtest/bad.ts:4: PURE_IMPORTS_IO: pure 'backtest/' imports 'pg' (not in PURE_PACKAGES)",
      "src/backtest/bad.ts:5: PURE_IMPORTS_IO: pure 'backtest/' takes randomUUID from 'node:crypto' (allowed: createHash)",
      "src/backtest/bad.ts:6: PURE_IMPORTS_EDGE: pure 'backtest/' imports '../data/load.js' (data/ is orchestration or I/O)",
      'src/backtest/bad.ts:7: PURE_READS_CLOCK: reads Date.now',
      'src/backtest/bad.ts:8: PURE_READS_CLOCK: new Date() without arguments reads the clock',
      'src/backtest/bad.ts:9: PURE_READS_RANDOM: reads Math.random',
      'src/backtest/bad.ts:10: PURE_READS_CLOCK: reads performance.now',
      'src/backtest/bad.ts:11: PURE_USES_RUNTIME: reads process.hrtime',
      "src/backtest/bad.ts:12: PURE_IMPORTS_IO: pure 'backtest/' imports 'node:child_process' (not in PURE_PACKAGES)",
      'src/backtest/bad.ts:13: PURE_USES_RUNTIME: calls setImmediate()',
      'src/backtest/bad.ts:14: PURE_NAMES_FLAG: sets an error flag; set `param` (the parameter name) instead',
      'src/backtest/bad.ts:14: PURE_NAMES_FLAG: a string names the flag --train-days; name the parameter',
      'src/backtest/bad.ts:14: PURE_NAMES_FLAG: a string names the flag --test-days; name the parameter',
      'src/backtest/bad.ts:15: PURE_NAMES_FLAG: sets an error flag; set `param` (the parameter name) instead',
      "src/cli/cmd.ts:1: IMPORTS_SCRIPTS: imports '../../scripts/nightly.js': src never imports scripts/",
      "src/data/edge.ts:2: EDGE_IMPORTS_APP: I/O edge 'data/' imports '../cli/main.js' (cli/ sits above it)",
    ]);
  });
});
