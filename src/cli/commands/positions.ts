import type { Command } from 'commander';
import { listPositions } from '../../app/orders/manage.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { logger, table } from '../render.js';
import { addOrderPathOptions, withOrderSession, type OrderPathFlags } from './order.js';

export function registerPositions(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command('positions').description("the broker's positions, beside the net shares the OMS's recorded fills make");
  addOrderPathOptions(cmd).action(async (flags: OrderPathFlags, command: Command) => {
    setExit(
      await withOrderSession(io, flags, command, async (s) => {
        const r = await listPositions(s);
        if (flags.json === true) {
          io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return EXIT.ok;
        }
        const omsQty = new Map(r.oms.map((p) => [p.symbol, p.qty]));
        const symbols = [...new Set([...r.broker.map((p) => p.symbol), ...r.oms.map((p) => p.symbol)])].sort();
        const log = logger(io, false);
        if (symbols.length === 0) log('no positions');
        else
          log(
            table(
              ['symbol', 'broker qty', 'avg entry', 'market value', 'oms qty'],
              symbols.map((sym) => {
                const b = r.broker.find((p) => p.symbol === sym);
                return [sym, b?.qty ?? 0, b?.avgEntryPriceUsd ?? '', b?.marketValueUsd ?? '', omsQty.get(sym) ?? 0];
              }),
              io,
            ),
          );
        return EXIT.ok;
      }),
    );
  });
}
