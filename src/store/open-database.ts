import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError, KobeError } from '../core/errors.js';

export interface OpenDatabaseOptions {
  /**
   * Refuse a database that does not exist yet instead of creating an empty one. For commands
   * that read what an earlier run recorded (promote, runs): an empty new file would only turn a
   * typo into a confusing "no such run".
   */
  readonly mustExist?: boolean;
}

/**
 * The one way kobe opens its SQLite store (runs, evolve, registry tables all share the file).
 * Every check a command needs before it computes anything happens here, so a bad `path` is a
 * coded error naming it, never a stack trace after a long backtest:
 * - a folder, or a path under a regular file -> DB_IS_FOLDER / DB_NOT_WRITABLE (input: exit 2);
 * - a file that is not SQLite -> DB_NOT_SQLITE (input);
 * - a missing file when `mustExist` -> DB_MISSING (input);
 * - a database SQLite cannot write (read-only file, folder or file system) -> DB_NOT_WRITABLE;
 * - anything else SQLite or the file system reports -> DB_IO (runtime: exit 1).
 * The returned handle is in WAL mode with a busy timeout, foreign keys on, and proven writable.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  if (path === ':memory:') return configure(new Database(path), path);
  const existing = statOrNull(path);
  if (existing?.isDirectory()) {
    throw inputError('DB_IS_FOLDER', `database path ${path} is a folder`, { file: path, value: path, hint: 'name a database file, e.g. kobe.db' });
  }
  if (existing === null) {
    if (options.mustExist === true) {
      throw inputError('DB_MISSING', `no database at ${path}`, { file: path, value: path, hint: 'name the database an earlier kobe wf, simulate or evolve run recorded into' });
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
      accessSync(dirname(path), constants.W_OK);
    } catch (e) {
      throw notWritable(path, e);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: options.mustExist === true });
  } catch (e) {
    throw classify(path, e);
  }
  // Two processes opening a new database at once can meet in the switch to WAL, where SQLite
  // answers SQLITE_BUSY at once instead of waiting on the busy timeout (it would deadlock
  // otherwise). Configuring is idempotent, so it is retried for a few seconds before it counts
  // as a failure.
  const deadline = Date.now() + 5_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return configure(db, path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
      if (busy && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(100, 5 * 2 ** attempt));
        continue;
      }
      db.close();
      throw classify(path, e);
    }
  }
}

/** Opens, validates and closes: for a command that must know its database works before it computes. */
export function checkDatabase(path: string, options: OpenDatabaseOptions = {}): void {
  openDatabase(path, options).close();
}

/**
 * The tables of an existing database (DB_MISSING when there is none): lets a reader such as
 * `kobe status` open only the stores that have tables, instead of creating empty ones.
 */
export function tableNames(path: string): ReadonlySet<string> {
  const db = openDatabase(path, { mustExist: true });
  try {
    return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  } catch (e) {
    throw databaseFailure(path, 'listing the tables', e);
  } finally {
    db.close();
  }
}

function configure(db: Database.Database, path: string): Database.Database {
  // Reading the schema is the first thing that touches the file's header: a non-SQLite file
  // fails here (SQLITE_NOTADB).
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // SQLite silently opens a file it may not write read-only; writing the user version back
  // unchanged proves it can write (and creates the file for a new database) now, not after a run.
  if (path !== ':memory:') {
    const version = Number(db.pragma('user_version', { simple: true }));
    db.pragma(`user_version = ${version}`);
  }
  return db;
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw notWritable(path, e);
    throw new KobeError('DB_IO', `cannot inspect database path ${path}: ${(e as Error).message}`, { file: path, value: path, cause: e });
  }
}

function notWritable(path: string, cause: unknown): KobeError {
  return inputError('DB_NOT_WRITABLE', `cannot create or write the database ${path} (${(cause as Error).message})`, {
    file: path,
    value: path,
    hint: 'name a database in a folder you can write',
    cause,
  });
}

/**
 * A database failure after the database was opened (disk full, I/O error, a lock held too long)
 * as a runtime error naming the path and what was being done; a KobeError passes through.
 */
export function databaseFailure(path: string, doing: string, e: unknown): KobeError {
  if (e instanceof KobeError) return e;
  const code = (e as { code?: string }).code;
  return new KobeError('DB_IO', `database ${path}: ${doing} failed${code ? ` (${code})` : ''}: ${(e as Error).message}`, { file: path, value: path, cause: e });
}

function classify(path: string, e: unknown): KobeError {
  if (e instanceof KobeError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB') {
    return inputError('DB_NOT_SQLITE', `${path} is not a SQLite database`, { file: path, value: path, hint: 'name a kobe database (e.g. kobe.db) or a new file', cause: e });
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return notWritable(path, e);
  }
  return new KobeError('DB_IO', `database ${path}: ${(e as Error).message}`, { file: path, value: path, cause: e });
}
