// A concurrent writer for src/audit/audit-log.test.ts: appends COUNT records to FILE through the
// compiled audit layer, starting at START_AT (epoch ms) so two writers overlap. Prints one JSON
// line when done; exit code 1 with the error on stderr if an append fails.
//
//   node audit-writer.mjs FILE WRITER_ID COUNT START_AT [BARRIER_DIR PARTIES]
// With BARRIER_DIR, each writer also waits (up to 60 s) until PARTIES writers have checked in
// there: on a loaded machine a process may start later than any fixed START_AT. Halfway through,
// each writer waits again until every party is halfway: a scheduler may otherwise let one writer
// finish all its appends before the other runs once, and the records would not interleave.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendAudit } from '../../dist/audit/audit-log.js';

const [file, writer, count, startAt = '0', barrierDir, parties = '2'] = process.argv.slice(2);
if (!file || !writer || !count) {
  process.stderr.write('usage: audit-writer.mjs FILE WRITER_ID COUNT [START_AT]\n');
  process.exit(2);
}

const sleep1ms = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
const meetAt = (stage) => {
  if (!barrierDir) return;
  writeFileSync(join(barrierDir, `${writer}.${stage}`), '');
  const deadline = Date.now() + 60_000;
  while (readdirSync(barrierDir).filter((n) => n.endsWith(`.${stage}`)).length < Number(parties) && Date.now() < deadline) sleep1ms();
};
meetAt('ready');
while (Date.now() < Number(startAt)) sleep1ms();

try {
  const seqs = [];
  for (let i = 0; i < Number(count); i++) {
    if (i === Math.floor(Number(count) / 2)) meetAt('half');
    const r = appendAudit(file, { kind: 'order-decision', subject: `${writer}-${i}`, data: { writer, i }, at: new Date().toISOString() }, { timeoutMs: 30_000 });
    seqs.push(r.seq);
  }
  process.stdout.write(`${JSON.stringify({ writer, appended: seqs.length, first: seqs[0], last: seqs.at(-1) })}\n`);
} catch (e) {
  process.stderr.write(`${writer}: ${typeof e?.describe === 'function' ? e.describe() : String(e)}\n`);
  process.exitCode = 1;
}
