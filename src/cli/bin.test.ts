import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
});
