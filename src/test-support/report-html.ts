import { readFileSync } from 'node:fs';
import type { ReportData, Section } from '../report/report-data.js';

/** The data block a report page carries (what its script draws), parsed back. */
export function reportDataOf(fileOrHtml: string): ReportData {
  const html = fileOrHtml.startsWith('<') ? fileOrHtml : readFileSync(fileOrHtml, 'utf8');
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (m === null) throw new Error('no report-data block in the page');
  return JSON.parse(m[1]) as ReportData;
}

export function sectionsOf<T extends Section['type']>(data: ReportData, type: T): Extract<Section, { type: T }>[] {
  return data.sections.filter((s): s is Extract<Section, { type: T }> => s.type === type);
}
