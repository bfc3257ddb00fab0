import { KobeError } from '../../core/errors.js';
import { redactSecrets } from '../../core/redact.js';

/**
 * GET with bounded retries, shared by the providers. Retries HTTP 429 and 5xx and network
 * errors (including timeouts); every other status is returned for the provider to interpret.
 * Sleep and backoff are injectable so tests run without waiting.
 */
export interface HttpOptions {
  /** Retries after the first attempt; default 4. */
  readonly maxRetries?: number;
  /** Delay before retry `attempt` (1-based) when the server sends no Retry-After; default 1 s, 2 s, 4 s ... capped at 30 s. */
  readonly backoffMs?: (attempt: number) => number;
  /** Longest Retry-After honoured, ms; default 60 s. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout, ms; default 30 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

export const defaultBackoffMs = (attempt: number): number => Math.min(30_000, 1000 * 2 ** (attempt - 1));
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/** Seconds or an HTTP date, as ms from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers): number | null {
  const v = headers.get('retry-after');
  if (v === null) return null;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * `what` names the request in errors (it must not contain secrets such as an API key). Throws
 * NETWORK_ERROR when the last attempt failed without a response; otherwise returns the last
 * response, which is a 429/5xx when the retries ran out. `headers` are added to (or replace)
 * the default ones, for a provider that needs its own (Yahoo answers 429 to unknown agents).
 */
export async function getWithRetry(url: string, what: string, options: HttpOptions = {}, headers: Readonly<Record<string, string>> = {}): Promise<HttpResponse> {
  const maxRetries = options.maxRetries ?? 4;
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const sleep = options.sleep ?? realSleep;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 60_000;

  for (let attempt = 0; ; attempt++) {
    let response: HttpResponse | null = null;
    let failure: unknown = null;
    try {
      const res = await doFetch(url, {
        headers: { 'user-agent': 'kobe-research-toolkit', accept: '*/*', ...headers },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
      response = { status: res.status, body: await res.text(), headers: res.headers };
    } catch (e) {
      failure = e;
    }
    const retryable = response === null || RETRYABLE.has(response.status);
    if (!retryable && response !== null) return response;
    if (attempt >= maxRetries) {
      if (response !== null) return response;
      const reason = failure instanceof Error ? (failure.cause instanceof Error ? failure.cause.message : failure.message) : String(failure);
      throw new KobeError('NETWORK_ERROR', redactSecrets(`${what}: request failed after ${attempt + 1} attempts: ${reason}`), {
        kind: 'runtime',
        cause: failure,
        hint: 'check the network connection and the provider base URL',
      });
    }
    const hinted = response === null ? null : retryAfterMs(response.headers);
    await sleep(hinted === null ? backoff(attempt + 1) : Math.min(hinted, maxRetryAfter));
  }
}

/**
 * The start of a response body for an error message, on one line, with secrets redacted (an
 * error page may repeat the request URL and its API key).
 */
export function bodySnippet(body: string, max = 200): string {
  const one = redactSecrets(body.slice(0, 4 * max + 256).replace(/\s+/g, ' ').trim());
  return one.length > max ? `${one.slice(0, max)}...` : one;
}
