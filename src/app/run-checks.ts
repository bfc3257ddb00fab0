import { usageError } from '../core/errors.js';
import type { EngineConfig } from '../backtest/config.js';

/** risk-pct sizing risks a share of equity to the stop, so every strategy must have one. */
export function requireStopsForRiskSizing(
  config: EngineConfig,
  runs: readonly { readonly name: string; readonly params: Readonly<Record<string, number>> }[],
  param: (name: string) => string = (n) => n,
): void {
  if (config.sizing.mode !== 'risk-pct') return;
  for (const r of runs) {
    if (!(r.params.stopAtrMult > 0)) {
      throw usageError('BAD_SIZING', `risk-pct sizing needs a stop, and ${r.name} has stopAtrMult=0`, { flag: param('sizing'), hint: `set ${param('params')} stopAtrMult=2 or use another sizing` });
    }
  }
}

/** The regime filter reads the index: refuse to run without one rather than trade unfiltered. */
export function requireIndexForRegime(config: EngineConfig, index: string | null, asked: string | null, param: (name: string) => string = (n) => n): void {
  if (config.regimeFilter.enabled && index === null) {
    throw usageError('NO_INDEX', `the regime filter needs the index ${asked ?? 'SPY'}, which has no data`, {
      flag: param('index'),
      hint: `pass ${param('index')} SYMBOL with a file in ${param('dataDir')}, or ${param('regimeFilter')}`,
    });
  }
}
