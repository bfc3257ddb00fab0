import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { main } from './main.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-persist-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const WF = ['wf', '--strategy', 'ibs-rsi', '--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31', '--train-days', '126', '--test-days', '63'];
const SIM = ['simulate', '--strategy', 'ibs-rsi', '--cap', '12', '--start', '2019-01-01', '--end', '2021-12-31'];

describe('a bad --db or --outdir is a coded error naming the path, found before any computing', () => {
  const badDbs: [string, () => string, RegExp][] = [
    ['a text file', () => (writeFileSync(join(dir, 'notes.txt'), 'hello, this is not a database\n'.repeat(50)), 'notes.txt'), /notes\.txt.*not a SQLite database.*\[DB_NOT_SQLITE\]/],
    ['a folder', () => (mkdirSync(join(dir, 'folder')), 'folder'), /folder.*is a folder.*\[DB_IS_FOLDER\]/],
    ['a path under a file', () => (writeFileSync(join(dir, 'plain'), 'x'), 'plain/kobe.db'), /plain.*cannot create.*\[DB_NOT_WRITABLE\]/],
  ];
  it.each(badDbs)('wf --db naming %s exits 2 and writes no artifacts', async (_name, make, message) => {
    const r = await kobe([...WF, '--db', make()]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(join(dir, 'wf_outputs'))).toBe(false);
    // Refused before the backtest: no run line was printed.
    expect(r.out).not.toMatch(/^run [0-9a-f]{16}:/m);
  });

  it.each(badDbs)('simulate --db naming %s exits 2 before it simulates', async (_name, make, message) => {
    const r = await kobe([...SIM, '--db', make()]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/internal error/);
  });

  it.each(badDbs)('promote and promote --review with --db naming %s exit 2', async (_name, make, message) => {
    const db = make();
    for (const args of [['promote', '0123456789abcdef', '--db', db], ['promote', '--review', '--db', db], ['promote', 'wf:0123456789abcdef', '--db', db]]) {
      const r = await kobe(args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/internal error/);
    }
  });

  it('promote refuses a database that does not exist instead of creating an empty one', async () => {
    for (const args of [['promote', '0123456789abcdef', '--db', 'missing.db'], ['promote', '--review', '--db', 'missing.db']]) {
      const r = await kobe(args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/missing\.db.*no database.*\[DB_MISSING\]/);
    }
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });

  it('wf --outdir naming an existing file exits 2 before it computes and records nothing', async () => {
    writeFileSync(join(dir, 'taken'), 'a file\n');
    const r = await kobe([...WF, '--outdir', 'taken']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/taken.*not a folder.*\[OUTDIR_NOT_A_FOLDER\]/);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.out).not.toMatch(/^run [0-9a-f]{16}:/m);
    if (existsSync(join(dir, 'kobe.db'))) {
      const db = new Database(join(dir, 'kobe.db'), { readonly: true });
      expect((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(0);
      db.close();
    }
  });
});

describe('concurrent wf runs into one --outdir', () => {
  function kobeProcess(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => done({ code, out, err }));
    });
  }

  it('two processes with different configs each get a folder whose manifest is their own; latest names one complete run', async () => {
    const a = [...WF, '--json'];
    const b = ['wf', '--strategy', 'turtle-soup', '--cap', '10', '--start', '2019-01-01', '--end', '2021-06-30', '--train-days', '126', '--test-days', '126', '--json'];
    const [ra, rb] = await Promise.all([kobeProcess(a), kobeProcess(b)]);
    expect(ra.code, ra.err).toBe(0);
    expect(rb.code, rb.err).toBe(0);
    const ja = JSON.parse(ra.out);
    const jb = JSON.parse(rb.out);
    expect(ja.runId).not.toBe(jb.runId);
    const out = join(dir, 'wf_outputs');
    expect(readdirSync(out).sort()).toEqual([ja.runId, jb.runId, 'latest'].sort());
    for (const [j, strategy] of [[ja, 'ibs-rsi'], [jb, 'turtle-soup']] as const) {
      const manifest = JSON.parse(readFileSync(join(out, j.runId, 'manifest.json'), 'utf8'));
      expect(manifest).toEqual(j.manifest);
      expect(readdirSync(join(out, j.runId)).sort()).toEqual([strategy, 'manifest.json'].sort());
      expect(JSON.parse(readFileSync(join(out, j.runId, strategy, 'summary.json'), 'utf8')).runId).toBe(j.runId);
    }
    const latest = readlinkSync(join(out, 'latest'));
    expect([ja.runId, jb.runId]).toContain(latest);
    expect(JSON.parse(readFileSync(join(out, 'latest', 'manifest.json'), 'utf8')).runId).toBe(latest);
    // Both runs are in the registry.
    const db = new Database(join(dir, 'kobe.db'), { readonly: true });
    const ids = (db.prepare('SELECT run_id FROM runs ORDER BY run_id').all() as { run_id: string }[]).map((r) => r.run_id);
    db.close();
    expect(ids).toEqual([ja.runId, jb.runId].sort());
  });
});
