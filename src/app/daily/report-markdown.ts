import type { DailyReport } from './steps/report.js';

const usd = (x: number | null): string => (x === null ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const row = (cells: readonly (string | number | null)[]): string => `| ${cells.map((c) => (c === null ? '' : String(c))).join(' | ')} |`;

/** The end-of-day report as Markdown (what a person reads; the JSON beside it is for machines). */
export function renderDailyReportMarkdown(r: DailyReport): string {
  const out: string[] = [];
  out.push(`# kobe daily: ${r.tradingDate}${r.replay ? ' (replay)' : ''}`, '');
  out.push(`Signals from the ${r.signalDate} close; broker ${r.broker}; written ${r.generatedAt}.`, '');
  out.push('## Account', '');
  out.push(row(['cash', 'equity (at the close)', 'starting cash', 'realized today']), row(['---:', '---:', '---:', '---:']));
  out.push(row([usd(r.account.cashUsd), usd(r.account.equityUsd), usd(r.account.startingCashUsd), usd(r.realizedTodayUsd)]), '');
  out.push(`Risk: kill switch ${r.risk.killSwitch ? '**ENGAGED**' : 'off'}, circuit breaker ${r.risk.breaker}.`, '');
  out.push('## Positions', '');
  if (r.positions.length === 0) out.push('None.', '');
  else {
    out.push(row(['symbol', 'shares', 'entry', 'close', 'unrealized', 'strategy', 'since']), row(['---', '---:', '---:', '---:', '---:', '---', '---']));
    for (const p of r.positions) out.push(row([p.symbol, p.qty, usd(p.avgEntryPriceUsd), usd(p.closeUsd), usd(p.unrealizedUsd), p.strategy, p.entryDate]));
    out.push('');
  }
  out.push("## Today's orders", '');
  if (r.orders.length === 0) out.push('None.', '');
  else {
    out.push(row(['symbol', 'side', 'intent', 'shares', 'state', 'filled', 'avg price']), row(['---', '---', '---', '---:', '---', '---:', '---:']));
    for (const o of r.orders) out.push(row([o.symbol, o.side, o.intent, o.qty, o.state, o.filledQty, usd(o.avgFillPrice)]));
    out.push('');
  }
  out.push('## Closed today', '');
  if (r.closedToday.length === 0) out.push('None.', '');
  else {
    out.push(row(['symbol', 'strategy', 'entered', 'entry', 'exit', 'shares', 'reason', 'P&L']), row(['---', '---', '---', '---:', '---:', '---:', '---', '---:']));
    for (const t of r.closedToday) out.push(row([t.symbol, t.strategy, t.entryDate, usd(t.entryPrice), usd(t.exitPrice), t.shares, t.reason, usd(t.pnlUsd)]));
    out.push('');
  }
  out.push('## Monitoring', '');
  out.push(...r.monitoring.markdown, '');
  if (r.challenger !== null) {
    const c = r.challenger;
    out.push('## Champion and challenger', '');
    out.push(`Policy ${c.policy}, since ${c.since ?? 'n/a'}: ${c.verdict}.`, '');
    out.push(row(['', 'strategies', 'picks', 'arm A trades', 'arm A P&L', 'arm B trades', 'arm B P&L']), row(['---', '---', '---:', '---:', '---:', '---:', '---:']));
    for (const [name, s] of [['champion', c.champion], ['challenger', c.challenger]] as const) {
      out.push(row([name, s.strategies.join(', '), s.picks, s.arms.A.trades, usd(s.arms.A.pnlUsd), s.arms.B.trades, usd(s.arms.B.pnlUsd)]));
    }
    out.push('');
  }
  out.push('## Steps', '');
  out.push(row(['step', 'status', 'attempts']), row(['---', '---', '---:']));
  for (const s of r.steps) out.push(row([s.step, s.status, s.attempts]));
  out.push('');
  return `${out.join('\n')}\n`;
}
