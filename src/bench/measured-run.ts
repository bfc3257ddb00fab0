/**
 * Runs one kobe command in its own process and reports its peak RSS, so the benchmark measures
 * a real run's memory rather than the benchmark's own.
 *
 * The peak is VmHWM from /proc/self/status, which belongs to this process image: Linux copies
 * getrusage's maxrss from the parent at fork, so a child of a large benchmark process would
 * report the parent's size, not its own.
 */
import { readFileSync } from 'node:fs';
import { processIo } from '../cli/io.js';
import { main } from '../cli/main.js';

function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) / 1024;
  } catch {
    // Not Linux: fall back to getrusage, which is right for a process started from a small one.
  }
  return process.resourceUsage().maxRSS / 1024;
}

const io = processIo();
const quiet = { ...io, stdout: { write: () => true, isTTY: false } };
main(process.argv.slice(2), quiet).then((code) => {
  const cpu = process.cpuUsage();
  process.stderr.write(`\nKOBE_MEASURED ${JSON.stringify({ code, maxRssMb: peakRssMb(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exitCode = code;
});
