/**
 * Runs one kobe command in its own process and reports its peak RSS, so the benchmark measures
 * a real run's memory rather than the benchmark's own.
 */
import { processIo } from '../cli/io.js';
import { main } from '../cli/main.js';

const io = processIo();
const quiet = { ...io, stdout: { write: () => true, isTTY: false } };
main(process.argv.slice(2), quiet).then((code) => {
  process.stderr.write(`\nKOBE_MEASURED ${JSON.stringify({ code, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exitCode = code;
});
