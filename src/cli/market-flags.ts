import { plainContext, type AppContext } from '../app/context.js';
import { resolveEnv } from '../app/env.js';
import { decodeMarketSpec, type MarketSpec } from '../app/market-spec.js';
import type { CliIo } from './io.js';
import { flagName } from './param-flags.js';

/** The market flags as commander hands them over (see addDataOptions, addTradingOptions). */
export interface MarketFlags {
  dataDir?: string;
  universe?: string;
  symbols?: string;
  cap?: string;
  index?: string;
  start?: string;
  end?: string;
  cache?: string;
  onBadData: string;
  /** all | none (default all). */
  adjust?: string;
  corporateActions?: string;
  seed: string;
  dotenv: string;
  historyBars?: string;
  tradeIndex?: boolean;
  types?: string;
  json?: boolean;
}

/** The flags as a market spec, checked by the spec's one decoder (errors name the flags). */
export function marketSpecFromFlags(f: MarketFlags): MarketSpec {
  return decodeMarketSpec(
    {
      dataDir: f.dataDir,
      universe: f.universe,
      symbols: f.symbols,
      cap: f.cap,
      index: f.index,
      tradeIndex: f.tradeIndex === true,
      types: f.types,
      start: f.start,
      end: f.end,
      cache: f.cache,
      onBadData: f.onBadData,
      adjust: f.adjust,
      corporateActions: f.corporateActions,
      seed: f.seed,
      historyBars: f.historyBars,
    },
    flagName,
  );
}

/**
 * The application context of one command: the process environment plus the --dotenv file,
 * `log` for progress lines, notes on stderr whatever the output mode, parameters named as flags.
 */
export function cliContext(io: CliIo, log: (line: string) => void, dotenv?: { path: string; explicit: boolean }): AppContext {
  const env = dotenv === undefined ? { ...io.env } : resolveEnv(io.cwd, io.env, dotenv.path, dotenv.explicit, flagName);
  return plainContext(io.cwd, env, {
    log,
    note: (line) => io.stderr.write(`note: ${line}\n`),
    param: flagName,
  });
}
