import { morningReportData, type MorningInput, type MorningScan } from '../../report/daily-morning-report.js';
import { marketCaveats } from '../../report/manifest-block.js';
import { writeFileAtomic } from '../artifacts.js';
import { renderReportHtml } from '../report/render-html.js';
import type { ScanResult } from './run-scan.js';

/**
 * What the morning page shows of a scan. Only what the scan decided: the model file's path and
 * the files it wrote depend on the folder it ran in, so they stay out and the same scan gives the
 * same page wherever it runs.
 */
export function morningScan(r: ScanResult): MorningScan {
  return {
    date: r.date,
    strategies: r.strategies,
    rosterNote: r.rosterNote,
    modelReason: r.modelReason,
    signals: r.signals,
    top: r.top,
    tradeOfDay: r.tradeOfDay,
    inputsHash: r.inputsHash,
    historyBars: r.historyBars,
  };
}

/** The morning report of a scan with nothing beside it: `kobe scan --report`. */
export function standaloneMorningInput(r: ScanResult): MorningInput {
  return { tradingDate: null, replay: false, scan: morningScan(r), universe: { ...r.universe, synthetic: r.synthetic }, dataCheck: null, challenger: null, submit: null };
}

/** The morning page, self-contained HTML, written atomically. */
export function writeMorningPage(file: string, input: MorningInput): void {
  writeFileAtomic(file, renderReportHtml(morningReportData(input, marketCaveats(input.universe.synthetic))));
}
