import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Browser tests run in Debian's Chromium (`apt-get install -y chromium`) driven by playwright-core.
 * Without the binary they skip with a warning, unless KOBE_REQUIRE_BROWSER=1 (CI), where the test
 * file fails instead, as the PostgreSQL and real-data tests do.
 */
export const CHROMIUM = process.env.KOBE_CHROMIUM ?? '/usr/bin/chromium';
export const REQUIRE_BROWSER = process.env.KOBE_REQUIRE_BROWSER === '1';

/** Screenshots land here (ignored by git), so a failed run in CI can be looked at. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

export function skipWithoutBrowser(label: string): boolean {
  if (existsSync(CHROMIUM)) return false;
  if (REQUIRE_BROWSER) throw new Error(`${label}: KOBE_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`${label}: SKIPPING the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium; KOBE_REQUIRE_BROWSER=1 makes this a failure)`);
  return true;
}

export interface BrowserSession {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless (playwright gives each launch a fresh profile), sandbox off (tests run as root), and with every background connection off: this
 * machine reaches no outside host, and Chromium's own update and sync calls would only add noise.
 */
export async function launchBrowser(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

/** Collects what a page reports as broken: console errors and uncaught exceptions. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
