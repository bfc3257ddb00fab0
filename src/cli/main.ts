import { Command, CommanderError } from 'commander';
import { isKobeError } from '../core/errors.js';
import { redactDeep, redactSecrets, registerSecrets, secretEnvValues } from '../core/redact.js';
import { EXIT } from './exit-codes.js';
import { registerAudit } from './commands/audit.js';
import { registerDaily } from './commands/daily.js';
import { registerData } from './commands/data.js';
import { registerEvolve } from './commands/evolve.js';
import { registerKillSwitch } from './commands/kill-switch.js';
import { registerOrder } from './commands/order.js';
import { registerPositions } from './commands/positions.js';
import { registerPromote } from './commands/promote.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerReport } from './commands/report.js';
import { registerRisk } from './commands/risk.js';
import { registerRuns } from './commands/runs.js';
import { registerScan } from './commands/scan.js';
import { registerScanTrain } from './commands/scan-train.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStatus } from './commands/status.js';
import { registerWf } from './commands/wf.js';
import { registerWorker } from './commands/worker.js';
import type { CliIo } from './io.js';
import { withParamFlag } from './param-flags.js';
import { makeChalk } from './render.js';
import { KOBE_VERSION } from '../app/version.js';

export { EXIT };

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('kobe')
    .description('systematic equity research: data -> signals -> portfolio backtests -> walk-forward')
    .version(KOBE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerWf(program, io, setExit);
  registerSimulate(program, io, setExit);
  registerData(program, io, setExit);
  registerEvolve(program, io, setExit);
  registerWorker(program, io, setExit);
  registerPromote(program, io, setExit);
  registerAudit(program, io, setExit);
  registerRuns(program, io, setExit);
  registerReport(program, io, setExit);
  registerScanTrain(registerScan(program, io, setExit), io, setExit);
  registerOrder(program, io, setExit);
  registerPositions(program, io, setExit);
  registerReconcile(program, io, setExit);
  registerKillSwitch(program, io, setExit);
  registerRisk(program, io, setExit);
  registerDaily(program, io, setExit);
  registerStatus(program, io, setExit);
  registerServe(program, io, setExit);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}

/** Runs kobe with `argv` (without node and script) and returns the exit code; never exits the process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  const json = argv.includes('--json');
  registerSecrets(secretEnvValues(io.env));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (isKobeError(e)) {
      const c = makeChalk(io, 'stderr');
      const shown = withParamFlag(e);
      io.stderr.write(`${c.red('error:')} ${redactSecrets(shown.describe())}\n`);
      if (json) io.stdout.write(`${JSON.stringify({ error: redactDeep(shown.toJSON()) }, null, 2)}\n`);
      return shown.kind === 'runtime' ? EXIT.runtime : EXIT.usage;
    }
    const err = e as Error;
    io.stderr.write(`internal error: ${redactSecrets(err.stack ?? String(err))}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: redactSecrets(err.message) } }, null, 2)}\n`);
    return EXIT.runtime;
  }
}
