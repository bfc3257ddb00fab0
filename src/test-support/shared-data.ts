import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/data/us-equities-stooq beside the project root (read at run time, never copied).
 * KOBE_SHARED_DATA_DIR (the `data` folder) overrides it for checkouts elsewhere, e.g. a git
 * worktree that does not sit beside `shared`.
 */
export const SHARED_STOOQ_DIR = resolve(
  process.env.KOBE_SHARED_DATA_DIR ?? resolve(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'data'),
  'us-equities-stooq',
);

/**
 * Whether real-data tests can run. Absent data skips them with a message, except in CI, where
 * `.ci/run` sets KOBE_REQUIRE_SHARED_DATA=1 and a missing folder is a failure instead.
 */
export function sharedDataAvailable(): boolean {
  const present = existsSync(join(SHARED_STOOQ_DIR, 'universe.csv'));
  if (!present && process.env.KOBE_REQUIRE_SHARED_DATA === '1') {
    throw new Error(`KOBE_REQUIRE_SHARED_DATA=1 but ${SHARED_STOOQ_DIR} is missing`);
  }
  if (!present) console.warn(`skipping real-data tests: ${SHARED_STOOQ_DIR} not found`);
  return present;
}
