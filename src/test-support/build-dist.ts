import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests that start kobe as separate processes (workers, the benchmark runner) run the compiled
 * JavaScript in dist/; building it once before the suite means they never run stale code.
 */
export default function setup(): void {
  // For quick local runs of tests that start no process; CI never sets it.
  if (process.env.KOBE_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
