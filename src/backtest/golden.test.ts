import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIsoDay } from '../core/calendar.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { loadMarket } from '../data/load.js';
import { tradeListCsv } from '../app/report-writers.js';
import { resolveStrategyParams, STRATEGY_NAMES, getStrategy } from '../strategies/registry.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../test-support/shared-data.js';
import { backtest } from './backtest.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import type { Trade } from './engine.js';
import { MarketContext } from './market-context.js';
import type { Metrics } from './metrics.js';
import { buildPanel, calendarRange } from './panel.js';
import { runWalkForward } from './walk-forward.js';

/**
 * Golden runs, in the manner of LEAN's expected statistics: summary numbers within a tolerance
 * plus a hash of the exact trade list. A change in any fill, cost or date changes the hash. The
 * files are never written on first run: KOBE_BLESS_GOLDEN=1 (scripts/bless-golden.sh) rewrites
 * them on purpose, and the diff is reviewed like code.
 *   demo-defaults.json: each strategy with its defaults on the demo market.
 *   real-stooq.json: five real stocks (../shared/data), 2010-2014, one run per engine feature.
 */
const DEMO_GOLDEN = fileURLToPath(new URL('./golden/demo-defaults.json', import.meta.url));
const REAL_GOLDEN = fileURLToPath(new URL('./golden/real-stooq.json', import.meta.url));
const BLESS = process.env.KOBE_BLESS_GOLDEN === '1';

interface GoldenRow {
  trades: number;
  finalEquity: number;
  sharpe: number | null;
  maxDrawdownFrac: number | null;
  profitFactor: number | null;
  tradeListSha256: string;
  /** Walk-forward only: the parameters each fold chose, hashed. */
  foldParamsSha256?: string;
}

function row(trades: readonly Trade[], finalEquity: number, metrics: Metrics): GoldenRow {
  return {
    trades: trades.length,
    finalEquity,
    sharpe: metrics.sharpe.value,
    maxDrawdownFrac: metrics.maxDrawdownFrac.value,
    profitFactor: metrics.profitFactor.value,
    tradeListSha256: sha256Hex(tradeListCsv(trades)),
  };
}

