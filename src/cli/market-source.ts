import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { sliceBars, type BarSeries } from '../core/bar-series.js';
import { dayToIso, isoDayFlag, lowerBound } from '../core/calendar.js';
import { inputError, usageError } from '../core/errors.js';
import { registerSecrets, secretEnvValues } from '../core/redact.js';
import { sha256Hex, stableStringify } from '../core/stable-json.js';
import { buildPanel, calendarRange } from '../backtest/panel.js';
import { MarketContext } from '../backtest/market-context.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { loadMarket, type LoadMarketOptions, type SymbolReport } from '../data/load.js';
import { findSymbolFile, symbolFileCandidates } from '../data/locate.js';
import { capUniverse, readUniverse, selectTypes, universeFromDataDir, type Universe } from '../data/universe.js';
import type { BadDataPolicy } from '../data/bad-data-policy.js';
import type { DataIssue } from '../data/data-issue.js';
import { ADJUST_MODES, type AdjustMode } from '../data/csv-format.js';
import type { CliIo } from './io.js';
import { numberFlag } from './options.js';

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

/** A universe symbol not traded, and why: `index` (the index, without --trade-index) or `type <t>` (--types). */
export interface ExcludedSymbol {
  readonly symbol: string;
  readonly reason: string;
}

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
  /** Whether the index is among the traded symbols (--trade-index, or named in --symbols). */
  readonly tradeIndex: boolean;
  /** The universe types traded (--types, lower-case); null = every type. */
  readonly types: readonly string[] | null;
  /** Universe symbols left out of trading, in universe order. */
  readonly excluded: readonly ExcludedSymbol[];
  readonly badDataPolicy: BadDataPolicy;
  /** How price files were read (`--adjust`): `all` applies Yahoo/AlphaVantage adjustment. */
  readonly adjust: AdjustMode;
  /** The --corporate-actions file applied (absolute), else null. */
  readonly corporateActionsFile: string | null;
  readonly dataHash: string;
  /** Bars of history before the start that indicators see; null = all there is. */
  readonly historyBars: number | null;
}

export interface LoadedRun {
  readonly source: MarketSource;
  readonly ctx: MarketContext;
  /** Calendar index range of --start/--end. */
  readonly from: number;
  readonly to: number;
  readonly issues: readonly DataIssue[];
  readonly report: readonly SymbolReport[];
  readonly timings: { readonly loadMs: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standing caveats of the data (synthetic, survivorship): printed with the data check. */
  readonly notes: readonly string[];
  /**
   * What the flags were quietly adjusted to (a cut --end, symbols left out): already said on
   * stderr by loadRunMarket, and kept for the JSON result.
   */
  readonly warnings: readonly string[];
  /** Why there is no index (and so no benchmark); null when there is one. */
  readonly indexReason: string | null;
}

const POLICIES: readonly BadDataPolicy[] = ['warn', 'mask', 'skip-symbol', 'fail'];

/** Environment from the process plus the --dotenv file (the process wins, as dotenv does). */
export function resolveEnv(io: CliIo, dotenvPath: string, explicit: boolean): Record<string, string | undefined> {
  const path = isAbsolute(dotenvPath) ? dotenvPath : join(io.cwd, dotenvPath);
  if (!existsSync(path)) {
    if (explicit) throw usageError('NO_DOTENV', `no such file: ${path}`, { flag: '--dotenv', value: dotenvPath });
    return { ...io.env };
  }
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (e) {
    throw usageError('DOTENV_NOT_READABLE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { flag: '--dotenv', value: dotenvPath, hint: 'point --dotenv at a readable KEY=value file' });
  }
  const env = { ...parseDotenv(text), ...io.env };
  registerSecrets(secretEnvValues(env));
  return env;
}

function parseSymbolList(text: string): string[] {
  const out = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  if (out.length === 0) throw usageError('BAD_FLAG', 'no symbols given', { flag: '--symbols', value: text });
  return out;
}

function parseTypes(text: string): string[] {
  const out = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== ''),
    ),
  ];
  if (out.length === 0) throw usageError('BAD_FLAG', 'no types given', { flag: '--types', value: text, hint: 'a comma list of universe types, e.g. stock or stock,etf' });
  return out;
}

