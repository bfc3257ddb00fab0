import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendAudit } from '../../audit/audit-log.js';
import { DEFAULT_ENGINE_CONFIG } from '../../backtest/config.js';
import { sizeOrder } from '../../portfolio/sizing.js';
import { dayToIso, isoDayFlag, lowerBound } from '../../core/calendar.js';
import { usageError, inputError } from '../../core/errors.js';
import { closureReason, isSession, lastCompletedSession, sessionsBetween } from '../../core/exchange-calendar.js';
import { sha256Hex, stableStringify } from '../../core/stable-json.js';
import { featureNames, signalFeatureRow, symbolFeatureColumns, type SymbolFeatureColumns } from '../../confidence/features.js';
import { decodeModel, type ConfidenceModel } from '../../confidence/model-codec.js';
import { modelUnusableReason } from '../scan-model/usable.js';
import { explainConfidence } from '../../confidence/train.js';
import { avgDollarVolume } from '../../indicators/avg-dollar-volume.js';
import { realisedVol } from '../../indicators/realised-vol.js';
import { sma } from '../../indicators/sma.js';
import { earningsGate, gatesAdmit, liquidityGate, priceGate, regimeGate, spreadGate, type ScanGate, type ScanGateThresholds } from '../../risk/scan-gates.js';
import { resolveStrategyParams, STRATEGIES } from '../../strategies/registry.js';
import type { RuleCondition } from '../../strategies/types.js';
import { ScanStore } from '../../store/scan-store.js';
import type { AppContext } from '../context.js';
import type { MarketSpec } from '../market-spec.js';
import { loadRunMarket } from '../market.js';
import { DEFAULT_STRATEGY_NAMES, productionLegs } from '../roster.js';
import { scanHistoryBars } from './history.js';
import { topPicks, tradeOfDay, type MixSlot } from './rank.js';
import { describeSignal, scanWindow, signalsOnDay, type ScanLeg, type ScanSignal } from './scan-signals.js';
import { readEarnings, readQuotes } from './scan-inputs.js';
import { replaceDateBlock } from './scan-logs.js';

export interface ScanSpec {
  /** The market; its start, end and historyBars are the scan's to set. */
  readonly market: MarketSpec;
  /** Replay a past session, YYYY-MM-DD; null: the last session in the data (checked for staleness). */
  readonly date: string | null;
  /** Strategies to scan; null: the production roster in `db`, else ibs-rsi and turtle-soup defaults. */
  readonly legs: readonly ScanLeg[] | null;
  readonly db: string;
  readonly stateDir: string;
  readonly logsDir: string;
  readonly audit: string;
  readonly quotes: string | null;
  readonly earnings: string | null;
  readonly gates: ScanGateThresholds;
  readonly regimeSmaPeriod: number;
  readonly mix: readonly MixSlot[];
  readonly ensureTop3: boolean;
  readonly minConfidence: number;
  readonly capitalUsd: number;
  /** Explain this symbol (a look-up: nothing is written). */
  readonly explain: string | null;
  /** False: compute only, write nothing (the daily pipeline's challenger scan). Default true. */
  readonly record?: boolean;
}

export interface ConfidenceView {
  readonly value: number | null;
  readonly reason: string | null;
  readonly rawProbability?: number;
  readonly intercept?: number;
  readonly contributions?: readonly { readonly feature: string; readonly value: number; readonly contribution: number }[];
}

export interface ScanPick extends ScanSignal {
  readonly gates: readonly ScanGate[];
  readonly admitted: boolean;
  readonly confidence: ConfidenceView;
  readonly plan: { readonly entryReference: number; readonly stop: number | null; readonly target: number | null; readonly timeExitOn: string | null; readonly shares: number; readonly capitalUsd: number; readonly sizing: string };
}

export type ScanOutcome =
  | { readonly kind: 'stale'; readonly have: string; readonly expected: string }
  | { readonly kind: 'scanned'; readonly result: ScanResult };

export interface ScanResult {
  readonly date: string;
  readonly strategies: readonly { readonly name: string; readonly version: string; readonly params: Readonly<Record<string, number>> }[];
  readonly rosterNote: string | null;
  readonly model: { readonly file: string; readonly dataHash: string } | null;
  readonly modelReason: string | null;
  readonly signals: readonly ScanPick[];
  readonly top: readonly ScanPick[];
  readonly tradeOfDay: { readonly pick: ScanPick | null; readonly reason: string };
  readonly inputsHash: string;
  readonly historyBars: number;
  readonly synthetic: boolean;
  /** The market scanned: its traded symbols, regime index and data hash. */
  readonly universe: { readonly symbols: number; readonly index: string | null; readonly dataHash: string };
  readonly explain: { readonly symbol: string; readonly rules: readonly { readonly strategy: string; readonly signalled: boolean; readonly conditions: readonly RuleCondition[]; readonly reason: string | null }[]; readonly picks: readonly ScanPick[] } | null;
  readonly written: { readonly dailyPicks: string; readonly tradeOfDay: string; readonly db: string; readonly audit: string } | null;
}

