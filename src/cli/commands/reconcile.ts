import type { Command } from 'commander';
import { reconcileOrders } from '../../app/orders/manage.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { logger } from '../render.js';
import { addOrderPathOptions, withOrderSession, type OrderPathFlags } from './order.js';

export function registerReconcile(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('reconcile')
    .description("the OMS's orders and positions against the broker's: every difference reported, none written over; exit 1 when there is any");
  addOrderPathOptions(cmd).action(async (flags: OrderPathFlags, command: Command) => {
    setExit(
      await withOrderSession(io, flags, command, async (s, ctx) => {
        const differences = await reconcileOrders(s, ctx);
        if (flags.json === true) io.stdout.write(`${JSON.stringify({ broker: s.broker.name, ok: differences.length === 0, differences }, null, 2)}\n`);
        else {
          const log = logger(io, false);
          log(differences.length === 0 ? `in agreement with ${s.broker.name}` : `${differences.length} difference(s) with ${s.broker.name}:`);
          for (const d of differences) log(`  ${d.kind}: ${d.detail}`);
        }
        return differences.length === 0 ? EXIT.ok : EXIT.runtime;
      }),
    );
  });
}
