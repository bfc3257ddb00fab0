import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inputError, KobeError } from '../core/errors.js';

/**
 * Run artifacts live in one folder per run, `<outDir>/<runId>/`, plus a pointer
 * `<outDir>/latest`, a relative symlink to the newest complete run folder.
 *
 * A run is built in a staging folder inside `outDir` (same file system) and published with ONE
 * rename of that folder to `<outDir>/<runId>`: a reader sees either no folder or a complete one,
 * and runs written concurrently into the same `outDir` never mix their files (each has its own
 * folder; nothing at the top level is shared except `latest`).
 *
 * `latest` is a symlink rather than a `latest.json`: `cat wf_outputs/latest/ibs-rsi/summary.json`
 * works in a shell, and replacing it is atomic on POSIX (a new link under a temp name renamed over
 * the old one), so it always names one complete run; with concurrent runs the last to finish wins.
 *
 * A rerun of the same run id (same manifest, so the same artifacts) replaces the folder: the old
 * one is moved aside, the new one renamed in, the old one deleted once the caller confirms; if the
 * caller undoes instead, the old one comes back. Two processes publishing the same run id at the
 * same instant both succeed and leave one folder (the second keeps the first one's identical copy).
 */
export class StagedRun {
  readonly stageDir: string;
  readonly runDir: string;
  private readonly nonce: string;
  private state: 'staging' | 'published' | 'done' = 'staging';

  constructor(readonly outDir: string, readonly runId: string) {
    this.runDir = join(outDir, runId);
    this.nonce = randomBytes(4).toString('hex');
    // The pid comes last: removeStaleStaging reads it to tell a live run's folder from garbage.
    this.stageDir = join(outDir, `.staging-${runId}-${this.nonce}-${process.pid}`);
    ioStep(outDir, () => {
      mkdirSync(outDir, { recursive: true });
      rmSync(this.stageDir, { recursive: true, force: true });
      mkdirSync(this.stageDir, { recursive: true });
    });
  }

  write(relPath: string, content: string): void {
    const full = join(this.stageDir, relPath);
    ioStep(full, () => {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    });
  }

  /**
   * Renames the staged run into `<outDir>/<runId>` and returns how to finish: `confirm()` drops
   * the replaced copy of a rerun, `undo()` removes the published folder and restores that copy.
   */
  publish(): { confirm(): void; undo(): void } {
    if (this.state !== 'staging') throw new KobeError('ARTIFACTS_STATE', `run ${this.runId} was already published or aborted`);
    const aside = join(this.outDir, `.old-${this.runId}-${this.nonce}-${process.pid}`);
    let movedAside = false;
    let ours = true;
    ioStep(this.runDir, () => {
      try {
        renameSync(this.runDir, aside);
        movedAside = true;
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw e;
      }
      try {
        renameSync(this.stageDir, this.runDir);
      } catch (e) {
        const code = errno(e);
        // Another process published the same run id between our two renames: same id, same
        // artifacts, so its copy stands and ours is dropped.
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          ours = false;
          rmSync(this.stageDir, { recursive: true, force: true });
          if (movedAside) rmSync(aside, { recursive: true, force: true });
          return;
        }
        if (movedAside) renameSync(aside, this.runDir);
        throw e;
      }
    });
    this.state = 'published';
    return {
      confirm: () => {
        this.state = 'done';
        if (movedAside) rmSync(aside, { recursive: true, force: true });
      },
      undo: () => {
        this.state = 'done';
        if (!ours) return;
        rmSync(this.runDir, { recursive: true, force: true });
        if (movedAside) renameSync(aside, this.runDir);
      },
    };
  }

  /** Drops the staging folder of a run that failed before it was published. */
  abort(): void {
    if (this.state === 'staging') rmSync(this.stageDir, { recursive: true, force: true });
    this.state = 'done';
  }
}

