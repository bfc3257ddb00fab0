import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKobeError } from '../core/errors.js';
import { checkDatabase, openDatabase, tableNames } from './open-database.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-open-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function failure(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (!isKobeError(e)) throw e;
    return { code: e.code, kind: e.kind, file: e.file };
  }
  throw new Error('did not throw');
}

describe('openDatabase', () => {
  it('creates a new database in WAL mode, creating its folder', () => {
    const path = join(dir, 'a', 'b', 'kobe.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(existsSync(path)).toBe(true);
  });

  it('names the path in a coded input error for a folder, a non-SQLite file, a path under a file, a missing database', () => {
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'text'), 'not sqlite at all\n'.repeat(100));
    writeFileSync(join(dir, 'file'), 'x');
    expect(failure(() => openDatabase(join(dir, 'folder')))).toEqual({ code: 'DB_IS_FOLDER', kind: 'input', file: join(dir, 'folder') });
    expect(failure(() => openDatabase(join(dir, 'text')))).toEqual({ code: 'DB_NOT_SQLITE', kind: 'input', file: join(dir, 'text') });
    expect(failure(() => openDatabase(join(dir, 'file', 'kobe.db')))).toEqual({ code: 'DB_NOT_WRITABLE', kind: 'input', file: join(dir, 'file', 'kobe.db') });
    expect(failure(() => checkDatabase(join(dir, 'missing.db'), { mustExist: true }))).toEqual({ code: 'DB_MISSING', kind: 'input', file: join(dir, 'missing.db') });
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });

  it('an empty file is a new database, not an error', () => {
    writeFileSync(join(dir, 'empty.db'), '');
    checkDatabase(join(dir, 'empty.db'));
  });
});

describe('tableNames', () => {
  it("lists an existing database's tables and creates nothing: a missing one is DB_MISSING", () => {
    const path = join(dir, 'kobe.db');
    expect(failure(() => tableNames(path))).toEqual({ code: 'DB_MISSING', kind: 'input', file: path });
    expect(existsSync(path)).toBe(false);
    const db = openDatabase(path);
    db.exec('CREATE TABLE a (x); CREATE TABLE b (y); CREATE INDEX a_x ON a (x);');
    db.close();
    expect([...tableNames(path)].sort()).toEqual(['a', 'b']);
  });
});
