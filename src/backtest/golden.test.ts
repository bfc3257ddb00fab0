import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIsoDay } from '../core/calendar.js';
import { sha256Hex } from '../core/stable-json.js';
import { generateDemoMarket } from '../data/demo-market.js';
import { tradeListCsv } from '../cli/report-writers.js';
import { resolveStrategyParams, STRATEGY_NAMES, getStrategy } from '../strategies/registry.js';
import { backtest } from './backtest.js';
import { DEFAULT_ENGINE_CONFIG } from './config.js';
import { MarketContext } from './market-context.js';
import { buildPanel, calendarRange } from './panel.js';

/**
 * Golden runs, in the manner of LEAN's expected statistics: each strategy with its defaults on
 * the demo market, summary numbers within a tolerance plus a hash of the exact trade list. A
 * change in any fill, cost or date changes the hash. The file is never written on first run:
 * KOBE_BLESS_GOLDEN=1 rewrites it on purpose, and the diff is reviewed like code.
 */
const GOLDEN = fileURLToPath(new URL('./golden/demo-defaults.json', import.meta.url));

interface GoldenRow {
  trades: number;
  finalEquity: number;
  sharpe: number | null;
  maxDrawdownFrac: number | null;
  profitFactor: number | null;
  tradeListSha256: string;
}

function compute(): Record<string, GoldenRow> {
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
    out[name] = {
      trades: r.engine.trades.length,
      finalEquity: r.engine.finalEquity,
      sharpe: r.metrics.sharpe.value,
      maxDrawdownFrac: r.metrics.maxDrawdownFrac.value,
      profitFactor: r.metrics.profitFactor.value,
      tradeListSha256: sha256Hex(tradeListCsv(r.engine.trades)),
    };
  }
  return out;
}

describe('golden runs on the demo market', () => {
  it('match the reviewed summary and trade-list hash', () => {
    const actual = compute();
    if (process.env.KOBE_BLESS_GOLDEN === '1') {
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    if (!existsSync(GOLDEN)) throw new Error(`no golden file ${GOLDEN}: run KOBE_BLESS_GOLDEN=1 npx vitest run src/backtest/golden.test.ts and review it`);
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, GoldenRow>;
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
    }
  });
});
