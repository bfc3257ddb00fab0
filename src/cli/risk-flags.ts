import type { Command } from 'commander';
import { usageError } from '../core/errors.js';
import type { ResampleMethod } from '../validation/monte-carlo/index.js';
import { numberFlag } from './options.js';

/** The Monte Carlo flags `kobe simulate` and `kobe report` share. */
export interface MonteCarloFlags {
  monteCarlo: string;
  mcMethod: string;
  maxDd: string;
}

export function addMonteCarloOptions(cmd: Command, defaultSimulations: string): Command {
  return cmd
    .option('--monte-carlo <n>', 'resample the trade sequence this many times (seeded by --seed): VaR, CVaR, drawdown distribution, equity bands', defaultSimulations)
    .option('--mc-method <m>', 'bootstrap (draw trades with replacement) | shuffle (permute them)', 'bootstrap')
    .option('--max-dd <pct>', 'drawdown tolerance for survival analysis, percent of equity', '20');
}

export function monteCarloFromFlags(flags: MonteCarloFlags): { simulations: number; method: ResampleMethod; maxDrawdownFrac: number } {
  const simulations = numberFlag(flags.monteCarlo, '--monte-carlo', { integer: true, min: 0 });
  if (flags.mcMethod !== 'bootstrap' && flags.mcMethod !== 'shuffle') {
    throw usageError('BAD_FLAG', `unknown Monte Carlo method '${flags.mcMethod}'`, { flag: '--mc-method', hint: 'bootstrap or shuffle' });
  }
  const maxDd = numberFlag(flags.maxDd, '--max-dd', { positive: true });
  if (maxDd > 100) throw usageError('BAD_FLAG', `a drawdown tolerance is a percent in (0, 100], was ${maxDd}`, { flag: '--max-dd' });
  return { simulations, method: flags.mcMethod, maxDrawdownFrac: maxDd / 100 };
}
