#!/usr/bin/env node
import { processIo } from './io.js';
import { EXIT, main } from './main.js';

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
