import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineConfig } from '../backtest/config.js';
import { isKobeError } from '../core/errors.js';
import { STRATEGY_NAMES } from '../strategies/registry.js';
import { plainContext } from './context.js';
import { loadRunMarket } from './market.js';
import { decodeMarketSpec, encodeMarketSpec } from './market-spec.js';
import { decodeEngineConfig, decodeEvolveSpec, decodeOptionReplay, decodeWfRunSpec, encodeEngineConfig, encodeEvolveSpec, encodeOptionReplay, encodeWfRunSpec, type EvolveSpec } from './run-spec.js';
import { DEFAULT_OPTION_REPLAY } from '../options/option-replay.js';

/** The field an error names (its `flag`), or a marker when `f` does not throw. */
function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isKobeError(e)) return e.flag ?? e.param;
    throw e;
  }
  return 'no error';
}

const money = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
const engineArb: fc.Arbitrary<EngineConfig> = fc.record({
  initialCapital: fc.double({ min: 1, max: 1e9, noNaN: true, noDefaultInfinity: true }),
  maxPositions: fc.integer({ min: 1, max: 500 }),
  sizing: fc.oneof(
    fc.constant({ mode: 'equal-weight' as const }),
    fc.constant({ mode: 'all-in' as const }),
    fc.integer({ min: 1, max: 10_000 }).map((shares) => ({ mode: 'fixed-shares' as const, shares })),
    fc.integer({ min: 1, max: 1_000_000 }).map((usd) => ({ mode: 'fixed-notional' as const, usd })),
    fc.integer({ min: 1, max: 100 }).map((pct) => ({ mode: 'risk-pct' as const, pct })),
    fc.double({ min: 0.01, max: 1, noNaN: true }).map((fraction) => ({ mode: 'kelly' as const, fraction })),
  ),
  fill: fc.oneof(fc.constant({ kind: 'next-open' as const }), fc.integer({ min: 1, max: 20 }).map((delayBars) => ({ kind: 'delay-midpoint' as const, delayBars }))),
  costs: fc.record({ commissionPerOrderUsd: money, commissionPerShareUsd: money, slippageBps: money }),
  regimeFilter: fc.record({ enabled: fc.boolean(), smaPeriod: fc.integer({ min: 1, max: 400 }) }),
  limits: fc.record({
    maxSymbolWeight: fc.option(fc.double({ min: 0.001, max: 1, noNaN: true }), { nil: null }),
    maxCorrelation: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: null }),
  }),
  recordDecisions: fc.constant(true),
});

describe('engine config codec', () => {
  it('decode(encode(config)) is the config, through JSON text', () => {
    fc.assert(
      fc.property(engineArb, (c) => {
        expect(decodeEngineConfig(JSON.parse(JSON.stringify(encodeEngineConfig(c))))).toEqual(c);
      }),
    );
  });

  it('rejects each bad field by its name', () => {
    const good = encodeEngineConfig(decodeEngineConfig({ initialCapitalUsd: 1000, maxPositions: 5, sizing: 'equal-weight', fill: 'next-open', commissionPerOrderUsd: 1, commissionPerShareUsd: 0, slippageBps: 5, regimeFilter: true, regimeSmaPeriod: 200 }));
    expect(fieldOf(() => decodeEngineConfig(good))).toBe('no error');
    expect(fieldOf(() => decodeEngineConfig({ ...good, maxPositions: 2.5 }))).toBe('maxPositions');
    expect(fieldOf(() => decodeEngineConfig({ ...good, initialCapitalUsd: 0 }))).toBe('initialCapitalUsd');
    expect(fieldOf(() => decodeEngineConfig({ ...good, slippageBps: -1 }))).toBe('slippageBps');
    expect(fieldOf(() => decodeEngineConfig({ ...good, sizing: 'lots' }))).toBe('sizing');
    expect(fieldOf(() => decodeEngineConfig({ ...good, fill: 'delay-midpoint:0' }))).toBe('fill');
    expect(fieldOf(() => decodeEngineConfig({ ...good, regimeFilter: 'yes' }))).toBe('regimeFilter');
    expect(fieldOf(() => decodeEngineConfig({ ...good, regimeSmaPeriod: undefined }))).toBe('regimeSmaPeriod');
    expect(fieldOf(() => decodeEngineConfig({ ...good, maxSymbolWeight: 1.5 }))).toBe('maxSymbolWeight');
    expect(fieldOf(() => decodeEngineConfig({ ...good, maxSymbolWeight: 0 }))).toBe('maxSymbolWeight');
    expect(fieldOf(() => decodeEngineConfig({ ...good, maxCorrelation: 1.2 }))).toBe('maxCorrelation');
    expect(fieldOf(() => decodeEngineConfig({ ...good, maxCorrelation: -0.5 }))).toBe('maxCorrelation');
    expect(fieldOf(() => decodeEngineConfig({ ...good, sizing: 'kelly:1.5' }))).toBe('sizing');
  });

  it('leaves the limits out of the encoding when they are off, so earlier run ids stand', () => {
    const off = encodeEngineConfig(decodeEngineConfig({ initialCapitalUsd: 1000, maxPositions: 5, sizing: 'equal-weight', fill: 'next-open', commissionPerOrderUsd: 1, commissionPerShareUsd: 0, slippageBps: 5, regimeFilter: true, regimeSmaPeriod: 200 }));
    expect(Object.keys(off)).not.toContain('maxSymbolWeight');
    expect(Object.keys(off)).not.toContain('maxCorrelation');
    expect(decodeEngineConfig({ ...off, maxSymbolWeight: '0.15', maxCorrelation: 0.7 }).limits).toEqual({ maxSymbolWeight: 0.15, maxCorrelation: 0.7 });
  });
});

