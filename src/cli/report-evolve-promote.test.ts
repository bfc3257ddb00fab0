import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData, Section } from '../report/report-data.js';
import { memoryIo } from './io.js';
import { main } from './main.js';

/**
 * `kobe evolve --report`, `kobe promote --report` and `kobe report RUN_ID` on the demo market:
 * the report's embedded data must agree with the run's own artifacts and --json output.
 */
let dir: string;
async function kobe(args: string[]) {
  const io = memoryIo(dir);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** The report data a page embeds (the block the page script draws). */
function embedded(file: string): ReportData {
  const html = readFileSync(file, 'utf8');
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m, `${file} has no report-data block`).not.toBeNull();
  return JSON.parse(m![1]) as ReportData;
}
const of = <T extends Section['type']>(d: ReportData, type: T, title: RegExp) => {
  const s = d.sections.find((x) => x.type === type && title.test(x.title));
  expect(s, `${type} ${title}`).toBeDefined();
  return s as Extract<Section, { type: T }>;
};
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

interface Scored {
  fingerprint: string;
  fitness: number | null;
  objectives: { sharpe: number; maxDrawdown: number } | null;
}

let evolve: { runId: string; outDir: string; report: string; best: Scored & { oos: { sharpe: number; trades: number } }; generations: { best: number | null; median: number | null }[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kobe-report-evopro-'));
  const r = await kobe(['evolve', '--strategy', 'ibs-rsi', '--cap', '20', '--start', '2016-01-01', '--end', '2021-12-31', '--min-train-trades', '3', '--generations', '3', '--population', '8', '--workers', '1', '--report', '--json']);
  expect(r.code, r.err).toBe(0);
  evolve = JSON.parse(r.out);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evolve reports', () => {
  it('kobe evolve --report writes report.html in the run folder, agreeing with the artifacts', () => {
    expect(evolve.report).toBe(join(evolve.outDir, 'report.html'));
    const d = embedded(evolve.report);
    expect(d.kind).toBe('evolve');
    expect(d.manifest?.runId).toBe(evolve.runId);
    expect(d.caveats[0]).toMatch(/synthetic/);

    // Fitness by generation: best and median as the search summarised them, worst from each population file.
    const lines = of(d, 'lines', /Fitness by generation/);
    expect(lines.x).toEqual([0, 1, 2]);
    expect(lines.series[0].values).toEqual(evolve.generations.map((g) => g.best));
    expect(lines.series[1].values).toEqual(evolve.generations.map((g) => g.median));
    const worst = [0, 1, 2].map((g) => {
      const fit = readJson<Scored[]>(join(evolve.outDir, `population_gen_0${g}.json`)).map((s) => s.fitness).filter((f): f is number => f !== null);
      return fit.length === 0 ? null : Math.min(...fit);
    });
    expect(lines.series[2].values).toEqual(worst);

    // The Pareto front, every genome of pareto.json, the best one highlighted.
    const pareto = readJson<Scored[]>(join(evolve.outDir, 'pareto.json'));
    const scatter = of(d, 'scatter', /Sharpe against max drawdown/);
    expect(scatter.points.map((p) => [p.x, p.y]).sort()).toEqual(pareto.map((g) => [g.objectives!.maxDrawdown, g.objectives!.sharpe]).sort());
    const high = scatter.points.filter((p) => p.highlight);
    expect(high).toHaveLength(1);
    expect(high[0].label.startsWith(evolve.best.fingerprint.slice(0, 12))).toBe(true);

    // The lineage, as lineage_best.json, newest first.
    const lineage = readJson<{ fingerprint: string; generation: number; operator: string }[]>(join(evolve.outDir, 'lineage_best.json'));
    const table = of(d, 'table', /Lineage/);
    expect(table.rows.map((r) => [r.generation, r.fingerprint, r.operator])).toEqual(lineage.map((l) => [l.generation, l.fingerprint.slice(0, 12), l.operator]));
    expect(table.rows[0].fitness).toBe(evolve.best.fitness);

    // The best genome's out-of-sample metrics.
    const tiles = of(d, 'tiles', /Best genome: out-of-sample metrics/).tiles;
    expect(tiles.find((t) => t.label === 'Sharpe')?.value).toBe(evolve.best.oos.sharpe);
    expect(tiles.find((t) => t.label === 'Trades')?.value).toBe(evolve.best.oos.trades);
    expect(of(d, 'table', /Search settings/).rows.find((r) => r.setting === 'population')?.value).toBe('8');
  });

  it('kobe report RUN_ID (a prefix) writes the same page for an evolve run', async () => {
    const before = readFileSync(evolve.report, 'utf8');
    rmSync(evolve.report);
    const r = await kobe(['report', evolve.runId.slice(0, 8), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ runId: evolve.runId, command: 'evolve', file: evolve.report });
    expect(readFileSync(evolve.report, 'utf8')).toBe(before);
  });

  it('a lost population file is an input error naming it', async () => {
    const lost = join(evolve.outDir, 'population_gen_01.json');
    const keep = readFileSync(lost, 'utf8');
    rmSync(lost);
    try {
      const r = await kobe(['report', evolve.runId]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/population_gen_01\.json is missing/);
    } finally {
      writeFileSync(lost, keep);
    }
  });
});

