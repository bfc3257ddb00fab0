import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectFileLock, releaseFileLock, tryAcquireFileLock } from './file-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-file-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;
const owner = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host, token: 'tok', startedAt: '2024-01-16T14:35:00.000Z' })}\n`;

describe('inspectFileLock: who holds a lock, without taking or breaking it', () => {
  it('null when no lock file; the holder of a lock taken with tryAcquireFileLock, alive and not stale', () => {
    const lock = join(dir, 'daily.lock');
    expect(inspectFileLock(lock)).toBeNull();
    const taken = tryAcquireFileLock(lock, '2024-01-16T14:35:00.000Z');
    expect(taken.ok).toBe(true);
    expect(inspectFileLock(lock)).toEqual({ holder: { pid: process.pid, host: hostname(), startedAt: '2024-01-16T14:35:00.000Z' }, alive: true, stale: false });
    if (taken.ok) releaseFileLock(lock, taken.token);
    expect(inspectFileLock(lock)).toBeNull();
  });

  it('a dead holder on this host is stale; the file is left in place', () => {
    const lock = join(dir, 'daily.lock');
    const pid = deadPid();
    writeFileSync(lock, owner(pid));
    expect(inspectFileLock(lock)).toEqual({ holder: { pid, host: hostname(), startedAt: '2024-01-16T14:35:00.000Z' }, alive: false, stale: true });
    expect(inspectFileLock(lock)?.holder?.pid).toBe(pid);
  });

  it('another host: liveness unknown, never stale', () => {
    const lock = join(dir, 'daily.lock');
    writeFileSync(lock, owner(deadPid(), 'elsewhere'));
    expect(inspectFileLock(lock)).toMatchObject({ holder: { host: 'elsewhere' }, alive: null, stale: false });
  });

  it('an unreadable lock: no holder, stale only once older than unreadableStaleMs', () => {
    const lock = join(dir, 'daily.lock');
    writeFileSync(lock, '{"pid":');
    expect(inspectFileLock(lock, { unreadableStaleMs: 60_000 })).toEqual({ holder: null, alive: null, stale: false });
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    expect(inspectFileLock(lock, { unreadableStaleMs: 60_000 })).toEqual({ holder: null, alive: null, stale: true });
  });
});
