/**
 * The gates a scan puts in front of each signal, pure: every gate is evaluated and returns a
 * value `{ ok, code, detail }`; a denial is data, never an exception, and all of them are kept.
 * `ok: null` means "not evaluated" (no quotes were given): it is reported as such, never as a
 * pass, and it does not deny.
 */
export interface ScanGate {
  readonly gate: 'price' | 'liquidity' | 'spread' | 'earnings' | 'regime';
  readonly ok: boolean | null;
  /** SCREAMING_SNAKE_CASE: PASS, or why it denied / was not evaluated. */
  readonly code: string;
  readonly detail: string;
}

export interface ScanGateThresholds {
  /** Minimum close, USD. */
  readonly minPriceUsd: number;
  /** Minimum 20-session average dollar volume, USD. */
  readonly minAvgDollarVolumeUsd: number;
  /** Maximum quoted spread as a fraction of the mid. */
  readonly maxSpreadFrac: number;
  /** No entry within this many sessions before or after an earnings report. */
  readonly earningsSessions: number;
  /** Index realised vol(20) (annualised fraction) must be below this; null = that leg is off. */
  readonly regimeMaxVol: number | null;
}

export const DEFAULT_SCAN_GATES: ScanGateThresholds = {
  minPriceUsd: 5,
  minAvgDollarVolumeUsd: 5_000_000,
  maxSpreadFrac: 0.02,
  earningsSessions: 2,
  regimeMaxVol: null,
};

const pass = (gate: ScanGate['gate'], detail: string): ScanGate => ({ gate, ok: true, code: 'PASS', detail });
const deny = (gate: ScanGate['gate'], code: string, detail: string): ScanGate => ({ gate, ok: false, code, detail });
const usd = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

export function priceGate(close: number, minPriceUsd: number): ScanGate {
  return close >= minPriceUsd ? pass('price', `close ${usd(close)} >= ${usd(minPriceUsd)}`) : deny('price', 'PRICE_BELOW_MIN', `close ${usd(close)} < ${usd(minPriceUsd)}`);
}

/** `avgDollarVolume` NaN (fewer than 20 sessions) denies: liquidity not shown is not liquidity. */
export function liquidityGate(avgDollarVolume: number, minUsd: number): ScanGate {
  if (!Number.isFinite(avgDollarVolume)) return deny('liquidity', 'LIQUIDITY_UNKNOWN', 'fewer than 20 sessions of volume');
  return avgDollarVolume >= minUsd
    ? pass('liquidity', `20-day average dollar volume ${usd(Math.round(avgDollarVolume))} >= ${usd(minUsd)}`)
    : deny('liquidity', 'LIQUIDITY_BELOW_MIN', `20-day average dollar volume ${usd(Math.round(avgDollarVolume))} < ${usd(minUsd)}`);
}

/** `quote` null: no quotes file, or the symbol is not in it. */
export function spreadGate(quote: { readonly bid: number; readonly ask: number } | null, maxSpreadFrac: number, why = 'no quotes given'): ScanGate {
  if (quote === null) return { gate: 'spread', ok: null, code: 'SPREAD_NOT_EVALUATED', detail: `not evaluated: ${why}` };
  const mid = (quote.bid + quote.ask) / 2;
  const frac = (quote.ask - quote.bid) / mid;
  const text = `spread ${(frac * 100).toFixed(2)}% of mid ${usd(mid)} (bid ${quote.bid}, ask ${quote.ask})`;
  return frac <= maxSpreadFrac ? pass('spread', `${text} <= ${(maxSpreadFrac * 100).toFixed(2)}%`) : deny('spread', 'SPREAD_TOO_WIDE', `${text} > ${(maxSpreadFrac * 100).toFixed(2)}%`);
}

/**
 * `sessionsAway`: signed session distances from the signal day to each known report of the
 * symbol (negative = before it). Denies when any lies within [-n, n].
 */
export function earningsGate(reports: readonly { readonly date: string; readonly sessionsAway: number }[], n: number, known: boolean): ScanGate {
  if (!known) return { gate: 'earnings', ok: null, code: 'EARNINGS_NOT_EVALUATED', detail: 'not evaluated: no earnings file given' };
  const near = reports.filter((r) => Math.abs(r.sessionsAway) <= n);
  if (near.length === 0) return pass('earnings', `no report within ${n} sessions`);
  const r = near[0];
  const when = r.sessionsAway === 0 ? 'on the signal day' : r.sessionsAway > 0 ? `${r.sessionsAway} session(s) after` : `${-r.sessionsAway} session(s) before`;
  return deny('earnings', 'EARNINGS_NEARBY', `earnings ${r.date} ${when} (no entry within ${n} sessions)`);
}

/**
 * The engine's regime filter (longs only while the index closes above its SMA, shorts only below)
 * plus an optional volatility leg: index realised vol(20) below `maxVol`.
 */
export function regimeGate(
  side: 'long' | 'short',
  index: { readonly symbol: string; readonly close: number; readonly sma: number; readonly smaPeriod: number; readonly vol20: number } | null,
  maxVol: number | null,
): ScanGate {
  if (index === null) return deny('regime', 'REGIME_NO_INDEX', 'no index to judge the regime by');
  if (!Number.isFinite(index.sma)) return deny('regime', 'REGIME_UNKNOWN', `${index.symbol} has fewer than ${index.smaPeriod} sessions for its SMA`);
  const above = index.close > index.sma;
  const trend = `${index.symbol} ${index.close.toFixed(2)} ${above ? '>' : '<='} SMA(${index.smaPeriod}) ${index.sma.toFixed(2)}`;
  if (side === 'long' ? !above : above) return deny('regime', side === 'long' ? 'REGIME_BELOW_SMA' : 'REGIME_ABOVE_SMA', trend);
  if (maxVol !== null) {
    if (!Number.isFinite(index.vol20)) return deny('regime', 'REGIME_VOL_UNKNOWN', `${trend}; realised vol(20) unknown`);
    const vol = `realised vol(20) ${(index.vol20 * 100).toFixed(1)}%`;
    if (!(index.vol20 < maxVol)) return deny('regime', 'REGIME_VOL_HIGH', `${trend}; ${vol} >= ${(maxVol * 100).toFixed(1)}%`);
    return pass('regime', `${trend}; ${vol} < ${(maxVol * 100).toFixed(1)}%`);
  }
  return pass('regime', trend);
}

/** A signal may be traded when no gate denied it (not evaluated does not deny). */
export const gatesAdmit = (gates: readonly ScanGate[]): boolean => gates.every((g) => g.ok !== false);