describe('promote runs and reports', () => {
  const LOOSE = ['--min-sharpe', '-100', '--min-pf', '0', '--min-trades', '0', '--min-dsr', '0', '--max-pbo', '1'];
  let page: string;
  let promote: {
    runId: string;
    report: string;
    candidate: string;
    verdict: string;
    gates: { code: string; ok: boolean; measured: number | null }[];
    deflatedSharpe: { dsr: number | null; perPeriodSharpe: number | null; nObs: number; trialCount: number; trialSharpeVariance: number; skew: number | null; kurtosis: number | null };
    pbo: { pbo: number | null; combinations: number; logits: { logit: number; combinations: number }[] };
    oos: { totalReturnFrac: number; sharpe: number };
  };

  it('kobe promote --report records a run and writes its report, agreeing with its --json result and artifacts', async () => {
    const r = await kobe(['promote', evolve.runId, '--min-sharpe', '50', '--report', '--json']);
    expect(r.code, r.err).toBe(3);
    promote = JSON.parse(r.out);
    expect(promote.verdict).toBe('rejected');
    const folder = join(dir, 'wf_outputs', 'promote', promote.runId);
    expect(promote.report).toBe(join(folder, 'report.html'));
    expect(readdirSync(folder).sort()).toEqual(['equity_curve.csv', 'manifest.json', 'report.html', 'summary.json', 'trade_list.csv']);
    const { report: _report, ...result } = promote as typeof promote & { report: string };
    expect(readJson(join(folder, 'summary.json'))).toEqual(result);
    expect(readJson<{ command: string; run: { candidate: string; source: { runId: string }; gates: { minOosSharpe: number } } }>(join(folder, 'manifest.json'))).toMatchObject({
      command: 'promote',
      run: { candidate: promote.candidate, source: { runId: evolve.runId }, gates: { minOosSharpe: 50 } },
    });

    page = readFileSync(promote.report, 'utf8');
    const d = embedded(promote.report);
    expect(d.kind).toBe('promote');
    expect(d.manifest?.runId).toBe(promote.runId);
    const gateTiles = of(d, 'tiles', /^Gates$/).tiles;
    expect(gateTiles.map((t) => [t.value, t.state])).toEqual(promote.gates.map((g) => [g.measured, g.ok ? 'pass' : 'fail']));
    expect(gateTiles[0].state).toBe('fail');
    expect(of(d, 'table', /Gates: value, threshold/).rows.map((x) => x.result)).toEqual(promote.gates.map((g) => (g.ok ? 'pass' : 'FAIL')));

    const dsr = of(d, 'tiles', /Deflated Sharpe Ratio and its inputs/).tiles;
    const v = (label: string) => dsr.find((t) => t.label === label)?.value;
    const ds = promote.deflatedSharpe;
    expect([v('Deflated Sharpe Ratio'), v('Observed Sharpe (per session)'), v('Sessions (returns)'), v('Trials (N)'), v('Trial Sharpe variance (V)'), v('Skew'), v('Kurtosis')]).toEqual([
      ds.dsr, ds.perPeriodSharpe, ds.nObs, ds.trialCount, ds.trialSharpeVariance, ds.skew, ds.kurtosis,
    ]);

    // Every CSCV combination in the histogram; those left of the marker at 0 are PBO's share.
    const h = of(d, 'histogram', /PBO: logit/);
    expect(h.marker?.at).toBe(0);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(promote.pbo.combinations);
    const atOrBelowZero = promote.pbo.logits.filter((l) => l.logit <= 0).reduce((a, l) => a + l.combinations, 0);
    expect(atOrBelowZero / promote.pbo.combinations).toBe(promote.pbo.pbo);
    expect(of(d, 'tiles', /Probability of backtest overfitting/).tiles[0].value).toBe(promote.pbo.pbo);

    // The candidate's replayed equity ends where its out-of-sample return says.
    const equity = of(d, 'timeseries', /Candidate out of sample: equity/).series[0].values as number[];
    const csv = readFileSync(join(folder, 'equity_curve.csv'), 'utf8').trim().split('\n');
    expect(equity).toHaveLength(csv.length - 1);
    expect(equity[equity.length - 1]).toBe(Number(csv[csv.length - 1].split(',')[1]));
    expect(equity[equity.length - 1] / (d.manifest!.engine as { initialCapitalUsd: number }).initialCapitalUsd - 1).toBeCloseTo(promote.oos.totalReturnFrac, 5);
  });

  it('kobe runs lists the promotion; the same candidate and gates again are the same run', async () => {
    const listed = (await kobe(['runs', '--json'])).out;
    const runs = JSON.parse(listed).runs as { runId: string; command: string; strategies: string[]; metrics: { strategy: string; sharpe: number | null }[] }[];
    const row = runs.find((x) => x.runId === promote.runId)!;
    expect(row).toMatchObject({ command: 'promote', strategies: ['ibs-rsi'] });
    expect(row.metrics[0]).toMatchObject({ strategy: `rejected ${promote.candidate.slice(0, 12)}`, sharpe: promote.oos.sharpe });
    const text = await kobe(['runs']);
    expect(text.out).toContain(`ibs-rsi: rejected ${promote.candidate.slice(0, 12)}`);

    const again = await kobe(['promote', evolve.runId, '--min-sharpe', '50', '--json']);
    expect(again.code).toBe(3);
    expect(JSON.parse(again.out).runId).toBe(promote.runId);
    const other = await kobe(['promote', evolve.runId, ...LOOSE, '--json']);
    expect(other.code, other.err).toBe(0);
    expect(JSON.parse(other.out).runId).not.toBe(promote.runId);
    const after = JSON.parse((await kobe(['runs', '--json'])).out).runs as { command: string }[];
    expect(after.filter((x) => x.command === 'promote')).toHaveLength(2);
    // --review judges the roster, records no run.
    expect((await kobe(['promote', '--review', '--json'])).code).toBe(0);
    expect((JSON.parse((await kobe(['runs', '--json'])).out).runs as { command: string }[]).filter((x) => x.command === 'promote')).toHaveLength(2);
  });

  it('kobe report RUN_ID writes the page --report wrote for a promote run', async () => {
    // The rerun above replaced the run's folder (same run id), without a report this time.
    expect(existsSync(promote.report)).toBe(false);
    const r = await kobe(['report', promote.runId]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/report of promote run/);
    expect(readFileSync(promote.report, 'utf8')).toBe(page);
  });
});
