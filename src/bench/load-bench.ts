import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Warm market loads, each in a fresh process (dist/bench/load-run.js): the load itself, and the
 * floor under it (reading the one cache file into fresh memory and one pass over it). On a VM
 * where newly touched memory costs ~3 ms per MB that floor is most of a load; with glibc's
 * transparent huge pages for malloc (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, set when node
 * starts) fresh memory is several times cheaper, so both are measured both ways.
 */
export function benchWarmLoad(root: string, dataDir: string, cacheDir: string, report: (what: string, figure: string, target?: string) => void, n = 3): void {
  const runner = join(root, 'dist', 'bench', 'load-run.js');
  // The cold load just wrote the cache: flush it, so its writeback does not compete with the runs.
  spawnSync('sync');
  const best = (args: readonly string[], env: NodeJS.ProcessEnv) => {
    const runs: { ms: number; cpuMs: number }[] = [];
    for (let r = 0; r < n; r++) {
      const child = spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', env });
      const line = child.stderr.split('\n').find((l) => l.startsWith('KOBE_LOAD '));
      if (child.status !== 0 || line === undefined) throw new Error(`load-run ${args.join(' ')} failed (${child.status}): ${child.stderr}`);
      runs.push(JSON.parse(line.slice('KOBE_LOAD '.length)) as { ms: number; cpuMs: number });
    }
    const f = (x: number) => (x / 1000).toFixed(3);
    return `${f(Math.min(...runs.map((r) => r.ms)))} s, ${f(Math.min(...runs.map((r) => r.cpuMs)))} s CPU (best of ${n})`;
  };
  const plain = { ...process.env, GLIBC_TUNABLES: '' };
  const huge = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
  report('warm load + check, own process', best(['load', dataDir, cacheDir], plain), 'target <= 0.3 s');
  report('  its floor: read the cache file, one pass', best(['floor', cacheDir], plain));
  report('warm load + check, own process, glibc THP for malloc', best(['load', dataDir, cacheDir], huge), 'target <= 0.3 s');
  report('  its floor, glibc THP for malloc', best(['floor', cacheDir], huge));
}
