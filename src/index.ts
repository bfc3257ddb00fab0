/**
 * kobe as a library: the same pure building blocks the CLI uses. Everything here is synchronous
 * and free of I/O except the loaders under "data".
 */
export * from './core/bar-series.js';
export * from './core/calendar.js';
export * from './core/exchange-calendar.js';
export * from './core/errors.js';
export { createRng, hash32, type Rng } from './core/rng.js';
export { stableStringify, sha256Hex } from './core/stable-json.js';

export * as indicators from './indicators/index.js';
export { sma, ema, rsi, atr, ibs, donchianHigh, donchianLow, rollingStd, realisedVol, avgDollarVolume, stochK, stochD, ichimokuTenkan, ichimokuKijun, ichimokuSenkouA, ichimokuSenkouB, rollingVwap } from './indicators/index.js';

export * from './strategies/types.js';
export * from './strategies/params.js';
export { STRATEGIES, STRATEGY_NAMES, getStrategy, resolveStrategyParams, type StrategyName } from './strategies/registry.js';
export { IndicatorMemo } from './strategies/indicator-memo.js';
export { scanSignals, describeSignals, type SymbolSignals } from './strategies/scan.js';

export * from './backtest/config.js';
export { runEngine, type EngineInput, type EngineResult, type EngineLeg, type Trade, type Decision } from './backtest/engine.js';
export { sizeOrder, type SizingConfig } from './portfolio/sizing.js';
export * from './risk/denials.js';
export * from './risk/checks.js';
export { PRE_TRADE_CHECKS, runAllChecks } from './risk/pre-trade.js';
export * from './execution/fill-price.js';
export * from './execution/costs.js';
export * from './execution/fill-outcomes.js';
export { buildPanel, calendarRange, sessionCalendar, type MarketPanel } from './backtest/panel.js';
export { buildSignalBook, type SignalBook } from './backtest/signal-book.js';
export { MarketContext } from './backtest/market-context.js';
export { backtest, type BacktestResult } from './backtest/backtest.js';
export { makeFolds, runWalkForward, type Fold, type FoldResult, type WalkForwardOptions, type WalkForwardResult } from './backtest/walk-forward.js';
export { regimeMask, benchmarkCurve } from './backtest/regime.js';
export * from './backtest/metrics.js';

export { parseBarsCsv, type RawBars } from './data/parse-bars.js';
export { findSymbolFile } from './data/locate.js';
export { readUniverseFile, capUniverse, universeFromDataDir, type UniverseEntry } from './data/universe.js';
export { verifyBars } from './data/verify.js';
export type { DataIssue } from './data/data-issue.js';
export { applyBadDataPolicy, type BadDataPolicy } from './data/bad-data-policy.js';
export { parseCorporateActions, applyCorporateActions, type CorporateAction, type CorporateActionKind } from './data/corporate-actions.js';
export { tradesAcrossGaps, GAP_FLAG_CODES, type GapFlag, type HeldSpan } from './data/gap-flags.js';
export { loadMarket, type LoadedMarket, type LoadMarketOptions } from './data/load.js';
export { generateDemoMarket, type DemoMarket, type DemoMarketOptions } from './demo/demo-market.js';

export type { Genome, ParamGenome, RuleGenome } from './evolution/genome.js';
export type { RuleSpec, Condition, Expr } from './evolution/rules/rule-spec.js';
export { fingerprint, canonicalGenome } from './evolution/fingerprint.js';
export { GeneticSearch, type GaSettings, type Candidate } from './evolution/genetic-search.js';
export { evaluateGenome, fitnessScore, paretoFront, type EvalResult, type FitnessSettings, type Objectives } from './evolution/fitness.js';
export { runEvolution, type Evaluator, type EvolveHooks, type GenerationSummary } from './evolution/evolve.js';
export { compileRule } from './evolution/rules/rule-compile.js';

export * as confidence from './confidence/index.js';
export { trainConfidenceModel, predictConfidence, explainConfidence, encodeModel as encodeConfidenceModel, decodeModel as decodeConfidenceModel, type ConfidenceModel, type TrainingRows, type TrainResult } from './confidence/index.js';
