// A toy `kobe worker` for src/distributed/pg-queue.test.ts: runs the compiled queue layer in its
// own process so a test can SIGKILL it mid-job. Deterministic handler: sleep payload.ms, then
// return the SHA-256 of "toy:" + payload.seed. Prints one JSON line per event on stdout.
//
//   node pg-queue-worker.mjs URL QUEUE WORKER_ID [LEASE_SECONDS=300] [POLL_MS=200]
//
// SIGTERM or SIGINT stops it cleanly (the job in flight finishes and is stored), exit code 0.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWorker } from '../../dist/distributed/pg-queue.js';

const [url, queue, workerId, leaseSeconds = '300', pollMs = '200'] = process.argv.slice(2);
if (!url || !queue || !workerId) {
  process.stderr.write('usage: pg-queue-worker.mjs URL QUEUE WORKER_ID [LEASE_SECONDS] [POLL_MS]\n');
  process.exit(2);
}

const say = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, worker: workerId, at: Date.now(), ...fields })}\n`);

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
process.on('SIGINT', () => stop.abort());

try {
  await runWorker(url, {
    queue,
    workerId,
    jobTimeoutSeconds: Number(leaseSeconds),
    pollMs: Number(pollMs),
    signal: stop.signal,
    handler: async (payload, key) => {
      say('start', { key });
      await sleep(payload.ms);
      return { sha256: createHash('sha256').update(`toy:${payload.seed}`).digest('hex') };
    },
    onJob: (key, ms) => say('done', { key, ms: Math.round(ms) }),
    onError: (e) => process.stderr.write(`${workerId}: ${e.message}\n`),
  });
  say('stopped');
} catch (e) {
  process.stderr.write(`${workerId}: ${typeof e?.describe === 'function' ? e.describe() : String(e)}\n`);
  process.exitCode = 1;
}
