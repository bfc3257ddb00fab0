import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../store/run-store.js';
import { checkOutDir, pointLatest, publishInTransaction, StagedRun } from './artifacts.js';

let dir: string;
let out: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-artifacts-'));
  out = join(dir, 'wf_outputs');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const row = (runId: string) => ({ runId, command: 'wf', manifestJson: `{"runId":"${runId}"}`, summaryJson: '[]' });
const visible = () => (existsSync(out) ? readdirSync(out).filter((n) => !n.startsWith('.')).sort() : []);

function staged(runId: string, text: string): StagedRun {
  const s = new StagedRun(out, runId);
  s.write('manifest.json', text);
  s.write('ibs-rsi/summary.json', text);
  return s;
}

describe('StagedRun: one folder per run, published with one rename', () => {
  it('interleaved runs into one folder each keep their own files; latest names one complete run', () => {
    const a = staged('aaaa', 'run a');
    const b = staged('bbbb', 'run b');
    // Nothing is visible while both are staging.
    expect(visible()).toEqual([]);
    b.publish().confirm();
    a.publish().confirm();
    pointLatest(out, 'aaaa');
    pointLatest(out, 'bbbb');
    expect(readFileSync(join(out, 'aaaa', 'manifest.json'), 'utf8')).toBe('run a');
    expect(readFileSync(join(out, 'bbbb', 'ibs-rsi', 'summary.json'), 'utf8')).toBe('run b');
    expect(readlinkSync(join(out, 'latest'))).toBe('bbbb');
    expect(readFileSync(join(out, 'latest', 'manifest.json'), 'utf8')).toBe('run b');
    expect(readdirSync(out).sort()).toEqual(['aaaa', 'bbbb', 'latest']);
  });

  it('a rerun of the same run id replaces its folder and leaves one', () => {
    staged('aaaa', 'first').publish().confirm();
    staged('aaaa', 'second').publish().confirm();
    expect(readdirSync(out)).toEqual(['aaaa']);
    expect(readFileSync(join(out, 'aaaa', 'manifest.json'), 'utf8')).toBe('second');
  });

  it('two publishers of the same run id at once both succeed and leave one folder', () => {
    const first = staged('aaaa', 'same');
    const second = staged('aaaa', 'same');
    const p1 = first.publish();
    const p2 = second.publish();
    p1.confirm();
    p2.confirm();
    expect(readdirSync(out)).toEqual(['aaaa']);
    expect(readFileSync(join(out, 'aaaa', 'manifest.json'), 'utf8')).toBe('same');
  });

  it('undo removes the published folder and brings back the copy it replaced', () => {
    staged('aaaa', 'old').publish().confirm();
    staged('aaaa', 'new').publish().undo();
    expect(readdirSync(out)).toEqual(['aaaa']);
    expect(readFileSync(join(out, 'aaaa', 'manifest.json'), 'utf8')).toBe('old');
  });
});

describe('publishInTransaction: the registry and the disk agree', () => {
  it('a commit that fails after the rename removes the folder again', () => {
    const s = staged('aaaa', 'run a');
    expect(() =>
      publishInTransaction(s, (inside) => {
        inside();
        throw new Error('disk I/O error at COMMIT');
      }),
    ).toThrow(/COMMIT/);
    expect(visible()).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a rename that fails rolls the rows back, and a rerun keeps its previous copy', () => {
    const db = join(dir, 'kobe.db');
    const store = new RunStore(db);
    publishInTransaction(staged('aaaa', 'old'), (inside) => store.recordRun(row('aaaa'), [], 't0', inside));
    expect(store.getRun('aaaa')?.recordedAt).toBe('t0');

    const s = staged('aaaa', 'new');
    rmSync(s.stageDir, { recursive: true }); // the rename of the staged folder now fails
    expect(() => publishInTransaction(s, (inside) => store.recordRun(row('aaaa'), [], 't1', inside))).toThrow(/ARTIFACT|cannot write artifacts/);
    expect(store.getRun('aaaa')?.recordedAt).toBe('t0');
    expect(readFileSync(join(out, 'aaaa', 'manifest.json'), 'utf8')).toBe('old');

    const t = staged('bbbb', 'b');
    rmSync(t.stageDir, { recursive: true });
    expect(() => publishInTransaction(t, (inside) => store.recordRun(row('bbbb'), [], 't2', inside))).toThrow();
    expect(store.getRun('bbbb')).toBeUndefined();
    expect(visible()).toEqual(['aaaa']);
    store.close();
  });

  it('a transaction that fails before the rename leaves no folder and no staging', () => {
    const s = staged('aaaa', 'run a');
    expect(() =>
      publishInTransaction(s, () => {
        throw new Error('SQLITE_FULL');
      }),
    ).toThrow(/SQLITE_FULL/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('checkOutDir', () => {
  it('accepts a missing folder under a writable one and creates nothing', () => {
    checkOutDir(join(dir, 'a', 'b'));
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('refuses a file, and a path under a file, naming it', () => {
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => checkOutDir(join(dir, 'f'))).toThrow(/is not a folder/);
    expect(() => checkOutDir(join(dir, 'f', 'sub'))).toThrow(/f is not a folder/);
    mkdirSync(join(dir, 'ok'));
    checkOutDir(join(dir, 'ok'));
  });
});
