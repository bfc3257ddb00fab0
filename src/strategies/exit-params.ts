import type { ParamSchema } from './params.js';

/**
 * The exits every strategy shares; the engine owns their mechanics, each strategy only picks
 * defaults. A value of 0 switches an exit off.
 */
export function exitParams(defaults: { stopAtrMult: number; timeExitBars: number; takeProfitAtrMult?: number }): ParamSchema {
  return {
    stopAtrMult: { kind: 'real', default: defaults.stopAtrMult, min: 0, max: 10, step: 0.25, description: 'protective stop at entry -/+ this many ATRs (0 = no stop)' },
    atrPeriod: { kind: 'int', default: 14, min: 2, max: 100, description: 'Wilder ATR period for stop and target distances, in bars' },
    timeExitBars: { kind: 'int', default: defaults.timeExitBars, min: 0, max: 250, description: 'exit after holding this many bars (0 = no time exit)' },
    takeProfitAtrMult: { kind: 'real', default: defaults.takeProfitAtrMult ?? 0, min: 0, max: 20, step: 0.25, description: 'take-profit at entry +/- this many ATRs (0 = none)' },
  };
}
