import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SymbolSignals } from '../strategies/scan.js';
import { fcOptions } from '../test-support/synthetic-bars.js';
import type { MarketPanel } from './panel.js';
import { SignalColumns } from '../strategies/signal-columns.js';
import { buildSignalBook, SignalBookBuffers, signalBookOf, type SignalBook } from './signal-book.js';

/** The order the book promises, by a plain comparator: score descending (NaN last), then symbol. */
function referenceOrder(perSymbol: readonly SymbolSignals[]): { day: number; sym: number; bar: number }[] {
  const out: { day: number; sym: number; bar: number; rank: number }[] = [];
  perSymbol.forEach((sigs, sym) => sigs.bar.forEach((bar, j) => out.push({ day: bar, sym, bar, rank: Number.isNaN(sigs.score[j]) ? -Infinity : sigs.score[j] })));
  out.sort((a, b) => a.day - b.day || (a.rank > b.rank ? -1 : a.rank < b.rank ? 1 : 0) || a.sym - b.sym);
  return out.map(({ day, sym, bar }) => ({ day, sym, bar }));
}

// Scores drawn from a few values so days hold long runs of ties (exit signals all score 0).
const score = fc.oneof(fc.constantFrom(0, -0, 1, -3.5, Number.NaN), fc.double({ min: -100, max: 100, noNaN: true }));

const plain = (b: SignalBook) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));

describe('buildSignalBook', () => {
  const reused = new SignalColumns();
  const buffers = new SignalBookBuffers();

  it('orders each day by score descending, then symbol, whatever the day size; through reused buffers alike', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 120 }), fc.array(fc.tuple(fc.nat(), fc.nat(), score), { maxLength: 600, size: 'max' }), (days, symbols, raw) => {
        const seen = new Set<string>();
        const bySym: [number, number][][] = Array.from({ length: symbols }, () => []);
        for (const [d, s, v] of raw) {
          const key = `${d % days}/${s % symbols}`;
          if (seen.has(key)) continue;
          seen.add(key);
          bySym[s % symbols].push([d % days, v]);
        }
        const perSymbol: SymbolSignals[] = bySym.map((xs) => {
          xs.sort((a, b) => a[0] - b[0]);
          return {
            bar: Int32Array.from(xs.map((x) => x[0])),
            code: new Int8Array(xs.length).fill(1),
            score: Float64Array.from(xs.map((x) => x[1])),
            stopDist: new Float64Array(xs.length),
            targetDist: new Float64Array(xs.length),
          };
        });
        // Bar k of every symbol is calendar day k.
        const identity = Int32Array.from({ length: days }, (_, k) => k);
        const panel = { calendar: identity, series: perSymbol.map(() => ({ day: identity })) } as unknown as MarketPanel;
        const book = buildSignalBook(panel, perSymbol);
        const got = Array.from(book.sym, (sym, r) => ({ day: book.bar[r], sym, bar: book.bar[r] }));
        expect(got).toEqual(referenceOrder(perSymbol));
        for (let t = 0; t < days; t++) for (let r = book.dayStart[t]; r < book.dayStart[t + 1]; r++) expect(book.bar[r]).toBe(t);
        // Built through buffers and columns that earlier (larger or smaller) books used.
        reused.length = 0;
        perSymbol.forEach((sigs, sym) => {
          const at = reused.reserve(sigs.bar.length);
          reused.sym.fill(sym, at, at + sigs.bar.length);
          reused.bar.set(sigs.bar, at);
          reused.code.set(Int8Array.from(sigs.bar, (b) => (b % 3) - 1), at);
          reused.score.set(sigs.score, at);
          reused.stopDist.set(Float64Array.from(sigs.bar, (b) => b * 0.5 + sym), at);
          reused.targetDist.set(Float64Array.from(sigs.bar, (b) => (b % 2 ? Number.NaN : sym)), at);
          reused.length += sigs.bar.length;
        });
        const fresh = new SignalColumns();
        fresh.reserve(reused.length);
        for (const k of ['sym', 'bar', 'code', 'score', 'stopDist', 'targetDist'] as const) fresh[k].set(reused[k].subarray(0, reused.length));
        fresh.length = reused.length;
        expect(plain(signalBookOf(panel, reused, buffers))).toEqual(plain(signalBookOf(panel, fresh)));
      }),
      fcOptions(),
    );
  });
});
