import { describe, expect, it } from 'vitest';
import type { ScanGate } from '../risk/scan-gates.js';
import { confidenceText, morningReportData, notEvaluatedItems, whyItems, type MorningInput, type MorningPick, type MorningScan } from './daily-morning-report.js';
import type { ReportData, Section } from './report-data.js';

const gate = (g: ScanGate['gate'], ok: boolean | null, code: string, detail: string): ScanGate => ({ gate: g, ok, code, detail });
const passGates = [gate('price', true, 'PASS', 'close $50 >= $5'), gate('spread', null, 'SPREAD_NOT_EVALUATED', 'not evaluated: no quotes given')];

const pick = (symbol: string, over: Partial<MorningPick> = {}): MorningPick => ({
  symbol,
  strategy: 'ibs-rsi',
  side: 'long',
  entry: 50,
  stop: 47.5,
  takeProfit: null,
  timeExit: { bars: 5, exitOn: '2023-03-15' },
  strength: 0.25,
  conditions: [{ name: 'RSI(2)', value: 4.123456, op: '<', threshold: 10, met: true }],
  reason: 'RSI(2) 4.1 < 10',
  gates: passGates,
  admitted: true,
  confidence: { value: 0.7, reason: null, contributions: [{ feature: 'rsi', value: 4, contribution: -0.2 }, { feature: 'ibs', value: 0.1, contribution: 0.5 }] },
  plan: { shares: 200 },
  ...over,
});

const aaa = pick('AAA');
const bbb = pick('BBB', { strategy: 'turtle-soup', strength: 0.1, confidence: { value: null, reason: 'the model was not trained on turtle-soup' } });
const ccc = pick('CCC', { admitted: false, gates: [gate('price', false, 'PRICE_BELOW_MIN', 'close $3 < $5'), gate('spread', null, 'SPREAD_NOT_EVALUATED', 'not evaluated: no quotes given')] });

const scan: MorningScan = {
  date: '2023-03-07',
  strategies: [{ name: 'ibs-rsi', version: '1.1.0', params: { rsiEntry: 10 } }],
  rosterNote: null,
  modelReason: null,
  signals: [aaa, bbb, ccc],
  top: [aaa, bbb],
  tradeOfDay: { pick: aaa, reason: 'highest confidence 0.70 >= 0.60' },
  inputsHash: 'f'.repeat(64),
  historyBars: 400,
};

const input: MorningInput = {
  tradingDate: '2023-03-08',
  replay: true,
  scan,
  universe: { symbols: 40, index: 'DEMX', dataHash: 'a'.repeat(64), synthetic: true },
  dataCheck: { errors: 1, warnings: 2, unreadable: [], policy: 'mask' },
  challenger: null,
  submit: { mode: 'top3', intents: null },
};

const find = <T extends Section['type']>(d: ReportData, type: T, title: string): Extract<Section, { type: T }> => {
  const s = d.sections.find((x) => x.type === type && x.title === title);
  if (s === undefined) throw new Error(`no ${type} "${title}": ${d.sections.map((x) => x.title).join(' | ')}`);
  return s as Extract<Section, { type: T }>;
};

