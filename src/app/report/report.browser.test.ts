import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import type { ReportData } from '../../report/report-data.js';
import { renderReportHtml } from './render-html.js';
import { launchBrowser, screenshot, skipWithoutBrowser, watchPageErrors, type BrowserSession } from '../../test-support/browser.js';

/**
 * A report opened from the file system in real Chromium draws every chart, asks the network for
 * nothing, and logs no error: the self-contained promise, checked where a user would open it.
 */
const skip = skipWithoutBrowser('report pages');

describe.skipIf(skip)('report.html from file:// in Chromium', () => {
  let dir: string;
  let session: BrowserSession;
  const reports: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kobe-report-browser-'));
    const run = async (args: string[]) => {
      const io = memoryIo(dir);
      const code = await main(args, io);
      expect(code, io.err()).toBe(0);
      return JSON.parse(io.out()) as { report: string };
    };
    const small = ['--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31'];
    reports.wf = (await run(['wf', ...small, '--report', '--json'])).report;
    reports.simulate = (await run(['simulate', '--strategy', 'ibs-rsi,turtle-soup', ...small, '--monte-carlo', '300', '--stress', '--report', '--json'])).report;
    session = await launchBrowser();
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws one section of every type the report data has (a page script that skips one fails here)', async () => {
    const data: ReportData = {
      kind: 'test',
      title: 'every section type',
      subtitle: 'drawn from a hand-made data block',
      manifest: null,
      caveats: [],
      sections: [
        { type: 'heading', title: 'heading', text: 'text' },
        { type: 'notes', title: 'notes', items: ['one', 'two'] },
        { type: 'tiles', title: 'tiles', tiles: [{ label: 'a', value: 0.1, format: 'pct', state: 'pass' }, { label: 'b', value: null, format: 'usd', note: 'why' }] },
        { type: 'table', title: 'table', columns: [{ key: 'k', label: 'k', format: 'text' }], rows: [{ k: 'v' }] },
        { type: 'timeseries', title: 'timeseries', dates: ['2020-01-02', '2020-01-03', '2020-01-06'], series: [{ label: 'x', values: [1, null, 3] }], yFormat: 'usd', logToggle: true },
        { type: 'histogram', title: 'histogram', edges: [0, 1, 2], counts: [3, 4], xFormat: 'num', xLabel: 'x', marker: { at: 1, label: 'm' } },
        { type: 'heatmap', title: 'heatmap', rowLabels: ['2020'], colLabels: ['Jan', 'Year'], cells: [[0.01, 0.01]], format: 'pct' },
        { type: 'bars', title: 'bars', labels: ['AAA', 'BBB'], values: [120, -40], format: 'usd' },
        { type: 'scatter', title: 'scatter', xLabel: 'x', yLabel: 'y', xFormat: 'num', yFormat: 'num', points: [{ x: 2, y: 1, label: 'p' }, { x: 1, y: 2, label: 'q', highlight: true }] },
        { type: 'lines', title: 'lines', x: [0, 1, 2], xLabel: 'n', series: [{ label: 'lo', values: [1, 2, 3] }, { label: 'hi', values: [2, 3, 4] }], yFormat: 'num', bands: [[0, 1]] },
      ],
    };
    const file = join(dir, 'every-section.html');
    writeFileSync(file, renderReportHtml(data));
    const page = await session.browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as any).document.body.dataset.rendered === 'true', null, { timeout: 15_000 });
    const drawn = await page.evaluate(() => ({
      sections: (globalThis as any).document.querySelectorAll('#report > .section').length,
      canvases: (globalThis as any).document.querySelectorAll('.chart canvas').length,
      cannot: (globalThis as any).document.querySelectorAll('#report .error').length,
    }));
    expect(drawn).toEqual({ sections: data.sections.length, canvases: 5, cannot: 0 });
    await screenshot(page, 'report-every-section');
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const kind of ['wf', 'simulate'] as const) {
    it(`${kind}: every chart section has its canvas, no console error, no request but the file`, async () => {
      const context = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors = watchPageErrors(page);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(reports[kind]).href;
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as any).document.body.dataset.rendered === 'true', null, { timeout: 15_000 });
      const state = await page.evaluate(() => {
        const r = (globalThis as unknown as { kobeReport: { charts: number; sections: number } }).kobeReport;
        return {
          ...r,
          chartBoxes: (globalThis as any).document.querySelectorAll('.chart').length,
          canvases: (globalThis as any).document.querySelectorAll('.chart canvas').length,
          heatCells: (globalThis as any).document.querySelectorAll('table.heatmap td').length,
          tiles: (globalThis as any).document.querySelectorAll('.tile').length,
          runId: (globalThis as any).document.querySelector('[data-field="run id"]')?.textContent,
        };
      });
      expect(state.charts).toBeGreaterThan(4);
      expect(state.chartBoxes).toBe(state.charts);
      expect(state.canvases).toBe(state.charts);
      expect(state.heatCells).toBeGreaterThan(12);
      expect(state.tiles).toBeGreaterThan(10);
      expect(state.runId).toMatch(/^[0-9a-f]{16}$/);
      // A chart that drew something has non-blank pixels.
      const inked = await page.evaluate(() => {
        const c = (globalThis as any).document.querySelector('.chart canvas') as any;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      });
      expect(inked).toBeGreaterThan(1000);
      // The log-scale toggle redraws the equity chart in place.
      await page.locator('[data-log-toggle]').first().check();
      expect(await page.evaluate(() => (globalThis as any).document.querySelectorAll('.chart canvas').length)).toBe(state.charts);
      await screenshot(page, `report-${kind}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      await context.close();
    });
  }
});
