import { describe, expect, it } from 'vitest';
import type { DriftMetric, DriftReport } from '../monitoring/drift.js';
import { dayPnl, eodReportData, type EodInput } from './daily-eod-report.js';
import type { Section } from './report-data.js';

const metric = (name: DriftMetric['metric'], value: number | null, expected: number | null, band: DriftMetric['band'], status: DriftMetric['status']): DriftMetric => ({
  metric: name,
  value,
  expected,
  band,
  method: band === null ? null : 'binomial-exact',
  status,
  note: band === null ? 'no band without the trade list' : null,
});

const drift: DriftReport = {
  verdict: 'checked',
  reason: null,
  windowTrades: 20,
  tradesInWindow: 20,
  windowFirstExit: '2023-02-01',
  windowLastExit: '2023-03-08',
  baselineTrades: 300,
  confidence: 0.95,
  bootstrapSamples: 2000,
  seed: 1,
  metrics: {
    winRate: metric('winRate', 0.3, 0.6, [0.4, 0.8], 'below'),
    profitFactor: metric('profitFactor', 0.8, 1.5, [0.9, null], 'below'),
    sharpePerTrade: metric('sharpePerTrade', null, 0.2, null, null),
  },
  standDown: true,
  standDownReason: 'win rate 0.300 below 0.400',
};

const base: EodInput = {
  tradingDate: '2023-03-08',
  signalDate: '2023-03-07',
  replay: true,
  broker: 'paper',
  generatedAt: '2023-03-08T21:30:00.000Z',
  account: { cashUsd: 60_000, equityUsd: 101_250, startingCashUsd: 100_000 },
  positions: [
    { symbol: 'BBB', qty: 50, avgEntryPriceUsd: 400, closeUsd: 390, unrealizedUsd: -500, strategy: 'ibs-rsi', entryDate: '2023-03-07' },
    { symbol: 'AAA', qty: 100, avgEntryPriceUsd: 200, closeUsd: 210, unrealizedUsd: 1000, strategy: 'turtle-soup', entryDate: '2023-03-06' },
    { symbol: 'CCC', qty: 10, avgEntryPriceUsd: 50, closeUsd: null, unrealizedUsd: null, strategy: null, entryDate: null },
  ],
  orders: [{ clientOrderId: 'k-1', symbol: 'AAA', side: 'buy', qty: 100, state: 'filled', filledQty: 100, avgFillPrice: 200, intent: 'entry' }],
  closedToday: [{ symbol: 'DDD', strategy: 'ibs-rsi', entryDate: '2023-03-06', entryPrice: 10, exitPrice: 11, shares: 100, reason: 'time', pnlUsd: 98 }],
  realizedTodayUsd: 98,
  risk: { killSwitch: false, breaker: 'REDUCING' },
  steps: [{ step: 'scan', status: 'done', attempts: 1 }],
  monitoring: {
    drift: [{ strategy: 'ibs-rsi', report: drift }],
    standDown: true,
    anomalies: [{ symbol: 'AAA', day: 0, date: '2023-03-08', kind: 'gap', value: 0.1, plainValue: 0.105, center: 0, scale: 0.01, z: 9.5, threshold: 4, flagged: true, sessions: 60, note: null }],
  },
  challenger: null,
  equityHistory: [
    { date: '2023-03-06', equityUsd: 100_000 },
    { date: '2023-03-07', equityUsd: 100_400 },
    { date: '2023-03-08', equityUsd: 101_250 },
  ],
  alerts: [{ kind: 'breaker-tripped', title: 'circuit breaker REDUCING', at: '2023-03-07T21:30:00.000Z', lines: ['two losses', 'reset by hand'] }],
};

const find = <T extends Section['type']>(sections: readonly Section[], type: T, title: string): Extract<Section, { type: T }> => {
  const s = sections.find((x) => x.type === type && x.title === title);
  if (s === undefined) throw new Error(`no ${type} section titled ${title}: ${sections.map((x) => x.title).join(' | ')}`);
  return s as Extract<Section, { type: T }>;
};
const tile = (s: Extract<Section, { type: 'tiles' }>, label: string) => s.tiles.find((t) => t.label === label);