const DEFAULT_LEGS = DEFAULT_STRATEGY_NAMES;

/**
 * `kobe scan`: today's trade list. Every input is read and checked first (date, quotes, earnings,
 * model, explain symbol); only a complete scan writes (the picks logs, the scans table, the audit
 * log), so a bad input leaves nothing behind.
 */
export async function runScan(spec: ScanSpec, ctx: AppContext): Promise<ScanOutcome> {
  const p = ctx.param;
  let wantDay: number | null = null;
  if (spec.date !== null) {
    wantDay = isoDayFlag(spec.date, p('date'));
    if (!isSession(wantDay)) {
      throw usageError('NOT_A_SESSION', `${spec.date} is not an NYSE session (${closureReason(wantDay)})`, { param: 'date', value: spec.date, hint: 'scan a trading day' });
    }
  }
  const quotes = spec.quotes === null ? null : readQuotes(resolve(ctx.cwd, spec.quotes));
  const earnings = spec.earnings === null ? null : readEarnings(resolve(ctx.cwd, spec.earnings));
  const modelFile = join(resolve(ctx.cwd, spec.stateDir), 'models', 'active.json');
  const modelText = existsSync(modelFile) ? readFileSync(modelFile, 'utf8') : null;
  const model: ConfidenceModel | null = modelText === null ? null : decodeModel(modelText, modelFile);
  const dbPath = resolve(ctx.cwd, spec.db);

  let legs = spec.legs === null ? productionLegs(dbPath) : [...spec.legs];
  let rosterNote: string | null = null;
  if (legs.length === 0) {
    legs = DEFAULT_LEGS.map((n) => ({ strategy: STRATEGIES[n], params: resolveStrategyParams(STRATEGIES[n], {}) }));
    rosterNote = `no strategy in production in ${spec.db}: scanning ${DEFAULT_LEGS.join(' and ')} with their default parameters`;
  }

  const run = await loadRunMarket({ ...spec.market, start: null, end: null, historyBars: null }, ctx);
  const panel = run.ctx.panel;
  const lastDay = panel.calendar[panel.calendar.length - 1];
  if (spec.explain !== null && !panel.symbols.includes(spec.explain)) {
    throw usageError('UNKNOWN_SYMBOL', `${spec.explain} is not among the scanned symbols`, { param: 'explain', value: spec.explain, hint: 'name a symbol of the universe with a data file' });
  }
  let day: number;
  if (wantDay !== null) {
    if (wantDay > lastDay) throw usageError('DATE_AFTER_DATA', `${spec.date} is after the last session in the data (${dayToIso(lastDay)})`, { param: 'date', value: spec.date });
    day = wantDay;
  } else {
    day = lastDay;
    const expected = lastCompletedSession(ctx.now().getTime());
    if (day < expected) return { kind: 'stale', have: dayToIso(day), expected: dayToIso(expected) };
  }
  const date = dayToIso(day);

  const historyBars = scanHistoryBars(legs, spec.regimeSmaPeriod);
  const win = scanWindow(panel, day, historyBars);
  if (win === null) throw inputError('NO_BARS_ON_DATE', `no scanned symbol has a bar on ${date}`, { param: 'date', value: date, hint: 'the data has a hole on that session; refresh it (kobe data fetch)' });
  const fillDelay = 1;
  const raw = signalsOnDay(win, legs);

  // Regime inputs on D: the index's last bar on or before D.
  const idx = win.panel.index;
  let regimeIndex: Parameters<typeof regimeGate>[1] = null;
  if (idx !== null && idx.day.length > 0) {
    const k = lowerBound(idx.day, day + 1) - 1;
    const trend = sma(idx.close, spec.regimeSmaPeriod);
    const vol = realisedVol(idx.close, 20);
    if (k >= 0) regimeIndex = { symbol: idx.symbol, close: idx.close[k], sma: trend[k], smaPeriod: spec.regimeSmaPeriod, vol20: vol[k] };
  }
  const modelStrategies = model === null ? [] : model.logistic.featureNames.filter((f) => f.startsWith('strategy:')).map((f) => f.slice('strategy:'.length));
  const modelFeatures = model === null ? [] : featureNames(modelStrategies);
  const modelMismatch = model !== null && stableStringify(modelFeatures) !== stableStringify(model.logistic.featureNames);
  // A model that learned from trades closing on or after the scanned day would lend a replay
  // knowledge of its own future: it gives no confidence then (train with --end before the date).
  const modelReason =
    model === null
      ? 'uncalibrated'
      : modelMismatch
        ? 'uncalibrated: the model reads features this scan does not compute'
        : modelUnusableReason(model, day);
  const featureCache = new Map<number, SymbolFeatureColumns>();
  const config = { ...DEFAULT_ENGINE_CONFIG, initialCapital: spec.capitalUsd };

  const picks: ScanPick[] = raw.map((s) => {
    const sig = describeSignal(win, legs, s, fillDelay);
    const series = win.panel.series[s.sym];
    const adv = avgDollarVolume(series.close, series.volume, 20)[s.bar];
    const reports = earnings === null ? [] : (earnings.get(series.symbol) ?? []).map((r) => ({ date: r.date, sessionsAway: sessionDistance(day, r.day) }));
    const quote = quotes === null ? null : (quotes.get(series.symbol) ?? null);
    const gates: ScanGate[] = [
      priceGate(sig.entry, spec.gates.minPriceUsd),
      liquidityGate(adv, spec.gates.minAvgDollarVolumeUsd),
      spreadGate(quote, spec.gates.maxSpreadFrac, quotes === null ? 'no quotes given' : `${series.symbol} is not in the quotes file`),
      earningsGate(reports, spec.gates.earningsSessions, earnings !== null),
      regimeGate(sig.side, regimeIndex, spec.gates.regimeMaxVol),
    ];
    let confidence: ConfidenceView = { value: null, reason: modelReason };
    if (model !== null && modelReason === null) {
      if (!modelStrategies.includes(sig.strategy)) confidence = { value: null, reason: `the model was not trained on ${sig.strategy}` };
      else {
        let cols = featureCache.get(s.sym);
        if (cols === undefined) featureCache.set(s.sym, (cols = symbolFeatureColumns(series, idx)));
        const row = signalFeatureRow(cols, s.bar, sig.strategy, modelStrategies);
        if (row === null) confidence = { value: null, reason: 'a feature is not known yet on this bar (warm-up)' };
        else {
          const e = explainConfidence(model, row);
          confidence = { value: e.confidence, reason: null, rawProbability: e.probability, intercept: e.intercept, contributions: e.features.map((f) => ({ feature: f.feature, value: f.value, contribution: f.contribution })) };
        }
      }
    }
    const shares = sizeOrder(config, spec.capitalUsd, spec.capitalUsd, sig.entry, s.stopDist);
    return {
      ...sig,
      gates,
      admitted: gatesAdmit(gates),
      confidence,
      plan: { entryReference: sig.entry, stop: sig.stop, target: sig.takeProfit, timeExitOn: sig.timeExit?.exitOn ?? null, shares, capitalUsd: spec.capitalUsd, sizing: config.sizing.mode },
    };
  });
  const rankable = picks.map((x) => ({ strategy: x.strategy, admitted: x.admitted, confidence: x.confidence.value, strength: x.strength }));
  const topIdx = topPicks(rankable, spec.mix, spec.ensureTop3);
  const tod = tradeOfDay(rankable, topIdx, spec.minConfidence, modelReason);
  const top = topIdx.map((i) => picks[i]);
  const fileHash = (f: string | null) => (f === null ? null : sha256Hex(readFileSync(resolve(ctx.cwd, f))));
  const strategies = legs.map((l) => ({ name: l.strategy.name, version: l.strategy.version, params: l.params }));
  const inputsHash = sha256Hex(
    stableStringify({
      dataHash: run.source.dataHash,
      date,
      strategies,
      gates: spec.gates,
      regimeSmaPeriod: spec.regimeSmaPeriod,
      mix: spec.mix,
      ensureTop3: spec.ensureTop3,
      minConfidence: spec.minConfidence,
      capitalUsd: spec.capitalUsd,
      quotes: fileHash(spec.quotes),
      earnings: fileHash(spec.earnings),
      model: modelText === null ? null : sha256Hex(modelText),
    }),
  );

  let explain: ScanResult['explain'] = null;
  if (spec.explain !== null) {
    const sym = win.panel.symbols.indexOf(spec.explain);
    const rules = legs.map((l) => {
      if (sym < 0) return { strategy: l.strategy.name, signalled: false, conditions: [], reason: `no bar on ${date}` };
      const series = win.panel.series[sym];
      const prep = l.strategy.prepare(series, l.params, win.ctx.memo);
      const bar = series.day.length - 1;
      const signalled = raw.some((r) => r.sym === sym && legs[r.leg] === l);
      return { strategy: l.strategy.name, signalled, conditions: l.strategy.explain?.(prep, bar, l.params) ?? [], reason: signalled ? l.strategy.reason(prep, bar, l.params) : null };
    });
    explain = { symbol: spec.explain, rules, picks: picks.filter((x) => x.symbol === spec.explain) };
  }

  const result: Omit<ScanResult, 'written'> = {
    date,
    strategies,
    rosterNote,
    model: model === null ? null : { file: modelFile, dataHash: model.dataHash },
    modelReason,
    signals: picks,
    top,
    tradeOfDay: { pick: tod.pick === null ? null : picks[tod.pick], reason: tod.reason },
    inputsHash,
    historyBars,
    synthetic: run.source.synthetic,
    universe: { symbols: run.source.symbols.length, index: run.source.index, dataHash: run.source.dataHash },
    explain,
  };
  if (spec.explain !== null || spec.record === false) return { kind: 'scanned', result: { ...result, written: null } };
  return { kind: 'scanned', result: { ...result, written: writeScan(result, spec, ctx) } };
}