/** Blesses (KOBE_BLESS_GOLDEN=1) or compares against the reviewed file. */
function checkGolden(file: string, actual: Record<string, GoldenRow>): void {
  if (BLESS) {
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  if (!existsSync(file)) throw new Error(`no golden file ${file}: run scripts/bless-golden.sh and review it`);
  const golden = JSON.parse(readFileSync(file, 'utf8')) as Record<string, GoldenRow>;
  expect(Object.keys(actual).sort()).toEqual(Object.keys(golden).sort());
  for (const [name, g] of Object.entries(golden)) {
    const a = actual[name];
    expect(a.trades, name).toBe(g.trades);
    expect(a.finalEquity, name).toBeCloseTo(g.finalEquity, 4);
    for (const k of ['sharpe', 'maxDrawdownFrac', 'profitFactor'] as const) {
      if (g[k] === null) expect(a[k], `${name}.${k}`).toBeNull();
      else expect(a[k], `${name}.${k}`).toBeCloseTo(g[k]!, 6);
    }
    expect(a.tradeListSha256, `${name} trade list`).toBe(g.tradeListSha256);
    expect(a.foldParamsSha256, `${name} fold parameters`).toBe(g.foldParamsSha256);
  }
}

function computeDemo(): Record<string, GoldenRow> {
  const demo = generateDemoMarket({ seed: 42 });
  const index = demo.series.find((s) => s.symbol === demo.indexSymbol)!;
  const panel = buildPanel(
    demo.series.filter((s) => s !== index).slice(0, 30),
    index,
  );
  const ctx = new MarketContext(panel);
  const range = calendarRange(panel, parseIsoDay('2016-01-01'), parseIsoDay('2019-12-31'))!;
  const out: Record<string, GoldenRow> = {};
  for (const name of STRATEGY_NAMES) {
    const strategy = getStrategy(name);
    const r = backtest(ctx, [{ strategy, params: resolveStrategyParams(strategy, {}) }], DEFAULT_ENGINE_CONFIG, range.from, range.to);
    out[name] = row(r.engine.trades, r.engine.finalEquity, r.metrics);
  }
  return out;
}

describe('golden runs on the demo market', () => {
  it('match the reviewed summary and trade-list hash', () => {
    checkGolden(DEMO_GOLDEN, computeDemo());
  });
});

const REAL_SYMBOLS = ['AAPL', 'MSFT', 'JPM', 'XOM', 'GE'];

describe.runIf(sharedDataAvailable())('golden runs on real data (../shared/data/us-equities-stooq)', () => {
  it('match the reviewed summary and trade-list hash, and each run exercises its feature', async () => {
    // SPY is the regime and benchmark index (as `kobe` uses it); indicators see the history
    // from 2005, trading runs 2010-2014.
    const loaded = await loadMarket({ dataDir: SHARED_STOOQ_DIR, symbols: [...REAL_SYMBOLS, 'SPY'], policy: 'mask', calendarSymbol: 'SPY' });
    expect(loaded.missingSymbols).toEqual([]);
    const bySymbol = new Map(loaded.series.map((s) => [s.symbol, s]));
    const panel = buildPanel(REAL_SYMBOLS.map((s) => bySymbol.get(s)!), bySymbol.get('SPY')!);
    const range = calendarRange(panel, parseIsoDay('2010-01-01'), parseIsoDay('2014-12-31'))!;
    const ctx = new MarketContext(panel, range);
    const ibsRsi = getStrategy('ibs-rsi');
    const turtle = getStrategy('turtle-soup');
    const run = (strategy: typeof ibsRsi, overrides: Record<string, number>, config: EngineConfig = DEFAULT_ENGINE_CONFIG) =>
      backtest(ctx, [{ strategy, params: resolveStrategyParams(strategy, overrides) }], config, range.from, range.to);

    const defaults = run(ibsRsi, {});
    const shorts = run(turtle, { allowShort: 1, stopAtrMult: 0.5, takeProfitAtrMult: 0.5 }, { ...DEFAULT_ENGINE_CONFIG, regimeFilter: { enabled: false, smaPeriod: 200 } });
    const takeProfit = run(ibsRsi, { takeProfitAtrMult: 1 });
    const midpoint = run(ibsRsi, {}, { ...DEFAULT_ENGINE_CONFIG, fill: { kind: 'delay-midpoint', delayBars: 2 } });
    const riskPct = run(ibsRsi, {}, { ...DEFAULT_ENGINE_CONFIG, sizing: { mode: 'risk-pct', pct: 0.5 } });
    const wf = runWalkForward(ctx, { strategy: ibsRsi, baseParams: resolveStrategyParams(ibsRsi, {}), tune: true, trainDays: 252, testDays: 126, from: range.from, to: range.to, config: DEFAULT_ENGINE_CONFIG, minTrainTrades: 5 });

    // Each run does what it is here for, so a golden never pins a run that skipped its feature.
    expect(defaults.engine.trades.length).toBeGreaterThan(30);
    // Tight stops and targets on shorts: some exit at each, so the short branch of the fill rules is pinned.
    expect(shorts.engine.trades.some((t) => t.side === 'short' && t.exitReason === 'stop')).toBe(true);
    expect(shorts.engine.trades.some((t) => t.side === 'short' && t.exitReason === 'target')).toBe(true);
    expect(shorts.engine.trades.some((t) => t.side === 'long')).toBe(true);
    expect(takeProfit.engine.trades.some((t) => t.exitReason === 'target')).toBe(true);
    expect(midpoint.engine.trades.every((t) => t.entryDay > t.entrySignalDay)).toBe(true);
    expect(midpoint.engine.trades.map((t) => t.entryPrice)).not.toEqual(defaults.engine.trades.map((t) => t.entryPrice));
    expect(riskPct.engine.trades.every((t) => t.initialRiskUsd !== null)).toBe(true);
    expect(riskPct.engine.trades.map((t) => t.shares)).not.toEqual(defaults.engine.trades.map((t) => t.shares));
    expect(wf.folds.length).toBeGreaterThanOrEqual(7);
    expect(new Set(wf.folds.map((f) => stableStringify(f.params))).size).toBeGreaterThan(1);

    checkGolden(REAL_GOLDEN, {
      'ibs-rsi defaults': row(defaults.engine.trades, defaults.engine.finalEquity, defaults.metrics),
      'turtle-soup allowShort=1 stopAtrMult=0.5 takeProfitAtrMult=0.5, no regime filter': row(shorts.engine.trades, shorts.engine.finalEquity, shorts.metrics),
      'ibs-rsi takeProfitAtrMult=1': row(takeProfit.engine.trades, takeProfit.engine.finalEquity, takeProfit.metrics),
      'ibs-rsi fill delay-midpoint:2': row(midpoint.engine.trades, midpoint.engine.finalEquity, midpoint.metrics),
      'ibs-rsi sizing risk-pct:0.5': row(riskPct.engine.trades, riskPct.engine.finalEquity, riskPct.metrics),
      'ibs-rsi walk-forward tuned 252/126': {
        ...row(wf.trades, wf.equity[wf.equity.length - 1], wf.metrics),
        foldParamsSha256: sha256Hex(stableStringify(wf.folds.map((f) => f.params))),
      },
    });
  });
});
