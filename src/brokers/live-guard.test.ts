import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { liveTradingAllowed } from './live-guard.js';

const refusal = (mode: string | undefined, env: Record<string, string | undefined>): KobeError | null => {
  try {
    liveTradingAllowed(mode, env);
    return null;
  } catch (e) {
    if (e instanceof KobeError) return e;
    throw e;
  }
};

describe('liveTradingAllowed', () => {
  it('is paper by default and for paper, whatever the environment says', () => {
    expect(liveTradingAllowed(undefined, {})).toBe('paper');
    expect(liveTradingAllowed('paper', { KOBE_ALLOW_LIVE: '1' })).toBe('paper');
  });

  it('allows live only with KOBE_ALLOW_LIVE=1', () => {
    expect(liveTradingAllowed('live', { KOBE_ALLOW_LIVE: '1' })).toBe('live');
    for (const value of [undefined, '', '0', 'true', 'yes', ' 1']) {
      const e = refusal('live', { KOBE_ALLOW_LIVE: value });
      expect(e?.code).toBe('LIVE_TRADING_NOT_ALLOWED');
      expect(e?.kind).toBe('usage');
      expect(e?.param).toBe('mode');
      expect(e?.hint).toMatch(/KOBE_ALLOW_LIVE=1/);
    }
  });

  it('refuses an unknown mode as a usage error', () => {
    const e = refusal('Live', { KOBE_ALLOW_LIVE: '1' });
    expect(e?.code).toBe('BAD_BROKER_MODE');
    expect(e?.kind).toBe('usage');
  });
});
