import { stableStringify } from '../core/stable-json.js';
import type { ScanGate } from '../risk/scan-gates.js';
import type { RuleCondition } from '../strategies/types.js';
import type { ReportData, Section, Tile } from './report-data.js';
import { finiteOrNull } from './series.js';

/**
 * The morning report: the scan the day trades on, as report data. What was picked (Top-3, the
 * trade of the day) and why (the rule's conditions with the values read, the gates, the
 * confidence and its contributions), what the gates denied, the universe and data check, the
 * roster, and, once the pipeline's submit step ran, the intents it sent. The input is the scan
 * result structurally (src/app/scan/run-scan.ts), so `kobe scan --report` and the pipeline
 * write the same page.
 */
export interface MorningPick {
  readonly symbol: string;
  readonly strategy: string;
  readonly side: 'long' | 'short';
  readonly entry: number;
  readonly stop: number | null;
  readonly takeProfit: number | null;
  readonly timeExit: { readonly bars: number; readonly exitOn: string } | null;
  readonly strength: number;
  readonly conditions: readonly RuleCondition[];
  readonly reason: string;
  readonly gates: readonly ScanGate[];
  readonly admitted: boolean;
  readonly confidence: { readonly value: number | null; readonly reason: string | null; readonly contributions?: readonly { readonly feature: string; readonly value: number; readonly contribution: number }[] };
  readonly plan: { readonly shares: number };
}

export interface MorningScan {
  readonly date: string;
  readonly strategies: readonly { readonly name: string; readonly version: string; readonly params: Readonly<Record<string, number>> }[];
  readonly rosterNote: string | null;
  readonly modelReason: string | null;
  readonly signals: readonly MorningPick[];
  readonly top: readonly MorningPick[];
  readonly tradeOfDay: { readonly pick: MorningPick | null; readonly reason: string };
  readonly inputsHash: string;
  readonly historyBars: number;
}

/** One entry the submit step decided on: sent (with its order's state) or denied (with the code). */
export interface MorningIntent {
  readonly symbol: string;
  readonly strategy: string;
  readonly outcome: string;
  readonly code?: string;
  readonly detail?: string;
  readonly clientOrderId?: string;
  readonly shares?: number;
  readonly limitPrice?: number | null;
  readonly state?: string;
}

export interface MorningInput {
  /** The day the picks are traded; null for a standalone scan (the next session's open). */
  readonly tradingDate: string | null;
  readonly replay: boolean;
  readonly scan: MorningScan;
  readonly universe: { readonly symbols: number; readonly index: string | null; readonly dataHash: string; readonly synthetic: boolean };
  /** The pipeline's data check of the morning (verify step); null when it did not run. */
  readonly dataCheck: { readonly errors: number; readonly warnings: number; readonly unreadable: readonly string[]; readonly policy: string } | null;
  /** The challenger scanned beside the champion (pipeline only); its picks are never sent. */
  readonly challenger: { readonly policy: string; readonly scan: MorningScan } | null;
  /** What the pipeline submits: the mode and, once the submit step ran, its intents. Null for a standalone scan. */
  readonly submit: { readonly mode: string; readonly intents: readonly MorningIntent[] | null } | null;
}

const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (v: number | null): string => (v === null ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(2) : String(Number(v.toPrecision(4))));

/** A rule condition as one line: `RSI(2): 4.12 < 10 (met)`. */
export const conditionText = (c: RuleCondition): string => `${c.name}: ${num(c.value)} ${c.op} ${num(c.threshold)} (${c.met ? 'met' : 'not met'})`;

/** A gate as one line; a gate not evaluated already says so in its detail. */
export const gateText = (g: ScanGate): string => `${g.gate}: ${g.ok === null ? g.detail : g.ok ? `pass (${g.detail})` : `DENIED ${g.code} (${g.detail})`}`;

