import { relative } from 'node:path';
import type { Command } from 'commander';
import { writeRunReport } from '../../app/report/run-report.js';
import { usageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { logger } from '../render.js';
import { addMonteCarloOptions, monteCarloFromFlags, type MonteCarloFlags } from '../risk-flags.js';

interface ReportFlags extends MonteCarloFlags {
  db: string;
  outdir: string;
  dataDir?: string;
  stress: boolean;
  json?: boolean;
}

export function registerReport(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('report <id>')
    .description('one self-contained report.html (charts inside, opens offline) for a recorded wf, evolve, simulate or promote run, written beside its artifacts; a simulation is replayed from its manifest on the same data (checked by hash) and resampled (--monte-carlo)')
    .option('--db <file>', 'SQLite store the run was recorded in', 'kobe.db')
    .option('--outdir <dir>', 'artifact folder the run wrote to', 'wf_outputs')
    .option('--data-dir <dir>', 'where the data of a replayed simulation is now, if it moved (the data hash is checked)')
    .option('--no-stress', 'leave the stress scenarios out of a simulation report')
    .option('--json', 'machine-readable result on stdout');
  addMonteCarloOptions(cmd, '1000');
  cmd.action(async (id: string, flags: ReportFlags) => {
      const json = flags.json === true;
      const log = logger(io, json);
      const prefix = id.trim();
      if (prefix === '') throw usageError('BAD_RUN_ID', 'name a run: its id or a unique prefix of it', { flag: 'id', value: id, hint: 'kobe runs lists them' });
      const risk = { ...monteCarloFromFlags(flags), stress: flags.stress };
      const written = await writeRunReport({ runId: prefix, db: flags.db, outDir: flags.outdir, dataDir: flags.dataDir ?? null, risk }, cliContext(io, log));
      if (json) io.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else log(`report of ${written.command} run ${written.runId}: ${relative(io.cwd, written.file) || written.file} (${written.sections} sections)`);
      setExit(0);
    });
}
