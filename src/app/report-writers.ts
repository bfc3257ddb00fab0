import { dayToIso } from '../core/calendar.js';
import type { EngineResult, Trade } from '../backtest/engine.js';
import { tradesAcrossGaps, type GapFlag } from '../data/gap-flags.js';
import type { DataIssue } from '../data/data-issue.js';

/**
 * Up to 6 decimals without float noise (0.1+0.2 prints as 0.3), deterministic across runs. A
 * number whose shortest form already has at most 6 decimals and no exponent is that form: its
 * 6-decimal rounding reads back as the same number (the fast path artifacts mostly take).
 */
export const fmt = (v: number | null): string => {
  if (v === null || !Number.isFinite(v)) return '';
  const s = String(v);
  const dot = s.indexOf('.');
  if (s.indexOf('e') < 0 && (dot < 0 || s.length - dot <= 7)) return s;
  return String(Number(v.toFixed(6)));
};

/**
 * Every trade list says which trades were held across a price discontinuity the data check
 * found (LARGE_GAP, or a SUSPECT_SPLIT kept under `warn`): `gap_flags` lists them as CODE:date
 * separated by `;`, empty for an ordinary trade. Such a trade's P&L is the data's, not the rule's.
 */
export function tradeListCsv(trades: readonly Trade[], issues: readonly DataIssue[] = []): string {
  const head = 'symbol,strategy,side,signal_date,entry_date,entry_price,exit_date,exit_price,shares,pnl,fees,exit_reason,bars_held,initial_risk_usd,gap_flags';
  const flags = tradesAcrossGaps(trades, issues);
  const rows = trades.map((t, k) =>
    [
      t.symbol,
      t.strategy,
      t.side,
      dayToIso(t.entrySignalDay),
      dayToIso(t.entryDay),
      fmt(t.entryPrice),
      dayToIso(t.exitDay),
      fmt(t.exitPrice),
      t.shares,
      fmt(t.pnl),
      fmt(t.fees),
      t.exitReason,
      t.barsHeld,
      fmt(t.initialRiskUsd),
      flags[k].map((f) => `${f.code}:${f.date}`).join(';'),
    ].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}

export function equityCurveCsv(days: Int32Array, equity: Float64Array, exposure: Float64Array, benchmark: Float64Array | null, cash?: Float64Array): string {
  const lines = [`date,equity,${cash ? 'cash,' : ''}exposure_frac,benchmark_equity`];
  for (let i = 0; i < days.length; i++) {
    lines.push(`${dayToIso(days[i])},${fmt(equity[i])},${cash ? `${fmt(cash[i])},` : ''}${fmt(exposure[i])},${benchmark ? fmt(benchmark[i]) : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** How many trades were held across a flagged discontinuity, for the run's text output. */
export function countTradesAcrossGaps(trades: readonly Trade[], issues: readonly DataIssue[]): number {
  return tradesAcrossGaps(trades, issues).filter((f) => f.length > 0).length;
}

/** The trade list in the `--json` shape users script against; `gapFlags` as in `tradeListCsv`. */
export function tradesJson(trades: readonly Trade[], issues: readonly DataIssue[] = []) {
  const flags: GapFlag[][] = tradesAcrossGaps(trades, issues);
  return trades.map((t, k) => ({
    symbol: t.symbol,
    strategy: t.strategy,
    side: t.side,
    signalDate: dayToIso(t.entrySignalDay),
    entryDate: dayToIso(t.entryDay),
    entryPrice: t.entryPrice,
    exitDate: dayToIso(t.exitDay),
    exitPrice: t.exitPrice,
    shares: t.shares,
    pnl: t.pnl,
    fees: t.fees,
    exitReason: t.exitReason,
    barsHeld: t.barsHeld,
    initialRiskUsd: t.initialRiskUsd,
    gapFlags: flags[k].map((f) => ({ code: f.code, date: f.date, detail: f.detail })),
  }));
}

/**
 * The engine's daily account in the `--json` shape, one object per session: equity and cash at
 * the close, grossExposureUsd = sum of |position market value| (USD), and the buy-and-hold
 * benchmark's equity from the same capital (null without an index). The engine keeps these as
 * typed arrays; objects are made only here, at the output edge.
 */
export function equityCurveJson(e: Pick<EngineResult, 'days' | 'equity' | 'cash' | 'grossExposureUsd'>, benchmark: Float64Array | null) {
  const out = new Array<{ date: string; equity: number; cash: number; grossExposureUsd: number; benchmark: number | null }>(e.days.length);
  for (let i = 0; i < e.days.length; i++) {
    out[i] = { date: dayToIso(e.days[i]), equity: e.equity[i], cash: e.cash[i], grossExposureUsd: e.grossExposureUsd[i], benchmark: benchmark === null ? null : benchmark[i] };
  }
  return out;
}
