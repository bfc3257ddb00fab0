import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (two levels above src/test-support). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The real Stooq data set every real-data test reads, at run time and never copied:
 * `../shared/data/us-equities-stooq` beside the project root. KOBE_SHARED_DATA_DIR points
 * elsewhere (a git worktree whose parent has no shared/); there is no other fallback.
 */
export const SHARED_STOOQ_DIR = process.env.KOBE_SHARED_DATA_DIR !== undefined && process.env.KOBE_SHARED_DATA_DIR !== ''
  ? resolve(process.env.KOBE_SHARED_DATA_DIR)
  : resolve(REPO_ROOT, '..', 'shared', 'data', 'us-equities-stooq');

export const REQUIRE_SHARED_DATA = process.env.KOBE_REQUIRE_SHARED_DATA === '1';

/**
 * Whether real-data tests can run; every real-data test gates on this (`describe.runIf(...)`).
 * Absent data skips them with a message naming the folder, except where KOBE_REQUIRE_SHARED_DATA=1
 * (CI, see .ci/run): there a missing folder throws, failing the test file instead of skipping it.
 */
export function sharedDataAvailable(): boolean {
  const present = existsSync(join(SHARED_STOOQ_DIR, 'universe.csv'));
  if (!present && REQUIRE_SHARED_DATA) {
    throw new Error(`KOBE_REQUIRE_SHARED_DATA=1 but the real data set is missing: ${SHARED_STOOQ_DIR} has no universe.csv (put shared/ beside the repo, or set KOBE_SHARED_DATA_DIR)`);
  }
  if (!present) console.warn(`SKIPPING real-data tests: ${SHARED_STOOQ_DIR} not found (set KOBE_SHARED_DATA_DIR, or KOBE_REQUIRE_SHARED_DATA=1 to make this a failure)`);
  return present;
}
