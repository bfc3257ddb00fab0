import { redactDeep, redactSecrets } from '../core/redact.js';
import { type Alert, formatJsonBody, formatTelegramText } from './alert.js';
import { type AlertConfig, alertSecrets } from './config.js';

/**
 * One alert to one webhook, retried, bounded in time, and never throwing: the daily pipeline
 * awaits it on its way to reporting a failure, so an alert that cannot be sent must come back
 * as a value, not as a second failure, and a dead webhook must not hold the pipeline.
 *
 * - Retried: network errors, per-attempt time-outs, 408, 429 and 5xx. Any other 4xx (a wrong
 *   token or chat id) is final: repeating it cannot help.
 * - A 429's wait comes from Telegram's `parameters.retry_after` (seconds, in the JSON body) or an
 *   HTTP Retry-After header; a wait longer than `maxRetryAfterMs` or past the deadline is not
 *   waited out: the alert fails at once with ALERT_RATE_LIMITED.
 * - Otherwise exponential backoff with equal jitter from the injected rng.
 * - Each attempt is aborted after `config.attemptTimeoutMs`; no attempt starts or waits past
 *   `config.deadlineMs` from the call, so the whole call ends within about the deadline.
 * - A retry after a lost answer can deliver a message twice; for alerts a duplicate is better
 *   than a silence.
 *
 * Secrets (the bot token in the URL path, a webhook URL, a bearer token) are redacted from the
 * alert before it is sent and from every detail returned.
 */
export type AlertFailureCode =
  /** 4xx other than 408/429: bad token, unknown chat, malformed message. Not retried. */
  | 'ALERT_REJECTED'
  /** 429 with a wait longer than allowed, or still 429 when the attempts ran out. */
  | 'ALERT_RATE_LIMITED'
  /** 5xx on the last attempt. */
  | 'ALERT_SERVER_ERROR'
  /** No answer: connection refused, DNS, reset. */
  | 'ALERT_NETWORK_ERROR'
  /** The last attempt ran out of time. */
  | 'ALERT_TIMEOUT'
  /** A 2xx that is not a success (Telegram `"ok": false`, or not JSON). Not retried. */
  | 'ALERT_BAD_RESPONSE'
  /** The overall deadline stopped the retries; the detail says what failed last. */
  | 'ALERT_DEADLINE'
  /** A bug or an injected dependency threw; reported, not thrown. */
  | 'ALERT_INTERNAL';

export type AlertDelivery =
  | { readonly ok: true; readonly attempts: number; readonly status: number }
  | { readonly ok: false; readonly attempts: number; readonly code: AlertFailureCode; readonly detail: string; readonly status: number | null };

export interface SendAlertDeps {
  readonly fetch?: typeof globalThis.fetch;
  /** Waits between attempts; tests record the waits instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the backoff jitter. */
  readonly rng?: () => number;
  /** A monotonic clock in ms, for the deadline. */
  readonly now?: () => number;
  /** Attempts in all, the first included; default 4. */
  readonly maxAttempts?: number;
  /** Backoff before retry n is about backoffBaseMs * 2^(n-1), capped at backoffMaxMs; defaults 250 and 2000. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Longest server-requested wait (retry_after, Retry-After) honoured, ms; default 5000. */
  readonly maxRetryAfterMs?: number;
}

const DETAIL_MAX_CHARS = 300;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one attempt came to. */
type Attempt =
  | { readonly kind: 'ok'; readonly status: number }
  | { readonly kind: 'final'; readonly code: AlertFailureCode; readonly detail: string; readonly status: number | null }
  | { readonly kind: 'retry'; readonly code: AlertFailureCode; readonly detail: string; readonly status: number | null; readonly waitMs: number | null };

interface WireRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Turns an HTTP answer into an attempt outcome. */
  readonly judge: (status: number, headers: Headers, body: string) => Attempt;
}

/** Sends `alert` as `config` says. Never throws; resolves within about `config.deadlineMs`. */
export async function sendAlert(alert: Alert, config: AlertConfig, deps: SendAlertDeps = {}): Promise<AlertDelivery> {
  const secrets = alertSecrets(config);
  const clean = (text: string): string => clipDetail(redactSecrets(text, secrets));
  let attempts = 0;
  try {
    const safeAlert = redactDeep(alert, secrets);
    return await deliver(wireRequest(safeAlert, config), config, deps, clean, () => ++attempts);
  } catch (e) {
    return { ok: false, attempts, code: 'ALERT_INTERNAL', detail: clean(`alert not sent: ${e instanceof Error ? e.message : String(e)}`), status: null };
  }
}

