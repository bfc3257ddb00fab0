import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

/**
 * Tests that start kobe as separate processes or threads (workers, the kill -9 resume test,
 * the audit and queue writer scripts) run the compiled JavaScript in dist/; building it once
 * before the suite means they never run stale code.
 */
export default function setup(): void {
  // For quick local runs of tests that start no process; CI never sets it. A test that does
  // start compiled code calls requireFreshDist() and fails if dist/ is older than src/.
  if (process.env.KOBE_SKIP_BUILD === '1') {
    const stale = staleDist();
    if (stale !== null) console.warn(`KOBE_SKIP_BUILD=1 with a stale dist/ (${stale}): tests that run compiled code will fail`);
    return;
  }
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** Sources tsconfig.build.json compiles: src/**\/*.ts but tests, declarations and test-support. */
function* buildSources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (full !== join(SRC, 'test-support')) yield* buildSources(full);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

/** Why dist/ may not match src/ (a source with no compiled file, or one newer than it); null when current. */
export function staleDist(): string | null {
  if (!existsSync(DIST)) return 'dist/ does not exist';
  for (const src of buildSources(SRC)) {
    const rel = relative(SRC, src);
    const out = join(DIST, rel.replace(/\.ts$/, '.js'));
    if (!existsSync(out)) return `dist/${rel.replace(/\.ts$/, '.js')} is missing`;
    if (statSync(out).mtimeMs < statSync(src).mtimeMs) return `src/${rel} is newer than its dist/ build`;
  }
  return null;
}

/** Call before starting compiled code: throws when dist/ could be stale, so it never decides a result silently. */
export function requireFreshDist(): void {
  const stale = staleDist();
  if (stale !== null) {
    throw new Error(`this test runs compiled code in dist/, which is stale: ${stale}. Run it without KOBE_SKIP_BUILD=1 (the suite builds dist/ first) or run npm run build`);
  }
}
