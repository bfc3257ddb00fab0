import { Command, CommanderError } from 'commander';
import { isKobeError } from '../core/errors.js';
import { redactDeep, redactSecrets, registerSecrets, secretEnvValues } from '../core/redact.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { withParamFlag } from './param-flags.js';
import { makeChalk } from './render.js';
import { KOBE_VERSION } from '../app/version.js';

export { EXIT };

type Register = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/**
 * Each command's module, in help order, imported only when that command runs (or for the full
 * help): loading every command's libraries (the server, the queue, the brokers...) cost every
 * command about 0.35 s of start-up.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  wf: async () => (await import('./commands/wf.js')).registerWf,
  simulate: async () => (await import('./commands/simulate.js')).registerSimulate,
  data: async () => (await import('./commands/data.js')).registerData,
  evolve: async () => (await import('./commands/evolve.js')).registerEvolve,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  promote: async () => (await import('./commands/promote.js')).registerPromote,
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  runs: async () => (await import('./commands/runs.js')).registerRuns,
  report: async () => (await import('./commands/report.js')).registerReport,
  scan: async () => {
    const [{ registerScan }, { registerScanTrain }] = await Promise.all([import('./commands/scan.js'), import('./commands/scan-train.js')]);
    return (program, io, setExit) => registerScanTrain(registerScan(program, io, setExit), io, setExit);
  },
  order: async () => (await import('./commands/order.js')).registerOrder,
  positions: async () => (await import('./commands/positions.js')).registerPositions,
  reconcile: async () => (await import('./commands/reconcile.js')).registerReconcile,
  'kill-switch': async () => (await import('./commands/kill-switch.js')).registerKillSwitch,
  risk: async () => (await import('./commands/risk.js')).registerRisk,
  daily: async () => (await import('./commands/daily.js')).registerDaily,
  status: async () => (await import('./commands/status.js')).registerStatus,
  serve: async () => (await import('./commands/serve.js')).registerServe,
};

/** The program with every command, or with `only` that one (the one argv names). */
export async function buildProgram(io: CliIo, setExit: (code: number) => void, only?: string): Promise<Command> {
  const program = new Command('kobe')
    .description('systematic equity research: data -> signals -> portfolio backtests -> walk-forward')
    .version(KOBE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]()));
  for (const register of registers) register(program, io, setExit);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}

/** Runs kobe with `argv` (without node and script) and returns the exit code; never exits the process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = await buildProgram(
    io,
    (c) => {
      code = c;
    },
    argv[0],
  );
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
