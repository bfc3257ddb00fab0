import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Run artifacts are built in a staging folder inside the output folder and moved into place only
 * when complete, each top-level entry with one rename: a crash or an error mid-run leaves the
 * previous results untouched and no half-written run behind.
 */
export class StagedOutput {
  readonly stageDir: string;
  private readonly entries = new Set<string>();
  private done = false;

  constructor(readonly outDir: string, runId: string) {
    mkdirSync(outDir, { recursive: true });
    this.stageDir = join(outDir, `.staging-${runId}-${process.pid}`);
    rmSync(this.stageDir, { recursive: true, force: true });
    mkdirSync(this.stageDir, { recursive: true });
  }

  write(relPath: string, content: string): void {
    const full = join(this.stageDir, relPath);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    this.entries.add(relPath.split(/[\\/]/)[0]);
  }

  /** Moves every staged top-level entry over its previous version. */
  commit(): void {
    for (const entry of [...this.entries].sort()) {
      const target = join(this.outDir, entry);
      const old = join(this.outDir, `.old-${entry}-${process.pid}`);
      if (existsSync(target)) renameSync(target, old);
      renameSync(join(this.stageDir, entry), target);
      rmSync(old, { recursive: true, force: true });
    }
    rmSync(this.stageDir, { recursive: true, force: true });
    this.done = true;
  }

  abort(): void {
    if (!this.done) rmSync(this.stageDir, { recursive: true, force: true });
  }
}

/** Staging folders left by a killed run are garbage; a live run's (its pid still running) is not. */
export function removeStaleStaging(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const name of readdirSync(outDir)) {
    if (!name.startsWith('.staging-') && !name.startsWith('.old-')) continue;
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