describe('walk-forward and evolve specs', () => {
  const evolveArb: fc.Arbitrary<EvolveSpec> = fc
    .record({
      space: fc.oneof(fc.constant({ kind: 'rules' as const }), fc.constantFrom(...STRATEGY_NAMES).map((strategy) => ({ kind: 'params' as const, strategy }))),
      population: fc.integer({ min: 2, max: 200 }),
      eliteFrac: fc.double({ min: 0, max: 0.99, noNaN: true }),
      tournament: fc.integer({ min: 1, max: 10 }),
      crossoverRate: fc.double({ min: 0, max: 1, noNaN: true }),
      mutationRate: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.integer({ min: 0, max: 2 ** 31 }),
      generations: fc.integer({ min: 1, max: 50 }),
      trainDays: fc.integer({ min: 1, max: 1000 }),
      testDays: fc.integer({ min: 1, max: 500 }),
      minTrainTrades: fc.integer({ min: 0, max: 50 }),
      blowUpFrac: fc.double({ min: 0.001, max: 1, noNaN: true }),
    })
    .map(({ population, eliteFrac, tournament, crossoverRate, mutationRate, seed, ...rest }) => ({
      ...rest,
      ga: { population, elite: Math.floor(eliteFrac * population), tournament, crossoverRate, mutationRate, seed },
    }));

  it('decode(encode(evolve spec)) is the spec', () => {
    fc.assert(
      fc.property(evolveArb, (s) => {
        expect(decodeEvolveSpec(JSON.parse(JSON.stringify(encodeEvolveSpec(s))))).toEqual(s);
      }),
    );
  });

  it('an elite as large as the population, or no search space, is refused by name', () => {
    const s = encodeEvolveSpec({ space: { kind: 'rules' }, ga: { population: 10, elite: 2, tournament: 3, crossoverRate: 0.8, mutationRate: 0.2, seed: 1 }, generations: 2, trainDays: 252, testDays: 63, minTrainTrades: 10, blowUpFrac: 0.3 });
    expect(fieldOf(() => decodeEvolveSpec({ ...s, ga: { ...(s.ga as object), elite: 10 } }))).toBe('elite');
    expect(fieldOf(() => decodeEvolveSpec({ ...s, space: undefined }))).toBe('strategy');
    expect(fieldOf(() => decodeEvolveSpec({ ...s, space: { kind: 'params', strategy: 'nope' } }))).toBe('strategy');
    expect(fieldOf(() => decodeEvolveSpec({ ...s, testDays: 0 }))).toBe('testDays');
  });

  it('a wf run spec round-trips and names a bad strategy by its place', () => {
    const spec = { strategies: [{ name: 'ibs-rsi', version: '1', baseParams: { rsiEntry: 5 }, tuneGrid: { rsiEntry: [5, 10] } }], trainDays: 252, testDays: 63, tune: true, minTrainTrades: 10 };
    expect(decodeWfRunSpec(JSON.parse(JSON.stringify(encodeWfRunSpec(spec))))).toEqual(spec);
    expect(fieldOf(() => decodeWfRunSpec({ ...spec, strategies: [{ ...spec.strategies[0], name: 'nope' }] }))).toBe('strategies[0].name');
    expect(fieldOf(() => decodeWfRunSpec({ ...spec, tune: 'yes' }))).toBe('tune');
  });
});

