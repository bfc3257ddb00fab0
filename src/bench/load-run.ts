/**
 * One warm market load in a fresh process, for the benchmark (load-bench.ts): a process's first
 * load is what a user's run pays, with every byte of its memory freshly touched.
 *
 * `node dist/bench/load-run.js load <dataDir> <cacheDir>` times loadMarket of every symbol of
 * the folder's universe.csv (mask, calendar SPY); `... floor <cacheDir>` times the least any
 * load of that cache can do: read the market cache file into fresh memory and pass over it
 * once (its checksum). Prints `KOBE_LOAD {"ms","cpuMs"}` on stderr.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { cacheChecksum } from '../data/cache.js';
import { loadMarket } from '../data/load.js';
import { readUniverseFile } from '../data/universe.js';

async function run(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  const symbols = mode === 'load' ? readUniverseFile(join(a, 'universe.csv')).map((u) => u.symbol) : [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'load') {
    await loadMarket({ dataDir: a, symbols, cacheDir: b, policy: 'mask', calendarSymbol: 'SPY' });
  } else {
    const file = readdirSync(a).find((f) => f.endsWith('.kbm'));
    if (file === undefined) throw new Error(`no market cache file in ${a}`);
    const fd = openSync(join(a, file), 'r');
    const bytes = new Uint8Array(fstatSync(fd).size & ~7);
    for (let got = 0; got < bytes.length; ) got += readSync(fd, bytes, got, bytes.length - got, got);
    closeSync(fd);
    cacheChecksum(bytes);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stderr.write(`KOBE_LOAD ${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
