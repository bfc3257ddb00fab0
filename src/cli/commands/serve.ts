import type { Command } from 'commander';
import { checkNumber } from '../../app/check.js';
import { usageError } from '../../core/errors.js';
import { buildServer } from '../../server/build-server.js';
import type { CliIo } from '../io.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { addEngineOptions, addMarketOptions, addWalkForwardOptions, engineConfigFromFlags, walkForwardFromFlags, type EngineFlags, type WalkForwardFlags } from '../options.js';

interface ServeFlags extends MarketFlags, EngineFlags, WalkForwardFlags {
  host: string;
  port: string;
  db: string;
  outdir: string;
  jobsDir: string;
  stateDir: string;
  audit: string;
}

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('serve')
    .description('the dashboard and its backtest job API over HTTP (loopback by default; any other address needs KOBE_API_TOKEN); stops cleanly on SIGINT or SIGTERM')
    .option('--host <addr>', 'address to listen on; anything but 127.0.0.1, ::1 or localhost requires KOBE_API_TOKEN', '127.0.0.1')
    .option('--port <n>', 'TCP port (0: any free port)', '8787')
    .option('--outdir <dir>', 'artifact folder of the job\'s walk-forward runs (as kobe wf)', 'wf_outputs')
    .option('--jobs-dir <dir>', 'folder of latest.json, its partial and error files and the weekly archives', 'state/backtests')
    .option('--state-dir <dir>', 'the daily pipeline\'s state folder, for the dashboard', 'state')
    .option('--audit <file>', 'hash-chained audit log whose chain the dashboard verifies', 'audit/audit.jsonl')
    .addHelpText('after', '\nThe walk-forward flags are the defaults of a job; a request may set trainDays, testDays, minTrainTrades and tune.');
  addWalkForwardOptions(cmd);
  addMarketOptions(cmd);
  addEngineOptions(cmd);
  cmd.action(async (flags: ServeFlags, command: Command) => {
    setExit(await runServe(flags, io, command.getOptionValueSource('dotenv') === 'cli'));
  });
}

async function runServe(flags: ServeFlags, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  // Everything is logged as JSON lines by the server; the context's own lines go nowhere else.
  const ctx = cliContext(io, () => undefined, { path: flags.dotenv, explicit: dotenvExplicit });
  const port = checkNumber(flags.port, '--port', { integer: true, min: 0 });
  if (port > 65535) throw usageError('BAD_FLAG', `--port must be 0..65535, was ${port}`, { flag: '--port', value: flags.port });
  const rawToken = ctx.env.KOBE_API_TOKEN?.trim();
  const app = buildServer(
    {
      host: flags.host,
      token: rawToken === undefined || rawToken === '' ? null : rawToken,
      job: {
        defaults: {
          market: marketSpecFromFlags(flags),
          windows: walkForwardFromFlags(flags),
          tune: flags.tune,
        },
        engine: engineConfigFromFlags(flags),
        outDir: flags.outdir,
        db: flags.db,
        jobsDir: flags.jobsDir,
      },
      stateDir: flags.stateDir,
      audit: flags.audit,
      logStream: io.stdout,
    },
    ctx,
  );
  try {
    await app.listen({ host: flags.host, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw usageError('PORT_IN_USE', `port ${port} on ${flags.host} is in use`, { flag: '--port', value: flags.port, hint: 'pick another --port, or stop what listens there' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw usageError('BAD_HOST', `cannot listen on ${flags.host}: not an address of this machine`, { flag: '--host', value: flags.host });
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  app.log.info('stopping: closing the server');
  await app.close();
  return 0;
}
