import type { EngineConfig } from '../../backtest/config.js';
import { runEngine, type EngineResult } from '../../backtest/engine.js';
import { MarketContext } from '../../backtest/market-context.js';
import type { MarketPanel } from '../../backtest/panel.js';
import { restrictEntries } from '../../backtest/signal-book.js';
import { lowerBound, parseIsoDay } from '../../core/calendar.js';
import { resolveStrategyParams, STRATEGIES } from '../../strategies/registry.js';
import { inputError } from '../../core/errors.js';

/** A signal the pipeline picked: the strategy, its parameters, the symbol and the signal's session. */
export interface PickedSignal {
  readonly signalDate: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number>>;
}

/**
 * The backtest of the same picks: each strategy's own signal book over the panel, its entries
 * restricted to the signals picked (its exit signals kept), run through the engine loop over
 * calendar days [fromDate, toDate] with `config`. This is what the paper account of the daily
 * pipeline must agree with, fill for fill, under the same fill model and costs.
 */
export function backtestPicks(panel: MarketPanel, picks: readonly PickedSignal[], config: EngineConfig, fromDate: string, toDate: string): EngineResult {
  const from = lowerBound(panel.calendar, parseIsoDay(fromDate));
  const to = lowerBound(panel.calendar, parseIsoDay(toDate) + 1) - 1;
  if (!(from <= to)) throw inputError('BAD_WINDOW', `no session between ${fromDate} and ${toDate}`, { param: 'fromDate', value: fromDate });
  const ctx = new MarketContext(panel, { from, to });
  const groups = new Map<string, PickedSignal[]>();
  for (const p of picks) {
    const key = `${p.strategy}|${JSON.stringify(p.params)}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const legs = [...groups.values()].map((group) => {
    const name = group[0].strategy;
    if (!(name in STRATEGIES)) throw inputError('UNKNOWN_STRATEGY', `no strategy named ${name}`, { param: 'strategy', value: name });
    const strategy = STRATEGIES[name as keyof typeof STRATEGIES];
    const params = resolveStrategyParams(strategy, group[0].params);
    const leg = ctx.leg(strategy, params);
    const wanted = new Set(group.map((p) => `${p.symbol}|${lowerBound(panel.calendar, parseIsoDay(p.signalDate))}`));
    return { ...leg, book: restrictEntries(leg.book, (sym, t) => wanted.has(`${panel.symbols[sym]}|${t}`)) };
  });
  const regime = config.regimeFilter.enabled ? ctx.regime(config.regimeFilter.smaPeriod) : null;
  return runEngine({ panel, legs, config, from, to, regime });
}
