import type Database from 'better-sqlite3';
import { KobeError } from '../core/errors.js';

/**
 * Creates a table, or brings one an older kobe made up to its current definition, in place.
 *
 * Adding a nullable column is an `ALTER TABLE ADD COLUMN`, but SQLite's ALTER TABLE cannot change
 * a CHECK or a NOT NULL constraint (a new order type in a CHECK list, a column that may now be
 * null), so an outdated table is rebuilt by the procedure SQLite documents for any schema change
 * (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off, then in one
 * transaction create the new table under a temporary name, copy the rows, drop the old table,
 * rename the new one, recreate its indexes and check the foreign keys, then foreign keys on.
 * Tables that reference it keep referring to it by name and see the rebuilt table.
 *
 * Columns both definitions have are copied; a column only the new one has takes its default.
 * Two processes opening an old file at once both see it outdated; the second waits on the write
 * lock, looks again inside its transaction and finds nothing left to do.
 */
export interface TableDefinition {
  readonly table: string;
  /** The CREATE TABLE statement under `name` (the table's own, or the temporary one of a rebuild). */
  readonly create: (name: string) => string;
  /** CREATE INDEX IF NOT EXISTS statements (a rebuild drops the old table's indexes). */
  readonly indexes: string;
  /** Whether the table as it stands (its CREATE statement, its columns) predates `create`. */
  readonly outdated: (current: { readonly sql: string; readonly columns: ReadonlySet<string> }) => boolean;
}

/** Creates or migrates the table; returns true when an existing table was rebuilt. */
export function ensureTable(db: Database.Database, def: TableDefinition): boolean {
  const current = (): { sql: string; columns: Set<string> } | null => {
    const row = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(def.table) as { sql: string } | undefined;
    return row === undefined ? null : { sql: row.sql, columns: columnsOf(db, def.table) };
  };
  const before = current();
  if (before === null) {
    db.exec(`${def.create(def.table)};\n${def.indexes}`);
    return false;
  }
  if (!def.outdated(before)) {
    db.exec(def.indexes);
    return false;
  }
  // A no-op inside a transaction: it must be switched before BEGIN.
  db.pragma('foreign_keys = OFF');
  try {
    return db
      .transaction((): boolean => {
        const now = current();
        if (now === null || !def.outdated(now)) return false;
        const temp = `${def.table}_migrating`;
        db.exec(`DROP TABLE IF EXISTS ${temp}`);
        db.exec(def.create(temp));
        const target = columnsOf(db, temp);
        const shared = [...now.columns].filter((c) => target.has(c)).join(', ');
        db.exec(`INSERT INTO ${temp} (${shared}) SELECT ${shared} FROM ${def.table}`);
        db.exec(`DROP TABLE ${def.table}`);
        db.exec(`ALTER TABLE ${temp} RENAME TO ${def.table}`);
        db.exec(def.indexes);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) {
          throw new KobeError('DB_MIGRATION', `rebuilding table ${def.table} left ${broken.length} rows with broken foreign keys`, { kind: 'runtime', value: def.table });
        }
        return true;
      })
      .immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
}
