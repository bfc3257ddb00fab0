import type { MarkerStatus, PlanStatus, StatusReport } from './status.js';

const usd = (x: number | null): string => (x === null ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const cell = (c: string | number | null): string => (c === null ? '' : String(c).replace(/\|/g, '\\|').replace(/\n/g, ' '));
const row = (cells: readonly (string | number | null)[]): string => `| ${cells.map(cell).join(' | ')} |`;

/** A plan's stop or target: the level and, beside it, the distance it came from. */
export function levelText(price: number | null, dist: number | null): string {
  if (dist === null) return 'none';
  return price === null ? `dist ${usd(dist)}` : `${usd(price)} (dist ${usd(dist)})`;
}

/** A step marker in a few words: status, attempts, when it finished, its error. */
export function markerText(m: MarkerStatus | null): string {
  if (m === null) return 'not run';
  const status = m.interrupted ? 'interrupted (marked running, no run holds the lock)' : m.status;
  const attempts = m.attempts > 1 ? `, attempt ${m.attempts}` : '';
  const when = m.finishedAt === null ? '' : `, ${m.finishedAt}`;
  return `${status}${attempts}${when}${m.error === null ? '' : `: ${m.error}`}`;
}

export function lockText(r: StatusReport['lock']): string {
  if (!r.held) return 'free (no run in progress)';
  const h = r.holder;
  const who = h === null ? 'an unreadable lock file' : `pid ${h.pid} on ${h.host}${h.startedAt === null ? '' : ` since ${h.startedAt}`}`;
  const state = r.stale ? 'STALE: its process is gone; the next kobe daily breaks it' : r.alive === true ? 'running' : 'liveness unknown (another host)';
  return `held by ${who}: ${state}`;
}

export function killSwitchText(k: StatusReport['risk']['killSwitch']): string {
  if (!k.engaged) return 'off';
  const why = [k.detail?.reason, k.detail?.at === undefined ? undefined : `since ${k.detail.at}`].filter((x) => x !== undefined).join(', ');
  return `ENGAGED${why === '' ? '' : ` (${why})`}`;
}

export function breakerText(r: StatusReport['risk']): string {
  if (r.breaker === null) return 'n/a (no database)';
  return `${r.breaker.state}${r.breaker.reason === null ? '' : ` (${r.breaker.reason})`}`;
}

export function planProtection(p: PlanStatus): string {
  return p.protectClientOrderId === null ? 'none' : `${p.protectClientOrderId}${p.protectionState === null ? '' : ` (${p.protectionState})`}`;
}

/** The status as Markdown (STATUS.md): the same sections as the text tables. */
export function renderStatusMarkdown(r: StatusReport): string {
  const out: string[] = [];
  out.push(`# kobe status: ${r.tradingDate}`, '');
  out.push(`Written ${r.generatedAt}. Trading day ${r.tradingDate}${r.closed === null ? '' : ` (not a session: ${r.closed})`}; database ${r.database.exists ? r.database.path : 'none yet'}.`, '');
  for (const n of r.notes) out.push(`- ${n}`);
  if (r.notes.length > 0) out.push('');

  out.push('## Positions', '');
  const b = r.broker;
  out.push(`Broker ${b.name ?? 'none'}${b.cashUsd === null ? '' : `, cash ${usd(b.cashUsd)}`}${b.note === null ? '' : `: ${b.note}`}.`, '');
  const omsQty = new Map(r.omsPositions.map((p) => [p.symbol, p.qty]));
  const symbols = [...new Set([...b.positions.map((p) => p.symbol), ...r.omsPositions.map((p) => p.symbol)])].sort();
  if (symbols.length === 0) out.push('None.', '');
  else {
    out.push(row(['symbol', 'broker shares', 'avg entry', 'OMS shares']), row(['---', '---:', '---:', '---:']));
    for (const s of symbols) {
      const p = b.positions.find((x) => x.symbol === s);
      out.push(row([s, p === undefined ? (b.fetched ? 0 : 'n/a') : p.qty, p === undefined ? '' : usd(p.avgEntryPriceUsd), omsQty.get(s) ?? 0]));
    }
    out.push('');
  }

  out.push('## Plans', '');
  if (r.plans.length === 0) out.push('None open.', '');
  else {
    out.push(row(['symbol', 'strategy', 'status', 'shares', 'entered', 'entry', 'stop', 'target', 'time exit', 'protection']), row(['---', '---', '---', '---:', '---', '---:', '---', '---', '---:', '---']));
    for (const p of r.plans) {
      out.push(row([p.symbol, p.strategy, p.status, p.shares, p.entryDate, usd(p.entryPrice), levelText(p.stopPriceUsd, p.stopDist), levelText(p.targetPriceUsd, p.targetDist), `${p.timeExitBars} bars`, planProtection(p)]));
    }
    out.push('');
  }

  out.push(`## Orders on ${r.tradingDate}`, '');
  if (r.orders.length === 0) out.push('None.', '');
  else {
    out.push(row(['order', 'symbol', 'side', 'intent', 'type', 'shares', 'state', 'filled', 'avg price', 'fills']), row(['---', '---', '---', '---', '---', '---:', '---', '---:', '---:', '---']));
    for (const o of r.orders) {
      const fills = o.fills.map((f) => `${f.qty} @ ${usd(f.price)}`).join(', ');
      out.push(row([o.clientOrderId, o.symbol, o.side, o.intent, o.orderType, o.qty, o.state, o.filledQty, usd(o.avgFillPrice), fills === '' ? 'none' : fills]));
    }
    out.push('');
  }

  out.push('## Risk', '');
  out.push(`- circuit breaker: ${breakerText(r.risk)}`);
  out.push(`- order errors in the trading day: ${r.risk.errorsToday ?? 'n/a'}`);
  out.push(`- kill switch: ${killSwitchText(r.risk.killSwitch)}`, '');

  out.push('## Steps', '');
  out.push(row(['step', r.tradingDate, 'last run', 'last date']), row(['---', '---', '---', '---']));
  for (const s of r.steps) out.push(row([s.step, markerText(s.today), markerText(s.last), s.last?.tradingDate ?? '']));
  out.push('');

  out.push('## Lock', '');
  out.push(`${r.lock.file}: ${lockText(r.lock)}.`, '');

  out.push('## Alerts', '');
  out.push(`${r.alerts.total} alert(s) in ${r.alerts.file}; ${r.alerts.pending} not delivered.`, '');
  if (r.alerts.recent.length > 0) {
    out.push(row(['at', 'kind', 'title', 'outcome']), row(['---', '---', '---', '---']));
    for (const a of r.alerts.recent) out.push(row([a.at, a.kind, a.title, `${a.outcome}${a.detail === null ? '' : ` (${a.detail})`}`]));
    out.push('');
  }

  out.push('## Reports', '');
  out.push(`- newest end-of-day report: ${r.reports.newest === null ? `none in ${r.reports.dir}` : r.reports.newest.markdown}`);
  const day = r.reports.tradingDay;
  out.push(`- report of ${r.tradingDate}: ${day === null ? 'not written' : day.markdown}`);
  if (day !== null) out.push(`- pages of ${r.tradingDate}: end of day ${day.html ?? 'not written'}, morning ${day.morning ?? 'not written'}`);
  out.push('');
  return `${out.join('\n')}\n`;
}
