import type { ReportData } from '../../report/report-data.js';
import { chartLibrary, readWebFile } from '../web-assets.js';

/** `<` inside an inline script would let data end the script element; JSON allows it escaped. */
const scriptSafeJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** A library's text inside <script>: only a literal `</script` could end it early. */
const scriptSafe = (code: string): string => code.replace(/<\/script/gi, '<\\/script');

const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * One self-contained HTML file: the template of web/report/ with its stylesheet, uPlot and the
 * page script inlined, and the report's data as a JSON block. Opens from the file system with no
 * network.
 */
export function renderReportHtml(data: ReportData): string {
  const lib = chartLibrary();
  const parts: Record<string, string> = {
    '{{TITLE}}': htmlEscape(data.title),
    '{{STYLE}}': `${lib.css}\n${readWebFile('report/report.css')}`,
    '{{DATA}}': scriptSafeJson(data),
    '{{SCRIPT}}': scriptSafe(`${lib.js}\n${readWebFile('report/report.js')}`),
  };
  // Markers are found in the template alone, so a marker-like text inside inlined data stays text.
  const template = readWebFile('report/report.html');
  const found = Object.keys(parts).map((marker) => {
    const at = template.indexOf(marker);
    if (at < 0) throw new Error(`web/report/report.html lacks the ${marker} marker`);
    return { marker, at };
  });
  found.sort((a, b) => a.at - b.at);
  let html = '';
  let from = 0;
  for (const { marker, at } of found) {
    html += template.slice(from, at) + parts[marker];
    from = at + marker.length;
  }
  return html + template.slice(from);
}