describe('the end-of-day report data', () => {
  it('day P&L against the previous recorded close, open P&L over priced positions, since the start', () => {
    // 101250 - 100400; 1000 - 500 (CCC has no close); 101250 - 100000.
    expect(dayPnl(base)).toEqual({ dayUsd: 850, basis: 'against the close of 2023-03-07', openUsd: 500, unpriced: 1, sinceStartUsd: 1250 });
    const first = { ...base, equityHistory: [{ date: '2023-03-08', equityUsd: 101_250 }] };
    expect(dayPnl(first).dayUsd).toBe(1250);
    expect(dayPnl(first).basis).toMatch(/first recorded day/);
  });

  it('account and risk tiles, the equity curve and the positions as table and bars', () => {
    const data = eodReportData(base, ['synthetic']);
    expect(data.kind).toBe('daily-eod');
    expect(data.title).toBe('kobe daily: 2023-03-08 (replay), end of day');
    expect(data.caveats).toEqual(['synthetic']);
    const account = find(data.sections, 'tiles', 'Account');
    expect(account.tiles.map((t) => [t.label, t.value])).toEqual([
      ['Equity (at the close)', 101_250],
      ['Cash', 60_000],
      ['Day P&L', 850],
      ['Realized today', 98],
      ['Open P&L', 500],
      ['Since start', 1250],
      ['Starting cash', 100_000],
      ['Positions', 3],
    ]);
    const risk = find(data.sections, 'tiles', 'Risk state');
    expect(tile(risk, 'Kill switch')).toMatchObject({ value: 'off', state: 'pass' });
    expect(tile(risk, 'Circuit breaker')).toMatchObject({ value: 'REDUCING', state: 'fail' });
    expect(tile(risk, 'Drift')).toMatchObject({ value: 'STAND DOWN', state: 'fail' });
    expect(tile(risk, 'Anomalies flagged')?.value).toBe(1);
    expect(tile(risk, 'Alerts today')?.value).toBe(1);

    const curve = find(data.sections, 'timeseries', 'Equity at the close of each recorded day');
    expect(curve.dates).toEqual(['2023-03-06', '2023-03-07', '2023-03-08']);
    expect(curve.series[0].values).toEqual([100_000, 100_400, 101_250]);
    expect(curve.series[1].values).toEqual([100_000, 100_000, 100_000]);

    const positions = find(data.sections, 'table', 'Positions');
    expect(positions.rows.map((r) => [r.symbol, r.unrealized, r.unrealizedFrac])).toEqual([
      ['BBB', -500, -500 / 20_000],
      ['AAA', 1000, 1000 / 20_000],
      ['CCC', null, null],
    ]);
    // Largest gain first; the unpriced position has no bar.
    const bars = find(data.sections, 'bars', 'Open P&L by position');
    expect(bars.labels).toEqual(['AAA', 'BBB']);
    expect(bars.values).toEqual([1000, -500]);
  });

  it('orders, closed trades, drift per figure, anomalies, alerts and steps as tables', () => {
    const data = eodReportData(base, []);
    expect(find(data.sections, 'table', "Today's orders and fills").rows).toEqual([{ symbol: 'AAA', side: 'buy', intent: 'entry', qty: 100, state: 'filled', filled: 100, avgFill: 200, id: 'k-1' }]);
    expect(find(data.sections, 'table', 'Closed today').rows).toEqual([{ symbol: 'DDD', strategy: 'ibs-rsi', entered: '2023-03-06', entry: 10, exit: 11, shares: 100, reason: 'time', pnl: 98 }]);
    const d = find(data.sections, 'table', 'Drift against the backtest');
    expect(d.rows.map((r) => [r.metric, r.value, r.expected, r.band, r.status])).toEqual([
      ['winRate', 0.3, 0.6, '0.400 .. 0.800', 'below'],
      ['profitFactor', 0.8, 1.5, '0.900 .. unbounded', 'below'],
      ['sharpePerTrade', null, 0.2, 'no band without the trade list', null],
    ]);
    expect(d.rows.every((r) => r.standDown === 'STAND DOWN: win rate 0.300 below 0.400')).toBe(true);
    expect(find(data.sections, 'table', "Anomalies in the day's bars").rows).toEqual([{ symbol: 'AAA', kind: 'gap', plain: 0.105, z: 9.5, threshold: 4, sessions: 60, note: null }]);
    expect(find(data.sections, 'table', 'Alerts').rows).toEqual([{ at: '2023-03-07T21:30:00.000Z', kind: 'breaker-tripped', title: 'circuit breaker REDUCING', lines: 'two losses / reset by hand' }]);
    expect(find(data.sections, 'table', 'Steps').rows).toEqual([{ step: 'scan', status: 'done', attempts: 1 }]);
  });

  it('an empty day says None, draws no curve from one point, and keeps every number finite or null', () => {
    const empty: EodInput = {
      ...base,
      positions: [],
      orders: [],
      closedToday: [],
      alerts: [],
      monitoring: { drift: [], standDown: false, anomalies: [] },
      equityHistory: [{ date: '2023-03-08', equityUsd: Number.NaN }],
      account: { ...base.account, equityUsd: Number.NaN },
    };
    const data = eodReportData(empty, []);
    expect(data.sections.some((s) => s.type === 'timeseries' || s.type === 'bars')).toBe(false);
    for (const title of ['Positions', "Today's orders and fills", 'Closed today', 'Alerts']) expect(find(data.sections, 'notes', title).items).toEqual(['None.']);
    expect(find(data.sections, 'notes', 'Drift against the backtest').items).toEqual(['No closed round trip yet.']);
    expect(tile(find(data.sections, 'tiles', 'Account'), 'Equity (at the close)')?.value).toBeNull();
    expect(JSON.stringify(data)).not.toMatch(/NaN|Infinity/);
  });

  it('the champion/challenger table when a challenger runs', () => {
    const arms = (a: number, b: number) => ({ A: { trades: 2, pnlUsd: a, winRate: 0.5 }, B: { trades: 1, pnlUsd: b, winRate: null } });
    const data = eodReportData({ ...base, challenger: { policy: 'champion-primary', since: '2023-03-06', verdict: 'mixed', champion: { strategies: ['turtle-soup'], picks: 3, arms: arms(10, -5) }, challenger: { strategies: ['ibs-rsi'], picks: 4, arms: arms(-1, 7) } } }, []);
    const t = find(data.sections, 'table', 'Champion and challenger: mixed');
    expect(t.rows).toEqual([
      { role: 'champion', strategies: 'turtle-soup', picks: 3, aTrades: 2, aPnl: 10, aWin: 0.5, bTrades: 1, bPnl: -5, bWin: null },
      { role: 'challenger', strategies: 'ibs-rsi', picks: 4, aTrades: 2, aPnl: -1, aWin: 0.5, bTrades: 1, bPnl: 7, bWin: null },
    ]);
  });
});
