import type { AnomalyFigure } from '../monitoring/anomalies.js';
import type { DriftMetric, DriftReport } from '../monitoring/drift.js';
import type { ReportData, Section, Tile } from './report-data.js';
import { finiteOrNull } from './series.js';

/**
 * The end-of-day report of the daily pipeline as report data: what its JSON (and the Markdown
 * beside it) holds, plus the account's equity over the recorded days. The input is the daily
 * report object structurally (src/app/daily/steps/report.ts writes it), so the page is a
 * function of that JSON alone.
 */
export interface EodInput {
  readonly tradingDate: string;
  readonly signalDate: string;
  readonly replay: boolean;
  readonly broker: string;
  readonly generatedAt: string;
  readonly account: { readonly cashUsd: number; readonly equityUsd: number; readonly startingCashUsd: number };
  readonly positions: readonly { readonly symbol: string; readonly qty: number; readonly avgEntryPriceUsd: number; readonly closeUsd: number | null; readonly unrealizedUsd: number | null; readonly strategy: string | null; readonly entryDate: string | null }[];
  readonly orders: readonly { readonly clientOrderId: string; readonly symbol: string; readonly side: string; readonly qty: number; readonly state: string; readonly filledQty: number; readonly avgFillPrice: number | null; readonly intent: string }[];
  readonly closedToday: readonly { readonly symbol: string; readonly strategy: string; readonly entryDate: string | null; readonly entryPrice: number | null; readonly exitPrice: number | null; readonly shares: number; readonly reason: string | null; readonly pnlUsd: number | null }[];
  readonly realizedTodayUsd: number;
  readonly risk: { readonly killSwitch: boolean; readonly breaker: string };
  readonly steps: readonly { readonly step: string; readonly status: string; readonly attempts: number }[];
  readonly monitoring: { readonly drift: readonly { readonly strategy: string; readonly report: DriftReport }[]; readonly standDown: boolean; readonly anomalies: readonly AnomalyFigure[] };
  readonly challenger: {
    readonly policy: string;
    readonly since: string | null;
    readonly verdict: string;
    readonly champion: EodArmSide;
    readonly challenger: EodArmSide;
  } | null;
  /** The account's equity at the close of each recorded day, oldest first, this day last. */
  readonly equityHistory: readonly { readonly date: string; readonly equityUsd: number }[];
  /** The alerts of this trading day, first occurrence of each. */
  readonly alerts: readonly { readonly kind: string; readonly title: string; readonly at: string; readonly lines: readonly string[] }[];
}

interface EodArmSide {
  readonly strategies: readonly string[];
  readonly picks: number;
  readonly arms: Readonly<Record<'A' | 'B', { readonly trades: number; readonly pnlUsd: number; readonly winRate: number | null }>>;
}

export interface DayPnl {
  /** Equity change since the previous recorded day (the starting cash on the first). */
  readonly dayUsd: number;
  readonly basis: string;
  /** Sum of the open positions' unrealized P&L at the close; positions without a close are left out. */
  readonly openUsd: number;
  readonly unpriced: number;
  readonly sinceStartUsd: number;
}

export function dayPnl(r: EodInput): DayPnl {
  const prior = r.equityHistory.filter((h) => h.date < r.tradingDate);
  const prev = prior.length === 0 ? null : prior[prior.length - 1];
  let openUsd = 0;
  let unpriced = 0;
  for (const p of r.positions) {
    if (p.unrealizedUsd === null) unpriced++;
    else openUsd += p.unrealizedUsd;
  }
  return {
    dayUsd: r.account.equityUsd - (prev === null ? r.account.startingCashUsd : prev.equityUsd),
    basis: prev === null ? 'first recorded day: against the starting cash' : `against the close of ${prev.date}`,
    openUsd,
    unpriced,
    sinceStartUsd: r.account.equityUsd - r.account.startingCashUsd,
  };
}

