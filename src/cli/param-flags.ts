import { KobeError } from '../core/errors.js';

/**
 * Libraries and `src/app` name the parameter at fault (`KobeError.param`, `AppContext.param`:
 * `trainDays`, `dataDir`); the user typed a flag. This one table is where the command line maps
 * one to the other, so every message a user sees names the flag. An error about a parameter no
 * flag sets (`genome`) shows the parameter name.
 */
export const PARAM_FLAGS: Readonly<Record<string, string>> = {
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
  maxSymbolWeight: '--max-symbol-weight',
  maxCorrelation: '--max-correlation',
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
  // simulate --instrument option
  targetAbsDelta: '--option-delta',
  daysToExpiry: '--option-dte',
  volEstimator: '--option-vol',
  volBars: '--option-vol-bars',
  rateFrac: '--option-rate',
  dividendYieldFrac: '--option-dividend-yield',
  premiumRiskPct: '--option-premium-pct',
  commissionPerContractUsd: '--option-commission',
  // outputs and stores
  outDir: '--outdir',
  db: '--db',
  audit: '--audit',
  // scan
  date: '--date',
  explain: '--explain',
  quotes: '--quotes',
  earnings: '--earnings',
  // scan train
  fitEnd: '--fit-end',
  calibrateEnd: '--calibrate-end',
  calibration: '--calibration',
  l2: '--l2',
  stateDir: '--state-dir',
  forceActivate: '--force-activate',
  // data fetch
  provider: '--provider',
  fromIso: '--from',
  toIso: '--to',
  since: '--since',
  concurrency: '--concurrency',
  // orders
  tradingDate: '--date',
  symbol: '--symbol',
  side: '--side',
  intent: '--intent',
  qty: '--shares',
  reason: '--reason',
  broker: '--broker',
  mode: '--mode',
  prohibited: '--prohibited',
  // serve
  host: '--host',
  port: '--port',
  jobsDir: '--jobs-dir',
};

/**
 * Parameters that only a JSON spec or a positional argument carries: no flag, named as they are
 * (`candidate` and `id` are positional arguments of promote and runs show; the others come from a recorded manifest).
 */
export const UNFLAGGED_PARAMS: readonly string[] = ['candidate', 'id', 'blowUpFrac', 'premiumRiskFrac', 'strategies', 'tune'];

/** The flag of a parameter; a name without a flag is returned as it is. */
export const flagName = (param: string): string => flagForParam(param) ?? param;

/**
 * The flag for a library parameter, or undefined when no flag sets it. A name that already is a
 * flag (`--challenger`: a command passing its own flag as the parameter name, for a library
 * function that several flags feed) is returned as it is.
 */
export function flagForParam(param: string): string | undefined {
  if (param.startsWith('--')) return param;
  return Object.hasOwn(PARAM_FLAGS, param) ? PARAM_FLAGS[param] : undefined;
}

/** The error as the command line shows it: `flag` filled in from `param` when a flag sets it. */
export function withParamFlag(e: KobeError): KobeError {
  if (e.flag !== undefined || e.param === undefined) return e;
  const flag = flagForParam(e.param);
  if (flag === undefined) return e;
  const shown = new KobeError(e.code, e.message, {
    kind: e.kind,
    file: e.file,
    line: e.line,
    flag,
    param: e.param,
    value: e.value,
    hint: e.hint,
    cause: e.cause,
  });
  shown.stack = e.stack;
  return shown;
}
