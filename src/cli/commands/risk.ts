import type { Command } from 'commander';
import { resetRisk, riskStatus, type RiskStatus } from '../../app/orders/manage.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { logger } from '../render.js';
import { addRiskStateOptions, withRiskSession, type RiskStateFlags } from './order.js';

export function registerRisk(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const risk = program.command('risk').description('the circuit breaker and the kill switch of the order path');
  const status = risk.command('status').description('breaker state (ACTIVE or HALTED, and why), errors today, kill switch');
  addRiskStateOptions(status).action(async (flags: RiskStateFlags) => {
    setExit(await withRiskSession(io, flags, (s, ctx) => print(riskStatus(s, ctx), flags, io)));
  });
  const reset = risk.command('reset').description('move a HALTED breaker back to ACTIVE; only a person does this, with a reason').requiredOption('--reason <text>', 'why (recorded in the audit log)');
  addRiskStateOptions(reset).action(async (flags: RiskStateFlags & { reason: string }) => {
    setExit(await withRiskSession(io, flags, (s, ctx) => print(resetRisk(flags.reason, s, ctx), flags, io)));
  });
}

function print(r: RiskStatus, flags: RiskStateFlags, io: CliIo): number {
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return EXIT.ok;
  }
  const log = logger(io, false);
  log(`circuit breaker: ${r.breaker.state}${r.breaker.reason === null ? '' : ` (${r.breaker.reason})`}`);
  log(`errors today: ${r.errorsToday}`);
  log(`kill switch: ${r.killSwitch.engaged ? `ON${r.killSwitch.detail?.reason === undefined ? '' : ` (${r.killSwitch.detail.reason})`}` : 'off'}`);
  return EXIT.ok;
}
