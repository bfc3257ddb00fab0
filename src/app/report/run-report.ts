import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inputError } from '../../core/errors.js';
import { dataCaveats, reportManifest } from '../../report/manifest-block.js';
import type { ReportData } from '../../report/report-data.js';
import { evolveSections } from '../../report/evolve-report.js';
import { promoteSections } from '../../report/promote-report.js';
import { wfSections } from '../../report/wf-report.js';
import { writeFileAtomic } from '../artifacts.js';
import type { AppContext } from '../context.js';
import type { Manifest } from '../manifest.js';
import { findRecordedRun } from '../runs.js';
import { readJsonArtifact } from './artifact-files.js';
import { readEvolveRun } from './evolve-source.js';
import { readPromoteRun } from './promote-source.js';
import { renderReportHtml } from './render-html.js';
import { DEFAULT_REPORT_RISK, replaySimulation, simulateReportData, type RiskSettings } from './simulate-report.js';
import { readWfRun } from './wf-source.js';

/** Where a run's report goes: beside its artifacts (wf: `<outDir>/<id>/`, evolve: `<outDir>/evolve/<id>/`, others by command). */
export function runFolder(command: string, outDir: string, runId: string): string {
  return command === 'wf' ? join(outDir, runId) : join(outDir, command, runId);
}

/** Report data of a recorded run by its command, from its folder of artifacts and its manifest. */
const REPORTS: Readonly<Record<string, (folder: string, manifest: Manifest) => ReportData>> = {
  wf: (folder, manifest) => wfReportData(folder, manifest),
  evolve: (folder, manifest) => evolveReportData(folder, manifest),
  promote: (folder, manifest) => promoteReportData(folder, manifest),
};

/**
 * The report of a run just written, from its folder alone (`--report` on a command): the same
 * page `kobe report RUN_ID` makes, since both read the manifest as recorded, not as built.
 */
export function writeFolderReport(command: string, folder: string): string {
  const manifest = readJsonArtifact<Manifest>(join(folder, 'manifest.json'), 'the run folder is incomplete: run the command again');
  return writeReportFile(folder, REPORTS[command](folder, manifest));
}

export interface RunReportSpec {
  /** A run id or a unique prefix of one. */
  readonly runId: string;
  readonly db: string;
  readonly outDir: string;
  /** Where the data is now, when a replayed run's folder moved (simulate reports replay). */
  readonly dataDir?: string | null;
  /** Resampling of a simulation report (default DEFAULT_REPORT_RISK). */
  readonly risk?: RiskSettings;
}

export interface WrittenReport {
  readonly runId: string;
  readonly command: string;
  readonly file: string;
  readonly sections: number;
}

/** A report written as `report.html` in `folder`, atomically (a reader never sees half a page). */
export function writeReportFile(folder: string, data: ReportData): string {
  const file = join(folder, 'report.html');
  writeFileAtomic(file, renderReportHtml(data));
  return file;
}

export function wfReportData(runDir: string, manifest: Manifest): ReportData {
  const strategies = readWfRun(runDir, manifest);
  return {
    kind: 'wf',
    title: `Walk-forward: ${strategies.map((s) => s.strategy).join(', ')}`,
    subtitle: `run ${manifest.runId}, ${manifest.data.start} .. ${manifest.data.end}, ${manifest.data.symbols.length} symbols, out of sample only`,
    manifest: reportManifest(manifest),
    caveats: dataCaveats(manifest),
    sections: wfSections(strategies),
  };
}

export function evolveReportData(runDir: string, manifest: Manifest): ReportData {
  const input = readEvolveRun(runDir, manifest);
  const { settings } = input;
  const space = settings.space.kind === 'rules' ? 'free rules' : `${settings.space.strategy} parameters`;
  return {
    kind: 'evolve',
    title: `Evolve: ${space}`,
    subtitle: `run ${manifest.runId}, ${settings.generations} generations of ${settings.ga.population}, seed ${settings.ga.seed}, ${manifest.data.start} .. ${manifest.data.end}, ${manifest.data.symbols.length} symbols, fitness out of sample (walk-forward)`,
    manifest: reportManifest(manifest),
    caveats: dataCaveats(manifest),
    sections: evolveSections(input),
  };
}

export function promoteReportData(runDir: string, manifest: Manifest): ReportData {
  const input = readPromoteRun(runDir, manifest);
  const r = input.result;
  return {
    kind: 'promote',
    title: `Promotion: ${r.verdict}, ${r.text.length > 60 ? `${r.text.slice(0, 57)}...` : r.text}`,
    subtitle: `run ${manifest.runId}, candidate ${r.candidate} from ${String(r.source.kind)} run ${String(r.source.runId)}, ${manifest.data.start} .. ${manifest.data.end}, ${manifest.data.symbols.length} symbols, judged out of sample`,
    manifest: reportManifest(manifest),
    caveats: dataCaveats(manifest),
    sections: promoteSections(input),
  };
}

/**
 * `kobe report RUN_ID`: the report of any recorded run, from the run registry and the run's
 * artifacts, written beside them. The run's rows say what it was; its files hold the curves.
 */
export async function writeRunReport(spec: RunReportSpec, ctx: AppContext): Promise<WrittenReport> {
  const row = findRecordedRun(spec.runId, spec.db, ctx);
  const manifest = JSON.parse(row.manifestJson) as Manifest;
  const folder = runFolder(row.command, resolve(ctx.cwd, spec.outDir), row.runId);
  if (row.command === 'simulate') {
    // A simulation keeps no artifacts: its report replays it from the manifest (checked).
    const { result, options } = await replaySimulation(manifest, row.summaryJson, ctx, spec.dataDir ?? null);
    const data = simulateReportData(manifest, result, spec.risk ?? DEFAULT_REPORT_RISK, options);
    return { runId: row.runId, command: row.command, file: writeReportFile(folder, data), sections: data.sections.length };
  }
  const build = Object.hasOwn(REPORTS, row.command) ? REPORTS[row.command] : undefined;
  if (build === undefined) throw inputError('REPORT_UNSUPPORTED', `run ${row.runId} is a ${row.command} run: no report is made for that kind`, { value: row.runId });
  if (!existsSync(folder)) {
    throw inputError('RUN_FOLDER_MISSING', `run ${row.runId} is recorded in ${spec.db} but its folder ${folder} is missing`, {
      file: folder,
      hint: `name the ${ctx.param('outDir')} the run wrote to, or run it again (same flags, same run id)`,
    });
  }
  const data = build(folder, manifest);
  const file = writeReportFile(folder, data);
  return { runId: row.runId, command: row.command, file, sections: data.sections.length };
}