/** Signed sessions from `day` to `report` on the NYSE calendar (a report on a closed day counts from the next session). */
function sessionDistance(day: number, report: number): number {
  if (report >= day) return sessionsBetween(day, report).length - 1 + (isSession(report) ? 0 : 1);
  return -(sessionsBetween(report, day).length - 1);
}

const csvField = (v: string | number | null): string => {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(Number(v.toFixed(6))) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const DAILY_PICKS_HEADER = 'date,rank,symbol,strategy,side,entry,stop,take_profit,time_exit_on,strength,confidence,confidence_reason,shares,reason';
export const TRADE_OF_DAY_HEADER = 'date,symbol,strategy,side,entry,stop,take_profit,confidence,shares,reason';

function writeScan(result: Omit<ScanResult, 'written'>, spec: ScanSpec, ctx: AppContext): NonNullable<ScanResult['written']> {
  const logs = resolve(ctx.cwd, spec.logsDir);
  const dailyPicks = join(logs, 'daily_picks.csv');
  const tradeFile = join(logs, 'trade_of_day.csv');
  const dbPath = resolve(ctx.cwd, spec.db);
  const auditPath = resolve(ctx.cwd, spec.audit);
  const pickRows = result.top.map((x, k) =>
    [result.date, k + 1, x.symbol, x.strategy, x.side, x.entry, x.stop, x.takeProfit, x.timeExit?.exitOn ?? null, x.strength, x.confidence.value, x.confidence.reason, x.plan.shares, x.reason].map(csvField).join(','),
  );
  const t = result.tradeOfDay.pick;
  const tradeRow = (t === null ? [result.date, null, null, null, null, null, null, null, null, result.tradeOfDay.reason] : [result.date, t.symbol, t.strategy, t.side, t.entry, t.stop, t.takeProfit, t.confidence.value, t.plan.shares, result.tradeOfDay.reason]).map(csvField).join(',');
  const now = ctx.now().toISOString();
  const compact = (x: ScanPick) => ({ symbol: x.symbol, strategy: x.strategy, side: x.side, entry: x.entry, stop: x.stop, takeProfit: x.takeProfit, strength: x.strength, confidence: x.confidence.value });
  const store = new ScanStore(dbPath);
  try {
    store.record(
      {
        scanDate: result.date,
        inputsHash: result.inputsHash,
        scannedAt: now,
        signals: result.signals.length,
        picksJson: JSON.stringify(result.top.map(compact)),
        tradeJson: JSON.stringify({ pick: t === null ? null : compact(t), reason: result.tradeOfDay.reason }),
        summaryJson: JSON.stringify({ strategies: result.strategies, rosterNote: result.rosterNote, modelReason: result.modelReason, admitted: result.signals.filter((x) => x.admitted).length }),
      },
      // The logs are replaced inside the transaction: if a write fails, the row is not recorded.
      () => {
        replaceDateBlock(dailyPicks, DAILY_PICKS_HEADER, result.date, pickRows);
        replaceDateBlock(tradeFile, TRADE_OF_DAY_HEADER, result.date, [tradeRow]);
      },
    );
  } finally {
    store.close();
  }
  appendAudit(auditPath, { kind: 'scan', subject: result.date, at: now, data: { inputsHash: result.inputsHash, picks: result.top.map(compact), tradeOfDay: t === null ? null : compact(t), reason: result.tradeOfDay.reason } });
  return { dailyPicks, tradeOfDay: tradeFile, db: dbPath, audit: auditPath };
}
