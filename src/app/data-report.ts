import type { LoadedRun } from './market.js';

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
    // The JSON result keeps what loadRunMarket said on stderr (a cut end, symbols left out).
    notes: [...run.notes, ...run.warnings],
  };
}
