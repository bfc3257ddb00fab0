/**
 * How the CLI names the parameters of `src/app` and the library specs: `dataDir` is
 * `--data-dir` on the command line. App functions and spec decoders name parameters through
 * `AppContext.param`; the CLI passes `flagName`, so every message a user sees names the flag.
 */
const PARAM_FLAGS: Readonly<Record<string, string>> = {
  // market
  dataDir: '--data-dir',
  universe: '--universe',
  symbols: '--symbols',
  cap: '--cap',
  index: '--index',
  tradeIndex: '--trade-index',
  types: '--types',
  start: '--start',
  end: '--end',
  cache: '--cache',
  onBadData: '--on-bad-data',
  adjust: '--adjust',
  corporateActions: '--corporate-actions',
  seed: '--seed',
  historyBars: '--history-bars',
  dotenv: '--dotenv',
  // engine
  initialCapitalUsd: '--capital',
  maxPositions: '--max-positions',
  sizing: '--sizing',
  fill: '--fill',
  commissionPerOrderUsd: '--commission-per-order',
  commissionPerShareUsd: '--commission-per-share',
  slippageBps: '--slippage-bps',
  regimeFilter: '--no-regime-filter',
  regimeSmaPeriod: '--regime-sma',
  // walk-forward and evolve
  trainDays: '--train-days',
  testDays: '--test-days',
  minTrainTrades: '--min-train-trades',
  blowUpPct: '--blow-up-pct',
  generations: '--generations',
  population: '--population',
  elite: '--elite',
  tournament: '--tournament',
  crossoverRate: '--crossover-rate',
  mutationRate: '--mutation-rate',
  resume: '--resume',
  strategy: '--strategy',
  params: '--params',
  rules: '--rules',
  // outputs and stores
  outDir: '--outdir',
  db: '--db',
  audit: '--audit',
};

/**
 * Parameters that only a JSON spec or a positional argument carries: no flag, named as they are
 * (`candidate` and `id` are positional arguments of promote and runs show; the others come from a recorded manifest).
 */
export const UNFLAGGED_PARAMS: readonly string[] = ['candidate', 'id', 'blowUpFrac', 'strategies', 'tune'];

/** The flag of a parameter; a name without a flag is returned as it is. */
export const flagName = (param: string): string => PARAM_FLAGS[param] ?? param;
