import { relative } from 'node:path';
import type { Command } from 'commander';
import { writeRunReport } from '../../app/report/run-report.js';
import { usageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';
import { cliContext } from '../market-flags.js';
import { logger } from '../render.js';

interface ReportFlags {
  db: string;
  outdir: string;
  json?: boolean;
}

export function registerReport(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('report <id>')
    .description('one self-contained report.html (charts inside, opens offline) for a recorded wf, evolve, simulate or promote run, written beside its artifacts')
    .option('--db <file>', 'SQLite store the run was recorded in', 'kobe.db')
    .option('--outdir <dir>', 'artifact folder the run wrote to', 'wf_outputs')
    .option('--json', 'machine-readable result on stdout')
    .action(async (id: string, flags: ReportFlags) => {
      const json = flags.json === true;
      const log = logger(io, json);
      const prefix = id.trim();
      if (prefix === '') throw usageError('BAD_RUN_ID', 'name a run: its id or a unique prefix of it', { flag: 'id', value: id, hint: 'kobe runs lists them' });
      const written = await writeRunReport({ runId: prefix, db: flags.db, outDir: flags.outdir }, cliContext(io, log));
      if (json) io.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else log(`report of ${written.command} run ${written.runId}: ${relative(io.cwd, written.file) || written.file} (${written.sections} sections)`);
      setExit(0);
    });
}
