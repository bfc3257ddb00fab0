import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sliceBars, type BarSeries } from '../core/bar-series.js';
import { dayToIso, lowerBound, parseIsoDay } from '../core/calendar.js';
import { inputError, usageError } from '../core/errors.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { buildPanel, calendarRange } from '../backtest/panel.js';
import { MarketContext } from '../backtest/market-context.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { loadMarket, type LoadMarketOptions, type SymbolReport } from '../data/load.js';
import { findSymbolFile, symbolFileCandidates } from '../data/locate.js';
import { capUniverse, readUniverse, universeFromDataDir } from '../data/universe.js';
import type { BadDataPolicy } from '../data/bad-data-policy.js';
import type { DataIssue } from '../data/data-issue.js';
import type { AdjustMode } from '../data/csv-format.js';
import type { AppContext } from './context.js';
import type { MarketSpec } from './market-spec.js';
import { tradedUniverse, untypedUniverse, type ExcludedSymbol } from './universe-selection.js';

export type { ExcludedSymbol };

/** What was loaded, and from where: the data half of every run manifest. */
export interface MarketSource {
  readonly kind: 'demo' | 'files';
  readonly synthetic: boolean;
  readonly dataDir: string | null;
  readonly demoSeed: number | null;
  readonly universeFile: string | null;
  readonly symbols: readonly string[];
  /** The regime/benchmark index; null when the data has none (runs without regime filter or benchmark). */
  readonly index: string | null;
  /** Whether the index is among the traded symbols (`tradeIndex`, or named in `symbols`). */
  readonly tradeIndex: boolean;
  /** The universe types traded (`types`, lower-case); null = every type. */
  readonly types: readonly string[] | null;
  /** Universe symbols left out of trading, in universe order. */
  readonly excluded: readonly ExcludedSymbol[];
  readonly badDataPolicy: BadDataPolicy;
  /** How price files were read (`adjust`): `all` applies Yahoo/AlphaVantage adjustment. */
  readonly adjust: AdjustMode;
  /** The corporate-actions file applied (absolute), else null. */
  readonly corporateActionsFile: string | null;
  readonly dataHash: string;
  /** Bars of history before the start that indicators see; null = all there is. */
  readonly historyBars: number | null;
}

export interface LoadedRun {
  readonly source: MarketSource;
  readonly ctx: MarketContext;
  /** Calendar index range of the spec's start and end. */
  readonly from: number;
  readonly to: number;
  readonly issues: readonly DataIssue[];
  readonly report: readonly SymbolReport[];
  readonly timings: { readonly loadMs: number };
  /** Standing caveats of the data (synthetic, survivorship): printed with the data check. */
  readonly notes: readonly string[];
  /**
   * What the spec was quietly adjusted to (a cut end, symbols left out): already said through
   * ctx.note by loadRunMarket, and kept for the JSON result.
   */
  readonly warnings: readonly string[];
  /** Why there is no index (and so no benchmark); null when there is one. */
  readonly indexReason: string | null;
}

/**
 * Resolves a market spec into loaded, checked bars aligned on one calendar. Every run goes
 * through here, so every run gets the same data check and the same loud report of what it did.
 *
 * The index (`index`, default SPY) is optional: without its file the run has no regime filter
 * input and no benchmark (`index` null, `indexReason` says why), and the calendar is the union
 * of the traded symbols' sessions, as it always is for sessions the index lacks. A symbol with
 * no bar on a calendar session has a hole there: it is marked at its last close, no signal
 * comes from it, and an order due on it expires unfilled (NO_FILL_BAR). An index named
 * explicitly must exist. What was quietly adjusted is said through `ctx.note` and kept in
 * `warnings`; errors and notes name parameters through `ctx.param`.
 */