/** The confidence and where it came from: each feature's push on the log-odds, largest first. */
export function confidenceText(c: MorningPick['confidence']): string {
  if (c.value === null) return `confidence: none (${c.reason ?? 'unknown'})`;
  const parts = [...(c.contributions ?? [])].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1));
  const top = parts.slice(0, 5).map((f) => `${f.feature} ${f.contribution >= 0 ? '+' : ''}${f.contribution.toFixed(3)}`);
  return `confidence ${pct1(c.value)}${top.length === 0 ? '' : `; log-odds pushed by ${top.join(', ')}`}`;
}

const deniedCodes = (p: MorningPick): string => (p.admitted ? 'ok' : p.gates.filter((g) => g.ok === false).map((g) => g.code).join(' '));

function summaryTiles(m: MorningInput): Section {
  const s = m.scan;
  const admitted = s.signals.filter((x) => x.admitted).length;
  const t = s.tradeOfDay.pick;
  const tiles: Tile[] = [
    { label: 'Scan of', value: s.date, format: 'date', note: 'the session whose close the signals read' },
    { label: 'Signals', value: s.signals.length, format: 'int' },
    { label: 'Through every gate', value: admitted, format: 'int' },
    { label: 'Denied by a gate', value: s.signals.length - admitted, format: 'int' },
    { label: 'Top-3', value: s.top.length === 0 ? 'none' : s.top.map((x) => x.symbol).join(', '), format: 'text' },
    { label: 'Trade of the day', value: t === null ? 'none' : `${t.symbol} ${t.side}`, format: 'text', note: s.tradeOfDay.reason, state: t === null ? 'fail' : 'pass' },
    { label: 'Confidence model', value: s.modelReason === null ? 'calibrated' : 'none', format: 'text', ...(s.modelReason === null ? {} : { note: s.modelReason }) },
  ];
  return { type: 'tiles', title: 'The scan', tiles };
}

function pickTiles(p: MorningPick): Tile[] {
  return [
    { label: 'Symbol', value: p.symbol, format: 'text' },
    { label: 'Side', value: p.side, format: 'text' },
    { label: 'Strategy', value: p.strategy, format: 'text' },
    { label: 'Entry (signal close)', value: finiteOrNull(p.entry), format: 'num', note: 'the engine fills at the next open' },
    { label: 'Stop', value: finiteOrNull(p.stop), format: 'num' },
    { label: 'Target', value: finiteOrNull(p.takeProfit), format: 'num' },
    { label: 'Time exit', value: p.timeExit === null ? null : p.timeExit.exitOn, format: 'date', ...(p.timeExit === null ? { note: 'no time exit' } : { note: `after ${p.timeExit.bars} bars` }) },
    { label: 'Strength', value: finiteOrNull(p.strength), format: 'ratio' },
    { label: 'Confidence', value: finiteOrNull(p.confidence.value), format: 'pct', ...(p.confidence.reason === null ? {} : { note: p.confidence.reason }) },
    { label: 'Shares (plan)', value: p.plan.shares, format: 'int' },
  ];
}

/** Why one pick: the rule's reason and conditions, each gate, the confidence. */
export function whyItems(p: MorningPick): string[] {
  return [`signal: ${p.reason}`, ...p.conditions.map(conditionText), ...p.gates.map((g) => `gate ${gateText(g)}`), confidenceText(p.confidence)];
}

function tradeOfDaySections(s: MorningScan): Section[] {
  const t = s.tradeOfDay.pick;
  if (t === null) return [{ type: 'heading', title: 'Trade of the day: none', text: s.tradeOfDay.reason }];
  return [
    { type: 'heading', title: `Trade of the day: ${t.symbol} ${t.side} (${t.strategy})`, text: s.tradeOfDay.reason },
    { type: 'tiles', title: 'The trade', tiles: pickTiles(t) },
    { type: 'notes', title: `Why ${t.symbol}`, items: whyItems(t) },
  ];
}

