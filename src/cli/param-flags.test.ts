import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFillModel, parseSizing } from '../backtest/config.js';
import { makeFolds } from '../backtest/walk-forward.js';
import { isoDayFlag } from '../core/calendar.js';
import { isKobeError, KobeError, usageError } from '../core/errors.js';
import { capUniverse } from '../data/universe.js';
import { checkDateRange } from '../data/providers/provider.js';
import { generateDemoMarket } from '../demo/demo-market.js';
import { parseParamsFlag } from '../strategies/params.js';
import { getStrategy, resolveStrategyParams, STRATEGIES } from '../strategies/registry.js';
import { memoryIo } from './io.js';
import { main } from './main.js';
import { flagForParam, PARAM_FLAGS, withParamFlag } from './param-flags.js';

const caught = (f: () => unknown): KobeError => {
  try {
    f();
  } catch (e) {
    if (isKobeError(e)) return e;
    throw e;
  }
  throw new Error('expected a KobeError');
};

describe('library errors name parameters, not flags', () => {
  const cases: [string, () => unknown, string][] = [
    ['makeFolds trainDays', () => makeFolds(0, 100, 0, 10), 'trainDays'],
    ['makeFolds testDays', () => makeFolds(0, 100, 10, 1.5), 'testDays'],
    ['parseSizing', () => parseSizing('risk-pct:150'), 'sizing'],
    ['parseSizing argument', () => parseSizing('fixed-shares:x'), 'sizing'],
    ['parseFillModel', () => parseFillModel('delay-midpoint:0'), 'fill'],
    ['getStrategy', () => getStrategy('nope'), 'strategy'],
    ['resolveStrategyParams', () => resolveStrategyParams(STRATEGIES['ibs-rsi'], { nope: 1 }), 'params'],
    ['parseParamsFlag', () => parseParamsFlag('rsiEntry'), 'params'],
    ['generateDemoMarket', () => generateDemoMarket({ seed: 1.5 }), 'seed'],
    ['capUniverse', () => capUniverse([{ symbol: 'A' }], 0), 'cap'],
    ['checkDateRange', () => checkDateRange('2020-01-02', '2020-01-01'), 'fromIso'],
  ];
  it.each(cases)('%s', (_name, f, param) => {
    const e = caught(f);
    expect(e.param).toBe(param);
    expect(e.flag).toBeUndefined();
    expect(`${e.message} ${e.hint ?? ''}`).not.toMatch(/(^|\s)--[a-z]/);
  });
});

describe('the command line maps parameters to flags', () => {
  it('fills in the flag of a mapped parameter and keeps everything else', () => {
    const e = usageError('NO_FOLDS', 'too short', { param: 'trainDays', value: 3, hint: 'shorten it' });
    const shown = withParamFlag(e);
    expect(shown.describe()).toBe('--train-days: too short [NO_FOLDS]\n  hint: shorten it');
    expect(shown.toJSON()).toMatchObject({ code: 'NO_FOLDS', kind: 'usage', flag: '--train-days', param: 'trainDays', hint: 'shorten it' });
    expect(shown.value).toBe(3);
  });

  it('leaves an error with a flag, without a parameter or with an unmapped one as it is', () => {
    const flagged = usageError('X', 'm', { flag: '--capital', param: 'initialCapital' });
    const plain = usageError('X', 'm');
    const internal = usageError('X', 'm', { param: 'genome' });
    for (const e of [flagged, plain, internal]) expect(withParamFlag(e)).toBe(e);
    expect(internal.describe()).toBe('genome: m [X]');
  });

  it('passes a name that already is a flag through, and maps only real flags', () => {
    expect(flagForParam('--challenger')).toBe('--challenger');
    expect(flagForParam('toString')).toBeUndefined();
    for (const flag of Object.values(PARAM_FLAGS)) expect(flag).toMatch(/^--[a-z][a-z0-9-]*$/);
    expect(withParamFlag(caught(() => isoDayFlag('2020-13-01', 'startIso'))).describe()).toMatch(/^startIso: /);
  });

  describe('end to end through main', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobe-param-flags-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('a walk-forward span shorter than one train window names --train-days, in text and JSON', async () => {
      const io = memoryIo(dir);
      const code = await main(['wf', '--start', '2023-01-01', '--train-days', '500', '--json'], io);
      expect(code).toBe(2);
      expect(io.err()).toMatch(/--train-days: the span has \d+ sessions, fewer than one train window \(500\)/);
      expect(JSON.parse(io.out()).error).toMatchObject({ code: 'NO_FOLDS', flag: '--train-days', param: 'trainDays' });
    });
  });
});
