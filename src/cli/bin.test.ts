import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireFreshDist } from '../test-support/build-dist.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

describe('the kobe binary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kobe-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops quietly when its reader closes the pipe (kobe ... | head)', () => {
    requireFreshDist();
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" simulate --cap 30 --json | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(r.stderr).toMatch(/rc=0/);
  });

  it('starts through its own #! line as the kernel runs it (env -S with the malloc tunable)', () => {
    requireFreshDist();
    const shebang = readFileSync(BIN, 'utf8').split('\n')[0];
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1 node$/);
    // What the kernel does with `#!interpreter arg`: one argument after the interpreter, then the script.
    const r = spawnSync('/usr/bin/env', [shebang.slice('#!/usr/bin/env '.length), BIN, '--version'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
