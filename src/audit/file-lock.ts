import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { KobeError } from '../core/errors.js';

/**
 * An exclusive lock file for synchronous writers in separate processes (Node has no flock).
 *
 * Protocol:
 * - Acquire: create `lockPath` with O_CREAT|O_EXCL (`openSync(lockPath, 'wx')`) and write
 *   `{"pid","host","token"}` into it. O_EXCL makes creation atomic: at most one writer succeeds.
 * - Busy: sleep a few milliseconds (a synchronous `Atomics.wait`) and retry until `timeoutMs`,
 *   then throw AUDIT_LOCK_TIMEOUT naming the holder.
 * - Stale: a lock whose pid is not running on this host (or that stays unreadable, i.e. its
 *   writer died between creating and filling it, for `unreadableStaleMs`) is broken. Breaking
 *   happens under a second, short-lived lock `lockPath.break`: its holder re-reads the lock and
 *   unlinks it only if it is still the same file (inode) with the same content it judged stale.
 *   Without that, two waiters could both judge the old lock stale and the slower one would
 *   delete the lock the faster one had just taken.
 * - Release: unlink the lock only if it still carries our token.
 *
 * Limits: a lock held by a process on another host is never judged stale (its pid means nothing
 * here), so it is only waited for. A reused pid makes a stale lock look alive until the timeout;
 * the error says which file to delete. If a process dies inside the microseconds it holds
 * `lockPath.break`, that break lock is itself broken by pid, and only a second crash racing that
 * could let two writers in.
 */
export interface FileLockOptions {
  /** Give up after this long; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts; default 5 ms plus up to as much again of jitter. */
  readonly retryMs?: number;
  /** A lock file with no readable owner is stale after this long; default 3 000 ms. */
  readonly unreadableStaleMs?: number;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** When the holder took the lock (ISO); kept for people reading a long-held lock. */
  readonly startedAt?: string;
}

/** Who holds a lock, as its file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string | null;
}

interface SeenLock {
  readonly raw: string;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly owner: LockOwner | null;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds without spinning. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Runs `fn` holding the lock file `lockPath`; the lock is released however `fn` ends. */
export function withFileLock<T>(lockPath: string, fn: () => T, options: FileLockOptions = {}): T {
  const token = acquireFileLock(lockPath, options);
  try {
    return fn();
  } finally {
    releaseFileLock(lockPath, token);
  }
}

/** Takes the lock and returns the token that `releaseFileLock` needs. */
export function acquireFileLock(lockPath: string, options: FileLockOptions = {}): string {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retryMs = options.retryMs ?? 5;
  const unreadableStaleMs = options.unreadableStaleMs ?? 3_000;
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(16).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(lockPath, me)) return me.token;
    const seen = inspectLock(lockPath);
    if (seen !== null && isStale(seen, unreadableStaleMs) && breakStale(lockPath, seen, me, unreadableStaleMs)) continue;
    if (seen === null) continue; // released between our attempt and our look: try again at once
    if (Date.now() >= deadline) {
      const holder = seen.owner === null ? 'an unknown process' : `pid ${seen.owner.pid} on ${seen.owner.host}`;
      throw new KobeError('AUDIT_LOCK_TIMEOUT', `${lockPath} is held by ${holder}; gave up after ${timeoutMs} ms`, {
        file: lockPath,
        hint: `if no kobe process is writing next to it, delete ${lockPath}`,
      });
    }
    sleepSync(retryMs + Math.floor(Math.random() * (retryMs + 1)));
  }
}

/**
 * One attempt at the lock, for a job that must not wait (a cron run that finds another run in
 * progress): a stale lock (its pid dead on this host) is broken as `acquireFileLock` would; a live
 * one answers who holds it. Never blocks longer than breaking a stale lock takes.
 */
export type TryLockResult =
  /** Taken; `recoveredFrom` names the dead holder whose stale lock was broken first, if any. */
  | { readonly ok: true; readonly token: string; readonly recoveredFrom: LockHolder | null }
  | { readonly ok: false; readonly holder: LockHolder | null };

