import type { Command } from 'commander';
import { dayToIso } from '../../core/calendar.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { dataVerifyJson, verifyData } from '../../app/data-verify.js';
import { resolveEnv } from '../../app/env.js';
import { cliContext, marketSpecFromFlags, type MarketFlags } from '../market-flags.js';
import { flagName } from '../param-flags.js';
import { addDataOptions } from '../options.js';
import { logger, makeChalk, table } from '../render.js';
import { POLICY_EXPLANATION } from '../../app/data-report.js';
import { DEFAULT_NEW_SYMBOL_FROM } from '../../app/data-refresh.js';
import { PROVIDER_HELP, runDataFetch } from './data-fetch.js';

/** The exit codes of `data verify`, for --help and the README (Data check). */
export const VERIFY_EXIT_HELP = [
  'Exit code: 0 when nothing is left that the --on-bad-data policy did not handle',
  '  (mask: flagged bars dropped, skip-symbol: symbols left out; warnings never count);',
  '  1 when errors remain (warn keeps them, fail stops on them) or a file could not be read or',
  '  parsed (reported as that symbol\'s error; the other files are still checked); 2 usage error.',
].join('\n');

type VerifyFlags = Omit<MarketFlags, 'seed'> & { limit: string };

export function registerData(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const data = program.command('data').description('check and download daily bar data');
  const verify = data
    .command('verify')
    .description(
      'check every bar: duplicates, unsorted dates, non-positive prices, high < low, open/close outside the range, missing sessions, bad ticks, unadjusted splits, large gaps',
    )
    .option('--limit <n>', 'issues listed per symbol in the log (the JSON has all)', '5');
  addDataOptions(verify)
    .option('--cap <n>', 'check only the first N symbols of the universe')
    .option('--index <symbol>', 'symbol whose sessions are the calendar missing sessions are checked against (default SPY)')
    .addHelpText('after', `\n${VERIFY_EXIT_HELP}`);
  verify.action(async (flags: VerifyFlags, command: Command) => {
    setExit(await runVerify({ ...flags, seed: '42' }, io, command.getOptionValueSource('dotenv') === 'cli'));
  });

  data
    .command('fetch')
    .description(
      'download daily bars into --data-dir (a fallback chain of providers; --since last appends to the files already there). Polygon needs POLYGON_API_KEY in the environment or .env',
    )
    .option('--provider <list>', PROVIDER_HELP)
    .option('--symbols <list>', 'comma-separated symbols, e.g. AAPL,MSFT')
    .option('--universe <file>', 'a universe CSV with a symbol column, instead of --symbols')
    .option('--from <date>', `first day, YYYY-MM-DD (with --since last: the first day of symbols that have no file yet; default ${DEFAULT_NEW_SYMBOL_FROM})`)
    .option('--to <date>', 'last day, YYYY-MM-DD (default: today in New York)')
    .option('--since <last|date>', '"last": fetch each symbol from its file\'s last bar and append; a date: the same as --from')
    .requiredOption('--data-dir <dir>', 'folder the CSV files are written to (existing files keep their names)')
    .option('--concurrency <n>', 'symbols fetched at once', '4')
    .option('--dotenv <file>', 'environment file with POLYGON_API_KEY', '.env')
    .option('--json', 'machine-readable result on stdout')
    .action(
      async (flags: {
        provider?: string;
        symbols?: string;
        universe?: string;
        from?: string;
        to?: string;
        since?: string;
        dataDir: string;
        concurrency: string;
        dotenv: string;
        json?: boolean;
      }, command: Command) => {
        const env = resolveEnv(io.cwd, io.env, flags.dotenv, command.getOptionValueSource('dotenv') === 'cli', flagName);
        const concurrency = Number(flags.concurrency);
        const code = await runDataFetch(
          {
            provider: flags.provider,
            symbols: flags.symbols === undefined ? undefined : flags.symbols.split(',').map((s) => s.trim()).filter((s) => s !== ''),
            universe: flags.universe,
            from: flags.from,
            to: flags.to,
            since: flags.since,
            dataDir: flags.dataDir,
            json: flags.json === true,
            concurrency,
          },
          { ...io, env },
        );
        setExit(code);
      },
    );
}

async function runVerify(flags: MarketFlags & { limit: string }, io: CliIo, dotenvExplicit: boolean): Promise<number> {
  const json = flags.json === true;
  const log = logger(io, json);
  const c = makeChalk(io, json ? 'stderr' : 'stdout');
  const report = await verifyData(marketSpecFromFlags(flags), cliContext(io, log, { path: flags.dotenv, explicit: dotenvExplicit }));
  const { policy, run, errors, unreadable } = report;
  const limit = Number(flags.limit);
  if (json) {
    io.stdout.write(`${JSON.stringify(dataVerifyJson(report), null, 2)}\n`);
  } else {
    const flagged = run.report.filter((r) => r.errors + r.warnings > 0);
    log(`policy --on-bad-data ${policy}: ${POLICY_EXPLANATION[policy]}`);
    if (flagged.length === 0) log(c.green(`all ${run.report.length || run.source.symbols.length} symbols clean`));
    else {
      log(table(['symbol', 'file', 'bars', 'errors', 'warnings', 'masked', 'status'], flagged.map((r) => [r.symbol, r.file, r.bars, r.errors, r.warnings, r.masked, r.status]), io));
      for (const r of flagged) {
        const mine = run.issues.filter((i) => i.symbol === r.symbol);
        for (const i of mine.slice(0, limit)) log(`  ${r.file}:${i.line} ${i.severity === 'error' ? c.red(i.code) : c.yellow(i.code)} ${dayToIso(i.day)} ${i.detail}`);
        if (mine.length > limit) log(`  ... ${mine.length - limit} more for ${r.symbol}`);
      }
      for (const r of unreadable) log(`  ${c.red('UNREADABLE')} ${r.reason}`);
    }
    log(`${errors.length} errors, ${run.issues.length - errors.length} warnings in ${run.report.length} symbols${unreadable.length > 0 ? `, ${unreadable.length} unreadable file(s)` : ''}`);
  }
  return report.unhandled ? EXIT.runtime : EXIT.ok;
}