function accountTiles(r: EodInput): Section {
  const pnl = dayPnl(r);
  const tiles: Tile[] = [
    { label: 'Equity (at the close)', value: finiteOrNull(r.account.equityUsd), format: 'usd' },
    { label: 'Cash', value: finiteOrNull(r.account.cashUsd), format: 'usd' },
    { label: 'Day P&L', value: finiteOrNull(pnl.dayUsd), format: 'usd', note: pnl.basis },
    { label: 'Realized today', value: finiteOrNull(r.realizedTodayUsd), format: 'usd', note: 'round trips closed today, net of both commissions' },
    { label: 'Open P&L', value: finiteOrNull(pnl.openUsd), format: 'usd', note: pnl.unpriced === 0 ? 'unrealized, marked at the close' : `unrealized, marked at the close; ${pnl.unpriced} position(s) without a close left out` },
    { label: 'Since start', value: finiteOrNull(pnl.sinceStartUsd), format: 'usd', note: `equity less the starting cash of ${r.account.startingCashUsd}` },
    { label: 'Starting cash', value: finiteOrNull(r.account.startingCashUsd), format: 'usd' },
    { label: 'Positions', value: r.positions.length, format: 'int' },
  ];
  return { type: 'tiles', title: 'Account', tiles };
}

function riskTiles(r: EodInput): Section {
  return {
    type: 'tiles',
    title: 'Risk state',
    tiles: [
      { label: 'Kill switch', value: r.risk.killSwitch ? 'ENGAGED' : 'off', format: 'text', state: r.risk.killSwitch ? 'fail' : 'pass', note: 'only a person switches it off' },
      { label: 'Circuit breaker', value: r.risk.breaker, format: 'text', state: r.risk.breaker === 'ACTIVE' ? 'pass' : 'fail', note: 'only a person resets it' },
      { label: 'Drift', value: r.monitoring.standDown ? 'STAND DOWN' : 'ok', format: 'text', state: r.monitoring.standDown ? 'fail' : 'pass' },
      { label: 'Anomalies flagged', value: r.monitoring.anomalies.length, format: 'int' },
      { label: 'Alerts today', value: r.alerts.length, format: 'int' },
    ],
  };
}

const none = (what: string): Section => ({ type: 'notes', title: what, items: ['None.'] });

function positionsTable(r: EodInput): Section {
  if (r.positions.length === 0) return none('Positions');
  return {
    type: 'table',
    title: 'Positions',
    columns: [
      { key: 'symbol', label: 'symbol', format: 'text' },
      { key: 'qty', label: 'shares', format: 'int' },
      { key: 'entry', label: 'avg entry', format: 'num' },
      { key: 'close', label: 'close', format: 'num' },
      { key: 'unrealized', label: 'unrealized', format: 'usd' },
      { key: 'unrealizedFrac', label: 'unrealized %', format: 'pct' },
      { key: 'strategy', label: 'strategy', format: 'text' },
      { key: 'since', label: 'since', format: 'date' },
    ],
    rows: r.positions.map((p) => ({
      symbol: p.symbol,
      qty: p.qty,
      entry: finiteOrNull(p.avgEntryPriceUsd),
      close: p.closeUsd,
      unrealized: finiteOrNull(p.unrealizedUsd),
      unrealizedFrac: p.unrealizedUsd === null ? null : finiteOrNull(p.unrealizedUsd / Math.abs(p.qty * p.avgEntryPriceUsd)),
      strategy: p.strategy,
      since: p.entryDate,
    })),
  };
}

/** The open positions' unrealized P&L as bars, largest gain first: which names carry the book. */
function positionBars(r: EodInput): Section | null {
  const priced = r.positions.filter((p) => p.unrealizedUsd !== null && Number.isFinite(p.unrealizedUsd));
  if (priced.length === 0) return null;
  const sorted = [...priced].sort((a, b) => b.unrealizedUsd! - a.unrealizedUsd! || (a.symbol < b.symbol ? -1 : 1));
  return { type: 'bars', title: 'Open P&L by position', labels: sorted.map((p) => p.symbol), values: sorted.map((p) => p.unrealizedUsd!), format: 'usd' };
}

