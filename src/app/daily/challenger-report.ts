import type { Trade } from '../../backtest/engine.js';
import { assignArm, type Arm } from '../../validation/champion-challenger.js';
import type { DailyRun } from './daily-run.js';
import { backtestPicks } from './picks-backtest.js';
import { pipelineEngineConfig } from './steps/submit.js';

export interface ArmResult {
  readonly trades: number;
  readonly pnlUsd: number;
  readonly winRate: number | null;
}

export interface ChallengerReport {
  readonly policy: string;
  readonly salt: string;
  readonly since: string | null;
  readonly champion: { readonly strategies: readonly string[]; readonly picks: number; readonly arms: Readonly<Record<Arm, ArmResult>> };
  readonly challenger: { readonly strategies: readonly string[]; readonly picks: number; readonly arms: Readonly<Record<Arm, ArmResult>> };
  readonly verdict: string;
}

/**
 * Champion against challenger on what they picked since the experiment began: each role's picks
 * (from the experiments table) are traded by the engine under the pipeline's fill model through
 * the trading day, and scored per arm (the arm of each signal's symbol and day). Only closed
 * trades count; positions still open are not scored yet.
 */
export async function challengerComparison(run: DailyRun): Promise<ChallengerReport> {
  const spec = run.spec.challenger!;
  const rows = run.store.experiments().filter((r) => r.picked);
  const market = await run.market();
  const since = rows.length === 0 ? null : rows.map((r) => r.signalDate).sort()[0];
  const side = (role: 'champion' | 'challenger') => {
    const mine = rows.filter((r) => r.role === role);
    const strategies = [...new Set(run.store.experiments().filter((r) => r.role === role).map((r) => r.strategy))];
    const legs = role === 'champion' ? (run.spec.legs ?? []) : spec.legs;
    const paramsOf = (name: string) => legs.find((l) => l.strategy.name === name)?.params ?? {};
    const trades: Trade[] =
      since === null || mine.length === 0
        ? []
        : backtestPicks(market.ctx.panel, mine.map((r) => ({ signalDate: r.signalDate, symbol: r.symbol, strategy: r.strategy, params: paramsOf(r.strategy) })), pipelineEngineConfig(run.spec.capitalUsd), since, run.tradingDate).trades.filter((t) => t.exitReason !== 'window_end');
    const arms: Record<Arm, { trades: number; pnl: number; wins: number }> = { A: { trades: 0, pnl: 0, wins: 0 }, B: { trades: 0, pnl: 0, wins: 0 } };
    for (const t of trades) {
      const a = arms[assignArm(spec.salt, t.symbol, t.entrySignalDay)];
      a.trades++;
      a.pnl += t.pnl;
      if (t.pnl > 0) a.wins++;
    }
    const out = (x: { trades: number; pnl: number; wins: number }): ArmResult => ({ trades: x.trades, pnlUsd: x.pnl, winRate: x.trades === 0 ? null : x.wins / x.trades });
    return { strategies, picks: mine.length, arms: { A: out(arms.A), B: out(arms.B) } };
  };
  const champion = side('champion');
  const challenger = side('challenger');
  const wins = (['A', 'B'] as const).filter((a) => challenger.arms[a].pnlUsd > champion.arms[a].pnlUsd).length;
  const scored = champion.arms.A.trades + champion.arms.B.trades + challenger.arms.A.trades + challenger.arms.B.trades;
  const verdict = scored === 0 ? 'no closed trade yet' : wins === 2 ? 'challenger better on both arms' : wins === 0 ? 'champion better on both arms' : 'mixed';
  return { policy: spec.policy, salt: spec.salt, since, champion, challenger, verdict };
}
