import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Pages (HTML, CSS, browser JavaScript) live as files under `web/` at the package root, never in
 * TypeScript strings; TypeScript only fills data in. The folder sits two levels above this module
 * both in src/app (tests) and dist/app (the installed binary), so one path serves both.
 */
export function webPath(rel: string): string {
  return fileURLToPath(new URL(rel, new URL('../../web/', import.meta.url)));
}

export function readWebFile(rel: string): string {
  return readFileSync(webPath(rel), 'utf8');
}

const require = createRequire(import.meta.url);

/**
 * The chart library (uPlot, a small canvas chart built for time series) as its own built files
 * from node_modules, inlined into every report; nothing is fetched from a CDN.
 */
export function chartLibrary(): { readonly js: string; readonly css: string } {
  return { js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') };
}