describe('the morning report data', () => {
  it('why a pick: the signal, each condition with its value, each gate, the confidence by largest push', () => {
    expect(whyItems(aaa)).toEqual([
      'signal: RSI(2) 4.1 < 10',
      'RSI(2): 4.123 < 10 (met)',
      'gate price: pass (close $50 >= $5)',
      'gate spread: not evaluated: no quotes given',
      'confidence 70.0%; log-odds pushed by ibs +0.500, rsi -0.200',
    ]);
    expect(confidenceText(bbb.confidence)).toBe('confidence: none (the model was not trained on turtle-soup)');
    expect(notEvaluatedItems(scan)).toEqual(['spread: not evaluated: no quotes given (3 signals)']);
  });

  it('tiles, the trade of the day, the Top-3 ranked, what the gates denied, universe and data check', () => {
    const d = morningReportData(input, ['synthetic']);
    expect(d.title).toBe('kobe daily: 2023-03-08 (replay), morning');
    expect(find(d, 'tiles', 'The scan').tiles.map((t) => [t.label, t.value])).toEqual([
      ['Scan of', '2023-03-07'],
      ['Signals', 3],
      ['Through every gate', 2],
      ['Denied by a gate', 1],
      ['Top-3', 'AAA, BBB'],
      ['Trade of the day', 'AAA long'],
      ['Confidence model', 'calibrated'],
    ]);
    expect(find(d, 'heading', 'Trade of the day: AAA long (ibs-rsi)').text).toBe('highest confidence 0.70 >= 0.60');
    const trade = find(d, 'tiles', 'The trade').tiles;
    expect(trade.find((t) => t.label === 'Stop')?.value).toBe(47.5);
    expect(trade.find((t) => t.label === 'Target')?.value).toBeNull();
    expect(trade.find((t) => t.label === 'Time exit')).toMatchObject({ value: '2023-03-15', note: 'after 5 bars' });
    const top = find(d, 'table', 'Top-3');
    expect(top.rows.map((r) => [r.rank, r.symbol, r.confidence, r.gates])).toEqual([
      [1, 'AAA', 0.7, 'ok'],
      [2, 'BBB', null, 'ok'],
    ]);
    expect(find(d, 'notes', '#2 BBB (turtle-soup): why').items.at(-1)).toBe('confidence: none (the model was not trained on turtle-soup)');
    expect(find(d, 'table', 'Gates: denied').rows).toEqual([{ symbol: 'CCC', strategy: 'ibs-rsi', side: 'long', gate: 'price', code: 'PRICE_BELOW_MIN', detail: 'close $3 < $5' }]);
    expect(find(d, 'table', 'Every signal').rows.map((r) => [r.symbol, r.gates])).toEqual([
      ['AAA', 'ok'],
      ['BBB', 'ok'],
      ['CCC', 'PRICE_BELOW_MIN'],
    ]);
    const u = find(d, 'tiles', 'Universe and data check').tiles;
    expect(u.map((t) => [t.label, t.value])).toEqual([
      ['Symbols', 40],
      ['Index (regime gate)', 'DEMX'],
      ['History read', 400],
      ['Data hash', 'aaaaaaaaaaaa'],
      ['Scan inputs hash', 'ffffffffffff'],
      ['Data check errors', 1],
      ['Data check warnings', 2],
      ['Unreadable files', 'none'],
    ]);
    expect(find(d, 'notes', 'Intents (top3)').items[0]).toMatch(/submit step has not run yet/);
  });

  it('the intents sent and denied, the roster with the challenger and its shadow Top-3', () => {
    const d = morningReportData(
      {
        ...input,
        challenger: { policy: 'champion-primary', scan: { ...scan, strategies: [{ name: 'turtle-soup', version: '1.0.0', params: { lookback: 20 } }], top: [ccc] } },
        submit: {
          mode: 'top3',
          intents: [
            { symbol: 'AAA', strategy: 'ibs-rsi', outcome: 'submitted', clientOrderId: 'k-a', shares: 200, limitPrice: 50.25, state: 'submitted' },
            { symbol: 'BBB', strategy: 'turtle-soup', outcome: 'denied', code: 'ALREADY_IN_POSITION', detail: 'held' },
          ],
        },
      },
      [],
    );
    expect(find(d, 'table', 'Intents sent (top3)').rows).toEqual([
      { symbol: 'AAA', strategy: 'ibs-rsi', outcome: 'submitted', shares: 200, limit: 50.25, state: 'submitted', why: null, id: 'k-a' },
      { symbol: 'BBB', strategy: 'turtle-soup', outcome: 'denied', shares: null, limit: null, state: null, why: 'ALREADY_IN_POSITION: held', id: null },
    ]);
    expect(find(d, 'table', 'Roster used').rows).toEqual([
      { role: 'champion', name: 'ibs-rsi', version: '1.1.0', params: '{"rsiEntry":10}' },
      { role: 'challenger (champion-primary)', name: 'turtle-soup', version: '1.0.0', params: '{"lookback":20}' },
    ]);
    expect(find(d, 'table', 'Challenger Top-3 (shadow: never sent)').rows.map((r) => r.symbol)).toEqual(['CCC']);
  });

  it('a day without signals: no trade, no Top-3, nothing denied; a standalone scan has no intents section', () => {
    const empty: MorningScan = { ...scan, signals: [], top: [], tradeOfDay: { pick: null, reason: 'no trade today: no pick' }, modelReason: 'uncalibrated' };
    const d = morningReportData({ ...input, tradingDate: null, scan: empty, dataCheck: null, submit: null }, []);
    expect(d.title).toBe('kobe daily: scan of 2023-03-07');
    expect(find(d, 'heading', 'Trade of the day: none').text).toBe('no trade today: no pick');
    expect(find(d, 'notes', 'Top-3').items).toEqual(['No pick: no signal on the scanned session.']);
    expect(find(d, 'notes', 'Gates: denied').items).toEqual(['No signal was denied.']);
    expect(d.sections.some((s) => s.title.startsWith('Intents') || s.title === 'Every signal')).toBe(false);
    expect(find(d, 'tiles', 'Universe and data check').tiles.find((t) => t.label === 'Data check')?.value).toBeNull();
    expect(JSON.stringify(d)).not.toMatch(/NaN|Infinity/);
  });
});
