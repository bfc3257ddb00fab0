import type { DailySpec } from '../app/daily/daily-spec.js';
import type { MarketSpec } from '../app/market-spec.js';
import { DEFAULT_SCAN_GATES } from '../risk/scan-gates.js';

/** The daily pipeline spec the tests run: the CLI's defaults, Top-3 submitted, on `market`. */
export function testDailySpec(market: MarketSpec, over: Partial<DailySpec> = {}): DailySpec {
  return {
    date: null,
    steps: null,
    rerun: false,
    market,
    db: 'kobe.db',
    stateDir: 'state',
    logsDir: 'logs',
    reportsDir: 'reports',
    audit: 'audit/audit.jsonl',
    broker: 'paper',
    submit: 'top3',
    legs: null,
    gates: DEFAULT_SCAN_GATES,
    regimeSmaPeriod: 200,
    mix: [{ strategy: 'turtle-soup', count: 2 }, { strategy: 'ibs-rsi', count: 1 }],
    minConfidence: 0.6,
    capitalUsd: 100_000,
    limitBufferFrac: 0.005,
    orderLimits: { maxOrderUsd: 15_000, maxDailyUsd: 50_000, maxPositionFrac: 0.15, dailyLossLimitUsd: 2_000, maxConsecutiveLosses: 4 },
    providers: ['stooq', 'yahoo'],
    challenger: null,
    driftWindow: 20,
    ...over,
  };
}
