import type { Command } from 'commander';
import { switchKillSwitch } from '../../app/orders/manage.js';
import { usageError } from '../../core/errors.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { logger } from '../render.js';
import { addRiskStateOptions, withRiskSession, type RiskStateFlags } from './order.js';

export function registerKillSwitch(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('kill-switch <state>')
    .description('on: block every order submission (the file <state-dir>/KILL_SWITCH, read before each broker call); off: allow them again')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)');
  addRiskStateOptions(cmd).action(async (state: string, flags: RiskStateFlags & { reason: string }) => {
    if (state !== 'on' && state !== 'off') throw usageError('BAD_ARGUMENT', `kill-switch takes on or off, was '${state}'`, { value: state });
    setExit(
      await withRiskSession(io, flags, (s, ctx) => {
        const status = switchKillSwitch(state === 'on', flags.reason, s, ctx);
        if (flags.json === true) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else logger(io, false)(`kill switch ${status.engaged ? 'ON: every submission is blocked' : 'off'}`);
        return EXIT.ok;
      }),
    );
  });
}
