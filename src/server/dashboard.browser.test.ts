import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFreshDist } from '../test-support/build-dist.js';
import { launchBrowser, screenshot, skipWithoutBrowser, watchPageErrors, type BrowserSession } from '../test-support/browser.js';
import { removeDir, startTestServer } from '../test-support/serve-harness.js';

/**
 * The dashboard in real Chromium against a real `kobe serve`: Empty, Run, Running with progress,
 * Completed with tiles, all in one page load; and a job that fails for real (a corrupt CSV in
 * the data folder) showing Error with its message and the last good run.
 */
const skip = skipWithoutBrowser('dashboard browser tests');
let session: BrowserSession | null = null;
const dirs: string[] = [];

beforeAll(async () => {
  if (skip) return;
  requireFreshDist();
  session = await launchBrowser();
});
afterAll(async () => {
  await session?.close();
  dirs.forEach(removeDir);
});

/** Counts main-frame navigations: a page that redraws in place stays at its first. */
function countNavigations(page: Page): () => number {
  let n = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) n++;
  });
  return () => n;
}

async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip)('the dashboard', () => {
  it('Empty -> Run -> Running with progress -> Completed with tiles, without a reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobe-dash-'));
    dirs.push(dir);
    const hold = join(dir, 'hold');
    const server = await startTestServer({ dir, env: { KOBE_TEST_HOLD_BACKTEST: hold } });
    const page = await session!.browser.newPage();
    const errors = watchPageErrors(page);
    const navigations = countNavigations(page);
    try {
      await page.goto(server.url);
      await page.locator('#backtest[data-state="empty"]').waitFor();
      expect(await page.locator('#state-empty').innerText()).toContain('No runs yet');
      expect(await page.locator('#job-badge').innerText()).toBe('no runs yet');
      expect(await page.locator('#roster-empty').isVisible()).toBe(true);
      expect(await page.locator('#audit').getAttribute('data-ok')).toBe('missing');
      await screenshot(page, 'dashboard-empty');

      await page.getByRole('button', { name: 'Run backtest' }).click();
      await page.locator('#backtest[data-state="running"]').waitFor();
      expect(await page.locator('#run-button').isDisabled()).toBe(true);
      // The job holds after its first strategy; the next poll shows it finished, with its tile.
      await waitForFile(`${hold}.reached`);
      await page.locator('#progress[data-strategies-done="1"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('#progress').innerText()).toMatch(/running: \d+\/\d+ splits, 1\/2 strategies/);
      await page.locator('#finished .tile[data-strategy="ibs-rsi"]').waitFor();
      expect(await page.locator('#finished .tile').count()).toBe(1);
      await screenshot(page, 'dashboard-running');

      writeFileSync(hold, '');
      await page.locator('#backtest[data-state="completed"]').waitFor({ timeout: 15_000 });
      const tiles = page.locator('#tiles .tile');
      expect(await tiles.count()).toBe(2);
      expect(await tiles.evaluateAll((ts) => ts.map((t) => t.getAttribute('data-strategy')))).toEqual(['ibs-rsi', 'turtle-soup']);
      const latest = (await server.get('/api/backtests/latest')).body;
      const trades = await page.locator('#tiles .tile[data-strategy="ibs-rsi"] dd[data-metric="trades"]').innerText();
      expect(Number(trades)).toBe(latest.strategies['ibs-rsi'].metrics.trades);
      expect(await page.locator('#tiles .tile[data-strategy="ibs-rsi"] .tag').getAttribute('data-qualified')).toBe(String(latest.strategies['ibs-rsi'].qualified));
      expect(await page.locator('#job-badge').innerText()).toBe('completed');
      // The history selector and the runs list caught up with the new run.
      await page.locator('#history option[value^="20"]').waitFor({ state: 'attached' });
      expect(await page.locator('#history').inputValue()).toMatch(/^\d{4}-W\d{2}$/);
      await page.locator('#history-tiles .tile').first().waitFor();
      const link = page.locator(`#runs a[href="/reports/${latest.run_id}"]`);
      await link.waitFor();
      await screenshot(page, 'dashboard-completed');

      expect(navigations()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('a job that fails shows Error with its message and the last good run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kobe-dash-'));
    dirs.push(dir);
    // A good run first (the demo market), then the server again on a folder with a corrupt CSV.
    const good = await startTestServer({ dir });
    await good.post('/api/backtests/run', {});
    await good.waitForStatus((s) => s.state === 'completed');
    await good.close();
    mkdirSync(join(dir, 'bad-data'));
    writeFileSync(join(dir, 'bad-data', 'aapl.csv'), 'Date,Open,High,Low,Close,Volume\n2022-01-03,1,2,0.5,1.5,100\n2022-01-04,abc,2,0.5,1.5,100\n');
    const server = await startTestServer({ dir, market: { dataDir: 'bad-data', onBadData: 'fail' } });
    const page = await session!.browser.newPage();
    const errors = watchPageErrors(page);
    const navigations = countNavigations(page);
    try {
      await page.goto(server.url);
      await page.locator('#backtest[data-state="completed"]').waitFor();
      await page.getByRole('button', { name: 'Run backtest' }).click();
      await page.locator('#backtest[data-state="error"]').waitFor({ timeout: 15_000 });
      const message = await page.locator('#error-message').innerText();
      expect(message).toContain('aapl.csv:3');
      expect(message).toContain("'abc' is not a number");
      await page.locator('#last-good .tile').first().waitFor();
      expect(await page.locator('#last-good .tile').count()).toBe(2);
      expect(await page.locator('#last-good-meta').innerText()).toContain('generated');
      expect(await page.locator('#job-badge').innerText()).toBe('error');
      expect(await page.locator('#run-button').isDisabled()).toBe(false);
      await screenshot(page, 'dashboard-error');
      expect(navigations()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
