import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface MeasuredRuns {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  /** Each run's stderr (kobe's log), in run order. */
  readonly logs: readonly string[];
}

/** The environment the kobe executable's #! line gives node (src/cli/bin.ts). */
export const KOBE_EXECUTABLE_ENV = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } as const;

/**
 * A kobe command run `n` times in its own process (dist/bench/measured-run.js, under `root`),
 * started as the kobe executable starts node: best wall and CPU, highest peak RSS, each run's
 * log. `args` may differ per run (a fresh database).
 */
export function measuredRuns(root: string, args: readonly string[] | ((run: number) => readonly string[]), cwd: string, label: string, n = 3): MeasuredRuns {
  const runs: { wallMs: number; cpuMs: number; maxRssMb: number }[] = [];
  const logs: string[] = [];
  for (let r = 0; r < n; r++) {
    const t0 = performance.now();
    const child = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'measured-run.js'), ...(typeof args === 'function' ? args(r) : args)], { cwd, encoding: 'utf8', env: { ...process.env, ...KOBE_EXECUTABLE_ENV } });
    const wallMs = performance.now() - t0;
    const line = child.stderr.split('\n').find((l) => l.startsWith('KOBE_MEASURED '));
    const measured = line ? (JSON.parse(line.slice('KOBE_MEASURED '.length)) as { code: number; maxRssMb: number; cpuMs: number }) : null;
    if (child.status !== 0 || measured === null) throw new Error(`kobe ${label} failed (${child.status}): ${child.stderr}`);
    runs.push({ wallMs, cpuMs: measured.cpuMs, maxRssMb: measured.maxRssMb });
    logs.push(child.stderr);
  }
  return { wallMs: Math.min(...runs.map((r) => r.wallMs)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)), maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)), logs };
}