export function tryAcquireFileLock(lockPath: string, startedAt: string, options: Pick<FileLockOptions, 'unreadableStaleMs'> = {}): TryLockResult {
  const unreadableStaleMs = options.unreadableStaleMs ?? 3_000;
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(16).toString('hex'), startedAt };
  const holderOf = (seen: SeenLock): LockHolder | null => (seen.owner === null ? null : { pid: seen.owner.pid, host: seen.owner.host, startedAt: seen.owner.startedAt ?? null });
  let recoveredFrom: LockHolder | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, me)) return { ok: true, token: me.token, recoveredFrom };
    const seen = inspectLock(lockPath);
    if (seen === null) continue;
    if (isStale(seen, unreadableStaleMs) && breakStale(lockPath, seen, me, unreadableStaleMs)) {
      recoveredFrom = holderOf(seen) ?? { pid: 0, host: 'unknown', startedAt: null };
      continue;
    }
    return { ok: false, holder: holderOf(seen) };
  }
  return { ok: false, holder: null };
}

/** A lock file as a reader sees it, without taking or breaking it (what `kobe status` shows). */
export interface LockView {
  /** Who the file names; null when it cannot be read as a lock (half-written or foreign). */
  readonly holder: LockHolder | null;
  /** Whether the holder's process runs: null when that cannot be known here (another host, or no readable holder). */
  readonly alive: boolean | null;
  /** What the next taker would judge: a dead holder on this host, or an unreadable file older than `unreadableStaleMs`. */
  readonly stale: boolean;
}

/** Looks at `lockPath` and says who holds it and whether it is stale; null when no lock is held. Never changes it. */
export function inspectFileLock(lockPath: string, options: Pick<FileLockOptions, 'unreadableStaleMs'> = {}): LockView | null {
  const seen = inspectLock(lockPath);
  if (seen === null) return null;
  const owner = seen.owner;
  return {
    holder: owner === null ? null : { pid: owner.pid, host: owner.host, startedAt: owner.startedAt ?? null },
    alive: owner === null || owner.host !== hostname() ? null : pidAlive(owner.pid),
    stale: isStale(seen, options.unreadableStaleMs ?? 3_000),
  };
}

/** Removes the lock if it is still ours; returns false when it was not (someone broke it). */
export function releaseFileLock(lockPath: string, token: string): boolean {
  const seen = inspectLock(lockPath);
  if (seen === null || seen.owner?.token !== token) return false;
  unlinkQuietly(lockPath);
  return true;
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KobeError('AUDIT_LOCK_FAILED', `cannot create lock file ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(path);
    throw new KobeError('AUDIT_LOCK_FAILED', `cannot write lock file ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  closeSync(fd);
  return true;
}

/** The lock as it is now, read through one descriptor so inode and content belong together; null if absent. */
function inspectLock(path: string): SeenLock | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KobeError('AUDIT_LOCK_FAILED', `cannot read lock file ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  try {
    const st = fstatSync(fd);
    const raw = readFileSync(fd, 'utf8');
    return { raw, ino: st.ino, mtimeMs: st.mtimeMs, owner: parseOwner(raw) };
  } finally {
    closeSync(fd);
  }
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const v = JSON.parse(raw) as Partial<LockOwner> | null;
    if (v !== null && typeof v === 'object' && Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid as number, host: v.host, token: v.token, ...(typeof v.startedAt === 'string' ? { startedAt: v.startedAt } : {}) };
    }
  } catch {
    // half-written or foreign content: judged by age below
  }
  return null;
}

function isStale(seen: SeenLock, unreadableStaleMs: number): boolean {
  if (seen.owner === null) return Date.now() - seen.mtimeMs > unreadableStaleMs;
  if (seen.owner.host !== hostname()) return false;
  return !pidAlive(seen.owner.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the stale lock `seen` if it is still in place; false when another process is busy breaking it. */
function breakStale(lockPath: string, seen: SeenLock, me: LockOwner, unreadableStaleMs: number): boolean {
  const breakPath = `${lockPath}.break`;
  if (!tryCreate(breakPath, me)) {
    const other = inspectLock(breakPath);
    if (other !== null && isStale(other, unreadableStaleMs)) unlinkQuietly(breakPath);
    return false;
  }
  try {
    const now = inspectLock(lockPath);
    if (now !== null && now.ino === seen.ino && now.raw === seen.raw) unlinkQuietly(lockPath);
    return true;
  } finally {
    unlinkQuietly(breakPath);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
