import { usageError } from '../core/errors.js';

export type BrokerMode = 'paper' | 'live';

export const BROKER_MODES: readonly BrokerMode[] = ['paper', 'live'];

/**
 * The live-trading guard, a pure function of the requested `mode` and the environment `env`:
 * paper is the default (mode undefined); 'live' needs KOBE_ALLOW_LIVE=1 in `env` as a second,
 * deliberate switch, so a typo in a cron line or a copied command can never trade real money.
 * Anything else is a usage error (the CLI maps it to exit 2). Returns the mode to use.
 */
export function liveTradingAllowed(mode: string | undefined, env: Readonly<Record<string, string | undefined>>): BrokerMode {
  const m = mode ?? 'paper';
  if (m === 'paper') return 'paper';
  if (m !== 'live') {
    throw usageError('BAD_BROKER_MODE', `mode must be paper or live, was '${m}'`, { param: 'mode', value: m, hint: 'paper (the default) or live' });
  }
  if (env.KOBE_ALLOW_LIVE !== '1') {
    throw usageError('LIVE_TRADING_NOT_ALLOWED', 'live trading is switched off: mode live needs KOBE_ALLOW_LIVE=1 in the environment', {
      param: 'mode',
      value: env.KOBE_ALLOW_LIVE === undefined ? 'KOBE_ALLOW_LIVE unset' : `KOBE_ALLOW_LIVE=${env.KOBE_ALLOW_LIVE}`,
      hint: 'set KOBE_ALLOW_LIVE=1 to trade real money, or use paper mode',
    });
  }
  return 'live';
}