async function deliver(
  request: WireRequest,
  config: AlertConfig,
  deps: SendAlertDeps,
  clean: (text: string) => string,
  countAttempt: () => number,
): Promise<AlertDelivery> {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? realSleep;
  const rng = deps.rng ?? Math.random;
  const now = deps.now ?? (() => performance.now());
  const maxAttempts = Math.max(1, deps.maxAttempts ?? 4);
  const baseMs = deps.backoffBaseMs ?? 250;
  const capMs = deps.backoffMaxMs ?? 2000;
  const maxRetryAfterMs = deps.maxRetryAfterMs ?? 5000;
  const deadline = now() + config.deadlineMs;

  for (;;) {
    const attempt = countAttempt();
    const timeoutMs = Math.min(config.attemptTimeoutMs, Math.max(1, deadline - now()));
    const outcome = await attemptOnce(doFetch, request, timeoutMs);
    if (outcome.kind === 'ok') return { ok: true, attempts: attempt, status: outcome.status };
    const fail = (code: AlertFailureCode, detail: string): AlertDelivery => ({ ok: false, attempts: attempt, code, detail: clean(detail), status: outcome.status });
    if (outcome.kind === 'final') return fail(outcome.code, outcome.detail);
    if (attempt >= maxAttempts) return fail(outcome.code, `${outcome.detail} (gave up after ${attempt} attempts)`);

    let waitMs: number;
    if (outcome.waitMs !== null) {
      if (outcome.waitMs > maxRetryAfterMs) {
        return fail('ALERT_RATE_LIMITED', `${outcome.detail}; the server asks to wait ${seconds(outcome.waitMs)}, more than the ${seconds(maxRetryAfterMs)} allowed`);
      }
      waitMs = outcome.waitMs;
    } else {
      const expMs = Math.min(capMs, baseMs * 2 ** (attempt - 1));
      waitMs = Math.round(expMs / 2 + rng() * (expMs / 2));
    }
    // The next attempt needs some time after the wait to be worth starting.
    const left = deadline - now();
    if (waitMs + MIN_ATTEMPT_MS > left) {
      const why = outcome.waitMs !== null ? 'ALERT_RATE_LIMITED' : 'ALERT_DEADLINE';
      return fail(why, `${outcome.detail}; stopped after ${attempt} attempt${attempt === 1 ? '' : 's'}: the ${seconds(config.deadlineMs)} deadline leaves no time to retry`);
    }
    await sleep(waitMs);
  }
}

/** An attempt with less time than this is not started. */
const MIN_ATTEMPT_MS = 20;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;

function clipDetail(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > DETAIL_MAX_CHARS ? `${one.slice(0, DETAIL_MAX_CHARS)}...` : one;
}

/**
 * One POST, aborted after `timeoutMs`. The abort signal covers the body too; the race covers a
 * fetch that ignores its signal, so the time bound never depends on the fetch implementation.
 */