function ordersTable(r: EodInput): Section {
  if (r.orders.length === 0) return none("Today's orders and fills");
  return {
    type: 'table',
    title: "Today's orders and fills",
    columns: [
      { key: 'symbol', label: 'symbol', format: 'text' },
      { key: 'side', label: 'side', format: 'text' },
      { key: 'intent', label: 'intent', format: 'text' },
      { key: 'qty', label: 'shares', format: 'int' },
      { key: 'state', label: 'state', format: 'text' },
      { key: 'filled', label: 'filled', format: 'int' },
      { key: 'avgFill', label: 'avg fill', format: 'num' },
      { key: 'id', label: 'client order id', format: 'text' },
    ],
    rows: r.orders.map((o) => ({ symbol: o.symbol, side: o.side, intent: o.intent, qty: o.qty, state: o.state, filled: o.filledQty, avgFill: finiteOrNull(o.avgFillPrice), id: o.clientOrderId })),
  };
}

function closedTable(r: EodInput): Section {
  if (r.closedToday.length === 0) return none('Closed today');
  return {
    type: 'table',
    title: 'Closed today',
    columns: [
      { key: 'symbol', label: 'symbol', format: 'text' },
      { key: 'strategy', label: 'strategy', format: 'text' },
      { key: 'entered', label: 'entered', format: 'date' },
      { key: 'entry', label: 'entry', format: 'num' },
      { key: 'exit', label: 'exit', format: 'num' },
      { key: 'shares', label: 'shares', format: 'int' },
      { key: 'reason', label: 'reason', format: 'text' },
      { key: 'pnl', label: 'P&L', format: 'usd' },
    ],
    rows: r.closedToday.map((t) => ({ symbol: t.symbol, strategy: t.strategy, entered: t.entryDate, entry: finiteOrNull(t.entryPrice), exit: finiteOrNull(t.exitPrice), shares: t.shares, reason: t.reason, pnl: finiteOrNull(t.pnlUsd) })),
  };
}

const bandText = (m: DriftMetric): string | null => {
  if (m.band === null) return m.note;
  const edge = (x: number | null) => (x === null ? 'unbounded' : x.toFixed(3));
  return `${edge(m.band[0])} .. ${edge(m.band[1])}`;
};

function driftTable(r: EodInput): Section {
  if (r.monitoring.drift.length === 0) return { type: 'notes', title: 'Drift against the backtest', items: ['No closed round trip yet.'] };
  const rows = r.monitoring.drift.flatMap((d) =>
    (['winRate', 'profitFactor', 'sharpePerTrade'] as const).map((name) => {
      const m = d.report.metrics[name];
      return {
        strategy: d.strategy,
        verdict: d.report.verdict === 'checked' ? 'checked' : (d.report.reason ?? d.report.verdict),
        trades: d.report.tradesInWindow,
        metric: name,
        value: finiteOrNull(m.value),
        expected: finiteOrNull(m.expected),
        band: bandText(m),
        status: m.status,
        standDown: d.report.standDown ? `STAND DOWN: ${d.report.standDownReason ?? ''}` : 'no',
      };
    }),
  );
  return {
    type: 'table',
    title: 'Drift against the backtest',
    columns: [
      { key: 'strategy', label: 'strategy', format: 'text' },
      { key: 'verdict', label: 'verdict', format: 'text' },
      { key: 'trades', label: 'trades in window', format: 'int' },
      { key: 'metric', label: 'figure', format: 'text' },
      { key: 'value', label: 'live', format: 'ratio' },
      { key: 'expected', label: 'backtest', format: 'ratio' },
      { key: 'band', label: 'band', format: 'text' },
      { key: 'status', label: 'status', format: 'text' },
      { key: 'standDown', label: 'stand down', format: 'text' },
    ],
    rows,
    note: 'The live window of closed round trips against the band a window of the same size drawn from the strategy\'s own backtest falls in (monitoring/drift.ts).',
  };
}

function anomaliesTable(r: EodInput): Section {
  const a = r.monitoring.anomalies;
  if (a.length === 0) return { type: 'notes', title: 'Anomalies in the day\'s bars', items: ['None flagged today.'] };
  return {
    type: 'table',
    title: "Anomalies in the day's bars",
    columns: [
      { key: 'symbol', label: 'symbol', format: 'text' },
      { key: 'kind', label: 'kind', format: 'text' },
      { key: 'plain', label: 'value', format: 'num' },
      { key: 'z', label: 'z', format: 'ratio' },
      { key: 'threshold', label: '|z| threshold', format: 'ratio' },
      { key: 'sessions', label: 'sessions', format: 'int' },
      { key: 'note', label: 'note', format: 'text' },
    ],
    rows: a.map((x) => ({ symbol: x.symbol, kind: x.kind, plain: finiteOrNull(x.plainValue), z: finiteOrNull(x.z), threshold: finiteOrNull(x.threshold), sessions: x.sessions, note: x.note })),
    note: 'value: the simple return or gap as a fraction, or the volume in shares; largest |z| first, at most 20.',
  };
}