/** A universe that is a plain list of symbols (a data folder's files, the demo market): no types. */
function untypedUniverse(file: string, symbols: readonly string[]): Universe {
  return { file, entries: symbols.map((symbol, k) => ({ symbol, name: null, sector: null, type: null, line: k + 1 })), hasTypeColumn: false };
}

/**
 * What a universe trades: only the types asked for (`types`, from its type column), and the
 * index only when asked (`tradeIndex`): a benchmark ETF listed beside the stocks is the yardstick,
 * not a position. Everything left out is recorded (type exclusions first, then the index) and
 * said once per reason. Symbols named with --symbols skip this: they are traded as named.
 */
function tradedUniverse(universe: Universe, indexSymbol: string | null, tradeIndex: boolean, types: readonly string[] | null) {
  const { kept, leftOut } = types === null ? { kept: universe.entries, leftOut: [] } : selectTypes(universe, types);
  const excluded: ExcludedSymbol[] = leftOut.map((e) => ({ symbol: e.symbol, reason: e.type === null ? 'no type' : `type ${e.type}` }));
  const warnings: string[] = [];
  if (types !== null && leftOut.length > 0) {
    const byType = new Map<string, number>();
    for (const e of leftOut) byType.set(e.type ?? 'untyped', (byType.get(e.type ?? 'untyped') ?? 0) + 1);
    const counts = [...byType].map(([t, n]) => `${n} ${t}`).join(', ');
    warnings.push(`--types ${types.join(',')}: ${counts} symbol${leftOut.length === 1 ? '' : 's'} left out`);
  }
  const symbols: string[] = [];
  for (const e of kept) {
    if (!tradeIndex && e.symbol === indexSymbol) {
      excluded.push({ symbol: e.symbol, reason: 'index' });
      warnings.push(`index ${e.symbol} not traded (use --trade-index)`);
    } else symbols.push(e.symbol);
  }
  return { symbols, excluded, warnings };
}

/**
 * Resolves the market flags into loaded, checked bars aligned on one calendar. Every run goes
 * through here, so every run gets the same data check and the same loud report of what it did.
 *
 * The index (--index, default SPY) is optional: without its file the run has no regime filter
 * input and no benchmark (`index` null, `indexReason` says why), and the calendar is the union
 * of the traded symbols' sessions, as it always is for sessions the index lacks. A symbol with
 * no bar on a calendar session has a hole there: it is marked at its last close, no signal
 * comes from it, and an order due on it expires unfilled (NO_FILL_BAR). An --index named
 * explicitly must exist.
 */
