// A concurrent writer for src/audit/audit-log.test.ts: appends COUNT records to FILE through the
// compiled audit layer, starting at START_AT (epoch ms) so two writers overlap. Prints one JSON
// line when done; exit code 1 with the error on stderr if an append fails.
//
//   node audit-writer.mjs FILE WRITER_ID COUNT START_AT
import { appendAudit } from '../../dist/audit/audit-log.js';

const [file, writer, count, startAt = '0'] = process.argv.slice(2);
if (!file || !writer || !count) {
  process.stderr.write('usage: audit-writer.mjs FILE WRITER_ID COUNT [START_AT]\n');
  process.exit(2);
}

while (Date.now() < Number(startAt)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);

try {
  const seqs = [];
  for (let i = 0; i < Number(count); i++) {
    const r = appendAudit(file, { kind: 'order-decision', subject: `${writer}-${i}`, data: { writer, i }, at: new Date().toISOString() }, { timeoutMs: 30_000 });
    seqs.push(r.seq);
  }
  process.stdout.write(`${JSON.stringify({ writer, appended: seqs.length, first: seqs[0], last: seqs.at(-1) })}\n`);
} catch (e) {
  process.stderr.write(`${writer}: ${typeof e?.describe === 'function' ? e.describe() : String(e)}\n`);
  process.exitCode = 1;
}