export async function loadRunMarket(spec: MarketSpec, ctx: AppContext, load: Pick<LoadMarketOptions, 'onUnreadable'> = {}): Promise<LoadedRun> {
  const p = ctx.param;
  const { cap, historyBars, tradeIndex, types, adjust } = spec;
  const policy = spec.onBadData;
  const startDay = spec.start === null ? null : parseIsoDay(spec.start);
  const endDay = spec.end === null ? null : parseIsoDay(spec.end);
  const t0 = performance.now();
  const dataDirRaw = spec.dataDir ?? ctx.env.KOBE_DATA_DIR;
  const notes: string[] = [];
  const warnings: string[] = [];
  let series: BarSeries[];
  let index: BarSeries | null;
  let indexReason: string | null = null;
  let source: MarketSource;
  let issues: DataIssue[] = [];
  let report: SymbolReport[] = [];

  if (dataDirRaw === undefined || dataDirRaw === '') {
    const seed = spec.seed;
    if (spec.universe !== null) throw usageError('BAD_FLAG', `${p('universe')} needs ${p('dataDir')} (the demo market has its own universe)`, { flag: p('universe') });
    if (types !== null) throw usageError('BAD_FLAG', 'the demo market has no universe types to select', { flag: p('types'), value: types.join(',') });
    if (spec.corporateActions !== null) throw usageError('BAD_FLAG', `${p('corporateActions')} needs ${p('dataDir')} (the demo market has none)`, { flag: p('corporateActions') });
    const demo = generateDemoMarket({ seed });
    const indexSymbol = (spec.index ?? demo.indexSymbol).toUpperCase();
    const bySymbol = new Map(demo.series.map((s) => [s.symbol, s]));
    if (!bySymbol.has(indexSymbol)) {
      throw usageError('NO_INDEX', `the demo market has no symbol ${indexSymbol} to use as the index`, { flag: p('index'), value: spec.index, hint: `its index is ${demo.indexSymbol}` });
    }
    let wanted: string[];
    let excluded: ExcludedSymbol[] = [];
    if (spec.symbols !== null) wanted = [...spec.symbols];
    else {
      const traded = tradedUniverse(untypedUniverse('(demo market)', demo.universe.map((u) => u.symbol)), indexSymbol, tradeIndex, null, p);
      wanted = traded.symbols;
      excluded = traded.excluded;
      warnings.push(...traded.warnings);
    }
    if (cap !== null) wanted = wanted.slice(0, cap);
    const unknown = wanted.filter((s) => !bySymbol.has(s));
    if (unknown.length > 0) {
      throw usageError('UNKNOWN_SYMBOL', `not in the demo market: ${unknown.join(', ')}`, { flag: p('symbols'), hint: `demo symbols: ${demo.universe.slice(0, 8).map((u) => u.symbol).join(', ')}, ...` });
    }
    series = wanted.map((s) => bySymbol.get(s)!);
    index = bySymbol.get(indexSymbol)!;
    notes.push(`SYNTHETIC DATA: the built-in demo market (seed ${seed}), fictional tickers; no result from it says anything about real stocks`);
    source = {
      kind: 'demo',
      synthetic: true,
      dataDir: null,
      demoSeed: seed,
      universeFile: null,
      symbols: wanted,
      index: indexSymbol,
      tradeIndex: wanted.includes(indexSymbol),
      types: null,
      excluded,
      badDataPolicy: policy,
      adjust,
      corporateActionsFile: null,
      dataHash: sha256Hex(stableStringify({ demo: 'generateDemoMarket', seed, symbols: wanted, index: indexSymbol })),
      historyBars,
    };
  } else {
    const dataDir = resolve(ctx.cwd, dataDirRaw);
    if (!existsSync(dataDir)) throw usageError('NO_DATA_DIR', `no such folder: ${dataDir}`, { flag: p('dataDir'), value: dataDirRaw });
    const indexSymbol = (spec.index ?? 'SPY').toUpperCase();
    const hasIndexFile = findSymbolFile(dataDir, indexSymbol) !== null;
    if (!hasIndexFile) {
      const looked = `looked for ${symbolFileCandidates(indexSymbol).join(', ')}`;
      if (spec.index !== null) {
        throw usageError('NO_INDEX', `no data file for the index ${indexSymbol} in ${dataDir} (${looked})`, {
          flag: p('index'),
          value: spec.index,
          hint: `name a symbol that has a bar file in ${p('dataDir')}, or leave ${p('index')} out and pass ${p('regimeFilter')} to run without an index`,
        });
      }
      indexReason = `no data file for the index ${indexSymbol} in ${dataDir} (${looked})`;
    }
    let universeFile: string | null = null;
    let wanted: string[];
    let excluded: ExcludedSymbol[] = [];
    if (spec.symbols !== null) {
      wanted = [...spec.symbols];
    } else {
      universeFile = spec.universe !== null ? resolve(ctx.cwd, spec.universe) : existsSync(join(dataDir, 'universe.csv')) ? join(dataDir, 'universe.csv') : null;
      if (spec.universe !== null && !existsSync(universeFile!)) {
        throw usageError('NO_UNIVERSE', `no such file: ${universeFile}`, { flag: p('universe'), value: spec.universe });
      }
      if (universeFile === null && types !== null) {
        throw usageError('BAD_FLAG', `${p('types')} selects by the type column of a universe file, and there is none (no ${p('universe')}, no universe.csv in ${dataDir})`, { flag: p('types'), value: types.join(',') });
      }
      const universe = universeFile !== null ? readUniverse(universeFile) : untypedUniverse(dataDir, universeFromDataDir(dataDir));
      const traded = tradedUniverse(universe, indexSymbol, tradeIndex, types, p);
      wanted = traded.symbols;
      excluded = traded.excluded;
      warnings.push(...traded.warnings);
    }
    if (cap !== null) wanted = capUniverse(wanted.map((symbol) => ({ symbol })), cap).map((u) => u.symbol);
    const cacheDir = spec.cache === null ? undefined : resolve(ctx.cwd, spec.cache);
    const corporateActions = spec.corporateActions === null ? undefined : resolve(ctx.cwd, spec.corporateActions);
    const toLoad = !hasIndexFile || wanted.includes(indexSymbol) ? wanted : [...wanted, indexSymbol];
    const loaded = await loadMarket({ dataDir, symbols: toLoad, cacheDir, policy, calendarSymbol: hasIndexFile ? indexSymbol : undefined, adjust, corporateActions, ...load });
    const explicitMissing = loaded.missingSymbols.filter((s) => s !== indexSymbol || wanted.includes(s));
    if (explicitMissing.length > 0) {
      const where = universeFile ?? (spec.symbols !== null ? p('symbols') : dataDir);
      throw inputError('UNKNOWN_SYMBOL', `no data file in ${dataDir} for ${explicitMissing.length} symbol(s): ${explicitMissing.slice(0, 10).join(', ')}${explicitMissing.length > 10 ? ', ...' : ''}`, {
        file: universeFile ?? undefined,
        flag: universeFile === null ? where : undefined,
        hint: 'files are found as <symbol>.us.txt, <SYMBOL>.csv or <symbol>.csv',
      });
    }
    const bySymbol = new Map(loaded.series.map((s) => [s.symbol, s]));
    index = hasIndexFile ? (bySymbol.get(indexSymbol) ?? null) : null;
    if (hasIndexFile && index === null) indexReason = `the index ${indexSymbol} was left out by the data check (${p('onBadData')} ${policy})`;
    series = wanted.map((s) => bySymbol.get(s)).filter((s): s is BarSeries => s !== undefined);
    issues = loaded.issues;
    report = loaded.perSymbol;
    notes.push('survivorship bias: if this universe was chosen with later knowledge (names still listed and liquid today), results overstate what a trader would have earned');
    source = {
      kind: 'files',
      synthetic: false,
      dataDir,
      demoSeed: null,
      universeFile,
      symbols: wanted,
      index: index === null ? null : indexSymbol,
      tradeIndex: wanted.includes(indexSymbol),
      types,
      excluded,
      badDataPolicy: policy,
      adjust,
      corporateActionsFile: corporateActions ?? null,
      dataHash: loaded.dataHash,
      historyBars,
    };
  }
  if (series.length === 0) throw inputError('EMPTY_UNIVERSE', 'no symbol with usable data is left to trade', { hint: `check ${p('symbols')}/${p('universe')}/${p('types')} and the data check report (${p('onBadData')})` });
  let panel = buildPanel(series, index);
  const lastDay = panel.calendar[panel.calendar.length - 1];
  let firstDay = panel.calendar[0];
  let range = calendarRange(panel, startDay ?? firstDay, endDay ?? lastDay);
  if (range === null) {
    throw usageError('EMPTY_RANGE', `no sessions between ${spec.start ?? dayToIso(firstDay)} and ${spec.end ?? dayToIso(lastDay)}; the data spans ${dayToIso(firstDay)}..${dayToIso(lastDay)}`, {
      flag: spec.start !== null ? p('start') : p('end'),
    });
  }
  if (endDay !== null && endDay > lastDay) {
    warnings.push(`${p('end')} ${spec.end} is after the last session in the data (${dayToIso(lastDay)}): runs to ${dayToIso(lastDay)}`);
  }
  if (historyBars !== null) {
    // Indicators see only `historyBars` bars before the start: a search over thousands of
    // genomes then computes each new indicator over a few years, not the whole archive.
    const startOfRun = panel.calendar[range.from];
    const trim = (x: BarSeries) => sliceBars(x, Math.max(0, lowerBound(x.day, startOfRun) - historyBars), x.day.length);
    panel = buildPanel(series.map(trim), index === null ? null : trim(index));
    firstDay = panel.calendar[0];
    range = calendarRange(panel, startOfRun, endDay ?? lastDay)!;
  }
  const loadMs = performance.now() - t0;
  const indexText = index !== null ? ` + index ${source.index}` : `, no index (${indexReason})`;
  ctx.log(`data: ${series.length} symbols${indexText}, ${panel.calendar.length} sessions ${dayToIso(firstDay)}..${dayToIso(lastDay)}, loaded and checked in ${loadMs.toFixed(0)} ms`);
  // Adjustments to what was asked are noted whatever the output mode (the CLI: on stderr): they change the run.
  for (const w of warnings) ctx.note(w);
  return { source, ctx: new MarketContext(panel, range), from: range.from, to: range.to, issues, report, timings: { loadMs }, notes, warnings, indexReason };
}