describe('option replay codec', () => {
  it('round-trips through JSON text, and takes the premium as a percent from the flags', () => {
    const settings = { ...DEFAULT_OPTION_REPLAY, volEstimator: 'parkinson', rateFrac: 0.035 } as const;
    expect(decodeOptionReplay(JSON.parse(JSON.stringify(encodeOptionReplay(settings))))).toEqual(settings);
    const { premiumRiskFrac: _, ...rest } = encodeOptionReplay(DEFAULT_OPTION_REPLAY);
    expect(decodeOptionReplay({ ...rest, premiumRiskPct: '2.5' }).premiumRiskFrac).toBeCloseTo(0.025, 15);
  });

  it('names a bad field: the shape by its name, the domain by the library parameter', () => {
    const raw = encodeOptionReplay(DEFAULT_OPTION_REPLAY);
    const where = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (isKobeError(e)) return e.flag ?? e.param;
      }
      return 'no error';
    };
    expect(where(() => decodeOptionReplay({ ...raw, daysToExpiry: 0 }))).toBe('daysToExpiry');
    expect(where(() => decodeOptionReplay({ ...raw, volEstimator: 'ewma' }))).toBe('volEstimator');
    expect(where(() => decodeOptionReplay({ ...raw, targetAbsDelta: 1 }))).toBe('targetAbsDelta');
    expect(where(() => decodeOptionReplay({ ...raw, premiumRiskFrac: 2 }))).toBe('premiumRiskFrac');
  });
});

describe('market spec', () => {
  it('defaults, normalises lists and round-trips', () => {
    const s = decodeMarketSpec({ symbols: ' aapl, msft ,', start: '2010-01-04' });
    expect(s).toMatchObject({ symbols: ['AAPL', 'MSFT'], onBadData: 'mask', adjust: 'all', seed: 42, dataDir: null, historyBars: null, tradeIndex: false });
    expect(decodeMarketSpec(JSON.parse(JSON.stringify(encodeMarketSpec(s))))).toEqual(s);
  });

  it('refuses contradictions and bad values by field name', () => {
    expect(fieldOf(() => decodeMarketSpec({ start: '2012-01-01', end: '2011-01-01' }))).toBe('start');
    expect(fieldOf(() => decodeMarketSpec({ types: 'stock', symbols: 'AAPL' }))).toBe('types');
    expect(fieldOf(() => decodeMarketSpec({ symbols: ' , ' }))).toBe('symbols');
    expect(fieldOf(() => decodeMarketSpec({ onBadData: 'ignore' }))).toBe('onBadData');
    expect(fieldOf(() => decodeMarketSpec({ historyBars: -1 }))).toBe('historyBars');
    expect(fieldOf(() => decodeMarketSpec({ end: '2011-13-01' }))).toBe('end');
  });

  it('loads the demo market without the CLI, naming parameters (not flags) in its errors', async () => {
    const ctx = plainContext('/nonexistent-cwd');
    const run = await loadRunMarket(decodeMarketSpec({ cap: 3 }), ctx);
    expect(run.source.kind).toBe('demo');
    expect(run.source.symbols).toHaveLength(3);
    const refused = await loadRunMarket(decodeMarketSpec({ universe: 'u.csv' }), ctx).catch((e: unknown) => e);
    expect(isKobeError(refused) && refused.flag).toBe('universe');
    expect(String((refused as Error).message)).toBe('universe needs dataDir (the demo market has its own universe)');
  });
});

describe('src/app stands below the CLI', () => {
  it('no module of src/app imports src/cli', () => {
    const dir = fileURLToPath(new URL('./', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from '\.\.\/cli\//.test(readFileSync(`${dir}${f}`, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
