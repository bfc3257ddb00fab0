import { resolve } from 'node:path';
import { dayToIso } from '../core/calendar.js';
import { stableStringify } from '../core/stable-json.js';
import { backtest, type BacktestResult } from '../backtest/backtest.js';
import type { EngineConfig } from '../backtest/config.js';
import { metricsToJson, type Metrics } from '../backtest/metrics.js';
import { signalCount } from '../backtest/signal-book.js';
import { optionMetrics, replayAsOptions, type OptionReplayResult, type OptionReplaySettings } from '../options/option-replay.js';
import type { Params } from '../strategies/params.js';
import type { Strategy } from '../strategies/types.js';
import { checkDatabase } from '../store/open-database.js';
import { RunStore } from '../store/run-store.js';
import { compareShadow } from '../validation/champion-challenger.js';
import type { MonteCarloResult, ResampleMethod, StressReport } from '../validation/monte-carlo/index.js';
import type { AppContext } from './context.js';
import { makeManifest, type Manifest } from './manifest.js';
import { loadRunMarket, type LoadedRun } from './market.js';
import type { MarketSpec } from './market-spec.js';
import { tradesJson } from './report-writers.js';
import { requireIndexForRegime, requireStopsForRiskSizing } from './run-checks.js';
import { encodeEngineConfig, encodeOptionReplay } from './run-spec.js';
import { runMonteCarlo, runStress } from './simulate-risk.js';

type Leg = { readonly strategy: Strategy; readonly params: Params };

/** One backtest of one configuration, with its optional Monte Carlo, stress and shadow challenger. */
export interface SimulateSpec {
  readonly market: MarketSpec;
  readonly config: EngineConfig;
  /** The strategies sharing one account, each with its resolved parameters. */
  readonly legs: readonly Leg[];
  /** Monte Carlo resamples of the trade sequence (0: none), seeded by the market seed. */
  readonly monteCarlo: { readonly simulations: number; readonly method: ResampleMethod };
  readonly stress: boolean;
  /** Drawdown tolerance of the survival analysis, a fraction of equity. */
  readonly maxDrawdownFrac: number;
  /** A challenger run in shadow beside the legs (only the champion trades). */
  readonly challenger: Leg | null;
  /** The SQLite store the run is recorded in, relative to cwd. */
  readonly db: string;
  /**
   * `--instrument option`: the stock trades replayed as synthetic options (src/options); null for
   * a stock run. Recorded in the manifest's run as `instrument: 'option'` and `options`, so an
   * option run has its own run id and a stock run keeps the id it always had.
   */
  readonly options?: OptionReplaySettings | null;
}

/** The option replay of a simulation and the usual metrics of its account. */
export interface SimulateOptions {
  readonly settings: OptionReplaySettings;
  readonly replay: OptionReplayResult;
  readonly metrics: Metrics;
}

export interface SimulateResult {
  readonly manifest: Manifest;
  readonly run: LoadedRun;
  readonly result: BacktestResult;
  readonly ms: number;
  /** Entry and exit signals of every leg inside the traded range. */
  readonly signalsInRange: number;
  readonly monteCarlo: MonteCarloResult | null;
  readonly stress: StressReport | null;
  readonly shadow: ReturnType<typeof compareShadow> | null;
  readonly shadowTrades: ReturnType<typeof tradesJson>;
  readonly options: SimulateOptions | null;
}

/** The stock run's trades replayed as synthetic options, with the metrics of the option account. */
export function replayOptions(run: LoadedRun, result: BacktestResult, settings: OptionReplaySettings): SimulateOptions {
  const replay = replayAsOptions({ panel: run.ctx.panel, trades: result.engine.trades, from: run.from, to: run.to, initialCapitalUsd: result.engine.initialCapital, settings });
  return { settings, replay, metrics: optionMetrics(replay, result.benchmark) };
}

/**
 * Runs the simulation and records it. `hooks.loaded` sees the checked market before the
 * backtest (the CLI prints the data check there).
 */
export async function runSimulation(spec: SimulateSpec, ctx: AppContext, hooks: { loaded?: (run: LoadedRun) => void } = {}): Promise<SimulateResult> {
  const { config, legs, market } = spec;
  requireStopsForRiskSizing(config, legs.map((r) => ({ name: r.strategy.name, params: r.params })), ctx.param);
  const run = await loadRunMarket(market, ctx);
  requireIndexForRegime(config, run.source.index, market.index, ctx.param);
  checkDatabase(resolve(ctx.cwd, spec.db)); // a bad database path fails now, not after the backtest
  hooks.loaded?.(run);
  const { panel } = run.ctx;
  const seed = market.seed;
  const optionSettings = spec.options ?? null;
  const manifest = makeManifest({
    command: 'simulate',
    seed,
    data: { ...run.source, start: dayToIso(panel.calendar[run.from]), end: dayToIso(panel.calendar[run.to]) },
    engine: encodeEngineConfig(config),
    run: {
      strategies: legs.map((r) => ({ name: r.strategy.name, version: r.strategy.version, params: r.params })),
      ...(optionSettings === null ? {} : { instrument: 'option', options: encodeOptionReplay(optionSettings) }),
    },
  });

  const t0 = performance.now();
  // Every leg's book up front, each symbol's indicators dropped once its signals are out: a single
  // run reads no indicator twice, and keeping them all would touch ~22 MB per indicator.
  for (const r of spec.challenger === null ? legs : [...legs, spec.challenger]) run.ctx.legs(r.strategy, [r.params]);
  const result = backtest(run.ctx, legs, config, run.from, run.to);
  const ms = performance.now() - t0;
  const e = result.engine;
  const m = result.metrics;
  const signalsInRange = legs.reduce((a, r) => a + signalCount(run.ctx.leg(r.strategy, r.params).book, run.from, run.to), 0);
  const monteCarlo = spec.monteCarlo.simulations > 0 ? runMonteCarlo(e, spec.monteCarlo.simulations, spec.monteCarlo.method, seed, spec.maxDrawdownFrac) : null;
  const stress = spec.stress ? runStress(e, m.beta.value, m.avgExposureFrac.value, spec.maxDrawdownFrac) : null;
  let shadow: ReturnType<typeof compareShadow> | null = null;
  let shadowTrades: ReturnType<typeof tradesJson> = [];
  const challenger = spec.challenger;
  if (challenger !== null) {
    const ch = backtest(run.ctx, [challenger], config, run.from, run.to);
    const names = legs.map((r) => r.strategy.name).join('+');
    shadow = compareShadow(`${names}|${challenger.strategy.name}:${stableStringify(challenger.params)}`, { strategy: names, engine: e, metrics: m }, { strategy: challenger.strategy.name, engine: ch.engine, metrics: ch.metrics });
    shadowTrades = tradesJson(ch.engine.trades, run.issues);
  }

  const options = optionSettings === null ? null : replayOptions(run, result, optionSettings);

  // The summary stays the stock run's metrics: `kobe report` replays the stock backtest from the
  // manifest and checks it against them.
  const store = new RunStore(resolve(ctx.cwd, spec.db));
  try {
    store.recordRun({ runId: manifest.runId, command: 'simulate', manifestJson: stableStringify(manifest), summaryJson: stableStringify(metricsToJson(m)) }, [], ctx.now().toISOString());
  } finally {
    store.close();
  }
  return { manifest, run, result, ms, signalsInRange, monteCarlo, stress, shadow, shadowTrades, options };
}