const PICK_COLUMNS = [
  { key: 'symbol', label: 'symbol', format: 'text' },
  { key: 'strategy', label: 'strategy', format: 'text' },
  { key: 'side', label: 'side', format: 'text' },
  { key: 'entry', label: 'entry', format: 'num' },
  { key: 'stop', label: 'stop', format: 'num' },
  { key: 'target', label: 'target', format: 'num' },
  { key: 'timeExit', label: 'time exit', format: 'date' },
  { key: 'strength', label: 'strength', format: 'ratio' },
  { key: 'confidence', label: 'confidence', format: 'pct' },
  { key: 'shares', label: 'shares', format: 'int' },
  { key: 'gates', label: 'gates', format: 'text' },
] as const;

const pickRow = (p: MorningPick) => ({
  symbol: p.symbol,
  strategy: p.strategy,
  side: p.side,
  entry: finiteOrNull(p.entry),
  stop: finiteOrNull(p.stop),
  target: finiteOrNull(p.takeProfit),
  timeExit: p.timeExit?.exitOn ?? null,
  strength: finiteOrNull(p.strength),
  confidence: finiteOrNull(p.confidence.value),
  shares: p.plan.shares,
  gates: deniedCodes(p),
});

function topSections(s: MorningScan, title: string): Section[] {
  if (s.top.length === 0) return [{ type: 'notes', title, items: ['No pick: no signal on the scanned session.'] }];
  return [
    { type: 'table', title, columns: [{ key: 'rank', label: 'rank', format: 'int' }, ...PICK_COLUMNS], rows: s.top.map((p, k) => ({ rank: k + 1, ...pickRow(p) })) },
    ...s.top.map((p, k): Section => ({ type: 'notes', title: `#${k + 1} ${p.symbol} (${p.strategy}): why`, items: whyItems(p) })),
  ];
}

function deniedSection(s: MorningScan): Section {
  const rows = s.signals.flatMap((p) => p.gates.filter((g) => g.ok === false).map((g) => ({ symbol: p.symbol, strategy: p.strategy, side: p.side, gate: g.gate, code: g.code, detail: g.detail })));
  if (rows.length === 0) return { type: 'notes', title: 'Gates: denied', items: ['No signal was denied.'] };
  return {
    type: 'table',
    title: 'Gates: denied',
    columns: [
      { key: 'symbol', label: 'symbol', format: 'text' },
      { key: 'strategy', label: 'strategy', format: 'text' },
      { key: 'side', label: 'side', format: 'text' },
      { key: 'gate', label: 'gate', format: 'text' },
      { key: 'code', label: 'code', format: 'text' },
      { key: 'detail', label: 'why', format: 'text' },
    ],
    rows,
  };
}