async function attemptOnce(doFetch: typeof globalThis.fetch, request: WireRequest, timeoutMs: number): Promise<Attempt> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Attempt>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ kind: 'retry', code: 'ALERT_TIMEOUT', detail: `no answer within ${timeoutMs} ms`, status: null, waitMs: null });
    }, timeoutMs);
  });
  const exchange = (async (): Promise<Attempt> => {
    try {
      const res = await doFetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal, redirect: 'manual' });
      const body = await res.text();
      return request.judge(res.status, res.headers, body);
    } catch (e) {
      if (controller.signal.aborted) return { kind: 'retry', code: 'ALERT_TIMEOUT', detail: `no answer within ${timeoutMs} ms`, status: null, waitMs: null };
      return { kind: 'retry', code: 'ALERT_NETWORK_ERROR', detail: `request failed: ${networkReason(e)}`, status: null, waitMs: null };
    }
  })();
  try {
    return await Promise.race([exchange, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** `ECONNREFUSED 127.0.0.1:9` rather than undici's bare "fetch failed". */
function networkReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause !== undefined && cause !== null) {
    if (typeof cause.message === 'string' && cause.message !== '') return cause.message;
    if (typeof cause.code === 'string') return cause.code;
  }
  return e.message;
}

// ---- Wire formats ----

function wireRequest(alert: Alert, config: AlertConfig): WireRequest {
  if (config.kind === 'telegram') {
    return {
      url: `${config.baseUrl}/bot${config.botToken}/sendMessage`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ chat_id: config.chatId, text: formatTelegramText(alert), parse_mode: 'HTML', disable_web_page_preview: true }),
      judge: judgeTelegram,
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, */*', 'user-agent': 'kobe-alerts' };
  if (config.bearerToken !== null) headers.authorization = `Bearer ${config.bearerToken}`;
  return { url: config.url, headers, body: JSON.stringify(formatJsonBody(alert)), judge: judgeJson };
}

const RETRY_STATUS = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Telegram's error object: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`. */
interface TelegramAnswer {
  readonly ok?: unknown;
  readonly description?: unknown;
  readonly parameters?: { readonly retry_after?: unknown; readonly migrate_to_chat_id?: unknown };
}

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
};

/** `parameters.retry_after` / `retry_after` in the body (seconds), else the Retry-After header. */
function waitHintMs(answer: unknown, headers: Headers): number | null {
  if (answer !== null && typeof answer === 'object') {
    const a = answer as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const s = typeof a.parameters?.retry_after === 'number' ? a.parameters.retry_after : a.retry_after;
    if (typeof s === 'number' && Number.isFinite(s) && s >= 0) return Math.ceil(s * 1000);
  }
  return retryAfterHeaderMs(headers.get('retry-after'));
}

/**
 * Retry-After as delay-seconds or an HTTP date, in ms from `epochNowMs` (the wall clock: an
 * HTTP date is wall-clock time); null when absent or unreadable.
 */
export function retryAfterHeaderMs(value: string | null, epochNowMs: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - epochNowMs);
}

const snippet = (body: string): string => {
  const one = body.slice(0, 400).replace(/\s+/g, ' ').trim();
  return one === '' ? '(empty body)' : one.length > 160 ? `${one.slice(0, 160)}...` : one;
};

function judgeTelegram(status: number, headers: Headers, body: string): Attempt {
  const answer = parseJson(body) as TelegramAnswer | null;
  const description = answer !== null && typeof answer === 'object' && typeof answer.description === 'string' ? answer.description : snippet(body);
  const detail = `Telegram answered HTTP ${status}: ${description}`;
  if (status >= 200 && status < 300) {
    if (answer !== null && typeof answer === 'object' && answer.ok === true) return { kind: 'ok', status };
    return { kind: 'final', code: 'ALERT_BAD_RESPONSE', detail: `${detail} (not {"ok": true})`, status };
  }
  if (status === 429) return { kind: 'retry', code: 'ALERT_RATE_LIMITED', detail, status, waitMs: waitHintMs(answer, headers) };
  if (RETRY_STATUS(status)) return { kind: 'retry', code: 'ALERT_SERVER_ERROR', detail, status, waitMs: null };
  return { kind: 'final', code: 'ALERT_REJECTED', detail: `${detail}${telegramHint(status, description, answer)}`, status };
}

/** Which variable to look at, from Telegram's documented answers. */
function telegramHint(status: number, description: string, answer: TelegramAnswer | null): string {
  const migrated = answer?.parameters?.migrate_to_chat_id;
  if (typeof migrated === 'number') return ` (the group became a supergroup: set TELEGRAM_CHAT_ID=${migrated})`;
  if (status === 401 || status === 404) return ' (check TELEGRAM_BOT_TOKEN)';
  if (/chat not found|chat_id is empty|bot was blocked|not a member|kicked/i.test(description)) return ' (check TELEGRAM_CHAT_ID and that the bot may post there)';
  return '';
}

function judgeJson(status: number, headers: Headers, body: string): Attempt {
  const detail = `webhook answered HTTP ${status}: ${snippet(body)}`;
  if (status >= 200 && status < 300) return { kind: 'ok', status };
  if (status === 429) return { kind: 'retry', code: 'ALERT_RATE_LIMITED', detail, status, waitMs: waitHintMs(parseJson(body), headers) };
  if (RETRY_STATUS(status)) return { kind: 'retry', code: 'ALERT_SERVER_ERROR', detail, status, waitMs: null };
  if (status >= 300 && status < 400) {
    return { kind: 'final', code: 'ALERT_REJECTED', detail: `webhook answered a redirect (HTTP ${status}); alerts do not follow redirects: set KOBE_ALERT_WEBHOOK_URL to the final address`, status };
  }
  const hint = status === 401 || status === 403 ? ' (check KOBE_ALERT_WEBHOOK_TOKEN)' : '';
  return { kind: 'final', code: 'ALERT_REJECTED', detail: `${detail}${hint}`, status };
}