/** Points `<outDir>/latest` at `runId` with one atomic rename of a fresh symlink. */
export function pointLatest(outDir: string, runId: string): void {
  const link = join(outDir, 'latest');
  const tmp = join(outDir, `.latest-${runId}-${randomBytes(4).toString('hex')}-${process.pid}`);
  ioStep(link, () => {
    rmSync(tmp, { force: true });
    symlinkSync(runId, tmp, 'dir');
    renameSync(tmp, link);
  });
}

/**
 * Checks, without creating anything, that `outDir` can hold run folders: it is a folder or can
 * become one, and it is writable. Run before a command computes, so a bad path fails at once.
 */
export function checkOutDir(outDir: string): void {
  let probe = outDir;
  for (;;) {
    let isDir: boolean | null;
    try {
      isDir = statSync(probe).isDirectory();
    } catch (e) {
      const code = errno(e);
      // ENOTDIR: some ancestor is a file; walking up finds and names it.
      if (code === 'ENOENT' || code === 'ENOTDIR') isDir = null;
      else throw new KobeError('OUTDIR_IO', `cannot inspect the output folder ${outDir}: ${(e as Error).message}`, { file: outDir, value: outDir, cause: e });
    }
    if (isDir === false) {
      throw inputError('OUTDIR_NOT_A_FOLDER', probe === outDir ? `output folder ${outDir} is not a folder` : `cannot create the output folder ${outDir}: ${probe} is not a folder`, {
        file: outDir,
        value: outDir,
        hint: 'name a folder (it is created if missing)',
      });
    }
    if (isDir === true) break;
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  try {
    accessSync(probe, constants.W_OK);
  } catch (e) {
    throw inputError('OUTDIR_NOT_WRITABLE', `cannot write the output folder ${outDir} (${(e as Error).message})`, { file: outDir, value: outDir, hint: 'name a folder you can write', cause: e });
  }
}

/** Staging, aside and link temp names left by a killed run are garbage; a live run's (its pid still running) is not. */
export function removeStaleStaging(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const name of readdirSync(outDir)) {
    if (!name.startsWith('.staging-') && !name.startsWith('.old-') && !name.startsWith('.latest-')) continue;
    const pid = Number(name.slice(name.lastIndexOf('-') + 1));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(outDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes one file through a temp name and a rename. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

const errno = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? '';

/** An artifact write that failed at run time (disk full, permissions changed mid-run): exit 1, naming the path. */
function ioStep(path: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof KobeError) throw e;
    throw new KobeError('ARTIFACT_IO', `cannot write artifacts at ${path}: ${(e as Error).message}`, { file: path, value: path, cause: e });
  }
}

/**
 * Publishes a staged run inside a database transaction so that the registry and the disk never
 * disagree about it. `transact(inside)` must write the run's rows in one transaction, call
 * `inside()` before committing, and roll back if `inside` throws (`RunStore.recordRun` does).
 *
 * Order and why:
 * 1. rows written (not yet visible to anyone: uncommitted);
 * 2. `inside`: the staged folder renamed into place; if the rename fails, it throws, the
 *    transaction rolls back, and neither the rows nor the folder exist;
 * 3. commit; if the commit fails, the published folder is removed again (and a rerun's previous
 *    copy restored), so the disk holds no run the registry lacks;
 * 4. only then is a rerun's replaced copy deleted.
 * What no ordering can close: a crash (kill -9, power) between 2 and 3 leaves a folder whose run
 * the registry lacks; the folder is complete, and rerunning the same command records it.
 */
export function publishInTransaction(stage: StagedRun, transact: (inside: () => void) => void): void {
  const held: { published: ReturnType<StagedRun['publish']> | null } = { published: null };
  try {
    transact(() => {
      held.published = stage.publish();
    });
  } catch (e) {
    if (held.published !== null) held.published.undo();
    else stage.abort();
    throw e;
  }
  if (held.published === null) {
    stage.abort();
    throw new KobeError('ARTIFACTS_STATE', `run ${stage.runId} was recorded but its artifacts were never published`);
  }
  held.published.confirm();
}
