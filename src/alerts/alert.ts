/**
 * The alert value and its two wire shapes: Telegram message text (parse_mode HTML) and the
 * generic JSON webhook body. Formatting is pure: the caller stamps `at` (nothing here reads the
 * clock), so the same alert always formats to the same bytes.
 */

export const ALERT_KINDS = ['pipeline-failure', 'breaker-tripped', 'kill-switch', 'trade-of-day', 'info'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const isAlertKind = (x: string): x is AlertKind => (ALERT_KINDS as readonly string[]).includes(x);

export interface Alert {
  readonly kind: AlertKind;
  /** One line; the message's bold header in Telegram. */
  readonly title: string;
  /** Body lines, shown in order. */
  readonly lines: readonly string[];
  /** When the event happened, ISO 8601 UTC (`2024-01-16T21:05:00.000Z`). */
  readonly at: string;
  /** The trading day the event belongs to (`YYYY-MM-DD`), when there is one. */
  readonly date?: string;
}

/** The generic webhook's JSON body. `date` is null (not absent) when the alert has none. */
export interface AlertJsonBody {
  readonly kind: AlertKind;
  readonly title: string;
  /** The whole alert as plain text (title, date, lines), for receivers that show one string. */
  readonly text: string;
  readonly lines: readonly string[];
  readonly at: string;
  readonly date: string | null;
  readonly source: 'kobe';
}

/**
 * Telegram's limit for sendMessage text, counted after entity parsing. The escaped text we
 * measure is never shorter than the parsed text, so staying under it on the escaped string is safe.
 */
export const TELEGRAM_TEXT_MAX_CHARS = 4096;

/** A title longer than this is cut: it is a header, and the body must still fit. */
const TITLE_MAX_CHARS = 200;
/**
 * A body line longer than this is cut (a stack trace pasted into one line). Escaping can grow a
 * line fivefold (`&` -> `&amp;`), and header, title and the first line must fit in 4096.
 */
const LINE_MAX_CHARS = 500;
/** Longest `… N more lines in the alerts log`. */
const MARKER_MAX_CHARS = 40;

const LABELS: Readonly<Record<AlertKind, string>> = {
  'pipeline-failure': '🔴 pipeline failure',
  'breaker-tripped': '🛑 circuit breaker tripped',
  'kill-switch': '⛔ kill switch engaged',
  'trade-of-day': '📈 trade of the day',
  info: 'ℹ️ info',
};

/**
 * Telegram's HTML mode rejects a message with a bare `<` or `&` ("can't parse entities"), so
 * every piece of alert text is escaped; `"` needs no escaping outside tag attributes.
 */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` cut to `max` UTF-16 units with an ellipsis, never between the halves of a surrogate pair (an emoji). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** `kobe · <label> · <date>` then the title; shared by both formats. */
const headerOf = (alert: Alert): string => `kobe · ${LABELS[alert.kind]}${alert.date === undefined ? '' : ` · ${alert.date}`}`;

/** The alert as plain text: header, title, lines. */
export function alertPlainText(alert: Alert): string {
  return [headerOf(alert), clip(alert.title, TITLE_MAX_CHARS), ...alert.lines].join('\n');
}

/**
 * The Telegram message text: a bold header and title, then the lines, all escaped. Each line is
 * clipped to LINE_MAX_CHARS, and lines that would pass `maxChars` are dropped whole and counted
 * in a last line, so a long failure report still arrives (Telegram answers 400 "message is too
 * long" otherwise) and is never cut inside an `&amp;`.
 */
export function formatTelegramText(alert: Alert, maxChars = TELEGRAM_TEXT_MAX_CHARS): string {
  const head = `<b>${escapeTelegramHtml(headerOf(alert))}</b>\n<b>${escapeTelegramHtml(clip(alert.title, TITLE_MAX_CHARS))}</b>`;
  const out = [head];
  let length = head.length;
  const n = alert.lines.length;
  for (let i = 0; i < n; i++) {
    const line = escapeTelegramHtml(clip(alert.lines[i], LINE_MAX_CHARS));
    // Keep room for the marker while more lines follow, so it always fits when we stop.
    const reserve = i < n - 1 ? 1 + MARKER_MAX_CHARS : 0;
    if (length + 1 + line.length + reserve > maxChars) {
      out.push(`… ${n - i} more line${n - i === 1 ? '' : 's'} in the alerts log`);
      break;
    }
    out.push(line);
    length += 1 + line.length;
  }
  return out.join('\n');
}

/** The generic webhook body. */
export function formatJsonBody(alert: Alert): AlertJsonBody {
  return {
    kind: alert.kind,
    title: alert.title,
    text: alertPlainText(alert),
    lines: [...alert.lines],
    at: alert.at,
    date: alert.date ?? null,
    source: 'kobe',
  };
}

// ---- Builders for the events the daily pipeline reports. Each takes `at` from the caller. ----

interface When {
  /** ISO timestamp of the event. */
  readonly at: string;
  /** Trading day, YYYY-MM-DD. */
  readonly date?: string;
}

const withDate = (when: When) => (when.date === undefined ? { at: when.at } : { at: when.at, date: when.date });

/** A failed pipeline step. `error` may be anything thrown; its message is quoted (callers redact). */
export function pipelineFailureAlert(input: When & { readonly step: string; readonly error: unknown; readonly hint?: string }): Alert {
  const e = input.error;
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : null;
  const message = e instanceof Error ? e.message : String(e);
  const lines = [`step: ${input.step}`, `error: ${message}${code === null ? '' : ` [${code}]`}`];
  if (input.hint !== undefined) lines.push(`hint: ${input.hint}`);
  return { kind: 'pipeline-failure', title: `daily pipeline failed at ${input.step}`, lines, ...withDate(input) };
}

/** The circuit breaker moved to HALTED (`trip` is risk/circuit-breaker's BreakerTrip). */
export function breakerTrippedAlert(input: When & { readonly trip: { readonly code: string; readonly detail: string } }): Alert {
  return {
    kind: 'breaker-tripped',
    title: `circuit breaker tripped: ${input.trip.code}`,
    lines: [input.trip.detail, 'new orders are denied until a person resets it (kobe risk reset --reason ...)'],
    ...withDate(input),
  };
}

/** The kill switch is engaged; `reason` is what its file says. */
export function killSwitchAlert(input: When & { readonly reason: string }): Alert {
  return {
    kind: 'kill-switch',
    title: 'kill switch engaged: no orders will be sent',
    lines: [`reason: ${input.reason}`],
    ...withDate(input),
  };
}

export interface TradeOfDay {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly strategy: string;
  readonly qty?: number;
  readonly limitPriceUsd?: number;
  readonly stopPriceUsd?: number;
  readonly targetPriceUsd?: number;
  /** Why it ranked first (signal strength, score...). */
  readonly reason?: string;
}

const usd = (x: number): string => `$${x.toFixed(2)}`;

/** The day's top pick. */
export function tradeOfDayAlert(input: When & { readonly trade: TradeOfDay }): Alert {
  const t = input.trade;
  const lines = [`${t.side.toUpperCase()} ${t.qty === undefined ? '' : `${t.qty} `}${t.symbol}${t.limitPriceUsd === undefined ? '' : ` limit ${usd(t.limitPriceUsd)}`}`, `strategy: ${t.strategy}`];
  if (t.stopPriceUsd !== undefined) lines.push(`stop: ${usd(t.stopPriceUsd)}`);
  if (t.targetPriceUsd !== undefined) lines.push(`target: ${usd(t.targetPriceUsd)}`);
  if (t.reason !== undefined) lines.push(`why: ${t.reason}`);
  return { kind: 'trade-of-day', title: `${t.side} ${t.symbol}`, lines, ...withDate(input) };
}
