import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeEngineConfig } from '../app/run-spec.js';
import { decodeMarketSpec } from '../app/market-spec.js';
import { isKobeError } from '../core/errors.js';
import { flagName, UNFLAGGED_PARAMS } from './param-flags.js';

const APP_DIR = fileURLToPath(new URL('../app/', import.meta.url));

/** Every parameter name src/app passes to `param(...)` in its messages. */
function paramsNamedByApp(): string[] {
  const names = new Set<string>();
  for (const f of readdirSync(APP_DIR).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    for (const m of readFileSync(`${APP_DIR}${f}`, 'utf8').matchAll(/param\('([A-Za-z]+)'\)/g)) names.add(m[1]);
  }
  return [...names].sort();
}

describe('the CLI names every app parameter by its flag', () => {
  it('every parameter src/app names has a flag, unless it is one only JSON or a positional argument carries', () => {
    const names = paramsNamedByApp();
    expect(names.length).toBeGreaterThan(20);
    const unmapped = names.filter((n) => flagName(n) === n && !UNFLAGGED_PARAMS.includes(n));
    expect(unmapped).toEqual([]);
  });

  it('a decoder error names the parameter by default and the flag when the CLI asks', () => {
    const raw = { initialCapitalUsd: 1000, maxPositions: 0, sizing: 'equal-weight', fill: 'next-open', commissionPerOrderUsd: 0, commissionPerShareUsd: 0, slippageBps: 0, regimeFilter: true, regimeSmaPeriod: 200 };
    const flagOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (isKobeError(e)) return e.flag;
        throw e;
      }
      return 'no error';
    };
    expect(flagOf(() => decodeEngineConfig(raw))).toBe('maxPositions');
    expect(flagOf(() => decodeEngineConfig(raw, flagName))).toBe('--max-positions');
    expect(flagOf(() => decodeMarketSpec({ cap: 'x' }))).toBe('cap');
    expect(flagOf(() => decodeMarketSpec({ cap: 'x' }, flagName))).toBe('--cap');
  });
});
