import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels above both src/app and dist/app). */
export const KOBE_VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
})();
