#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// glibc backs malloc's large blocks (every typed array of bars and indicators) with transparent
// huge pages: on virtual machines where each 4 KB page's first touch is a costly fault, a warm
// load of the 904-symbol market went from ~0.75 s to ~0.2 s. Where glibc or huge pages are
// absent the variable is ignored; `npm run kobe` sets it the same way.
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
