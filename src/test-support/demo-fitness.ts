import { DEFAULT_ENGINE_CONFIG } from '../backtest/config.js';
import { buildPanel, calendarRange, type MarketPanel } from '../backtest/panel.js';
import { parseIsoDay } from '../core/calendar.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import type { FitnessSettings } from '../evolution/fitness.js';

/** The first `symbols` stocks of a demo market, a span, and fitness settings over it: what evolution tests judge genomes on. */
export function demoFitness(o: { seed: number; symbols: number; start: string; end: string; testDays: number; minTrainTrades: number; blowUpFrac: number }): {
  panel: MarketPanel;
  range: { from: number; to: number };
  settings: FitnessSettings;
} {
  const demo = generateDemoMarket({ seed: o.seed });
  const index = demo.series.find((s) => s.symbol === demo.indexSymbol)!;
  const panel = buildPanel(demo.series.filter((s) => s !== index).slice(0, o.symbols), index);
  const range = calendarRange(panel, parseIsoDay(o.start), parseIsoDay(o.end))!;
  const settings: FitnessSettings = { ...range, trainDays: 252, testDays: o.testDays, config: { ...DEFAULT_ENGINE_CONFIG, recordDecisions: false }, minTrainTrades: o.minTrainTrades, blowUpFrac: o.blowUpFrac };
  return { panel, range, settings };
}
