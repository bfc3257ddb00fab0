import { describe, expect, it } from 'vitest';
import { MarketContext } from '../../backtest/market-context.js';
import { calendarRange } from '../../backtest/panel.js';
import { parseIsoDay } from '../../core/calendar.js';
import { atr } from '../../indicators/atr.js';
import { rsi } from '../../indicators/rsi.js';
import { resolveStrategyParams, STRATEGIES, STRATEGY_NAMES } from '../../strategies/registry.js';
import { SIGNAL_LONG, SIGNAL_SHORT } from '../../strategies/types.js';
import { SHARED_STOOQ_DIR, sharedDataAvailable } from '../../test-support/shared-data.js';
import { plainContext } from '../context.js';
import { decodeMarketSpec } from '../market-spec.js';
import { loadRunMarket } from '../market.js';
import { convergenceBars, scanHistoryBars } from './history.js';
import { scanWindow, signalsOnDay, timeExitOf, type ScanLeg } from './scan-signals.js';

const relClose = (a: number, b: number, tol = 1e-9) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-12);

describe('history a scan needs', () => {
  it('is the Wilder convergence bound: (1 - 1/n)^k just below 1e-10', () => {
    for (const n of [2, 14, 50]) {
      const k = convergenceBars(n);
      expect((1 - 1 / n) ** k).toBeLessThan(1e-10);
      expect((1 - 1 / n) ** (k - 1)).toBeGreaterThanOrEqual(1e-10);
    }
    expect(convergenceBars(14)).toBe(311);
  });
});

describe('time exit dates follow the engine rule on the NYSE calendar', () => {
  it('next-open fill, 5 bars: entry at the next open, exit at the open of the sixth session after the signal', () => {
    // 2017-11-10 (Fri): entry 11-13, holds 13,14,15,16,17, exit decided at the 17th's close, filled 11-20.
    expect(timeExitOf(parseIsoDay('2017-11-10'), 5, 1)).toEqual({ bars: 5, decidedOn: '2017-11-17', exitOn: '2017-11-20' });
    // Across Thanksgiving 2017 (11-23 closed).
    expect(timeExitOf(parseIsoDay('2017-11-20'), 3, 1)?.exitOn).toBe('2017-11-27');
    expect(timeExitOf(parseIsoDay('2017-11-20'), 0, 1)).toBeNull();
  });
});

describe.runIf(sharedDataAvailable())('the scan of day D is the signal book of a full-history backtest on D (real data)', () => {
  it('60 symbols, every session of 2016-01-04..2017-11-10, every registered strategy, regime filter on', async () => {
    const spec = decodeMarketSpec({ dataDir: SHARED_STOOQ_DIR, cap: 60 });
    const run = await loadRunMarket(spec, plainContext('/'));
    const panel = run.ctx.panel;
    const span = calendarRange(panel, parseIsoDay('2016-01-04'), parseIsoDay('2017-11-10'))!;
    const full = new MarketContext(panel, span);
    const legs: ScanLeg[] = [
      ...STRATEGY_NAMES.map((name) => ({ strategy: STRATEGIES[name], params: resolveStrategyParams(STRATEGIES[name], {}) })),
      // The short side too, so both directions are held to the book.
      { strategy: STRATEGIES['turtle-soup'], params: resolveStrategyParams(STRATEGIES['turtle-soup'], { allowShort: 1 }) },
    ];
    const history = scanHistoryBars(legs, 200);
    const books = legs.map((l) => full.leg(l.strategy, l.params).book);
    const regime = full.regime(200)!;
    let compared = 0;
    let regimeBlocked = 0;
    for (let t = span.from; t <= span.to; t++) {
      const day = panel.calendar[t];
      const win = scanWindow(panel, day, history)!;
      const scanned = signalsOnDay(win, legs);
      const expected: { leg: number; symbol: string; side: string; score: number; stopDist: number; targetDist: number }[] = [];
      books.forEach((book, leg) => {
        for (let j = book.dayStart[t]; j < book.dayStart[t + 1]; j++) {
          if (book.code[j] !== SIGNAL_LONG && book.code[j] !== SIGNAL_SHORT) continue;
          expected.push({ leg, symbol: panel.symbols[book.sym[j]], side: book.code[j] === SIGNAL_LONG ? 'long' : 'short', score: book.score[j], stopDist: book.stopDist[j], targetDist: book.targetDist[j] });
        }
      });
      expect(scanned.map((s) => `${s.leg}:${win.panel.symbols[s.sym]}:${s.side}`), `on ${day}`).toEqual(expected.map((e) => `${e.leg}:${e.symbol}:${e.side}`));
      scanned.forEach((s, k) => {
        const e = expected[k];
        expect(relClose(s.score, e.score), `strength ${e.symbol} ${s.score} vs ${e.score}`).toBe(true);
        expect(relClose(s.stopDist, e.stopDist), `stop ${e.symbol}`).toBe(true);
        expect(relClose(s.targetDist, e.targetDist), `target ${e.symbol}`).toBe(true);
        compared++;
      });
      // The regime filter reads the same index state on D.
      const winRegime = win.ctx.regime(200)!;
      expect(winRegime[win.t], `regime on ${day}`).toBe(regime[t]);
      if (regime[t] === 0) regimeBlocked++;
    }
    expect(compared).toBeGreaterThan(200);
    expect(regimeBlocked).toBeGreaterThan(0);
  }, 120_000);

  it('the indicator values on D agree with full history to 1e-9 with only the scan history (ATR(14), RSI(2))', async () => {
    const spec = decodeMarketSpec({ dataDir: SHARED_STOOQ_DIR, symbols: 'AAPL,XOM,GE' });
    const run = await loadRunMarket(spec, plainContext('/'));
    const h = scanHistoryBars([{ strategy: STRATEGIES['ibs-rsi'], params: resolveStrategyParams(STRATEGIES['ibs-rsi'], {}) }], 200);
    for (const s of run.ctx.panel.series) {
      const fullAtr = atr(s.high, s.low, s.close, 14);
      const fullRsi = rsi(s.close, 2);
      for (let i = h + 1; i < s.day.length; i += 97) {
        const from = i - h;
        const cutAtr = atr(s.high.subarray(from, i + 1), s.low.subarray(from, i + 1), s.close.subarray(from, i + 1), 14);
        const cutRsi = rsi(s.close.subarray(from, i + 1), 2);
        expect(relClose(cutAtr[h], fullAtr[i]), `${s.symbol} ATR at ${i}`).toBe(true);
        expect(relClose(cutRsi[h], fullRsi[i]), `${s.symbol} RSI at ${i}`).toBe(true);
      }
    }
  });
});