/** Gates not evaluated (no quotes, no earnings file): said once per gate and reason, with how many signals. */
export function notEvaluatedItems(s: MorningScan): string[] {
  const counts = new Map<string, number>();
  for (const p of s.signals) for (const g of p.gates) if (g.ok === null) counts.set(`${g.gate}: ${g.detail}`, (counts.get(`${g.gate}: ${g.detail}`) ?? 0) + 1);
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${k} (${n} signal${n === 1 ? '' : 's'})`);
}

function universeTiles(m: MorningInput): Section {
  const d = m.dataCheck;
  const tiles: Tile[] = [
    { label: 'Symbols', value: m.universe.symbols, format: 'int' },
    { label: 'Index (regime gate)', value: m.universe.index ?? 'none', format: 'text' },
    { label: 'History read', value: m.scan.historyBars, format: 'int', note: 'bars of history before the scanned session' },
    { label: 'Data hash', value: m.universe.dataHash.slice(0, 12), format: 'text', note: m.universe.dataHash },
    { label: 'Scan inputs hash', value: m.scan.inputsHash.slice(0, 12), format: 'text', note: m.scan.inputsHash },
  ];
  if (d === null) tiles.push({ label: 'Data check', value: null, format: 'text', note: 'not run with this scan (kobe data verify runs it)' });
  else {
    tiles.push(
      { label: 'Data check errors', value: d.errors, format: 'int', note: `handled by the ${d.policy} policy`, state: d.unreadable.length === 0 ? 'pass' : 'fail' },
      { label: 'Data check warnings', value: d.warnings, format: 'int' },
      { label: 'Unreadable files', value: d.unreadable.length === 0 ? 'none' : d.unreadable.join(', '), format: 'text' },
    );
  }
  return { type: 'tiles', title: 'Universe and data check', tiles };
}

function rosterSection(m: MorningInput): Section[] {
  const rows = [
    ...m.scan.strategies.map((s) => ({ role: 'champion', name: s.name, version: s.version, params: stableStringify(s.params) })),
    ...(m.challenger === null ? [] : m.challenger.scan.strategies.map((s) => ({ role: `challenger (${m.challenger!.policy})`, name: s.name, version: s.version, params: stableStringify(s.params) }))),
  ];
  const out: Section[] = [
    {
      type: 'table',
      title: 'Roster used',
      columns: [
        { key: 'role', label: 'role', format: 'text' },
        { key: 'name', label: 'strategy', format: 'text' },
        { key: 'version', label: 'version', format: 'text' },
        { key: 'params', label: 'parameters', format: 'text' },
      ],
      rows,
      ...(m.scan.rosterNote === null ? {} : { note: m.scan.rosterNote }),
    },
  ];
  if (m.challenger !== null) out.push(...topSections(m.challenger.scan, 'Challenger Top-3 (shadow: never sent)').slice(0, 1));
  return out;
}

function intentsSection(m: MorningInput): Section[] {
  const s = m.submit;
  if (s === null) return [];
  if (s.intents === null) return [{ type: 'notes', title: `Intents (${s.mode})`, items: ['The submit step has not run yet: this page is rewritten when it does.'] }];
  if (s.intents.length === 0) return [{ type: 'notes', title: `Intents (${s.mode})`, items: ['Nothing to submit.'] }];
  return [
    {
      type: 'table',
      title: `Intents sent (${s.mode})`,
      columns: [
        { key: 'symbol', label: 'symbol', format: 'text' },
        { key: 'strategy', label: 'strategy', format: 'text' },
        { key: 'outcome', label: 'outcome', format: 'text' },
        { key: 'shares', label: 'shares', format: 'int' },
        { key: 'limit', label: 'limit', format: 'num' },
        { key: 'state', label: 'state', format: 'text' },
        { key: 'why', label: 'denied because', format: 'text' },
        { key: 'id', label: 'client order id', format: 'text' },
      ],
      rows: s.intents.map((i) => ({
        symbol: i.symbol,
        strategy: i.strategy,
        outcome: i.outcome,
        shares: i.shares ?? null,
        limit: finiteOrNull(i.limitPrice ?? null),
        state: i.state ?? null,
        why: i.code === undefined ? null : `${i.code}: ${i.detail ?? ''}`,
        id: i.clientOrderId ?? null,
      })),
    },
  ];
}

export function morningSections(m: MorningInput): Section[] {
  const s = m.scan;
  const sections: Section[] = [summaryTiles(m), ...tradeOfDaySections(s), ...topSections(s, 'Top-3'), ...intentsSection(m), deniedSection(s)];
  const skipped = notEvaluatedItems(s);
  if (skipped.length > 0) sections.push({ type: 'notes', title: 'Gates not evaluated (they deny nothing)', items: skipped });
  if (s.signals.length > 0) sections.push({ type: 'table', title: 'Every signal', columns: PICK_COLUMNS, rows: s.signals.map(pickRow) });
  sections.push(universeTiles(m), ...rosterSection(m));
  return sections;
}

export function morningReportData(m: MorningInput, caveats: readonly string[]): ReportData {
  const day = m.tradingDate === null ? `scan of ${m.scan.date}` : `${m.tradingDate}${m.replay ? ' (replay)' : ''}, morning`;
  return {
    kind: 'daily-morning',
    title: `kobe daily: ${day}`,
    subtitle: `Signals from the ${m.scan.date} close, for the next session's open; ${m.scan.strategies.map((x) => x.name).join(', ')}.`,
    manifest: null,
    caveats,
    sections: morningSections(m),
  };
}
