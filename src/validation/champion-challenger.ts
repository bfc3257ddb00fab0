import { sha256Hex } from '../core/stable-json.js';
import type { EngineResult, Trade } from '../backtest/engine.js';
import type { Metrics } from '../backtest/metrics.js';

/**
 * Seed 002's champion/challenger: the challenger runs in shadow beside the champion over the
 * same market and signal days; only the champion's orders are real. To compare the two without
 * letting one lucky stretch decide, every (symbol, signal day) is assigned to arm A or B by a
 * deterministic hash, and each engine's trades are scored per arm: a challenger that only wins
 * on one arm has not shown much.
 */
export type Arm = 'A' | 'B';

/** The arm of a signal: the first 32 bits of sha256(salt|symbol|day), split at the midpoint. */
export function assignArm(salt: string, symbol: string, day: number): Arm {
  return parseInt(sha256Hex(`${salt}|${symbol}|${day}`).slice(0, 8), 16) < 0x80000000 ? 'A' : 'B';
}

export interface ArmOutcome {
  readonly trades: number;
  readonly pnl: number;
  readonly winRate: number | null;
}

export interface EngineSide {
  readonly role: 'champion' | 'challenger';
  readonly strategy: string;
  readonly real: boolean;
  readonly trades: number;
  readonly totalReturnFrac: number | null;
  readonly sharpe: number | null;
  readonly profitFactor: number | null;
  readonly maxDrawdownFrac: number | null;
  readonly arms: Readonly<Record<Arm, ArmOutcome>>;
}

export interface ShadowComparison {
  readonly salt: string;
  readonly champion: EngineSide;
  readonly challenger: EngineSide;
  /** Signals (symbol, day) both engines traded. */
  readonly sharedTrades: number;
  /** Arms on which the challenger's P&L beat the champion's. */
  readonly challengerWinsArms: number;
  readonly verdict: 'challenger better on both arms' | 'champion better on both arms' | 'mixed';
}

function side(role: EngineSide['role'], strategy: string, e: EngineResult, m: Metrics, salt: string): EngineSide {
  const arms: Record<Arm, { trades: number; pnl: number; wins: number }> = { A: { trades: 0, pnl: 0, wins: 0 }, B: { trades: 0, pnl: 0, wins: 0 } };
  for (const t of e.trades) {
    const a = arms[assignArm(salt, t.symbol, t.entrySignalDay)];
    a.trades++;
    a.pnl += t.pnl;
    if (t.pnl > 0) a.wins++;
  }
  const out = (x: { trades: number; pnl: number; wins: number }): ArmOutcome => ({ trades: x.trades, pnl: x.pnl, winRate: x.trades ? x.wins / x.trades : null });
  return {
    role,
    strategy,
    real: role === 'champion',
    trades: e.trades.length,
    totalReturnFrac: m.totalReturnFrac.value,
    sharpe: m.sharpe.value,
    profitFactor: m.profitFactor.value,
    maxDrawdownFrac: m.maxDrawdownFrac.value,
    arms: { A: out(arms.A), B: out(arms.B) },
  };
}

export function compareShadow(
  salt: string,
  champion: { strategy: string; engine: EngineResult; metrics: Metrics },
  challenger: { strategy: string; engine: EngineResult; metrics: Metrics },
): ShadowComparison {
  const c = side('champion', champion.strategy, champion.engine, champion.metrics, salt);
  const s = side('challenger', challenger.strategy, challenger.engine, challenger.metrics, salt);
  const key = (t: Trade) => `${t.symbol}|${t.entrySignalDay}`;
  const champ = new Set(champion.engine.trades.map(key));
  const shared = challenger.engine.trades.filter((t) => champ.has(key(t))).length;
  const wins = (['A', 'B'] as const).filter((a) => s.arms[a].pnl > c.arms[a].pnl).length;
  return {
    salt,
    champion: c,
    challenger: s,
    sharedTrades: shared,
    challengerWinsArms: wins,
    verdict: wins === 2 ? 'challenger better on both arms' : wins === 0 ? 'champion better on both arms' : 'mixed',
  };
}