function challengerTable(r: EodInput): Section[] {
  const c = r.challenger;
  if (c === null) return [];
  const row = (role: string, s: EodArmSide) => ({
    role,
    strategies: s.strategies.join(', '),
    picks: s.picks,
    aTrades: s.arms.A.trades,
    aPnl: finiteOrNull(s.arms.A.pnlUsd),
    aWin: finiteOrNull(s.arms.A.winRate),
    bTrades: s.arms.B.trades,
    bPnl: finiteOrNull(s.arms.B.pnlUsd),
    bWin: finiteOrNull(s.arms.B.winRate),
  });
  return [
    {
      type: 'table',
      title: `Champion and challenger: ${c.verdict}`,
      columns: [
        { key: 'role', label: '', format: 'text' },
        { key: 'strategies', label: 'strategies', format: 'text' },
        { key: 'picks', label: 'picks', format: 'int' },
        { key: 'aTrades', label: 'arm A trades', format: 'int' },
        { key: 'aPnl', label: 'arm A P&L', format: 'usd' },
        { key: 'aWin', label: 'arm A win rate', format: 'pct' },
        { key: 'bTrades', label: 'arm B trades', format: 'int' },
        { key: 'bPnl', label: 'arm B P&L', format: 'usd' },
        { key: 'bWin', label: 'arm B win rate', format: 'pct' },
      ],
      rows: [row('champion', c.champion), row('challenger', c.challenger)],
      note: `policy ${c.policy}, since ${c.since ?? 'n/a'}; closed trades only.`,
    },
  ];
}

function alertsTable(r: EodInput): Section {
  if (r.alerts.length === 0) return none('Alerts');
  return {
    type: 'table',
    title: 'Alerts',
    columns: [
      { key: 'at', label: 'at', format: 'text' },
      { key: 'kind', label: 'kind', format: 'text' },
      { key: 'title', label: 'title', format: 'text' },
      { key: 'lines', label: 'detail', format: 'text' },
    ],
    rows: r.alerts.map((a) => ({ at: a.at, kind: a.kind, title: a.title, lines: a.lines.join(' / ') })),
  };
}

function stepsTable(r: EodInput): Section {
  return {
    type: 'table',
    title: 'Steps',
    columns: [
      { key: 'step', label: 'step', format: 'text' },
      { key: 'status', label: 'status', format: 'text' },
      { key: 'attempts', label: 'attempts', format: 'int' },
    ],
    rows: r.steps.map((s) => ({ step: s.step, status: s.status, attempts: s.attempts })),
  };
}

export function eodSections(r: EodInput): Section[] {
  const sections: Section[] = [accountTiles(r), riskTiles(r)];
  if (r.equityHistory.length >= 2) {
    sections.push({
      type: 'timeseries',
      title: 'Equity at the close of each recorded day',
      dates: r.equityHistory.map((h) => h.date),
      series: [
        { label: 'equity', values: r.equityHistory.map((h) => finiteOrNull(h.equityUsd)) },
        { label: 'starting cash', values: r.equityHistory.map(() => finiteOrNull(r.account.startingCashUsd)), dash: true },
      ],
      yFormat: 'usd',
    });
  }
  sections.push(positionsTable(r));
  const bars = positionBars(r);
  if (bars !== null) sections.push(bars);
  sections.push(ordersTable(r), closedTable(r), driftTable(r), anomaliesTable(r), ...challengerTable(r), alertsTable(r), stepsTable(r));
  return sections;
}

export function eodReportData(r: EodInput, caveats: readonly string[]): ReportData {
  return {
    kind: 'daily-eod',
    title: `kobe daily: ${r.tradingDate}${r.replay ? ' (replay)' : ''}, end of day`,
    subtitle: `Signals from the ${r.signalDate} close; broker ${r.broker}; written ${r.generatedAt}.`,
    manifest: null,
    caveats,
    sections: eodSections(r),
  };
}
