#!/usr/bin/env node
import { processIo } from './io.js';
import { EXIT, main } from './main.js';

// `kobe ... | head` closes the pipe early: that is the reader's choice, not a failure to report
// with a stack trace. Stop quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw e;
  });
}

// No SIGINT handler: Node's default ends the process at once (the shell reports 130), and an
// interrupted run leaves only a staging folder the next run removes. Commands that can stop
// gracefully (kobe worker) install their own.
main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${String(e)}\n`);
    process.exitCode = EXIT.runtime;
  },
);
