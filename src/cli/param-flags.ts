import { KobeError } from '../core/errors.js';

/**
 * Libraries name the parameter at fault (`KobeError.param`: `trainDays`, `sizing`); the user
 * typed a flag. This table is where the command line maps one to the other when it prints an
 * error. Only parameters a flag sets are listed: an error about any other parameter (`genome`)
 * shows the parameter name.
 */
export const PARAM_FLAGS: Readonly<Record<string, string>> = {
  strategy: '--strategy',
  params: '--params',
  sizing: '--sizing',
  fill: '--fill',
  trainDays: '--train-days',
  testDays: '--test-days',
  cap: '--cap',
  seed: '--seed',
  symbols: '--symbols',
  provider: '--provider',
  fromIso: '--from',
  toIso: '--to',
};

/**
 * The flag for a library parameter, or undefined when no flag sets it. A name that already is a
 * flag (`--challenger`: a command passing its own flag as the parameter name, for a library
 * function that several flags feed) is returned as it is.
 */
export function flagForParam(param: string): string | undefined {
  if (param.startsWith('--')) return param;
  return Object.hasOwn(PARAM_FLAGS, param) ? PARAM_FLAGS[param] : undefined;
}

/** The error as the command line shows it: `flag` filled in from `param` when a flag sets it. */
export function withParamFlag(e: KobeError): KobeError {
  if (e.flag !== undefined || e.param === undefined) return e;
  const flag = flagForParam(e.param);
  if (flag === undefined) return e;
  const shown = new KobeError(e.code, e.message, {
    kind: e.kind,
    file: e.file,
    line: e.line,
    flag,
    param: e.param,
    value: e.value,
    hint: e.hint,
    cause: e.cause,
  });
  shown.stack = e.stack;
  return shown;
}
