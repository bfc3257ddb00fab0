import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Report = (what: string, figure: string, target?: string) => void;

/**
 * The report of a real walk-forward (both strategies, every symbol, the whole span: one stitched
 * curve per strategy and all its trades), written by `kobe report` in its own process, then
 * opened from file:// in Chromium: time from navigation to every chart drawn, best of 5, against
 * a plain canvas loop in the same page drawing the same time series point by point, interleaved.
 */
export async function benchReportRender(root: string, work: string, workload: string, report: Report): Promise<void> {
  const bin = join(root, 'dist', 'cli', 'bin.js');
  const listed = spawnSync(process.execPath, [bin, 'runs', '--db', join(work, 'kobe.db'), '--json'], { cwd: work, encoding: 'utf8' });
  const runId = (JSON.parse(listed.stdout) as { runs: { runId: string; command: string }[] }).runs.find((r) => r.command === 'wf')?.runId;
  if (runId === undefined) throw new Error(`no wf run to report on: ${listed.stderr}`);
  const t0 = performance.now();
  const made = spawnSync(process.execPath, [bin, 'report', runId, '--db', join(work, 'kobe.db'), '--outdir', join(work, 'wf_outputs'), '--json'], { cwd: work, encoding: 'utf8' });
  const writeMs = performance.now() - t0;
  if (made.status !== 0) throw new Error(`kobe report failed: ${made.stderr}`);
  const file = (JSON.parse(made.stdout) as { file: string }).file;
  report(`kobe report of that wf run (${workload}), own process`, `${(writeMs / 1000).toFixed(3)} s wall, ${(statSync(file).size / 1e6).toFixed(1)} MB page`);

  const chromium = process.env.KOBE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    report('report render in Chromium', `skipped: no Chromium at ${chromium}`, 'target < 1 s');
    return;
  }
  const { chromium: driver } = await import('playwright-core');
  const browser = await driver.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = pathToFileURL(file).href;
    const render: number[] = [];
    const script: number[] = [];
    const plain: number[] = [];
    let charts = 0;
    let points = 0;
    for (let r = 0; r < 5; r++) {
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as any).document.body.dataset.rendered === 'true', null, { timeout: 30_000 });
      // performance.now() counts from the navigation: parse, inline scripts, every chart drawn.
      const m = await page.evaluate(() => ({ at: performance.now(), ...(globalThis as unknown as { kobeReport: { charts: number; renderMs: number } }).kobeReport }));
      render.push(m.at);
      script.push(m.renderMs);
      charts = m.charts;
      const p = await page.evaluate(() => {
        const data = JSON.parse((globalThis as any).document.getElementById('report-data')!.textContent!) as { sections: { type: string; series?: { values: (number | null)[] }[] }[] };
        const t = performance.now();
        let n = 0;
        for (const s of data.sections) {
          if (s.type !== 'timeseries') continue;
          const canvas = (globalThis as any).document.createElement('canvas');
          canvas.width = 1200;
          canvas.height = 280;
          (globalThis as any).document.body.append(canvas);
          const ctx = canvas.getContext('2d')!;
          for (const ser of s.series!) {
            let lo = Infinity;
            let hi = -Infinity;
            for (const v of ser.values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            ctx.beginPath();
            ser.values.forEach((v, i) => {
              if (v === null) return;
              const x = (i / (ser.values.length - 1)) * 1200;
              const y = 280 - ((v - lo) / (hi - lo || 1)) * 280;
              if (i === 0) ctx.moveTo(x, y);
              else ctx.lineTo(x, y);
              n++;
            });
            ctx.stroke();
          }
          ctx.getImageData(0, 0, 1, 1); // forces the drawing to happen inside the timing
        }
        return { ms: performance.now() - t, n };
      });
      plain.push(p.ms);
      points = p.n;
    }
    const best = Math.min(...render);
    report(
      `report render in Chromium from file:// (${charts} charts, ${points} time-series points)`,
      `${(best / 1000).toFixed(3)} s to every chart drawn (script ${(Math.min(...script) / 1000).toFixed(3)} s; best of 5, wall)`,
      'target < 1 s',
    );
    report('plain canvas polyline of the same time series (reference)', `${(Math.min(...plain) / 1000).toFixed(3)} s; report script ${(Math.min(...script) / Math.min(...plain)).toFixed(1)}x it`);
  } finally {
    await browser.close();
  }
}
