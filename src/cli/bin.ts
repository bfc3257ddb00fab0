#!/usr/bin/env node
import { processIo } from './io.js';
import { EXIT, main } from './main.js';

process.on('SIGINT', () => {
  process.exit(EXIT.interrupted);
});

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${String(e)}\n`);
    process.exitCode = EXIT.runtime;
  },
);
