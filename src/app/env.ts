import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { usageError } from '../core/errors.js';
import { registerSecrets, secretEnvValues } from '../core/redact.js';

/**
 * Environment from the process plus a dotenv file (the process wins, as dotenv does). A file
 * named explicitly (`explicit`) must exist; the default one may be missing. Secrets found in it
 * are registered for redaction at once. `param` names the `dotenvPath` parameter in errors.
 */
export function resolveEnv(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  dotenvPath: string,
  explicit: boolean,
  param: (name: string) => string = (n) => n,
): Record<string, string | undefined> {
  const path = isAbsolute(dotenvPath) ? dotenvPath : join(cwd, dotenvPath);
  if (!existsSync(path)) {
    if (explicit) throw usageError('NO_DOTENV', `no such file: ${path}`, { flag: param('dotenv'), value: dotenvPath });
    return { ...env };
  }
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (e) {
    throw usageError('DOTENV_NOT_READABLE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      flag: param('dotenv'),
      value: dotenvPath,
      hint: `point ${param('dotenv')} at a readable KEY=value file`,
    });
  }
  const merged = { ...parseDotenv(text), ...env };
  registerSecrets(secretEnvValues(merged));
  return merged;
}
