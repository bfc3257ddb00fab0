import type { LoadedRun } from '../app/market.js';
import { POLICY_EXPLANATION } from '../app/data-report.js';

/** The data check of a run as the log prints it (the JSON has dataCheckJson). */
export function dataCheckLines(run: LoadedRun): string[] {
  const lines: string[] = [];
  const byCode = new Map<string, number>();
  for (const i of run.issues) byCode.set(i.code, (byCode.get(i.code) ?? 0) + 1);
  const errors = run.issues.filter((i) => i.severity === 'error').length;
  const masked = run.report.reduce((a, r) => a + r.masked, 0);
  const skipped = run.report.filter((r) => r.status === 'skipped').map((r) => r.symbol);
  const flagged = run.report.filter((r) => r.errors + r.warnings > 0).length;
  lines.push(`data check (--on-bad-data ${run.source.badDataPolicy}): ${POLICY_EXPLANATION[run.source.badDataPolicy]}`);
  if (run.source.kind === 'demo') {
    lines.push('  demo market: generated bars, checked by construction');
  } else if (run.issues.length === 0) {
    lines.push('  no issues found');
  } else {
    const codes = [...byCode.entries()].sort().map(([c, n]) => `${c} ${n}`).join(', ');
    lines.push(`  ${run.issues.length} issues (${errors} errors) in ${flagged} symbols: ${codes}`);
    if (masked > 0) lines.push(`  MASKED ${masked} bars`);
    const gaps = byCode.get('LARGE_GAP') ?? 0;
    if (gaps > 0) {
      lines.push(`  LARGE_GAP ${gaps}: price moves over 50% that stayed (merger, spin-off or crash?); kept, and trades held across them are flagged`);
    }
    if (skipped.length > 0) lines.push(`  SKIPPED ${skipped.length} symbols: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', ...' : ''}`);
    lines.push('  details: kobe data verify (same flags)');
  }
  for (const note of run.notes) lines.push(`note: ${note}`);
  return lines;
}
