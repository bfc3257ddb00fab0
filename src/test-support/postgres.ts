import pg from 'pg';

/**
 * The PostgreSQL the distributed tests use: KOBE_TEST_PG_URL, default the local `test` database.
 * Unreachable, those tests skip with a warning, unless KOBE_REQUIRE_PG=1 (CI), where they fail.
 */
export const PG_URL = process.env.KOBE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_PG = process.env.KOBE_REQUIRE_PG === '1';

/** null when PostgreSQL answers, else why not. */
export async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e) {
    return e instanceof Error ? e.message || e.name : String(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether to skip: probes once and warns when skipping. Under KOBE_REQUIRE_PG=1 an unreachable
 * server throws, failing the test file instead of skipping it (as sharedDataAvailable does).
 */
export async function skipWithoutPostgres(label: string, redact: (url: string) => string): Promise<{ skip: boolean; unreachable: string | null }> {
  const unreachable = await probePostgres();
  if (unreachable !== null && REQUIRE_PG) {
    throw new Error(`${label}: KOBE_REQUIRE_PG=1 but PostgreSQL at ${redact(PG_URL)} is unreachable (${unreachable})`);
  }
  const skip = unreachable !== null;
  if (skip) {
    console.warn(
      `${label}: SKIPPING the PostgreSQL tests: ${redact(PG_URL)} is unreachable (${unreachable}). ` +
        'Start PostgreSQL or set KOBE_TEST_PG_URL; set KOBE_REQUIRE_PG=1 to make this a failure.',
    );
  }
  return { skip, unreachable };
}
