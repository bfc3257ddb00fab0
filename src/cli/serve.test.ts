import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireFreshDist } from '../test-support/build-dist.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/** `kobe serve` as a user starts it: the refusal off loopback, the token from .env, a clean stop on SIGTERM. */
const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const TOKEN = 'serve-token-8c1f0e2d94b7';
const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kobe-serve-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('kobe serve', () => {
  it('refuses a non-loopback --host without KOBE_API_TOKEN: exit 2, the message names the flag and the variable', async () => {
    const io = memoryIo(newDir());
    expect(await main(['serve', '--host', '0.0.0.0', '--port', '0'], io)).toBe(2);
    expect(io.err()).toContain('--host');
    expect(io.err()).toContain('requires KOBE_API_TOKEN');
    expect(io.err()).toContain('TOKEN_REQUIRED');
  });

  it('rejects a bad --port and bad market flags as usage errors', async () => {
    const dir = newDir();
    const port = memoryIo(dir);
    expect(await main(['serve', '--port', '99999'], port)).toBe(2);
    expect(port.err()).toContain('--port');
    const start = memoryIo(dir);
    expect(await main(['serve', '--start', '2023-02-30x'], start)).toBe(2);
    expect(start.err()).toContain('--start');
  });

  it('binds 0.0.0.0 with the token from .env, answers 401 without it and 200 with it, logs JSON lines without the token, exits 0 on SIGTERM', async () => {
    requireFreshDist();
    const dir = newDir();
    writeFileSync(join(dir, '.env'), `KOBE_API_TOKEN=${TOKEN}\n`);
    const child = spawn(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', '0', '--start', '2022-01-01', '--end', '2023-06-30'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const port = await new Promise<number>((res, rej) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /Server listening at http:\/\/[^"]*?:(\d+)/.exec(out);
        if (m) res(Number(m[1]));
      });
      child.on('exit', (code) => rej(new Error(`kobe serve exited (${code}) before listening: ${err}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const denied = await fetch(`${url}/api/backtests/status`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const allowed = await fetch(`${url}/api/backtests/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(allowed.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; status?: number; route?: string });
    expect(lines.filter((l) => l.msg === 'request').map((l) => [l.route, l.status])).toEqual([['/health', 200], ['/api/backtests/status', 401], ['/api/backtests/status', 200]]);
    expect(out + err).not.toContain(TOKEN);
  });
});