export async function loadRunMarket(
  flags: MarketFlags,
  io: CliIo,
  log: (line: string) => void,
  dotenvExplicit: boolean,
  load: Pick<LoadMarketOptions, 'onUnreadable'> = {},
): Promise<LoadedRun> {
  const env = resolveEnv(io, flags.dotenv, dotenvExplicit);
  const policy = flags.onBadData as BadDataPolicy;
  if (!POLICIES.includes(policy)) {
    throw usageError('BAD_FLAG', `unknown bad-data policy '${flags.onBadData}'`, { flag: '--on-bad-data', value: flags.onBadData, hint: POLICIES.join(' | ') });
  }
  const adjust = (flags.adjust ?? 'all') as AdjustMode;
  if (!ADJUST_MODES.includes(adjust)) {
    throw usageError('BAD_FLAG', `unknown adjust mode '${flags.adjust}'`, { flag: '--adjust', value: flags.adjust, hint: ADJUST_MODES.join(' | ') });
  }
  const cap = flags.cap === undefined ? null : numberFlag(flags.cap, '--cap', { integer: true, positive: true });
  const historyBars = flags.historyBars === undefined ? null : numberFlag(flags.historyBars, '--history-bars', { integer: true, min: 0 });
  const startDay = flags.start === undefined ? null : isoDayFlag(flags.start, '--start');
  const endDay = flags.end === undefined ? null : isoDayFlag(flags.end, '--end');
  if (startDay !== null && endDay !== null && startDay > endDay) {
    throw usageError('START_AFTER_END', `--start ${flags.start} is after --end ${flags.end}`, { flag: '--start', value: flags.start });
  }
  const tradeIndex = flags.tradeIndex === true;
  const types = flags.types === undefined ? null : parseTypes(flags.types);
  if (types !== null && flags.symbols !== undefined) {
    throw usageError('BAD_FLAG', '--types selects from a universe file; --symbols names the traded symbols exactly', { flag: '--types', value: flags.types });
  }
  const t0 = performance.now();
  const dataDirRaw = flags.dataDir ?? env.KOBE_DATA_DIR;
  const notes: string[] = [];
  const warnings: string[] = [];
  let series: BarSeries[];
  let index: BarSeries | null;
  let indexReason: string | null = null;
  let source: MarketSource;
  let issues: DataIssue[] = [];
  let report: SymbolReport[] = [];

  if (dataDirRaw === undefined || dataDirRaw === '') {
    const seed = numberFlag(flags.seed, '--seed', { integer: true, min: 0 });
    if (flags.universe !== undefined) throw usageError('BAD_FLAG', '--universe needs --data-dir (the demo market has its own universe)', { flag: '--universe' });
    if (types !== null) throw usageError('BAD_FLAG', 'the demo market has no universe types to select', { flag: '--types', value: flags.types });
    if (flags.corporateActions !== undefined) throw usageError('BAD_FLAG', '--corporate-actions needs --data-dir (the demo market has none)', { flag: '--corporate-actions' });
    const demo = generateDemoMarket({ seed });
    const indexSymbol = (flags.index ?? demo.indexSymbol).toUpperCase();
    const bySymbol = new Map(demo.series.map((s) => [s.symbol, s]));
    if (!bySymbol.has(indexSymbol)) {
      throw usageError('NO_INDEX', `the demo market has no symbol ${indexSymbol} to use as the index`, { flag: '--index', value: flags.index, hint: `its index is ${demo.indexSymbol}` });
    }
    let wanted: string[];
    let excluded: ExcludedSymbol[] = [];
    if (flags.symbols !== undefined) wanted = parseSymbolList(flags.symbols);
    else {
      const traded = tradedUniverse(untypedUniverse('(demo market)', demo.universe.map((u) => u.symbol)), indexSymbol, tradeIndex, null);
      wanted = traded.symbols;
      excluded = traded.excluded;
      warnings.push(...traded.warnings);
    }
    if (cap !== null) wanted = wanted.slice(0, cap);
    const unknown = wanted.filter((s) => !bySymbol.has(s));
    if (unknown.length > 0) {
      throw usageError('UNKNOWN_SYMBOL', `not in the demo market: ${unknown.join(', ')}`, { flag: '--symbols', hint: `demo symbols: ${demo.universe.slice(0, 8).map((u) => u.symbol).join(', ')}, ...` });
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
    const dataDir = resolve(io.cwd, dataDirRaw);
    if (!existsSync(dataDir)) throw usageError('NO_DATA_DIR', `no such folder: ${dataDir}`, { flag: '--data-dir', value: dataDirRaw });
    const indexSymbol = (flags.index ?? 'SPY').toUpperCase();
    const hasIndexFile = findSymbolFile(dataDir, indexSymbol) !== null;
    if (!hasIndexFile) {
      const looked = `looked for ${symbolFileCandidates(indexSymbol).join(', ')}`;
      if (flags.index !== undefined) {
        throw usageError('NO_INDEX', `no data file for the index ${indexSymbol} in ${dataDir} (${looked})`, {
          flag: '--index',
          value: flags.index,
          hint: 'name a symbol that has a bar file in --data-dir, or leave --index out and pass --no-regime-filter to run without an index',
        });
      }
      indexReason = `no data file for the index ${indexSymbol} in ${dataDir} (${looked})`;
    }
    let universeFile: string | null = null;
    let wanted: string[];
    let excluded: ExcludedSymbol[] = [];
    if (flags.symbols !== undefined) {
      wanted = parseSymbolList(flags.symbols);
    } else {
      universeFile = flags.universe !== undefined ? resolve(io.cwd, flags.universe) : existsSync(join(dataDir, 'universe.csv')) ? join(dataDir, 'universe.csv') : null;
      if (flags.universe !== undefined && !existsSync(universeFile!)) {
        throw usageError('NO_UNIVERSE', `no such file: ${universeFile}`, { flag: '--universe', value: flags.universe });
      }
      if (universeFile === null && types !== null) {
        throw usageError('BAD_FLAG', `--types selects by the type column of a universe file, and there is none (no --universe, no universe.csv in ${dataDir})`, { flag: '--types', value: flags.types });
      }
      const universe = universeFile !== null ? readUniverse(universeFile) : untypedUniverse(dataDir, universeFromDataDir(dataDir));
      const traded = tradedUniverse(universe, indexSymbol, tradeIndex, types);
      wanted = traded.symbols;
      excluded = traded.excluded;
      warnings.push(...traded.warnings);
    }
    if (cap !== null) wanted = capUniverse(wanted.map((symbol) => ({ symbol })), cap).map((u) => u.symbol);
    const cacheDir = flags.cache === undefined ? undefined : resolve(io.cwd, flags.cache);
    const corporateActions = flags.corporateActions === undefined ? undefined : resolve(io.cwd, flags.corporateActions);
    const toLoad = !hasIndexFile || wanted.includes(indexSymbol) ? wanted : [...wanted, indexSymbol];
    const loaded = await loadMarket({ dataDir, symbols: toLoad, cacheDir, policy, calendarSymbol: hasIndexFile ? indexSymbol : undefined, adjust, corporateActions, ...load });
    const explicitMissing = loaded.missingSymbols.filter((s) => s !== indexSymbol || wanted.includes(s));
    if (explicitMissing.length > 0) {
      const where = universeFile ?? (flags.symbols !== undefined ? '--symbols' : dataDir);
      throw inputError('UNKNOWN_SYMBOL', `no data file in ${dataDir} for ${explicitMissing.length} symbol(s): ${explicitMissing.slice(0, 10).join(', ')}${explicitMissing.length > 10 ? ', ...' : ''}`, {
        file: universeFile ?? undefined,
        flag: universeFile === null ? where : undefined,
        hint: 'files are found as <symbol>.us.txt, <SYMBOL>.csv or <symbol>.csv',
      });
    }
    const bySymbol = new Map(loaded.series.map((s) => [s.symbol, s]));
    index = hasIndexFile ? (bySymbol.get(indexSymbol) ?? null) : null;
    if (hasIndexFile && index === null) indexReason = `the index ${indexSymbol} was left out by the data check (--on-bad-data ${policy})`;
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
  if (series.length === 0) throw inputError('EMPTY_UNIVERSE', 'no symbol with usable data is left to trade', { hint: 'check --symbols/--universe/--types and the data check report (--on-bad-data)' });
  let panel = buildPanel(series, index);
  const lastDay = panel.calendar[panel.calendar.length - 1];
  let firstDay = panel.calendar[0];
  let range = calendarRange(panel, startDay ?? firstDay, endDay ?? lastDay);
  if (range === null) {
    throw usageError('EMPTY_RANGE', `no sessions between ${flags.start ?? dayToIso(firstDay)} and ${flags.end ?? dayToIso(lastDay)}; the data spans ${dayToIso(firstDay)}..${dayToIso(lastDay)}`, {
      flag: flags.start !== undefined ? '--start' : '--end',
    });
  }
  if (endDay !== null && endDay > lastDay) {
    warnings.push(`--end ${flags.end} is after the last session in the data (${dayToIso(lastDay)}): runs to ${dayToIso(lastDay)}`);
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
  log(`data: ${series.length} symbols${indexText}, ${panel.calendar.length} sessions ${dayToIso(firstDay)}..${dayToIso(lastDay)}, loaded and checked in ${loadMs.toFixed(0)} ms`);
  // Adjustments to what was asked are said on stderr whatever the output mode: they change the run.
  for (const w of warnings) io.stderr.write(`note: ${w}\n`);
  return { source, ctx: new MarketContext(panel, range), from: range.from, to: range.to, issues, report, timings: { loadMs }, env, notes, warnings, indexReason };
}
