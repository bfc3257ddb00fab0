import { readFileSync } from 'node:fs';
import type { ReportData, Section } from '../report/report-data.js';

/** The report data a written page embeds (its `<script type="application/json" id="report-data">` block). */
export function reportDataOf(file: string): ReportData {
  const html = readFileSync(file, 'utf8');
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (m === null) throw new Error(`${file} has no report-data block`);
  return JSON.parse(m[1]) as ReportData;
}

/** The section of `type` titled `title` (a test failure lists the titles there are). */
export function sectionOf<T extends Section['type']>(data: ReportData, type: T, title: string | RegExp): Extract<Section, { type: T }> {
  const hit = data.sections.find((s) => s.type === type && (typeof title === 'string' ? s.title === title : title.test(s.title)));
  if (hit === undefined) throw new Error(`no ${type} section titled ${String(title)}; there are: ${data.sections.map((s) => `${s.type} "${s.title}"`).join(', ')}`);
  return hit as Extract<Section, { type: T }>;
}
