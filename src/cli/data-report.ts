import type { LoadedRun } from './market-source.js';

/**
 * Why `mask` is the default: a bad tick traded as if real is a fake fill, and failing the whole
 * run over a handful of bars in 3 million makes real data unusable. Masking drops exactly the
 * flagged bars (they become missing sessions, so no signal or fill can use them) and keeps the
 * rest of the symbol. It is printed on every run so nobody is surprised by it.
 */
export const POLICY_EXPLANATION: Record<string, string> = {
  mask: 'flagged bars are dropped (treated as missing sessions): nothing trades on them',
  warn: 'flagged bars are KEPT and may be traded on: results can include fills on bad ticks',
  'skip-symbol': 'symbols with any error are left out entirely',
  fail: 'any error stops the run',
};

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

export function dataCheckJson(run: LoadedRun) {
  const byCode: Record<string, number> = {};
  for (const i of run.issues) byCode[i.code] = (byCode[i.code] ?? 0) + 1;
  return {
    policy: run.source.badDataPolicy,
    policyMeaning: POLICY_EXPLANATION[run.source.badDataPolicy],
    issues: run.issues.length,
    byCode,
    maskedBars: run.report.reduce((a, r) => a + r.masked, 0),
    skippedSymbols: run.report.filter((r) => r.status === 'skipped').map((r) => r.symbol),
    // The JSON result keeps what loadRunMarket said on stderr (a cut --end, symbols left out).
    notes: [...run.notes, ...run.warnings],
  };
}
