// A concurrent OMS writer for src/store/order-store.test.ts: inserts COUNT order intents (the
// same COUNT intents in every writer, so writers race for each key) into the order store at DB
// through the compiled store, starting at START_AT (epoch ms) so two writers overlap. Prints one
// JSON line (how many rows it created, how many it found); exit code 1 with the error on stderr.
// With OPEN_AFTER_START=1 it waits before opening the store instead, so two writers open (and
// migrate) an old database at once.
//
//   node order-writer.mjs DB WRITER_ID COUNT START_AT [OPEN_AFTER_START]
import { OrderStore } from '../../dist/store/order-store.js';

const [db, writer, count, startAt = '0', openAfterStart = '0'] = process.argv.slice(2);
const waitForStart = () => {
  while (Date.now() < Number(startAt)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
};
if (!db || !writer || !count) {
  process.stderr.write('usage: order-writer.mjs DB WRITER_ID COUNT [START_AT]\n');
  process.exit(2);
}

try {
  if (openAfterStart === '1') waitForStart();
  const store = new OrderStore(db, { now: () => new Date().toISOString() });
  waitForStart();
  let created = 0;
  let found = 0;
  for (let i = 0; i < Number(count); i++) {
    const r = store.insertOrder({
      tradingDate: '2017-11-10',
      strategy: 'race',
      symbol: `S${i}`,
      side: 'buy',
      intent: 'entry',
      qty: 10,
      orderType: 'limit',
      timeInForce: 'ioc',
      limitPrice: 12.5,
    });
    if (r.created) created++;
    else found++;
  }
  store.close();
  process.stdout.write(`${JSON.stringify({ writer, created, found })}\n`);
} catch (e) {
  process.stderr.write(`${writer}: ${typeof e?.describe === 'function' ? e.describe() : String(e)}\n`);
  process.exitCode = 1;
}
