import { readFileSync } from 'node:fs';
import type { ReportData, Section } from '../report/report-data.js';

/** The report data a written page (a file, or its HTML) embeds: its `<script type="application/json" id="report-data">` block. */
export function reportDataOf(fileOrHtml: string): ReportData {
  const isHtml = fileOrHtml.startsWith('<');
  const html = isHtml ? fileOrHtml : readFileSync(fileOrHtml, 'utf8');
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (m === null) throw new Error(`${isHtml ? 'the page' : fileOrHtml} has no report-data block`);
  return JSON.parse(m[1]) as ReportData;
}

export function sectionsOf<T extends Section['type']>(data: ReportData, type: T): Extract<Section, { type: T }>[] {
  return data.sections.filter((s): s is Extract<Section, { type: T }> => s.type === type);
}

/** The section of `type` titled `title` (a test failure lists the titles there are). */
export function sectionOf<T extends Section['type']>(data: ReportData, type: T, title: string | RegExp): Extract<Section, { type: T }> {
  const hit = data.sections.find((s) => s.type === type && 'title' in s && (typeof title === 'string' ? s.title === title : title.test(s.title)));
  if (hit === undefined) throw new Error(`no ${type} section titled ${String(title)}; there are: ${data.sections.map((s) => `${s.type} "${s.title}"`).join(', ')}`);
  return hit as Extract<Section, { type: T }>;
}
