import { spawnSync } from 'node:child_process';

type Report = (what: string, figure: string, target?: string) => void;

/**
 * What any process pays on this machine before kobe does anything: Node's own start-up, and the
 * first touch of fresh memory (a new process's pages are mapped on first write; on some virtual
 * machines that costs milliseconds per MB). Every whole-process figure above includes both, so
 * they are printed beside them: a goal below their sum cannot be met here by kobe's code.
 */
export function benchFloor(marketBytes: number, report: Report, reps = 3): void {
  const run = (script: string) => {
    const best = { wallMs: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY, innerMs: Number.POSITIVE_INFINITY };
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      const wallMs = performance.now() - t0;
      if (child.status !== 0) throw new Error(`floor probe failed: ${child.stderr}`);
      const { cpuMs, innerMs } = JSON.parse(child.stdout) as { cpuMs: number; innerMs: number };
      best.wallMs = Math.min(best.wallMs, wallMs);
      best.cpuMs = Math.min(best.cpuMs, cpuMs);
      best.innerMs = Math.min(best.innerMs, innerMs);
    }
    return best;
  };
  const cpu = 'const c = process.cpuUsage(); const cpuMs = (c.user + c.system) / 1000;';
  const start = run(`${cpu} console.log(JSON.stringify({ cpuMs, innerMs: 0 }))`);
  report('node start-up, empty script, own process (floor)', `${(start.wallMs / 1000).toFixed(3)} s wall, ${(start.cpuMs / 1000).toFixed(3)} s CPU (best of ${reps})`);
  const mb = marketBytes / 2 ** 20;
  // Written twice: the first pass pays the page faults, the second the plain memory bandwidth.
  const touch = run(
    `const a = new Float64Array(${Math.ceil(marketBytes / 8)}); let t = performance.now(); a.fill(1); const first = performance.now() - t; t = performance.now(); a.fill(2); const second = performance.now() - t; ${cpu} console.log(JSON.stringify({ cpuMs, innerMs: first, again: second }))`,
  );
  report(
    `first write of ${mb.toFixed(0)} MB of fresh memory (the warm load's bytes), own process (floor)`,
    `${(touch.innerMs / 1000).toFixed(3)} s (${(touch.innerMs / mb).toFixed(2)} ms per MB; best of ${reps})`,
  );
}
