import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDataAvailable, SHARED_STOOQ_DIR } from '../test-support/shared-data.js';
import { probePostgres, REQUIRE_PG } from '../test-support/postgres.js';

/**
 * Every command the README shows must run as written: a reader copies them into a shell. The
 * README's `sh` blocks are run, in order, by bash in one fresh project folder that has
 * `../shared` beside it (as the repository has), with `kobe` on the PATH as the compiled CLI.
 * `npm run kobe -- X` is run as `kobe X`; `npm install`, `npm test`, `npm link` and the other npm
 * scripts are the project's own lifecycle, which CI runs anyway.
 */

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

export interface ReadmeCommand {
  /** 1-based README line the command starts on. */
  readonly line: number;
  readonly text: string;
}

/** The shell commands of the README's ```sh blocks, continuation lines joined. */
export function readmeShellCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const out: ReadmeCommand[] = [];
  let inSh = false;
  let pending: { line: number; parts: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (/^```/.test(raw)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(raw);
      continue;
    }
    if (!inSh) continue;
    const t = raw.trim();
    if (pending === null && (t === '' || t.startsWith('#'))) continue;
    const cont = t.endsWith('\\');
    const part = cont ? t.slice(0, -1).trim() : t;
    if (pending === null) pending = { line: i + 1, parts: [part] };
    else pending.parts.push(part);
    if (!cont) {
      out.push({ line: pending.line, text: pending.parts.join(' ') });
      pending = null;
    }
  }
  return out;
}

const LIFECYCLE = /^npm (install|ci|test|link|run (typecheck|bench|build))\b/;

/** What bash runs for one README command: npm lifecycle steps are left to CI, `npm run kobe --` is `kobe`. */
function toScriptLine(text: string): string | null {
  const parts = text.split('&&').map((p) => p.trim());
  const kept = parts.filter((p) => !LIFECYCLE.test(p)).map((p) => p.replace(/^npm run kobe --\s*/, 'kobe '));
  return kept.length === 0 ? null : kept.join(' && ');
}

const commands = readmeShellCommands(README);
const needsData = commands.some((c) => c.text.includes('../shared/data'));
const needsPg = commands.some((c) => c.text.includes('postgres://'));

describe('readmeShellCommands', () => {
  it('joins continuation lines and drops comments', () => {
    const md = ['text', '```sh', '# a comment', 'kobe wf --a 1 \\', '        --b 2   # why', '', 'kobe x', '```', '```ts', 'kobe no', '```'].join('\n');
    expect(readmeShellCommands(md)).toEqual([
      { line: 4, text: 'kobe wf --a 1 --b 2   # why' },
      { line: 7, text: 'kobe x' },
    ]);
  });
});

const dataOk = !needsData || sharedDataAvailable();
let pgOk = true;
if (needsPg) {
  const why = await probePostgres();
  if (why !== null) {
    if (REQUIRE_PG) throw new Error(`KOBE_REQUIRE_PG=1 but PostgreSQL is unreachable (${why}); the README's queue example needs it`);
    console.warn(`skipping the README commands test: PostgreSQL is unreachable (${why})`);
    pgOk = false;
  }
}

describe.runIf(dataOk && pgOk)('every command in the README runs as written', () => {
  const base = mkdtempSync(join(tmpdir(), 'kobe-readme-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it(`runs the README's ${commands.length} shell commands in a fresh folder`, () => {
    const project = join(base, 'project');
    const bin = join(base, 'bin');
    mkdirSync(project);
    mkdirSync(bin);
    // ../shared beside the project, exactly as beside the repository.
    symlinkSync(resolve(SHARED_STOOQ_DIR, '..', '..'), join(base, 'shared'));
    writeFileSync(join(bin, 'kobe'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist', 'cli', 'bin.js')}" "$@"\n`);
    chmodSync(join(bin, 'kobe'), 0o755);

    const script: string[] = ['set -u', 'wait_all() { for p in $(jobs -p); do wait "$p" || exit 90; done; }'];
    const ran: ReadmeCommand[] = [];
    for (const c of commands) {
      const line = toScriptLine(c.text);
      if (line === null) continue;
      ran.push(c);
      const label = `README.md:${c.line}`;
      // A promotion that is rejected (exit 3) is an outcome, not a broken example.
      const okCodes = /\bkobe promote\b/.test(line) ? '0|3' : '0';
      script.push(`echo "== ${label}" >&2`);
      script.push(line.endsWith('&') ? line : `${line}\nrc=$?; case $rc in ${okCodes}) ;; *) echo "FAILED ${label} (exit $rc): ${line.replace(/["`$\\]/g, '\\$&')}" >&2; exit 1;; esac`);
    }
    script.push('wait_all');
    const r = spawnSync('bash', ['-c', script.join('\n')], {
      cwd: project,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', KOBE_DATA_DIR: '' },
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      timeout: 15 * 60_000,
    });
    const tail = (r.stderr ?? '').split('\n').slice(-40).join('\n');
    expect(r.status, tail).toBe(0);
    expect(ran.length).toBeGreaterThan(5);
  }, 20 * 60_000);
});
